"""The sync loop: sources, token hygiene, refusals, crash safety, follow mode and the recorded status."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from mirror.db import make_engine
from mirror.errors import ChangesExpired, LockHeldError
from mirror.native.changes import changes as changes_feed
from mirror.schema.sync_tables import sync_metadata
from mirror.settings import Settings
from mirror.state import writer_lock
from mirror.sync import sync, sync_status
from mirror.sync_errors import PacketFetchError, PacketGap, SchemaChangeRequired, TokenRequired
from mirror.tools.packets import Change, packet_bytes, packet_name, write_packet
from tests.mirror.test_replicate import (
    TABLES,
    RandomTraffic,
    ReferenceModel,
    connect,
    initial_rows,
    seed,
    table_rows,
)

TOKEN = "Abcdefghij0123456789Abcdefghij0123456789"
REPO = Path(__file__).resolve().parents[2]


def settings(token: str | None = TOKEN) -> Settings:
    return Settings(replication_token=token, database_url=None, _env_file=None)  # type: ignore[call-arg]


def traffic_packets(first: int, count: int, seed_value: int = 1, transactions: int = 20) -> dict[int, list[Change]]:
    model = ReferenceModel(initial_rows())
    traffic = RandomTraffic(random.Random(seed_value), model)
    return {n: traffic.packet_changes(transactions) for n in range(first, first + count)}


def serve(packets: dict[int, bytes], seen: list[httpx.Request] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        name = request.url.path.rsplit("/", 1)[-1]
        for number, data in packets.items():
            if name == packet_name(number):
                return httpx.Response(200, content=data)
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def snapshot(url: str) -> dict[str, Any]:
    with connect(url) as conn:
        state: dict[str, Any] = {table: table_rows(conn, table) for table in TABLES}
        state["replication_control"] = conn.execute("SELECT * FROM musicbrainz.replication_control").fetchall()
        state["entity_change"] = conn.execute("SELECT * FROM mbmirror.entity_change ORDER BY 1, 2, 3").fetchall()
        status = sync_status(conn)
        state["counters"] = (status.packets_applied, status.changes_applied, status.last_sequence)
    return state


@pytest.fixture
def seeded_db(pg_server: Any) -> Iterator[str]:
    url = pg_server.create_database("sync")
    with connect(url) as conn:
        seed(conn, 100, initial_rows())
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def seeded_db_factory(pg_server: Any) -> Iterator[Callable[[], str]]:
    urls: list[str] = []

    def make() -> str:
        url = pg_server.create_database("sync")
        with connect(url) as conn:
            seed(conn, 100, initial_rows())
        urls.append(url)
        return url

    yield make
    for url in urls:
        pg_server.drop_database(url)


def test_sync_applies_official_packets_until_404_and_sends_the_token(seeded_db: str) -> None:
    changes = traffic_packets(101, 3)
    seen: list[httpx.Request] = []
    with serve({n: packet_bytes(n, c) for n, c in changes.items()}, seen) as client:
        result = sync(settings(), seeded_db, client=client)
    assert result.applied == [101, 102, 103] and result.up_to_date and result.sequence == 103
    assert [r.url.path for r in seen] == [f"/api/musicbrainz/{packet_name(n)}" for n in (101, 102, 103, 104)]
    assert all(r.url.host == "metabrainz.org" and r.url.params["token"] == TOKEN for r in seen)
    with connect(seeded_db) as conn:
        status = sync_status(conn)
    assert (status.replication_sequence, status.last_sequence, status.packets_applied) == (103, 103, 3)
    assert status.status == "up to date" and status.last_error is None
    assert status.changes_applied == result.changes > 0
    assert status.last_packet_timestamp is not None and status.last_packet_timestamp.startswith("2026-01-05")


def test_sync_prunes_changed_entity_records_beyond_the_retention_and_the_feed_says_so(
    seeded_db_factory: Callable[[], str],
) -> None:
    data = {n: packet_bytes(n, c) for n, c in traffic_packets(101, 5).items()}
    kept, pruned = seeded_db_factory(), seeded_db_factory()
    for url, retention in ((kept, 0), (pruned, 2)):
        with serve(data) as client:
            options = Settings(
                replication_token=TOKEN, changes_retention_packets=retention, database_url=None, _env_file=None
            )  # type: ignore[call-arg]
            assert sync(options, url, client=client).applied == [101, 102, 103, 104, 105]
    query = "SELECT replication_sequence, entity_type, gid::text FROM mbmirror.entity_change ORDER BY 1, 2, 3"
    with connect(kept) as conn:
        everything = conn.execute(query).fetchall()
        assert conn.execute("SELECT changes_pruned_through FROM mbmirror.sync_state").fetchone() == (None,)
    assert {row[0] for row in everything} == {101, 102, 103, 104, 105}
    with connect(pruned) as conn:
        assert conn.execute(query).fetchall() == [row for row in everything if row[0] > 103]
        assert conn.execute("SELECT changes_pruned_through FROM mbmirror.sync_state").fetchone() == (103,)
        with pytest.raises(ChangesExpired):
            changes_feed(conn, since=102)
        page = changes_feed(conn, since=103)
    assert page.oldest == 103 and page.current == 105
    assert [(c.sequence, c.type, c.id) for c in page.changes] == [
        (seq, kind.replace("_", "-"), gid) for seq, kind, gid in everything if seq > 103
    ]


def test_sync_with_nothing_new_is_up_to_date(seeded_db: str) -> None:
    with serve({}) as client:
        result = sync(settings(), seeded_db, client=client)
    assert result.applied == [] and result.up_to_date and result.sequence == 100


def test_official_feed_without_token_is_refused(seeded_db: str) -> None:
    with serve({}) as client, pytest.raises(TokenRequired, match="MBMIRROR_REPLICATION_TOKEN"):
        sync(settings(token=None), seeded_db, client=client)


def test_other_base_url_is_sent_no_token(seeded_db: str) -> None:
    seen: list[httpx.Request] = []
    with serve({101: packet_bytes(101, [])}, seen) as client:
        result = sync(settings(), seeded_db, "https://packets.example.org/replication/", client=client)
    assert result.applied == [101]
    assert {str(r.url) for r in seen} == {
        f"https://packets.example.org/replication/{packet_name(n)}" for n in (101, 102)
    }


def test_token_never_appears_in_errors_status_or_logs(seeded_db: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    with httpx.Client(transport=httpx.MockTransport(fail)) as client, pytest.raises(PacketFetchError) as caught:
        sync(settings(), seeded_db, client=client, retry_delay=0)
    assert "token=***" in str(caught.value) and TOKEN not in str(caught.value)
    with connect(seeded_db) as conn:
        status = sync_status(conn)
    assert status.status == "error" and status.errors_total == 1
    assert status.last_error is not None and "ConnectError" in status.last_error and TOKEN not in status.last_error
    assert TOKEN not in caplog.text


def test_sync_retries_server_errors(seeded_db: str) -> None:
    calls: list[int] = []
    data = packet_bytes(101, [])

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) <= 2:
            return httpx.Response(503)
        return httpx.Response(200, content=data) if "replication-101-" in request.url.path else httpx.Response(404)

    with httpx.Client(transport=httpx.MockTransport(flaky)) as client:
        assert sync(settings(), seeded_db, client=client, retry_delay=0).applied == [101]


def test_sync_from_directory_refuses_a_gap(seeded_db: str, tmp_path: Path) -> None:
    write_packet(tmp_path, 101, [])
    write_packet(tmp_path, 103, [])
    with pytest.raises(PacketGap, match=r"packet\(s\) 102 missing"):
        sync(settings(), seeded_db, tmp_path)
    with connect(seeded_db) as conn:
        assert sync_status(conn).replication_sequence == 101


def test_sync_stops_on_schema_sequence_change_with_exit_code_3(seeded_db: str, tmp_path: Path) -> None:
    write_packet(tmp_path, 101, [])
    write_packet(tmp_path, 102, [], schema_sequence=32)
    with pytest.raises(SchemaChangeRequired) as caught:
        sync(settings(), seeded_db, tmp_path)
    assert caught.value.exit_code == 3 and "mbmirror init" in str(caught.value)
    with connect(seeded_db) as conn:
        status = sync_status(conn)
    assert (status.replication_sequence, status.schema_change_pending) == (101, 32)
    assert status.status == "schema change pending"


def test_sync_refuses_to_run_while_another_writer_holds_the_lock(seeded_db: str, tmp_path: Path) -> None:
    write_packet(tmp_path, 101, [])
    with connect(seeded_db) as other, writer_lock(other, "import"), pytest.raises(LockHeldError):
        sync(settings(), seeded_db, tmp_path)


def test_sync_tables_match_their_migration(empty_db: str) -> None:
    engine = make_engine(empty_db)
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in sync_metadata.tables.values():
            columns = inspector.get_columns(table.name, schema=table.schema)
            dialect = conn.dialect
            assert [(c["name"], c["nullable"], c["type"].compile(dialect=dialect)) for c in columns] == [
                (c.name, c.nullable, c.type.compile(dialect=dialect)) for c in table.columns
            ], table.name
            key = inspector.get_pk_constraint(table.name, schema=table.schema)["constrained_columns"]
            assert key == [c.name for c in table.primary_key.columns]
            indexes = {i["name"] for i in inspector.get_indexes(table.name, schema=table.schema)}
            assert indexes == {i.name for i in table.indexes}
    engine.dispose()


SUBPROCESS_SYNC = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mirror.settings import Settings
    from mirror.sync import sync

    url, directory, kill_at, follow = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"

    def progress(sequence: int, done: int, total: int) -> None:
        if sequence == kill_at and done * 2 >= total:
            print("MID", flush=True)
            time.sleep(600)

    result = sync(Settings(_env_file=None), url, directory, follow, poll_interval=0.2, on_progress=progress)
    print("DONE", result.applied, result.stopped, flush=True)
    """
)


def start_sync(url: str, directory: Path, kill_at: int = 0, follow: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SUBPROCESS_SYNC, url, str(directory), str(kill_at), "1" if follow else "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "MBMIRROR_REPLICATION_TOKEN": ""},
    )


@pytest.mark.parametrize("kill_at", [101, 103])
def test_sigkill_mid_packet_then_rerun_gives_the_state_of_an_uninterrupted_run(
    seeded_db_factory: Callable[[], str], tmp_path: Path, kill_at: int
) -> None:
    for number, changes in traffic_packets(101, 4, seed_value=kill_at, transactions=40).items():
        write_packet(tmp_path, number, changes)
    reference, victim = seeded_db_factory(), seeded_db_factory()
    assert sync(settings(), reference, tmp_path).applied == [101, 102, 103, 104]

    with start_sync(victim, tmp_path, kill_at=kill_at) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "MID"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    with connect(victim) as conn:
        assert sync_status(conn).replication_sequence == kill_at - 1  # the killed packet left no trace

    result = sync(settings(), victim, tmp_path)
    assert result.applied == list(range(kill_at, 105))
    assert snapshot(victim) == snapshot(reference)


def test_follow_exits_cleanly_on_sigterm(seeded_db: str, tmp_path: Path) -> None:
    write_packet(tmp_path, 101, [])
    with start_sync(seeded_db, tmp_path, follow=True) as process:
        try:
            deadline = time.monotonic() + 30
            with connect(seeded_db) as conn:
                while sync_status(conn).replication_sequence != 101:
                    assert time.monotonic() < deadline, "follow mode did not apply the packet"
                    time.sleep(0.1)
                write_packet(tmp_path, 102, [])
                while sync_status(conn).replication_sequence != 102:
                    assert time.monotonic() < deadline, "follow mode did not pick up a new packet"
                    time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    assert out.strip().endswith("DONE [101, 102] True")


def test_follow_survives_network_errors_and_a_lost_database_connection(seeded_db: str, pg_server: Any) -> None:
    packets = {n: packet_bytes(n, c) for n, c in traffic_packets(101, 2).items()}
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= 2:
            raise httpx.ConnectError("network down")
        if request.url.path.endswith(packet_name(102)) and calls.count(request.url.path) == 1:
            with pg_server.admin() as admin:  # the database restarts under the sync's feet
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (seeded_db.rsplit("/", 1)[-1].split("?")[0],),
                )
        for number, data in packets.items():
            if request.url.path.endswith(packet_name(number)):
                return httpx.Response(200, content=data)
        return httpx.Response(404)

    stop = threading.Event()
    outcome: dict[str, Any] = {}
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:

        def run() -> None:
            outcome["result"] = sync(
                settings(), seeded_db, follow=True, client=client, stop=stop, poll_interval=0.1, retry_delay=0.05
            )

        thread = threading.Thread(target=run)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with connect(seeded_db) as conn:  # a new connection per look: the old ones get terminated
                        status = sync_status(conn)
                except psycopg.OperationalError:  # this look's connection was among those terminated
                    assert time.monotonic() < deadline, calls
                    continue
                if (status.replication_sequence or 0) >= 102:
                    break
                assert time.monotonic() < deadline and thread.is_alive(), calls
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join(timeout=30)
    assert outcome["result"].applied == [101, 102] and outcome["result"].stopped
    assert status.errors_total >= 1 and status.packets_applied == 2
    assert calls.count(f"/api/musicbrainz/{packet_name(102)}") >= 2  # fetched again after the lost connection


def test_follow_waits_sync_poll_seconds_between_polls(seeded_db: str) -> None:
    data = packet_bytes(101, traffic_packets(101, 1)[101])
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        if request.url.path.endswith(packet_name(101)) and len(requests) > 3:  # published after three polls
            return httpx.Response(200, content=data)
        return httpx.Response(404)

    configured = Settings(replication_token=TOKEN, sync_poll_seconds=0.05, _env_file=None)  # type: ignore[call-arg]
    stop = threading.Event()
    outcome: dict[str, Any] = {}
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        thread = threading.Thread(
            target=lambda: outcome.update(result=sync(configured, seeded_db, follow=True, client=client, stop=stop))
        )
        thread.start()
        try:
            deadline = time.monotonic() + 60  # the default (an hour) would never get there
            while len(requests) < 6:  # 101 missing three times, then applied, then 102 missing twice
                assert time.monotonic() < deadline and thread.is_alive(), requests
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=30)
    assert outcome["result"].applied == [101]
    assert requests.count(f"/api/musicbrainz/{packet_name(101)}") >= 4


def test_sync_poll_seconds_comes_from_the_environment_and_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MBMIRROR_SYNC_POLL_SECONDS", raising=False)
    assert Settings(_env_file=None).sync_poll_seconds == 3600  # type: ignore[call-arg]
    monkeypatch.setenv("MBMIRROR_SYNC_POLL_SECONDS", "90")
    assert Settings(_env_file=None).sync_poll_seconds == 90  # type: ignore[call-arg]
    monkeypatch.setenv("MBMIRROR_SYNC_POLL_SECONDS", "0")
    with pytest.raises(ValidationError, match="sync_poll_seconds"):
        Settings(_env_file=None)  # type: ignore[call-arg]

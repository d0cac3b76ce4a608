"""A sync while the API serves a steady stream of lookups and searches: no request fails, and each packet's
changes are visible (by lookup and by search) as soon as ``mirror.sync.sync`` returns.

The module imports ds01 into a database of its own at replication sequence 100, serves it with a real uvicorn
server, and keeps a background thread issuing ws/2 lookups (artist, release, recording of MBIDs from the data,
JSON and XML) and a search. Meanwhile packets written by ``mirror.tools.packets`` are applied one at a time from a
local directory: 101 adds an artist, 102 renames an artist the stream looks up, 103 deletes the new artist. The
progress callback of each sync waits, inside the packet's open transaction, until the stream has been answered a
few more times, so the requests provably overlap the writes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from lxml import etree

from mirror.db import libpq_url
from mirror.settings import Settings
from mirror.sync import sync
from mirror.tools.packets import delete, insert, update, write_packet
from tests.api.conftest import replicating_copy, running_server
from tests.fixtures.db import TestServer

NEW_NAME = "Quixotic Zebrafinch Ensemble"
NEW_SORT_NAME = "Zebrafinch Ensemble, Quixotic"
RENAMED = "Vermilion Okapi Collective"
OVERLAP_REQUESTS = 5  # answers the stream must get while each packet's transaction is open
OVERLAP_TIMEOUT_S = 30.0


def whole_row(conn: psycopg.Connection[Any], table: str, where: str, params: tuple[Any, ...] = ()) -> dict[str, Any]:
    """One whole row of ``table`` as a packet carries it (``row_to_json``)."""
    row = conn.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {where} LIMIT 1", params).fetchone()
    assert row is not None, f"no {table} row where {where}"
    loaded: dict[str, Any] = json.loads(row[0])
    return loaded


@pytest.fixture(scope="module")
def mirror_url(pg_server: TestServer, samples: Path) -> Iterator[str]:
    with replicating_copy(pg_server, samples, "sync_load") as url:
        yield url


class Load:
    """A background stream of ws/2 requests; every answer must be a well-formed 200 for the right entity."""

    def __init__(self, client: httpx.Client, requests: list[tuple[str, str]]) -> None:
        self.client, self.requests = client, requests
        self.served = 0
        self.overlapped = 0  # progress calls during which the stream was served
        self.failures: list[str] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, name="sync-load")

    def check(self, path: str, expected_id: str) -> None:
        try:
            response = self.client.get(path)
        except httpx.HTTPError as exc:
            self.failures.append(f"{path}: {type(exc).__name__}: {exc}")
            return
        self.served += 1
        try:
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            if "fmt=json" in path:
                body = response.json()
                ids = [hit["id"] for hit in body["artists"]] if "query=" in path else [body["id"]]
            else:
                root = etree.fromstring(response.content)
                ids = [element.get("id") for element in root.iter() if element.get("id") == expected_id]
            if expected_id not in ids:
                raise ValueError(f"{expected_id} missing")
        except (ValueError, KeyError, etree.XMLSyntaxError) as exc:
            self.failures.append(f"{path}: {exc}: {response.status_code} {response.text[:300]}")

    def overlap(self, sequence: int, done: int, total: int) -> None:
        """``sync``'s progress callback, inside the packet's transaction: wait for more answers to be served."""
        target = self.served + OVERLAP_REQUESTS
        deadline = time.monotonic() + OVERLAP_TIMEOUT_S
        while self.served < target and not self.failures and time.monotonic() < deadline:
            time.sleep(0.005)
        if self.served >= target:
            self.overlapped += 1

    def run(self) -> None:
        while not self.done.is_set():
            for path, expected_id in self.requests:
                self.check(path, expected_id)

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the load thread did not stop"


def first_artist_hit(client: httpx.Client, name: str) -> str | None:
    response = client.get("/ws/2/artist", params={"query": f'artist:"{name}"', "fmt": "json"})
    assert response.status_code == 200, response.text
    hits = response.json()["artists"]
    return str(hits[0]["id"]) if hits else None


def test_a_sync_under_steady_lookups_fails_no_request_and_shows_each_packet_at_once(
    mirror_url: str, tmp_path: Path
) -> None:
    with psycopg.connect(libpq_url(mirror_url)) as conn:
        # The renamed artist: one with a credited recording and release, so the rename spreads to other documents.
        artist = whole_row(
            conn,
            "musicbrainz.artist",
            "id = (SELECT n.artist FROM musicbrainz.artist_credit_name n JOIN musicbrainz.release r "
            "ON r.artist_credit = n.artist_credit ORDER BY n.artist LIMIT 1)",
        )
        release = conn.execute(
            "SELECT r.gid::text FROM musicbrainz.release r JOIN musicbrainz.artist_credit_name n "
            "ON n.artist_credit = r.artist_credit WHERE n.artist = %s ORDER BY r.id LIMIT 1",
            (artist["id"],),
        ).fetchone()
        recording = conn.execute(
            "SELECT r.gid::text FROM musicbrainz.recording r JOIN musicbrainz.artist_credit_name n "
            "ON n.artist_credit = r.artist_credit WHERE n.artist = %s ORDER BY r.id LIMIT 1",
            (artist["id"],),
        ).fetchone()
        new_id = int((conn.execute("SELECT max(id) + 1 FROM musicbrainz.artist").fetchone() or [0])[0])
    assert release is not None and recording is not None
    old_name, gid = artist["name"], artist["gid"]
    new_gid = str(uuid.uuid4())
    # The new artist: a real row's shape (types, dates, area), with its own key, MBID and names.
    new = {**artist, "id": new_id, "gid": new_gid, "name": NEW_NAME, "sort_name": NEW_SORT_NAME, "comment": ""}
    requests = [
        (f"/ws/2/artist/{gid}?inc=aliases+tags&fmt=json", gid),
        (f"/ws/2/artist/{gid}?inc=aliases", gid),
        (f"/ws/2/release/{release[0]}?inc=artist-credits+recordings&fmt=json", release[0]),
        (f"/ws/2/release/{release[0]}?inc=artist-credits+labels", release[0]),
        (f"/ws/2/recording/{recording[0]}?inc=artist-credits+releases&fmt=json", recording[0]),
        (f"/ws/2/recording/{recording[0]}?inc=artists", recording[0]),
        (f"/ws/2/artist?query=arid:{gid}&fmt=json", gid),
    ]
    settings = Settings(database_url=None, _env_file=None)  # type: ignore[call-arg]
    with (
        running_server(mirror_url) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
        httpx.Client(base_url=server.base_url, timeout=30) as checker,
    ):
        with Load(client, requests) as load:
            write_packet(tmp_path, 101, [insert("musicbrainz.artist", new, xid=1)])
            assert sync(settings, mirror_url, tmp_path, on_progress=load.overlap).applied == [101]
            response = checker.get(f"/ws/2/artist/{new_gid}", params={"fmt": "json"})
            assert response.status_code == 200 and response.json()["name"] == NEW_NAME
            assert first_artist_hit(checker, NEW_NAME) == new_gid
            assert checker.get("/status").json()["replication_sequence"] == 101

            write_packet(tmp_path, 102, [update("musicbrainz.artist", artist, {"name": RENAMED}, xid=2)])
            assert sync(settings, mirror_url, tmp_path, on_progress=load.overlap).applied == [102]
            assert checker.get(f"/ws/2/artist/{gid}", params={"fmt": "json"}).json()["name"] == RENAMED
            assert first_artist_hit(checker, RENAMED) == gid
            assert first_artist_hit(checker, old_name) != gid
            credit = checker.get(f"/ws/2/release/{release[0]}", params={"inc": "artist-credits", "fmt": "json"})
            assert RENAMED in [c["artist"]["name"] for c in credit.json()["artist-credit"]]
            assert checker.get("/status").json()["replication_sequence"] == 102

            write_packet(tmp_path, 103, [delete("musicbrainz.artist", new, xid=3)])
            assert sync(settings, mirror_url, tmp_path, on_progress=load.overlap).applied == [103]
            assert checker.get(f"/ws/2/artist/{new_gid}", params={"fmt": "json"}).status_code == 404
            assert first_artist_hit(checker, NEW_NAME) != new_gid
            status = checker.get("/status").json()
            assert status["replication_sequence"] == 103 and status["sync"]["packets_applied"] == 3
        assert load.failures == []
        print(f"{load.served} requests served, {load.overlapped} progress calls overlapped by the stream")
        assert load.served >= 3 * OVERLAP_REQUESTS and load.overlapped >= 3

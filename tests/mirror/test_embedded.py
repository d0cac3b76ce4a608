"""The embedded PostgreSQL cluster: create, reuse, stop, recover from a crash and from a stale pid file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import psycopg
import pytest

from mirror import embedded
from mirror.db import libpq_url
from mirror.embedded import Cluster
from mirror.errors import EmbeddedDatabaseError


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    directory = Path(tempfile.mkdtemp(prefix="mbmirror-test-cluster-"))
    os.chmod(directory, 0o755)
    made = Cluster(directory / "pg")
    yield made
    made.destroy()
    shutil.rmtree(directory, ignore_errors=True)


def _select_one(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT 1").fetchone()
        assert row is not None
        return int(row[0])


def test_start_creates_a_cluster_with_the_musicbrainz_database_and_reuses_it(cluster: Cluster) -> None:
    first = cluster.start()
    assert first.running and _select_one(first.url) == 1
    again = cluster.start()
    assert again.pid == first.pid and again.port == first.port


def test_the_cluster_accepts_only_its_password_over_tcp(cluster: Cluster) -> None:
    info = cluster.start()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(f"postgresql://mbmirror:wrong@127.0.0.1:{info.port}/musicbrainz")
    assert (cluster.directory / "cluster.json").stat().st_mode & 0o077 == 0


def test_stop_then_start_keeps_the_data(cluster: Cluster) -> None:
    url = cluster.start().url
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    assert cluster.stop() is True
    assert cluster.info().running is False
    assert cluster.stop() is False
    with psycopg.connect(libpq_url(cluster.start().url)) as conn:
        assert conn.execute("SELECT x FROM kept").fetchall() == [(7,)]


def test_a_crashed_server_is_restarted_and_recovers(cluster: Cluster) -> None:
    url = cluster.start().url
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE survived (x int)")
    cluster.kill()
    info = cluster.start()
    assert info.running
    with psycopg.connect(libpq_url(info.url)) as conn:
        assert conn.execute("SELECT count(*) FROM survived").fetchone() == (0,)


def test_a_stale_pid_file_is_recovered(cluster: Cluster) -> None:
    cluster.start()
    cluster.stop()
    pid_file = cluster.data / "postmaster.pid"
    pid_file.write_text("999999\n/nonexistent\n")
    info = cluster.start()
    assert info.running and info.pid != 999999


def test_missing_server_binaries_give_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "candidate_bindirs", lambda: iter([Path("/nonexistent/bin")]))
    with pytest.raises(EmbeddedDatabaseError) as failure:
        embedded.find_bindir()
    assert "mbmirror[embedded]" in str(failure.value) and "MBMIRROR_DATABASE_URL" in str(failure.value)


def test_the_pgserver_wheel_serves_when_the_machine_has_no_server() -> None:
    spec = find_spec("pgserver")
    if spec is None or spec.origin is None:
        pytest.skip("the pgserver wheel is not installed (pip install 'mbmirror[embedded]')")
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    directory = Path(tempfile.mkdtemp(prefix="mbmirror-test-pgserver-"))
    os.chmod(directory, 0o755)
    cluster = Cluster(directory / "pg", bindir=bindir)
    try:
        info = cluster.start()
        assert info.bindir == bindir
        assert _select_one(info.url) == 1
    finally:
        cluster.destroy()
        shutil.rmtree(directory, ignore_errors=True)

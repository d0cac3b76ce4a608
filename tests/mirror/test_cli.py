"""The ``mbmirror`` command as a user runs it: the demo, status, clear errors, and a killed import."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg.rows
import pytest

from mirror.db import libpq_url
from mirror.load import import_dump
from mirror.tools.sample import SampleSummary, write_sample
from tests.fixtures.db import TestServer


def mbmirror(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mirror", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def count(url: str, table: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    """A synthetic dump big enough that an import can be killed half way (about 150,000 rows)."""
    return write_sample(tmp_path_factory.mktemp("sample"), scale=3, seed=7)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="mbmirror-test-data-"))
    os.chmod(directory, 0o755)
    yield directory
    cluster_dir = directory / "pg"
    if cluster_dir.exists():
        from mirror.embedded import Cluster

        Cluster(cluster_dir).destroy()
    shutil.rmtree(directory, ignore_errors=True)


def test_demo_starts_the_embedded_database_makes_a_sample_and_imports_it(data_dir: Path) -> None:
    env = {"MBMIRROR_DATA_DIR": str(data_dir)}
    env.pop("MBMIRROR_DATABASE_URL", None)
    result = mbmirror("demo", "--scale", "0.05", "--no-serve", env={**env, "MBMIRROR_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert "CC0" in result.stderr and "CC BY-NC-SA 3.0" in result.stderr
    assert "replication sequence: 1000" in result.stderr
    status = mbmirror("db", "status", env={**env, "MBMIRROR_DATABASE_URL": ""})
    assert status.returncode == 0 and "running" in status.stderr
    url = mbmirror("db", "url", env={**env, "MBMIRROR_DATABASE_URL": ""})
    assert url.returncode == 0 and count(url.stdout.strip(), "musicbrainz.artist") > 0


def test_db_status_without_a_cluster_says_so(data_dir: Path) -> None:
    result = mbmirror("db", "status", env={"MBMIRROR_DATA_DIR": str(data_dir), "MBMIRROR_DATABASE_URL": ""})
    assert result.returncode == 3 and "no embedded cluster" in result.stderr


def test_import_of_a_missing_path_is_a_clear_error(empty_db: str, tmp_path: Path) -> None:
    result = mbmirror("import", str(tmp_path / "nowhere"), env={"MBMIRROR_DATABASE_URL": empty_db})
    assert result.returncode == 1
    assert "error:" in result.stderr and "no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_shows_the_entities_of_an_imported_database(empty_db: str, sample: SampleSummary) -> None:
    import_dump(empty_db, [sample.out_dir])
    result = mbmirror("status", env={"MBMIRROR_DATABASE_URL": empty_db})
    assert result.returncode == 0, result.stderr
    assert f"artist: {sample.rows['artist']:,}" in result.stderr
    assert "schema sequence: 31" in result.stderr and "replication sequence: 1000" in result.stderr


@pytest.mark.parametrize("kill_at", ["loading musicbrainz.track", "phase: index"])
def test_a_killed_import_leaves_the_serving_copy_intact_and_the_next_run_succeeds(
    pg_server: TestServer, sample: SampleSummary, samples: Path, kill_at: str
) -> None:
    url = pg_server.create_database("kill")
    try:
        import_dump(url, [samples / "dumps" / "datasets" / "ds01"])
        assert count(url, "musicbrainz.artist") == 14
        seen = []
        with subprocess.Popen(
            [sys.executable, "-m", "mirror", "import", str(sample.out_dir)],
            env={**os.environ, "MBMIRROR_DATABASE_URL": url},
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stderr is not None
            for line in process.stderr:
                seen.append(line)
                if kill_at in line:
                    process.send_signal(signal.SIGKILL)
                    break
            process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL, "".join(seen)
        assert count(url, "musicbrainz.artist") == 14  # the old copy still serves
        rerun = mbmirror("import", str(sample.out_dir), env={"MBMIRROR_DATABASE_URL": url})
        assert rerun.returncode == 0, rerun.stderr
        for table in ("artist", "release", "track", "recording"):
            assert count(url, f"musicbrainz.{table}") == sample.rows[table]
        with psycopg.connect(libpq_url(url)) as conn:
            leftovers = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%%__mbm_%%'").fetchall()
            assert leftovers == []
    finally:
        pg_server.drop_database(url)


def test_sync_applies_packets_from_a_directory_and_stops_at_a_schema_change(
    empty_db: str, sample: SampleSummary, tmp_path: Path
) -> None:
    from mirror.tools.packets import update, write_packet

    import_dump(empty_db, [sample.out_dir])
    with psycopg.connect(libpq_url(empty_db)) as conn:
        cursor = conn.cursor(row_factory=psycopg.rows.dict_row)
        artist = cursor.execute("SELECT * FROM musicbrainz.artist ORDER BY id LIMIT 1").fetchone()
    assert artist is not None
    packets = tmp_path / "packets"
    write_packet(packets, 1001, [update("musicbrainz.artist", artist, {"name": "Renamed by packet"}, xid=5)])
    env = {"MBMIRROR_DATABASE_URL": empty_db}
    result = mbmirror("sync", "--source", str(packets), env=env)
    assert result.returncode == 0, result.stderr
    assert "replication sequence 1001" in result.stderr
    with psycopg.connect(libpq_url(empty_db)) as conn:
        name = conn.execute("SELECT name FROM musicbrainz.artist WHERE id = %s", (artist["id"],)).fetchone()
        assert name == ("Renamed by packet",)
    write_packet(packets, 1002, [], schema_sequence=32)
    stopped = mbmirror("sync", "--source", str(packets), env=env)
    assert stopped.returncode == 3, stopped.stderr
    assert "32" in stopped.stderr
    status = mbmirror("status", env=env)
    assert "replication sequence: 1001" in status.stderr and "schema change pending" in status.stderr

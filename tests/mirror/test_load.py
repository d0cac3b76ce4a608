"""The importer against a real PostgreSQL: the shared datasets, byte-exact round trips, and bad input."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mirror.archive import read_metadata
from mirror.db import libpq_url
from mirror.errors import ArchiveError, ChecksumMismatch, DumpError, InconsistentDump, LockHeldError, SchemaMismatch
from mirror.load import import_dump, table_for_member
from mirror.schema.musicbrainz import ARCHIVES
from mirror.state import writer_lock
from tests.fixtures.db import TestServer
from tests.fixtures.dumps import rewrite_archive
from tests.fixtures.samples import dataset_dir

ALL_ARCHIVES = list(ARCHIVES)
CORE = "mbdump.tar.bz2"


def count(url: str, table: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def scratch_db(pg_server: TestServer) -> Iterator[str]:
    """One database that the tests of this module import into again and again."""
    url = pg_server.create_database("load")
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def ds01_copy(samples: Path, tmp_path: Path) -> Path:
    """A writable copy of dataset ds01's archives."""
    target = tmp_path / "ds01"
    shutil.copytree(dataset_dir(samples, "ds01"), target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def test_every_shared_dataset_loads_with_the_row_counts_of_its_manifest(
    scratch_db: str, samples: Path, dataset_manifest: dict[str, Any]
) -> None:
    for dataset, entry in sorted(dataset_manifest.items()):
        summary = import_dump(scratch_db, [dataset_dir(samples, dataset)], ALL_ARCHIVES)
        expected = entry["nonempty_table_rows"]
        for member, rows in expected.items():
            table = table_for_member(member)
            assert table is not None, f"{dataset}: no table for member {member}"
            assert count(scratch_db, table.fullname) == rows, f"{dataset}: {member}"
            assert summary.rows[table.fullname] == rows
        assert summary.total_rows == sum(expected.values()), dataset


def test_loaded_tables_copy_out_byte_for_byte_equal_to_their_dump_files(scratch_db: str, samples: Path) -> None:
    import_dump(scratch_db, [dataset_dir(samples, "ds04")], ALL_ARCHIVES)
    unpacked = samples / "dumps" / "ds04-unpacked" / "mbdump"
    checked = 0
    with psycopg.connect(libpq_url(scratch_db)) as conn:
        for path in sorted(unpacked.iterdir()):
            if path.name == "replication_control":
                continue  # rewritten from the metadata members on purpose, as MusicBrainz's importer does
            table = table_for_member(path.name)
            assert table is not None, path.name
            out = bytearray()
            with conn.cursor() as cursor, cursor.copy(f"COPY {table.fullname} TO STDOUT") as copy:
                for block in copy:
                    out += block
            assert hashlib.sha256(out).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest(), path.name
            checked += 1
    assert checked > 100


def test_import_records_the_dump_metadata_in_replication_control_and_the_import_log(
    scratch_db: str, samples: Path
) -> None:
    import_dump(scratch_db, [dataset_dir(samples, "ds01")])
    with psycopg.connect(libpq_url(scratch_db)) as conn:
        control = conn.execute(
            "SELECT current_schema_sequence, current_replication_sequence, last_replication_date::text "
            "FROM musicbrainz.replication_control"
        ).fetchall()
        assert control == [(31, None, "2026-07-24 15:29:22+00")]
        log = conn.execute(
            "SELECT status, schema_sequence, dump_timestamp FROM mbmirror.import_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert log == ("done", 31, "2026-07-24 15:29:22.000000+00")


def test_replication_sequence_of_the_dump_is_recorded(scratch_db: str, ds01_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "seq"
    for name in (CORE, "mbdump-derived.tar.bz2"):
        rewrite_archive(
            ds01_copy / name,
            out / name,
            lambda member, data: b"4242\n" if member == "REPLICATION_SEQUENCE" else data,
        )
    import_dump(scratch_db, [out])
    with psycopg.connect(libpq_url(scratch_db)) as conn:
        row = conn.execute("SELECT current_replication_sequence FROM musicbrainz.replication_control").fetchone()
        assert row == (4242,)


def test_tables_without_a_member_load_empty_and_unknown_members_are_skipped(
    scratch_db: str, ds01_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "layout"
    rewrite_archive(
        ds01_copy / CORE,
        out / CORE,
        lambda member, data: None if member == "mbdump/artist_alias" else data,
        extra={"mbdump/some_future_table": b"1\tx\n"},
    )
    summary = import_dump(scratch_db, [out / CORE])
    assert summary.skipped_members == [f"{CORE}:some_future_table"]
    assert count(scratch_db, "musicbrainz.artist_alias") == 0
    assert count(scratch_db, "musicbrainz.artist") == 14


def _assert_still_serving(url: str) -> None:
    assert count(url, "musicbrainz.artist") == 14
    assert count(url, "musicbrainz.release") > 0


BadArchive = Callable[[Path, Path], Path]


def _truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def _corrupt_block(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 16):
        data[i] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst


def _not_bzip2(src: Path, dst: Path) -> Path:
    dst.write_bytes(b"this is not an archive\n" * 100)
    return dst


def _bad_row(src: Path, dst: Path) -> Path:
    return rewrite_archive(
        src, dst, lambda member, data: data + b"not\ta\tvalid\trow\n" if member == "mbdump/artist" else data
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncated, "truncated or corrupt"),
        (_corrupt_block, "truncated or corrupt"),
        (_not_bzip2, "mbdump.tar.bz2"),
        (_bad_row, "bad data in mbdump/artist"),
    ],
    ids=["truncated", "corrupt-bzip2-block", "not-bzip2", "malformed-row"],
)
def test_a_broken_archive_is_refused_and_the_serving_copy_stays_intact(
    scratch_db: str, ds01_copy: Path, tmp_path: Path, damage: BadArchive, message: str
) -> None:
    import_dump(scratch_db, [ds01_copy])
    broken = tmp_path / "broken"
    broken.mkdir()
    damage(ds01_copy / CORE, broken / CORE)
    shutil.copy(ds01_copy / "mbdump-derived.tar.bz2", broken)
    with pytest.raises((ArchiveError, DumpError)) as failure:
        import_dump(scratch_db, [broken])
    assert message in str(failure.value)
    _assert_still_serving(scratch_db)
    with psycopg.connect(libpq_url(scratch_db)) as conn:
        status = conn.execute("SELECT status, error FROM mbmirror.import_log ORDER BY id DESC LIMIT 1").fetchone()
        assert status is not None and status[0] == "failed" and message in status[1]
    import_dump(scratch_db, [ds01_copy])  # and the next run succeeds
    _assert_still_serving(scratch_db)


def test_a_checksum_mismatch_is_refused_before_loading(scratch_db: str, ds01_copy: Path) -> None:
    import_dump(scratch_db, [ds01_copy])
    (ds01_copy / "SHA256SUMS").write_text(f"{'0' * 64} *{CORE}\n")
    with pytest.raises(ChecksumMismatch, match="SHA256 checksum mismatch"):
        import_dump(scratch_db, [ds01_copy])
    _assert_still_serving(scratch_db)


def test_a_matching_checksum_file_is_verified(scratch_db: str, ds01_copy: Path) -> None:
    digest = hashlib.sha256((ds01_copy / CORE).read_bytes()).hexdigest()
    (ds01_copy / "SHA256SUMS").write_text(f"{digest} *{CORE}\n")
    summary = import_dump(scratch_db, [ds01_copy])
    assert summary.checksums_verified == [CORE]


def test_an_unknown_schema_sequence_is_refused_naming_both_numbers(
    scratch_db: str, ds01_copy: Path, tmp_path: Path
) -> None:
    import_dump(scratch_db, [ds01_copy])
    future = rewrite_archive(
        ds01_copy / CORE, tmp_path / "future" / CORE, lambda m, d: b"32\n" if m == "SCHEMA_SEQUENCE" else d
    )
    with pytest.raises(SchemaMismatch) as failure:
        import_dump(scratch_db, [future])
    assert "SCHEMA_SEQUENCE 32" in str(failure.value) and "schema sequence 31" in str(failure.value)
    assert "upgrade mbmirror" in str(failure.value)
    _assert_still_serving(scratch_db)


def test_archives_from_different_exports_are_refused(scratch_db: str, ds01_copy: Path, tmp_path: Path) -> None:
    other = rewrite_archive(
        ds01_copy / "mbdump-derived.tar.bz2",
        tmp_path / "mixed" / "mbdump-derived.tar.bz2",
        lambda m, d: b"2026-08-01 00:00:00+00\n" if m == "TIMESTAMP" else d,
    )
    shutil.copy(ds01_copy / CORE, other.parent / CORE)
    with pytest.raises(InconsistentDump, match="different exports"):
        import_dump(scratch_db, [other.parent])


def test_a_second_writer_is_refused_while_the_lock_is_held(scratch_db: str, ds01_copy: Path) -> None:
    with (
        psycopg.connect(libpq_url(scratch_db), autocommit=True) as conn,
        writer_lock(conn, "sync"),
        pytest.raises(LockHeldError, match="another mbmirror import is running"),
    ):
        import_dump(scratch_db, [ds01_copy])


def test_a_missing_archive_in_a_directory_is_reported(scratch_db: str, tmp_path: Path) -> None:
    with pytest.raises(DumpError, match=r"mbdump\.tar\.bz2, mbdump-derived\.tar\.bz2 not found"):
        import_dump(scratch_db, [tmp_path])


def test_metadata_reader_reports_empty_replication_sequence_as_none(samples: Path) -> None:
    meta = read_metadata(dataset_dir(samples, "ds01") / CORE)
    assert (meta.schema_sequence, meta.replication_sequence) == (31, None)
    assert meta.timestamp.startswith("2026-07-24 15:29:22")

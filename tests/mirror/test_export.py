"""``mbmirror export``: a shared dataset exported to Parquet and read back with DuckDB and pyarrow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from mirror.db import libpq_url
from mirror.errors import ExportError
from mirror.export import export_parquet, type_name
from mirror.export_tables import curated_tables, relationship_tables
from mirror.load import import_dump
from tests.fixtures.db import API_ARCHIVES, TestServer
from tests.fixtures.samples import dataset_dir

# What each curated table must hold, as a count over the source tables.
SOURCE_COUNTS = {
    "artists": "SELECT count(*) FROM musicbrainz.artist",
    "release_groups": "SELECT count(*) FROM musicbrainz.release_group",
    "releases": "SELECT count(*) FROM musicbrainz.release",
    "release_events": "SELECT (SELECT count(*) FROM musicbrainz.release_country) "
    "+ (SELECT count(*) FROM musicbrainz.release_unknown_country)",
    "recordings": "SELECT count(*) FROM musicbrainz.recording",
    "tracks": "SELECT count(*) FROM musicbrainz.track",
    "labels": "SELECT count(*) FROM musicbrainz.label",
    "release_labels": "SELECT count(*) FROM musicbrainz.release_label",
    "relationships": "SELECT "
    + " + ".join(f"(SELECT count(*) FROM musicbrainz.l_{a}_{b})" for a, b in relationship_tables()),
}


def scalar(url: str, query: str) -> Any:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


def duck(query: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(query).fetchall()


@pytest.fixture(scope="module")
def ds01(imported_dataset: Callable[[str], str]) -> str:
    return imported_dataset("ds01")


@pytest.fixture(scope="module")
def exported(ds01: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    export_parquet(ds01, out, raw=["artist", "cdtoc", "artist_tag", "cover_art_archive.cover_art"], rows_per_file=10)
    return out


@pytest.fixture(scope="module")
def manifest(exported: Path) -> dict[str, Any]:
    return dict(json.loads((exported / "manifest.json").read_text()))


def test_every_curated_table_has_the_rows_of_its_source_tables(
    ds01: str, exported: Path, manifest: dict[str, Any]
) -> None:
    assert set(curated_tables()) <= set(manifest["tables"])
    for name, query in SOURCE_COUNTS.items():
        expected = scalar(ds01, query)
        assert expected > 0, name
        assert duck(f"SELECT count(*) FROM '{exported}/{name}/*.parquet'") == [(expected,)], name
        assert pq.ParquetDataset(exported / name).read().num_rows == expected, name
        assert manifest["tables"][name]["rows"] == expected, name
        assert sum(f["rows"] for f in manifest["tables"][name]["files"]) == expected, name


def test_tables_are_split_into_files_of_at_most_rows_per_file(exported: Path, manifest: dict[str, Any]) -> None:
    files = manifest["tables"]["tracks"]["files"]
    assert len(files) == 23  # 228 tracks, 10 per file
    assert [f["path"] for f in files[:2]] == ["tracks/part-0000.parquet", "tracks/part-0001.parquet"]
    for entry in files:
        metadata = pq.ParquetFile(exported / entry["path"]).metadata
        assert metadata.num_rows == entry["rows"] <= 10
        assert metadata.num_row_groups == 1  # batches gathered into one row group per file here


def test_manifest_records_snapshot_schema_and_licences(ds01: str, exported: Path, manifest: dict[str, Any]) -> None:
    assert manifest["schema_sequence"] == 31
    assert manifest["replication_sequence"] == scalar(
        ds01, "SELECT current_replication_sequence FROM musicbrainz.replication_control"
    )
    assert manifest["dump_timestamp"].startswith("2026-07-24 15:29:22")
    assert manifest["tables"]["releases"]["licence"] == "CC0-1.0"
    assert manifest["tables"]["raw/artist_tag"]["licence"] == "CC-BY-NC-SA-3.0"  # derived archive
    assert manifest["tables"]["raw/cover_art_archive.cover_art"]["licence"] == "CC-BY-NC-SA-3.0"
    assert set(manifest["licences"]) == {"CC0-1.0", "CC-BY-NC-SA-3.0"}
    schema = {c["name"]: c["type"] for c in manifest["tables"]["releases"]["schema"]}
    written = pq.read_schema(exported / "releases" / "part-0000.parquet")
    assert schema == {f.name: type_name(f.type) for f in written}
    assert schema["countries"] == "list<string>" and schema["date_year"] == "int16"


def test_arrow_types_are_strings_for_mbids_partial_dates_as_ints_and_lists(exported: Path) -> None:
    releases = ds.dataset(exported / "releases").schema
    assert releases.field("mbid").type == pa.string()
    assert releases.field("date").type == pa.string()
    assert releases.field("date_year").type == pa.int16()
    assert releases.field("countries").type == pa.list_(pa.string())
    assert releases.field("last_updated").type == pa.timestamp("us", tz="UTC")
    assert ds.dataset(exported / "recordings").schema.field("length_ms").type == pa.int32()
    assert ds.dataset(exported / "raw" / "cdtoc").schema.field("track_offset").type == pa.list_(pa.int32())


def test_releases_carry_dates_countries_labels_and_catalogue_numbers(exported: Path) -> None:
    rows = duck(
        f"SELECT date, date_year, date_month, date_day, country, countries, labels, catalog_numbers, status "
        f"FROM '{exported}/releases/*.parquet' WHERE name = 'For Beginner Piano' ORDER BY date"
    )
    assert rows[0] == ("1999-09-13", 1999, 9, 13, "GB", ["GB"], ["Warp Records"], ["WARPCD64"], "Official")
    assert ("1999-09-23", 1999, 9, 23, "US", ["US"], ["Matador Records"], ["OLE 358-2"], "Official") in rows


def test_recordings_carry_every_isrc_and_tracks_their_positions(ds01: str, exported: Path) -> None:
    isrcs = duck(f"SELECT sum(len(isrcs)) FROM '{exported}/recordings/*.parquet'")
    assert isrcs == [(scalar(ds01, "SELECT count(*) FROM musicbrainz.isrc"),)]
    expected = scalar(
        ds01,
        "SELECT string_agg(m.position || '.' || t.position || ' ' || t.name, '|' ORDER BY m.position, t.position) "
        "FROM musicbrainz.track t JOIN musicbrainz.medium m ON m.id = t.medium "
        "JOIN musicbrainz.release r ON r.id = m.release WHERE r.gid = '28fc2337-985b-3da9-ac40-ad6f28ff0d8e'",
    )
    got = duck(
        f"SELECT string_agg(medium_position || '.' || position || ' ' || name, '|' ORDER BY medium_position, position) "
        f"FROM '{exported}/tracks/*.parquet' WHERE release_mbid = '28fc2337-985b-3da9-ac40-ad6f28ff0d8e'"
    )
    assert expected and got == [(expected,)]


def test_relationships_name_their_type_and_both_entities(ds01: str, exported: Path) -> None:
    rows = duck(f"SELECT entity0_type, entity1_type, count(*) FROM '{exported}/relationships/*.parquet' GROUP BY ALL")
    counts = {(a, b): n for a, b, n in rows}
    assert counts[("artist", "recording")] == scalar(ds01, "SELECT count(*) FROM musicbrainz.l_artist_recording")
    assert counts[("artist", "url")] == scalar(ds01, "SELECT count(*) FROM musicbrainz.l_artist_url")
    missing = duck(
        f"SELECT count(*) FROM '{exported}/relationships/*.parquet' "
        "WHERE type IS NULL OR entity0_mbid IS NULL OR entity1_mbid IS NULL OR entity1_name IS NULL"
    )
    assert missing == [(0,)]
    urls = duck(f"SELECT entity1_name FROM '{exported}/relationships/*.parquet' WHERE entity1_type = 'url' LIMIT 1")
    assert urls[0][0].startswith("http")


def test_raw_tables_have_the_database_columns_and_rows(ds01: str, exported: Path) -> None:
    raw = pq.ParquetDataset(exported / "raw" / "artist").read()
    assert raw.num_rows == scalar(ds01, "SELECT count(*) FROM musicbrainz.artist")
    columns = scalar(
        ds01,
        "SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = 'musicbrainz.artist'::regclass AND attnum > 0 AND NOT attisdropped",
    )
    assert raw.column_names == columns
    assert sorted(raw.column("gid").to_pylist()) == sorted(
        scalar(ds01, "SELECT array_agg(gid::text) FROM musicbrainz.artist")
    )


def test_export_reads_one_snapshot_while_the_database_changes(
    pg_server: TestServer, samples: Path, tmp_path: Path
) -> None:
    url = pg_server.create_database("snapshot")
    try:
        import_dump(url, [dataset_dir(samples, "ds01")], archives=API_ARCHIVES)
        before = scalar(url, "SELECT count(*) FROM musicbrainz.release_label")

        class DeleteDuringExport:
            def table(self, name: str, estimated_rows: int | None) -> None:
                if name == "artists":  # the first table: release_labels is read later
                    with psycopg.connect(libpq_url(url)) as conn:
                        conn.execute("DELETE FROM musicbrainz.release_label")

            def advance(self, rows: int) -> None:
                pass

        summary = export_parquet(url, tmp_path / "out", ["artists", "release_labels"], progress=DeleteDuringExport())
        assert scalar(url, "SELECT count(*) FROM musicbrainz.release_label") == 0
        assert {t.name: t.rows for t in summary.tables}["release_labels"] == before > 0
    finally:
        pg_server.drop_database(url)


def test_unknown_tables_and_a_non_empty_directory_are_refused(ds01: str, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown table 'albums'"):
        export_parquet(ds01, tmp_path / "a", ["albums"])
    with pytest.raises(ExportError, match="unknown raw table 'no_such_table'"):
        export_parquet(ds01, tmp_path / "a", ["artists"], raw=["no_such_table"])
    assert not (tmp_path / "a").exists()  # nothing written before the names are checked
    out = tmp_path / "b"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_parquet(ds01, out, ["labels"])
    export_parquet(ds01, out, ["labels"], overwrite=True)
    export_parquet(ds01, out, ["artists"], overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["artists", "manifest.json", "notes.txt"]


def test_empty_table_still_gets_a_file_with_its_schema(ds01: str, tmp_path: Path) -> None:
    export_parquet(ds01, tmp_path / "out", [], raw=["l_area_area"])
    table = pq.ParquetDataset(tmp_path / "out" / "raw" / "l_area_area").read()
    assert table.num_rows == 0
    assert "entity0" in table.column_names


def test_cli_export_writes_files_and_reports_bad_tables(ds01: str, tmp_path: Path) -> None:
    env = {**os.environ, "MBMIRROR_DATABASE_URL": ds01}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mirror", "export", *args], env=env, capture_output=True, text=True, check=False
        )

    done = run(str(tmp_path / "out"), "--tables", "labels,release_labels", "--raw", "isrc")
    assert done.returncode == 0, done.stderr
    assert "raw/isrc" in done.stderr and "CC0" in done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert set(manifest["tables"]) == {"labels", "release_labels", "raw/isrc"}
    refused = run(str(tmp_path / "other"), "--tables", "albums")
    assert refused.returncode == 1
    assert "unknown table 'albums'" in refused.stderr
    again = run(str(tmp_path / "out"))
    assert again.returncode == 1 and "--overwrite" in again.stderr

"""The synthetic dump generator: published format, determinism, scale, and data that loads consistently."""

from __future__ import annotations

import bz2
import hashlib
import json
import tarfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from mirror.db import libpq_url
from mirror.schema.musicbrainz import ARCHIVES, SCHEMA_SEQUENCE, metadata
from mirror.tools.sample import CDSTUBS, CORE, DERIVED, SampleSummary, write_sample

METADATA_MEMBERS = ["TIMESTAMP", "COPYING", "README", "REPLICATION_SEQUENCE", "SCHEMA_SEQUENCE"]
SCALE = 0.05


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return write_sample(tmp_path_factory.mktemp("sample"), scale=SCALE, seed=7)


def members(archive: Path) -> dict[str, bytes]:
    """Member name -> content, in archive order."""
    with tarfile.open(archive, "r|bz2") as tar:
        contents: dict[str, bytes] = {}
        for member in tar:
            f = tar.extractfile(member)
            assert f is not None
            contents[member.name] = f.read()
        return contents


def table_members(sample: SampleSummary) -> dict[str, bytes]:
    """Table name -> COPY data, over all archives of the sample."""
    data: dict[str, bytes] = {}
    for archive in sample.archives:
        for name, content in members(archive).items():
            if name.startswith("mbdump/"):
                data[name.removeprefix("mbdump/")] = content
    return data


def load_by_copy(url: str, sample: SampleSummary) -> None:
    """Stream every table member into ``COPY musicbrainz.<table> FROM STDIN``."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        for table, data in table_members(sample).items():
            statement = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier("musicbrainz", table))
            with cur.copy(statement) as copy:
                copy.write(data)


def test_archives_start_with_the_metadata_members_then_tables_in_published_order(sample: SampleSummary) -> None:
    assert [p.name for p in sample.archives] == [CORE, DERIVED, CDSTUBS]
    for archive in sample.archives:
        contents = members(archive)
        names = list(contents)
        assert names[:5] == METADATA_MEMBERS
        tables = [name.removeprefix("mbdump/") for name in names[5:]]
        assert all(name.startswith("mbdump/") for name in names[5:])
        order = ARCHIVES[archive.name]
        assert tables == sorted(tables, key=order.index)
        assert contents["SCHEMA_SEQUENCE"] == f"{SCHEMA_SEQUENCE}\n".encode()
        assert contents["REPLICATION_SEQUENCE"] == b"1000\n"
        assert contents["TIMESTAMP"] == f"{sample.timestamp}\n".encode()
    assert b"CC0" in members(sample.archives[0])["COPYING"]
    assert b"CC BY-NC-SA 3.0" in members(sample.archives[1])["COPYING"]


def test_archives_are_gnu_tars_owned_by_root(sample: SampleSummary) -> None:
    with tarfile.open(sample.archives[0], "r|bz2") as tar:
        for member in tar:
            assert (member.uname, member.gname, member.uid, member.mode) == ("root", "root", 0, 0o644)
    with bz2.open(sample.archives[0]) as raw:
        assert raw.read(512)[257:265] == b"ustar  \0"  # GNU tar magic, as in the published dumps


def test_sample_omits_empty_tables(sample: SampleSummary) -> None:
    data = table_members(sample)
    assert all(content for content in data.values())
    assert set(data) == set(sample.rows)
    assert "alternative_medium" not in data  # a table the generator leaves empty
    assert {table: content.count(b"\n") for table, content in data.items()} == sample.rows


def test_api_tables_are_present(sample: SampleSummary) -> None:
    wanted = [
        "area",
        "area_type",
        "iso_3166_1",
        "country_area",
        "artist",
        "artist_type",
        "gender",
        "artist_alias",
        "artist_alias_type",
        "artist_ipi",
        "artist_isni",
        "artist_credit",
        "artist_credit_name",
        "label",
        "label_type",
        "release_group",
        "release_group_primary_type",
        "release_group_secondary_type",
        "release_group_secondary_type_join",
        "release",
        "release_status",
        "release_packaging",
        "language",
        "script",
        "release_country",
        "release_unknown_country",
        "release_label",
        "medium",
        "medium_format",
        "track",
        "recording",
        "isrc",
        "work",
        "work_type",
        "iswc",
        "url",
        "link_type",
        "link",
        "link_attribute_type",
        "link_attribute",
        "l_artist_url",
        "l_artist_artist",
        "l_artist_recording",
        "l_recording_work",
        "l_release_url",
        "l_label_url",
        "l_artist_release",
        "tag",
        "genre",
        "place",
        "event",
        "instrument",
        "series",
        "cdtoc",
        "medium_cdtoc",
        "replication_control",
        "artist_meta",
        "release_meta",
        "release_group_meta",
        "recording_meta",
        "work_meta",
        "label_meta",
        "artist_tag",
        "release_group_tag",
        "recording_tag",
        "annotation",
        "artist_annotation",
    ]
    assert [table for table in wanted if not sample.rows.get(table)] == []


def test_replication_control_names_the_dump_sequence_and_timestamp(sample: SampleSummary) -> None:
    line = table_members(sample)["replication_control"].decode()
    assert line == f"1\t{SCHEMA_SEQUENCE}\t1000\t{sample.timestamp}\n"


def test_checksum_files_list_every_archive(sample: SampleSummary) -> None:
    for filename, algorithm in (("SHA256SUMS", hashlib.sha256), ("MD5SUMS", hashlib.md5)):
        lines = (sample.out_dir / filename).read_text().splitlines()
        expected = [f"{algorithm(p.read_bytes()).hexdigest()} *{p.name}" for p in sample.archives]
        assert lines == expected


def test_sample_is_deterministic_for_a_seed(tmp_path: Path, sample: SampleSummary) -> None:
    again = write_sample(tmp_path / "again", scale=SCALE, seed=7)
    other = write_sample(tmp_path / "other", scale=SCALE, seed=8)
    assert (tmp_path / "again" / "SHA256SUMS").read_text() == (sample.out_dir / "SHA256SUMS").read_text()
    assert again.rows == sample.rows
    assert (tmp_path / "other" / "SHA256SUMS").read_text() != (sample.out_dir / "SHA256SUMS").read_text()
    assert other.timestamp != sample.timestamp


def test_rows_grow_linearly_with_scale(tmp_path: Path, sample: SampleSummary) -> None:
    double = write_sample(tmp_path / "double", scale=2 * SCALE, seed=7, cdstubs=False)
    for table in ("artist", "release", "track", "recording", "work", "url"):
        assert 1.7 < double.rows[table] / sample.rows[table] < 2.3, table
    full = write_sample(tmp_path / "full", scale=1, seed=7, cdstubs=False)
    assert 40_000 < full.total_rows < 60_000
    assert not list((tmp_path / "full").glob(".sample-*")), "temporary files are removed"


def test_progress_reports_rows_written_per_table(tmp_path: Path, sample: SampleSummary) -> None:
    last: dict[str, int] = {}
    write_sample(tmp_path / "p", scale=SCALE, seed=7, progress=lambda table, rows: last.__setitem__(table, rows))
    assert {table: rows for table, rows in last.items() if rows} == sample.rows


def test_names_are_in_several_scripts_and_some_need_copy_escapes(sample: SampleSummary) -> None:
    text = b"".join(table_members(sample)[t] for t in ("artist", "recording", "release")).decode()
    for low, high, script in (
        ("\u0400", "\u04ff", "Cyrillic"),
        ("\u0370", "\u03ff", "Greek"),
        ("\u0600", "\u06ff", "Arabic"),
        ("\u3040", "\u30ff", "kana"),
        ("\u4e00", "\u9fff", "kanji"),
        ("\u00c0", "\u017f", "Latin with diacritics"),
    ):
        assert any(low <= ch <= high for ch in text), script
    for escape in ("\\t", "\\n", "\\r", "\\\\"):
        assert escape in text, escape
    assert "\\N" in text


@pytest.mark.db
def test_escaped_values_round_trip_through_copy(empty_db: str, sample: SampleSummary) -> None:
    load_by_copy(empty_db, sample)
    with psycopg.connect(libpq_url(empty_db)) as conn, conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        names = [row[0] for row in cur.execute("SELECT name FROM musicbrainz.artist ORDER BY id")]
        assert any("\t" in n for n in names) and any("\n" in n for n in names) and any("\\" in n for n in names)
        for table, data in table_members(sample).items():
            key = [c.name for c in metadata.tables[f"musicbrainz.{table}"].primary_key.columns]
            query = sql.SQL("COPY (SELECT * FROM {} ORDER BY {}) TO STDOUT").format(
                sql.Identifier("musicbrainz", table), sql.SQL(", ").join(map(sql.Identifier, key))
            )
            out = bytearray()
            with cur.copy(query) as copy:
                for block in copy:
                    out += block
            assert sorted(bytes(out).splitlines()) == sorted(data.splitlines()), table


@pytest.mark.db
def test_every_foreign_key_points_at_an_existing_row(empty_db: str, sample: SampleSummary, samples: Path) -> None:
    schema = json.loads((samples / "schema-31.json").read_text())["tables"]
    load_by_copy(empty_db, sample)
    checked, dangling = 0, {}
    with psycopg.connect(libpq_url(empty_db)) as conn:
        for table in sample.rows:
            for column, target in schema[table].get("foreign_keys", {}).items():
                target_table, target_column = target.split(".")
                if target_table == "editor":  # editors are in mbdump-editor, which the sample does not write
                    continue
                query = sql.SQL(
                    "SELECT count(*) FROM {t} AS child WHERE child.{c} IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM {tt} AS parent WHERE parent.{tc} = child.{c})"
                ).format(
                    t=sql.Identifier("musicbrainz", table),
                    c=sql.Identifier(column),
                    tt=sql.Identifier("musicbrainz", target_table),
                    tc=sql.Identifier(target_column),
                )
                row = conn.execute(query).fetchone()
                assert row is not None
                checked += 1
                if row[0]:
                    dangling[f"{table}.{column} -> {target}"] = row[0]
    assert dangling == {}
    assert checked > 80


@pytest.mark.db
def test_counts_and_dates_agree_across_tables(empty_db: str, sample: SampleSummary) -> None:
    load_by_copy(empty_db, sample)
    checks = {
        "medium track_count": """SELECT count(*) FROM musicbrainz.medium m
            WHERE m.track_count <> (SELECT count(*) FROM musicbrainz.track t WHERE t.medium = m.id)""",
        "cdtoc track_count": """SELECT count(*) FROM musicbrainz.medium_cdtoc mc
            JOIN musicbrainz.medium m ON m.id = mc.medium JOIN musicbrainz.cdtoc c ON c.id = mc.cdtoc
            WHERE c.track_count <> m.track_count""",
        "release_count": """SELECT count(*) FROM musicbrainz.release_group_meta g
            WHERE g.release_count <> (SELECT count(*) FROM musicbrainz.release r WHERE r.release_group = g.id)""",
        "artist_count": """SELECT count(*) FROM musicbrainz.artist_credit ac
            WHERE ac.artist_count <> (SELECT count(*) FROM musicbrainz.artist_credit_name n
                                      WHERE n.artist_credit = ac.id)""",
        "credit name": """SELECT count(*) FROM musicbrainz.artist_credit ac
            WHERE ac.name <> (SELECT string_agg(n.name || n.join_phrase, '' ORDER BY n.position)
                              FROM musicbrainz.artist_credit_name n WHERE n.artist_credit = ac.id)""",
        "first release date": """SELECT count(*) FROM musicbrainz.release_group_meta g
            WHERE g.first_release_date_year IS DISTINCT FROM (
                SELECT min(e.date_year) FROM musicbrainz.release r
                JOIN (SELECT release, date_year FROM musicbrainz.release_country
                      UNION ALL SELECT release, date_year FROM musicbrainz.release_unknown_country) e
                  ON e.release = r.id
                WHERE r.release_group = g.id)""",
        "link attribute_count": """SELECT count(*) FROM musicbrainz.link l
            WHERE l.attribute_count <> (SELECT count(*) FROM musicbrainz.link_attribute a WHERE a.link = l.id)""",
        "meta rows": """SELECT (SELECT count(*) FROM musicbrainz.artist)
            - (SELECT count(*) FROM musicbrainz.artist_meta)
            + (SELECT count(*) FROM musicbrainz.recording)
            - (SELECT count(*) FROM musicbrainz.recording_meta)""",
        "genre tags": """SELECT count(*) FROM musicbrainz.genre g
            WHERE NOT EXISTS (SELECT 1 FROM musicbrainz.tag t WHERE t.name = g.name)""",
    }
    with psycopg.connect(libpq_url(empty_db)) as conn:
        failures = {}
        for name, query in checks.items():
            row = conn.execute(query).fetchone()
            if row is None or row[0] != 0:
                failures[name] = row
    assert failures == {}


@pytest.mark.db
def test_import_dump_loads_every_row_of_the_sample(empty_db: str, sample: SampleSummary) -> None:
    from mirror.load import import_dump

    summary = import_dump(empty_db, [sample.out_dir], [CORE, DERIVED, CDSTUBS], jobs=1)
    assert {name.removeprefix("musicbrainz."): n for name, n in summary.rows.items() if n} == sample.rows
    with psycopg.connect(libpq_url(empty_db)) as conn:
        for table in ("artist", "track", "recording_meta", "cdtoc_raw"):
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("musicbrainz", table))
            row = conn.execute(query).fetchone()
            assert row is not None and row[0] == sample.rows[table], table

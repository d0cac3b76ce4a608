"""The search index built by the import: one document per entity, the fields of the contract, the vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from mirror.db import libpq_url
from mirror.search import build
from mirror.search.analyze import tokens
from mirror.search.build import index_state, source_query, vocabulary_filter
from mirror.search.bulk import BULK
from mirror.search.catalog import CATALOG

DATASET = "ds17"


@pytest.fixture(scope="module")
def conn(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(libpq_url(imported_dataset(DATASET)), autocommit=True) as connection:
        yield connection


def _one(conn: psycopg.Connection[tuple[object, ...]], query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


@pytest.mark.parametrize("core", [c for c in CATALOG.values() if c.name not in ("annotation", "url", "cdstub")])
def test_every_entity_has_one_document(conn: psycopg.Connection[tuple[object, ...]], core: object) -> None:
    name = core.table  # type: ignore[attr-defined]
    assert _one(conn, f"SELECT count(*) FROM search.{name}") == _one(conn, f"SELECT count(*) FROM musicbrainz.{name}")


def test_recording_documents_carry_their_releases_fields(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    rows = conn.execute(
        "SELECT t.recording, r.name, m.track_count, t.position, r.gid::text FROM musicbrainz.track t "
        "JOIN musicbrainz.medium m ON m.id = t.medium JOIN musicbrainz.release r ON r.id = m.release LIMIT 20"
    ).fetchall()
    assert rows
    for recording, release, track_count, position, reid in rows:
        doc = str(_one(conn, "SELECT doc::text FROM search.recording WHERE id = %s", recording))
        for word in tokens(str(release)):
            assert f"'release:{word}'" in doc
        assert f"'tracks:{track_count}'" in doc
        assert f"'tnum:{position}'" in doc
        assert f"'reid:{reid}'" in doc


def test_release_documents_have_catalogue_numbers_and_barcodes(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    rows = conn.execute(
        "SELECT rl.release, rl.catalog_number FROM musicbrainz.release_label rl WHERE rl.catalog_number <> ''"
    ).fetchall()
    assert rows
    for release, catno in rows:
        doc = str(_one(conn, "SELECT doc::text FROM search.release WHERE id = %s", release))
        assert "catno:" + "".join(str(catno).lower().split()) in doc


def test_vocabulary_counts_documents_per_lexeme(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    lexeme, df = conn.execute(
        "SELECT lexeme, df FROM search.vocab WHERE core = 'recording' AND lexeme LIKE 'release:%' "
        "ORDER BY df DESC, lexeme LIMIT 1"
    ).fetchone() or (None, None)
    assert lexeme is not None
    assert df == _one(conn, "SELECT count(*) FROM search.recording WHERE doc @@ %s::tsquery", f"'{lexeme}'")


def test_status_reports_the_index(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    state = index_state(conn)
    assert state is not None
    assert state["cores"] == len(CATALOG)
    assert state["documents"] > 0


@pytest.mark.parametrize("dataset", ["ds01", DATASET])
@pytest.mark.parametrize("core", sorted(BULK))
def test_bulk_source_query_gives_the_rows_of_the_correlated_one(
    imported_dataset: Callable[[str], str], dataset: str, core: str
) -> None:
    with psycopg.connect(libpq_url(imported_dataset(dataset))) as conn:
        bulk = conn.execute(source_query(CATALOG[core], "musicbrainz", False)).fetchall()
        ids = [row[0] for row in bulk]
        assert ids
        correlated = conn.execute(source_query(CATALOG[core], "musicbrainz", True), {"ids": ids}).fetchall()
        assert sorted(bulk, key=lambda row: row[0]) == sorted(correlated, key=lambda row: row[0])


def _search_tables(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for core in CATALOG.values():
        rows = conn.execute(f"SELECT *, doc::text FROM {schema}.{core.table} ORDER BY id").fetchall()
        out[core.table] = [tuple(v for i, v in enumerate(row) if i != 1) for row in rows]
    out["vocab"] = conn.execute(f"SELECT core, lexeme, df FROM {schema}.vocab ORDER BY core, lexeme").fetchall()
    return out


def test_one_worker_and_a_spilled_vocabulary_build_the_same_index(
    imported_dataset: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = imported_dataset(DATASET)
    monkeypatch.setattr(build, "VOCABULARY_SPILL", 50)
    try:
        build.build_index(url, "musicbrainz", "search_spilled", workers=1)  # the import used 2
        with psycopg.connect(libpq_url(url)) as conn:
            assert _search_tables(conn, "search_spilled") == _search_tables(conn, "search")
            leftover = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'search_spilled' AND tablename LIKE '%staging'"
            ).fetchone()
            assert leftover == (0,)
    finally:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS search_spilled CASCADE")


@pytest.mark.parametrize("dataset", ["ds01", DATASET])
def test_vocabulary_is_the_document_frequency_of_every_counted_lexeme(
    imported_dataset: Callable[[str], str], dataset: str
) -> None:
    with psycopg.connect(libpq_url(imported_dataset(dataset))) as conn:
        for core in CATALOG.values():
            counted = conn.execute(
                sql.SQL(
                    "SELECT word, count(*) FROM {} d, unnest(tsvector_to_array(d.doc)) word WHERE {} GROUP BY word"
                    ' ORDER BY word COLLATE "C"'
                ).format(sql.Identifier("search", core.table), vocabulary_filter(core))
            ).fetchall()
            vocab = conn.execute(
                "SELECT lexeme, df FROM search.vocab WHERE core = %s ORDER BY lexeme", (core.name,)
            ).fetchall()
            assert vocab == counted, core.name

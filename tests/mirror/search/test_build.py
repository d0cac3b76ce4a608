"""The search index built by the import: one document per entity (and per credit and medium, the parts shared
through links), the fields of the contract, the vocabulary."""

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
from mirror.search.catalog import PARTS
from mirror.search.schema import typed_terms

DATASET = "ds17"


@pytest.fixture(scope="module")
def conn(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(libpq_url(imported_dataset(DATASET)), autocommit=True) as connection:
        yield connection


def _one(conn: psycopg.Connection[tuple[object, ...]], query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


@pytest.mark.parametrize("part", [p for p in PARTS.values() if p.name not in ("annotation", "url", "cdstub")])
def test_every_entity_has_one_document(conn: psycopg.Connection[tuple[object, ...]], part: object) -> None:
    name = part.table  # type: ignore[attr-defined]
    assert _one(conn, f"SELECT count(*) FROM search.{name}") == _one(conn, f"SELECT count(*) FROM musicbrainz.{name}")


def test_recordings_reach_their_releases_fields_through_their_mediums(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    rows = conn.execute(
        "SELECT t.recording, t.medium, r.name, m.track_count, t.position, r.gid::text "
        "FROM musicbrainz.track t JOIN musicbrainz.medium m ON m.id = t.medium "
        "JOIN musicbrainz.release r ON r.id = m.release LIMIT 20"
    ).fetchall()
    assert rows
    for recording, medium, release, track_count, position, reid in rows:
        doc, tnum = conn.execute(
            "SELECT doc::text, n_tnum FROM search.recording WHERE id = %s", (recording,)
        ).fetchone()
        assert "tid:" not in doc and "rid:" not in doc  # MBIDs are found through musicbrainz.track/recording
        assert position in tnum
        medium_doc, tracks = conn.execute(
            "SELECT doc::text, n_tracks FROM search.medium WHERE id = %s", (medium,)
        ).fetchone()
        for word in tokens(str(release)):
            assert f"'release:{word}'" in medium_doc
        assert f"'reid:{reid}'" not in medium_doc  # found through musicbrainz.release's gid
        assert tracks == [track_count]


def test_credits_are_one_document_each_and_their_entities_keep_the_key(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    row = conn.execute(
        "SELECT r.id, r.artist_credit, ac.name FROM musicbrainz.recording r "
        "JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit LIMIT 1"
    ).fetchone()
    assert row is not None
    recording, credit, name = row
    assert _one(conn, "SELECT credit FROM search.recording WHERE id = %s", recording) == credit
    doc = str(_one(conn, "SELECT doc::text FROM search.artist_credit WHERE id = %s", credit))
    for word in tokens(str(name)):
        assert f"'artist:{word}'" in doc


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
        "SELECT lexeme, df FROM search.vocab WHERE core = 'medium' AND lexeme LIKE 'release:%' "
        "ORDER BY df DESC, lexeme LIMIT 1"
    ).fetchone() or (None, None)
    assert lexeme is not None
    assert df == _one(conn, "SELECT count(*) FROM search.medium WHERE doc @@ %s::tsquery", f"'{lexeme}'")


def test_status_reports_the_index(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    state = index_state(conn)
    assert state is not None
    assert state["cores"] == len(PARTS)
    assert state["documents"] > 0


@pytest.mark.parametrize("dataset", ["ds01", DATASET])
@pytest.mark.parametrize("part", sorted(BULK))
def test_bulk_source_query_gives_the_rows_of_the_correlated_one(
    imported_dataset: Callable[[str], str], dataset: str, part: str
) -> None:
    with psycopg.connect(libpq_url(imported_dataset(dataset))) as conn:
        bulk = conn.execute(source_query(PARTS[part], "musicbrainz", False)).fetchall()
        ids = [row[0] for row in bulk]
        assert ids
        correlated = conn.execute(source_query(PARTS[part], "musicbrainz", True), {"ids": ids}).fetchall()
        assert sorted(bulk, key=lambda row: row[0]) == sorted(correlated, key=lambda row: row[0])


def _search_tables(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for part in PARTS.values():
        out[part.table] = conn.execute(f"SELECT * FROM {schema}.{part.table} ORDER BY id").fetchall()
    out["vocab"] = conn.execute(f"SELECT core, lexeme, df FROM {schema}.vocab ORDER BY core, lexeme").fetchall()
    return out


@pytest.mark.parametrize("workers", [1, 3])
def test_any_number_of_workers_and_a_spilled_vocabulary_build_the_same_index(
    imported_dataset: Callable[[str], str], monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    url = imported_dataset(DATASET)
    monkeypatch.setattr(build, "VOCABULARY_SPILL", 50)
    try:
        build.build_index(url, "musicbrainz", "search_spilled", workers=workers)  # the import: one per CPU
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
        for part in PARTS.values():
            terms = typed_terms(part, "d")
            typed = f" UNION ALL SELECT t.term FROM {{table}} d, LATERAL ({terms}) t" if terms else ""
            counted = conn.execute(
                sql.SQL(
                    "SELECT word, count(*) FROM (SELECT word FROM {table} d,"
                    " unnest(tsvector_to_array(d.doc || d.extra)) word WHERE {counted}"
                    + typed
                    + ') w GROUP BY word ORDER BY word COLLATE "C"'
                ).format(table=sql.Identifier("search", part.table), counted=vocabulary_filter(part))
            ).fetchall()
            vocab = conn.execute(
                "SELECT lexeme, df FROM search.vocab WHERE core = %s ORDER BY lexeme", (part.name,)
            ).fetchall()
            assert vocab == counted, part.name


def test_built_tables_are_left_to_autovacuum(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Autovacuum is kept off the tables only while the build writes them."""
    rows = conn.execute(
        "SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'search'::regnamespace AND relkind = 'r'"
    ).fetchall()
    assert {name for name, _ in rows} >= {part.table for part in PARTS.values()} | {"vocab"}
    assert [(name, options) for name, options in rows if "autovacuum" in str(options)] == []

"""The search index built by the import: one document per entity, the fields of the contract, the vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.search.analyze import tokens
from mirror.search.build import index_state
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

"""Relevance over a shared dataset, with the queries beets, Picard and people send, derived from the data.

"First" means: the top hit is the entity, or one indistinguishable from it by what the query names (the
datasets hold several releases with one title and credit, e.g. editions in other countries).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.search.analyze import is_cjk, tokens
from mirror.search.lucene_ast import escape
from tests.mirror.search.conftest import Searcher, searcher

DATASET = "ds17"


@pytest.fixture(scope="module")
def conn(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_url(imported_dataset(DATASET)), autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def run(imported_dataset: Callable[[str], str]) -> Searcher:
    return searcher(imported_dataset(DATASET))


def rows(conn: psycopg.Connection[Any], query: str) -> list[tuple[Any, ...]]:
    found = conn.execute(query).fetchall()  # type: ignore[arg-type]
    assert found, f"no cases from: {query}"
    return found


def keys(conn: psycopg.Connection[Any], query: str) -> dict[int, tuple[Any, ...]]:
    """id -> the key a hit must have (the columns after the id)."""
    return {int(r[0]): tuple(str(v) for v in r[1:]) for r in rows(conn, query)}


def words(key: tuple[Any, ...]) -> tuple[str, ...]:
    """A key as its words: hits differing only in punctuation or case are indistinguishable."""
    return tuple(" ".join(tokens(str(v))) for v in key)


def beets(text: str) -> str:
    return escape(text.lower().strip())


def typo(text: str) -> str | None:
    """The title with two letters of its longest word swapped (beatles -> beatels), or None."""
    words = text.split()
    longest = max(words, key=len, default="")
    if len(longest) < 5 or not longest.isalpha() or not longest.isascii():
        return None
    i = len(longest) // 2
    swapped = longest[: i - 1] + longest[i] + longest[i - 1] + longest[i + 1 :]
    return None if swapped.casefold() == longest.casefold() else text.replace(longest, swapped, 1)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


RELEASES = (
    "SELECT r.id, r.name, ac.name FROM musicbrainz.release r "
    "JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit"
)
RECORDINGS = (
    "SELECT r.id, r.name, ac.name FROM musicbrainz.recording r "
    "JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit"
)


def assert_first(run: Searcher, core: str, query: str, expected: tuple[Any, ...], key: dict[int, tuple[Any, ...]]):
    result = run(core, query, limit=5)
    assert result.hits, f"{core} {query!r}: no hits"
    assert words(key[result.hits[0].id]) == words(expected), (
        f"{core} {query!r}: first is {key[result.hits[0].id]}, not {expected}"
    )


def test_beets_release_queries_find_the_release_first(conn: psycopg.Connection[Any], run: Searcher) -> None:
    key = keys(conn, RELEASES)
    for release, (title, artist) in key.items():
        assert_first(run, "release", f"release:({beets(title)}) artist:({beets(artist)})", (title, artist), key)
        assert_first(run, "release", f"{beets(title)} {beets(artist)}", (title, artist), key)  # unfielded
        assert_first(
            run, "release", f"RELEASE:({escape(title.upper())}) artist:({escape(artist.upper())})", (title, artist), key
        )
        assert release in key


def test_release_queries_with_a_typo_find_the_release_first(conn: psycopg.Connection[Any], run: Searcher) -> None:
    key = keys(conn, RELEASES)
    cases = [(title, artist, typo(title)) for title, artist in set(key.values()) if typo(title)]
    assert cases
    for title, artist, wrong in cases:
        assert_first(run, "release", f"release:({beets(str(wrong))}) artist:({beets(artist)})", (title, artist), key)


def test_beets_and_picard_recording_queries(conn: psycopg.Connection[Any], run: Searcher) -> None:
    key = keys(conn, RECORDINGS)
    for title, artist in set(key.values()):
        assert_first(run, "recording", f"artist:({beets(artist)}) recording:({beets(title)})", (title, artist), key)
    tracks = rows(
        conn,
        "SELECT t.recording, t.name, ac.name, r.name, t.position, m.track_count, rec.length FROM musicbrainz.track t "
        "JOIN musicbrainz.medium m ON m.id = t.medium JOIN musicbrainz.release r ON r.id = m.release "
        "JOIN musicbrainz.recording rec ON rec.id = t.recording "
        "JOIN musicbrainz.artist_credit ac ON ac.id = t.artist_credit WHERE rec.length IS NOT NULL",
    )
    for recording, title, artist, release, position, count, length in tracks:
        query = (
            f"track:({escape(title)}) artist:({escape(artist)}) release:({escape(release)}) tnum:({position}) "
            f"tracks:({count}) qdur:({length // 2000})"
        )
        result = run("recording", query, limit=5)
        best = [h.id for h in result.hits if h.raw == result.hits[0].raw]
        assert recording in best, f"{query!r}: {recording} not first"


def test_picard_release_query_with_track_count(conn: psycopg.Connection[Any], run: Searcher) -> None:
    key = keys(conn, RELEASES)
    totals = rows(conn, "SELECT release, sum(track_count) FROM musicbrainz.medium GROUP BY release")
    for release, total in totals:
        title, artist = key[release]
        query = f"artist:({escape(artist)}) release:({escape(title)}) tracks:({total})"
        result = run("release", query, limit=5)
        assert words(key[result.hits[0].id]) == words(key[release]), query


def test_identifiers_find_their_entity(conn: psycopg.Connection[Any], run: Searcher) -> None:
    for table, core, field, column in (
        ("isrc", "recording", "isrc", "isrc"),
        ("release", "release", "barcode", "barcode"),
        ("release_label", "release", "catno", "catalog_number"),
    ):
        owner = "recording" if table == "isrc" else "id" if table == "release" else "release"
        owners: dict[str, set[int]] = defaultdict(set)
        for entity, value in rows(
            conn, f"SELECT {owner}, {column} FROM musicbrainz.{table} WHERE coalesce({column}, '') <> ''"
        ):
            owners[str(value)].add(int(entity))
        for value, entities in owners.items():
            text = "".join(value.lower().split()) if field == "catno" else value
            result = run(core, f"{field}:({escape(text)})", limit=25)
            assert result.hits and result.hits[0].id in entities, f"{field}:{value}"
            assert {h.id for h in result.hits} >= entities


def test_aliases_and_sort_names_find_the_artist(conn: psycopg.Connection[Any], run: Searcher) -> None:
    names: dict[str, set[int]] = defaultdict(set)
    for artist, name in rows(
        conn,
        "SELECT artist, name FROM musicbrainz.artist_alias UNION SELECT id, name FROM musicbrainz.artist "
        "UNION SELECT artist, sort_name FROM musicbrainz.artist_alias",
    ):
        names[str(name).casefold()].add(int(artist))
    for (alias,) in rows(conn, "SELECT DISTINCT name FROM musicbrainz.artist_alias"):
        result = run("artist", escape(alias), limit=5)
        assert result.hits[0].id in names[alias.casefold()], alias
    sorts = keys(conn, "SELECT id, sort_name FROM musicbrainz.artist WHERE sort_name <> name")
    for (sort_name,) in set(sorts.values()):
        assert_first(run, "artist", f"sortname:({beets(sort_name)})", (sort_name,), sorts)
        assert_first(run, "artist", beets(sort_name), (sort_name,), sorts)


def test_japanese_titles_match_whole_and_in_part(conn: psycopg.Connection[Any], run: Searcher) -> None:
    cases = 0
    for core, table in (("artist", "artist"), ("release", "release"), ("recording", "recording"), ("work", "work")):
        key = keys(conn, f"SELECT id, name FROM musicbrainz.{table}")
        for entity, (name,) in key.items():
            runs = [name[i : i + 2] for i in range(len(name) - 1) if is_cjk(name[i]) and is_cjk(name[i + 1])]
            if not runs:
                continue
            cases += 1
            assert_first(run, core, escape(name), (name,), key)
            assert entity in [h.id for h in run(core, escape(runs[-1]), limit=25).hits], (name, runs[-1])
    assert cases >= 5


def test_dropped_diacritics_still_match(conn: psycopg.Connection[Any], run: Searcher) -> None:
    cases = 0
    for core, table in (("artist", "artist"), ("release", "release"), ("recording", "recording"), ("work", "work")):
        key = keys(conn, f"SELECT id, name FROM musicbrainz.{table}")
        for (name,) in set(key.values()):
            plain = strip_accents(name)
            if plain == name or not plain.isascii():
                continue
            cases += 1
            assert_first(run, core, beets(plain), (name,), key)
    assert cases > 0

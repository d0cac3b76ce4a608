"""A small synthetic corpus for the engine's tests, and a helper to run searches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.search.build import rebuild
from mirror.search.engine import SearchOptions, SearchResult, search
from mirror.search.lucene import Node, parse_lenient
from mirror.tools.packets import synthetic_row
from tests.fixtures.db import TestServer

ARTISTS = [
    ("Toto", "Toto", 1976),
    ("Alistair Toto", "Toto, Alistair", 1950),
    ("Björk", "Björk", 1965),
    ("The Beatles", "Beatles, The", 1960),
    ("Beatles Revival Band", "Beatles Revival Band", 1990),
    ("Pink Floyd", "Pink Floyd", 1965),
    ("宇多田ヒカル", "Utada, Hikaru", 1983),
    ("Sigur Rós", "Sigur Rós", 1994),
    ("AC/DC", "AC/DC", 1973),
    *[(f"Filler Band {n}", f"Band {n}, Filler", 1900 + n) for n in range(40)],
    ("Filler Band", "Band, Filler", 1899),  # the one whole-name match among many matches of both words
    ("Fiiler", "Fiiler", 1999),  # two edits from "fillre", rare; "filler" is one (a transposition), common
]
ALIASES = [(7, "Utada Hikaru"), (3, "Bjork Gudmundsdottir"), (1, "Revivel")]  # one edit from "revival"


def insert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def corpus(pg_server: TestServer) -> Iterator[str]:
    """URL of a database with the ARTISTS (ids from 1) and their search index."""
    url = pg_server.create_database("search")
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for number, (name, sort_name, year) in enumerate(ARTISTS, 1):
            row = synthetic_row("musicbrainz.artist", number, name=name, sort_name=sort_name, comment="")
            row.update(begin_date_year=year, begin_area=None, end_area=None, type=None, gender=None)
            insert(conn, "musicbrainz.artist", row)
        for number, (artist, name) in enumerate(ALIASES, 1):
            alias = synthetic_row("musicbrainz.artist_alias", number, artist=artist, name=name, sort_name=name)
            insert(conn, "musicbrainz.artist_alias", alias)
    rebuild(url)
    yield url
    pg_server.drop_database(url)


Searcher = Callable[..., SearchResult]


def searcher(url: str) -> Searcher:
    """run(core, query text or Node, limit=10, offset=0) -> SearchResult, on a fresh connection."""

    def run(core: str, query: str | Node, limit: int = 10, offset: int = 0, **options: Any) -> SearchResult:
        node = parse_lenient(query) if isinstance(query, str) else query

        async def go() -> SearchResult:
            conn = await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True)
            async with conn:
                return await search(conn, core, node, limit=limit, offset=offset, options=SearchOptions(**options))

        return asyncio.run(go())

    return run

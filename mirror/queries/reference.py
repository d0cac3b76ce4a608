"""Small reference tables kept in each API process: link and attribute types, genres, alias types, statuses,
languages, ISO country codes...

These tables hold at most a few thousand rows and change only with an import or a replication packet, yet
nearly every ws/2 statement joined one or more of them. ``ReferenceCache`` keeps them in the process, keyed by
the database's *version*: the OID of ``musicbrainz.replication_control`` (an import replaces the ``musicbrainz``
schema whole, so the table is a new one) and its replication sequence (every packet advances it).

``await cache.current(conn)`` reads the version in the request's transaction (its first statement: the ws/2
pool's sessions are REPEATABLE READ, so every statement of a request reads the same snapshot) and returns the
tables as of that version: they are loaded, in that transaction, the first time a version is seen, so what a
request reads from them always matches what its statements read from the database. The last ``KEPT_VERSIONS``
versions stay loaded, so requests that started on both sides of a packet each find theirs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import tuple_row

from mirror.queries.common import ALIASED
from mirror.queries.pipeline import Statement, fetch_many
from mirror.queries.release import Named

KEPT_VERSIONS = 2
TYPED = ("event", "instrument", "label", "place", "series", "work")  # entity types of ``entity_types``

Version = tuple[int, int | None]
"""``(OID of musicbrainz.replication_control, current replication sequence)``."""

# The version, read by the first statement of a request's transaction (which sees one snapshot: the ws/2 pool's
# sessions are REPEATABLE READ, ``api.main.configure_connection``).
VERSION_SQL = (
    "SELECT to_regclass('musicbrainz.replication_control')::oid::int8, "
    "(SELECT current_replication_sequence FROM musicbrainz.replication_control ORDER BY id LIMIT 1)"
)


@dataclass(frozen=True, slots=True)
class LinkType:
    """A relationship type: its name, MBID and whether its relationships are ordered (``link_order``)."""

    name: str
    gid: str
    orderable: bool


@dataclass(frozen=True, slots=True)
class Genre:
    """The genre a tag of the same name is (ws/2 shows a tag's genre MBID and disambiguation)."""

    gid: str
    comment: str


@dataclass(frozen=True, slots=True)
class Language:
    iso_code_3: str | None
    iso_code_2t: str | None


@dataclass(frozen=True, slots=True)
class MediumFormat:
    name: str
    gid: str
    has_discids: bool


@dataclass(frozen=True, slots=True)
class SecondaryType:
    """A release group secondary type; ws/2 lists them by ``child_order``, then name."""

    name: str
    gid: str
    child_order: int


@dataclass(frozen=True)
class Reference:
    """The reference tables as of one database version, by row id (genres by name)."""

    version: Version
    link_types: dict[int, LinkType]
    attribute_types: dict[int, Named]  # link_attribute_type
    genres: dict[str, Genre]
    alias_types: dict[str, dict[int, Named]]  # entity type -> <entity>_alias_type
    artist_types: dict[int, Named]
    release_statuses: dict[int, Named]
    release_packagings: dict[int, Named]
    languages: dict[int, Language]
    scripts: dict[int, str]  # iso_code
    medium_formats: dict[int, MediumFormat]
    primary_types: dict[int, Named]  # release_group_primary_type
    secondary_types: dict[int, SecondaryType]  # release_group_secondary_type
    entity_types: dict[str, dict[int, Named]]  # entity type -> <entity>_type (event, instrument, label, ...)
    art_types: dict[str, int]  # cover_art_archive.art_type: row id by name
    iso_codes: dict[int, tuple[str, ...]]  # iso_3166_1: the codes of an area, sorted


def _t(name: str) -> sql.Identifier:
    return sql.Identifier("musicbrainz", name)


def _named_query(table: str) -> str:
    return sql.SQL("SELECT id, name, gid::text FROM {t}").format(t=_t(table)).as_string()


_NAMED_TABLES = {
    "attribute_types": "link_attribute_type",
    "artist_types": "artist_type",
    "release_statuses": "release_status",
    "release_packagings": "release_packaging",
    "primary_types": "release_group_primary_type",
}

LINK_TYPES_SQL = (
    "SELECT lt.id, lt.name, lt.gid::text, "
    "EXISTS (SELECT 1 FROM musicbrainz.orderable_link_type o WHERE o.link_type = lt.id) FROM musicbrainz.link_type lt"
)

_OTHER_QUERIES = {
    "link_types": LINK_TYPES_SQL,
    "genres": "SELECT name, gid::text, comment FROM musicbrainz.genre",
    "languages": "SELECT id, iso_code_3, iso_code_2t FROM musicbrainz.language",
    "scripts": "SELECT id, iso_code FROM musicbrainz.script",
    "medium_formats": "SELECT id, name, gid::text, coalesce(has_discids, false) FROM musicbrainz.medium_format",
    "secondary_types": "SELECT id, name, gid::text, child_order FROM musicbrainz.release_group_secondary_type",
    "art_types": "SELECT name, id FROM cover_art_archive.art_type",
    "iso_codes": "SELECT area, array_agg(code ORDER BY code) FROM musicbrainz.iso_3166_1 GROUP BY area",
}


def _statements() -> list[tuple[str, Statement]]:
    statements: list[tuple[str, Statement]] = [(key, (_named_query(t), ())) for key, t in _NAMED_TABLES.items()]
    statements += [(key, (query, ())) for key, query in _OTHER_QUERIES.items()]
    statements += [(f"alias:{e}", (_named_query(f"{e}_alias_type"), ())) for e in sorted(ALIASED)]
    statements += [(f"type:{e}", (_named_query(f"{e}_type"), ())) for e in TYPED]
    return statements


def _named(rows: Iterable[list[Any]]) -> dict[int, Named]:
    return {row[0]: Named(row[1], row[2]) for row in rows}


async def load_reference(conn: AsyncConnection[Any], version: Version) -> Reference:
    """Every reference table, in one statement."""
    keyed = _statements()
    results = dict(zip([key for key, _ in keyed], await fetch_many(conn, [s for _, s in keyed]), strict=True))
    return Reference(
        version=version,
        link_types={r[0]: LinkType(r[1], r[2], r[3]) for r in results["link_types"]},
        attribute_types=_named(results["attribute_types"]),
        genres={r[0]: Genre(r[1], r[2]) for r in results["genres"]},
        alias_types={e: _named(results[f"alias:{e}"]) for e in ALIASED},
        artist_types=_named(results["artist_types"]),
        release_statuses=_named(results["release_statuses"]),
        release_packagings=_named(results["release_packagings"]),
        languages={r[0]: Language(r[1], r[2]) for r in results["languages"]},
        scripts={r[0]: r[1] for r in results["scripts"]},
        medium_formats={r[0]: MediumFormat(r[1], r[2], r[3]) for r in results["medium_formats"]},
        primary_types=_named(results["primary_types"]),
        secondary_types={r[0]: SecondaryType(r[1], r[2], r[3]) for r in results["secondary_types"]},
        entity_types={e: _named(results[f"type:{e}"]) for e in TYPED},
        art_types={r[0]: r[1] for r in results["art_types"]},
        iso_codes={r[0]: tuple(r[1]) for r in results["iso_codes"]},
    )


class ReferenceCache:
    """The reference tables of the last ``KEPT_VERSIONS`` database versions this process has seen."""

    def __init__(self) -> None:
        self._loaded: dict[Version, asyncio.Future[Reference]] = {}
        self.loads = 0  # how many versions were loaded (tests and metrics)

    async def current(self, conn: AsyncConnection[Any]) -> Reference:
        """The reference tables as of ``conn``'s transaction (opened by this first statement)."""
        async with conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(VERSION_SQL)
            row = await cur.fetchone()
        assert row is not None
        return await self.get(conn, (int(row[0]), row[1]))

    async def get(self, conn: AsyncConnection[Any], version: Version) -> Reference:
        """The tables as of ``version``, loaded on ``conn`` (whose transaction sees that version) if needed."""
        future = self._loaded.get(version)
        if future is None:
            future = self._loaded[version] = asyncio.get_running_loop().create_future()
            for old in list(self._loaded)[:-KEPT_VERSIONS]:
                del self._loaded[old]
            try:
                future.set_result(await load_reference(conn, version))
                self.loads += 1
            except BaseException as exc:
                self._loaded.pop(version, None)
                future.set_exception(exc)
                future.exception()  # retrieved: only the requests waiting on it see it
                raise
        return await future

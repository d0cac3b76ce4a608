"""Shared pieces of the native data layer: entity names, MBID parsing and resolution, and the loaders every
entity uses (artist credits, external links, aliases, tags, genres, relationships, annotation, rating).

Connections are synchronous (``psycopg.Connection``) so that notebooks can call the data layer directly. The
SQL text of the ws/2 loaders (``mirror.queries``) is reused where the rows are the same.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from mirror.errors import InvalidQuery
from mirror.native import models as m
from mirror.queries.common import (
    ANNOTATED,
    RATED,
    TAGGED,
    aliases_query,
    annotation_query,
    partial_date,
    ratings_query,
    resolve_query,
    tags_query,
)
from mirror.queries.relationships import relationships_query
from mirror.schema.entities import RELATABLE_TYPES
from mirror.schema.musicbrainz import metadata

Conn = psycopg.Connection[Any]
Row = dict[str, Any]

# API name -> table name of every entity type the native API serves.
TABLES = {
    "area": "area",
    "artist": "artist",
    "event": "event",
    "genre": "genre",
    "instrument": "instrument",
    "label": "label",
    "place": "place",
    "recording": "recording",
    "release": "release",
    "release-group": "release_group",
    "series": "series",
    "work": "work",
}
MBID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EXTRA_INCLUDES = frozenset({"aliases", "tags", "genres", "relationships", "annotation", "rating"})


def parse_mbid(value: str, parameter: str = "mbid") -> str:
    """The canonical text of an MBID, or ``InvalidQuery`` when ``value`` is not a UUID."""
    if not MBID_RE.match(value):
        raise InvalidQuery(parameter, f"{value!r} is not an MBID (a UUID such as 89ad4ac3-39f7-470e-963a-56509c546377)")
    return value.lower()


def resolve(conn: Conn, table: str, mbid: str) -> tuple[int, str] | None:
    """``(row id, current MBID)`` of an MBID, following merges (``<table>_gid_redirect``); None if unknown."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(resolve_query(table), {"g": mbid}).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def rows(conn: Conn, query: str | sql.Composable, params: Sequence[Any] | dict[str, Any]) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()  # type: ignore[arg-type]


def ref(mbid: str | None, name: str | None) -> m.Ref | None:
    return None if mbid is None else m.Ref(id=mbid, name=name or "")


def life_span(row: Row) -> m.LifeSpan:
    return m.LifeSpan(begin=partial_date(row, "begin_date"), end=partial_date(row, "end_date"), ended=row["ended"])


def date_of(row: Row, prefix: str = "date") -> str | None:
    return partial_date(row, prefix)


def credits(conn: Conn, ids: Iterable[int]) -> dict[int, list[m.CreditedArtist]]:
    """The credited artists of each artist credit, in credit order."""
    wanted = sorted(set(ids))
    out: dict[int, list[m.CreditedArtist]] = defaultdict(list)
    if not wanted:
        return out
    found = rows(
        conn,
        "SELECT acn.artist_credit, a.gid::text AS id, a.name, acn.name AS credited_as, acn.join_phrase "
        "FROM musicbrainz.artist_credit_name acn JOIN musicbrainz.artist a ON a.id = acn.artist "
        "WHERE acn.artist_credit = ANY(%s) ORDER BY acn.artist_credit, acn.position",
        (wanted,),
    )
    for row in found:
        out[row.pop("artist_credit")].append(m.CreditedArtist(**row))
    return out


def _link_table(table: str) -> tuple[str, str, str]:
    """(link table, column of ``table``, column of the url) for the url relationships of ``table``."""
    first, second = sorted((table, "url"))
    own, other = ("entity0", "entity1") if first == table else ("entity1", "entity0")
    return f"l_{first}_{second}", own, other


@cache
def links_query(table: str) -> str:
    link_table, own, other = _link_table(table)
    return (
        sql.SQL(
            "SELECT l.{own} AS owner, lt.name AS type, u.url FROM {lt} l "
            "JOIN musicbrainz.url u ON u.id = l.{other} JOIN musicbrainz.link ln ON ln.id = l.link "
            "JOIN musicbrainz.link_type lt ON lt.id = ln.link_type "
            'WHERE l.{own} = ANY(%s) ORDER BY l.{own}, lt.name COLLATE "C", u.url COLLATE "C"'
        )
        .format(own=sql.Identifier(own), other=sql.Identifier(other), lt=sql.Identifier("musicbrainz", link_table))
        .as_string()
    )


def links(conn: Conn, table: str, ids: Sequence[int]) -> dict[int, list[m.Link]]:
    """External links (url relationships) per entity, by relationship type then URL."""
    out: dict[int, list[m.Link]] = defaultdict(list)
    for row in rows(conn, links_query(table), (list(ids),)):
        out[row.pop("owner")].append(m.Link(**row))
    return out


def relatable_targets(table: str) -> tuple[str, ...]:
    """Entity types ``table`` has (non-URL) relationship tables with."""
    out = []
    for target in RELATABLE_TYPES:
        first, second = sorted((table, target))
        if target != "url" and f"musicbrainz.l_{first}_{second}" in metadata.tables:
            out.append(target)
    return tuple(out)


def _relationships(conn: Conn, table: str, row_id: int) -> list[m.Relationship]:
    found = rows(conn, relationships_query(table, relatable_targets(table)), {"ids": [row_id]})
    by_type: dict[str, set[int]] = defaultdict(set)
    for row in found:
        by_type[row["target_type"]].add(row["target"])
    names: dict[tuple[str, int], tuple[str, str]] = {}
    for target_type, ids in by_type.items():
        query = sql.SQL("SELECT id, gid::text AS gid, name FROM {} WHERE id = ANY(%s)").format(
            sql.Identifier("musicbrainz", target_type)
        )
        for target in rows(conn, query, (sorted(ids),)):
            names[(target_type, target["id"])] = (target["gid"], target["name"])
    out = []
    for row in found:
        gid, name = names[(row["target_type"], row["target"])]
        out.append(
            m.Relationship(
                type=row["type"],
                type_id=row["type_id"],
                direction=row["direction"],
                target_type=row["target_type"].replace("_", "-"),
                target=m.Ref(id=gid, name=name),
                begin=partial_date(row, "begin_date"),
                end=partial_date(row, "end_date"),
                ended=row["ended"],
                attributes=[a["name"] for a in row["attributes"]],
            )
        )
    out.sort(key=lambda r: (r.type, r.target_type, r.target.name, r.target.id))
    return out


def check_includes(include: Iterable[str], allowed: frozenset[str]) -> frozenset[str]:
    wanted = frozenset(include)
    unknown = sorted(wanted - allowed)
    if unknown:
        raise InvalidQuery("include", f"unknown {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return wanted


def extras(conn: Conn, table: str, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    """The ``include=`` parts of ``Extras`` asked for (and applicable to ``table``)."""
    out: dict[str, Any] = {}
    if "aliases" in include:
        out["aliases"] = [
            m.Alias(
                name=a["name"],
                sort_name=a["sort_name"],
                locale=a["locale"],
                type=a["type"],
                primary=bool(a["primary_for_locale"]),
                begin=partial_date(a, "begin_date"),
                end=partial_date(a, "end_date"),
            )
            for a in rows(conn, aliases_query(table), ([row_id],))
        ]
    if include & {"tags", "genres"} and table in TAGGED:
        found = rows(conn, tags_query(table), ([row_id],))
        if "tags" in include:
            out["tags"] = [m.Tag(name=t["name"], count=t["count"]) for t in found]
        if "genres" in include:
            out["genres"] = [
                m.GenreVote(id=t["genre_id"], name=t["name"], count=t["count"]) for t in found if t["genre_id"]
            ]
    if "relationships" in include:
        out["relationships"] = _relationships(conn, table, row_id)
    if "annotation" in include and table in ANNOTATED:
        texts = rows(conn, annotation_query(table), ([row_id],))
        out["annotation"] = texts[0]["text"] if texts and texts[0]["text"] else None
    if "rating" in include and table in RATED:
        found = rows(conn, ratings_query(table), ([row_id],))
        rating, votes = (found[0]["rating"], found[0]["rating_count"] or 0) if found else (None, 0)
        out["rating"] = m.Rating(value=None if rating is None else rating / 20, votes=votes)
    return out

"""Shared loaders for every entity type: MBID resolution, aliases, annotations, tags, genres and ratings.

Table names are composed from a fixed set of entity types with ``psycopg.sql.Identifier``, never from input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection, sql

if TYPE_CHECKING:
    from mirror.queries.reference import Reference

Conn = AsyncConnection[dict[str, Any]]
Row = dict[str, Any]

# Entity types whose tables carry aliases / tags / ratings / annotations (MusicBrainz schema 31).
ALIASED = frozenset(
    {
        "area",
        "artist",
        "event",
        "genre",
        "instrument",
        "label",
        "place",
        "recording",
        "release",
        "release_group",
        "series",
        "work",
    }
)
TAGGED = ALIASED - {"genre"}
RATED = frozenset({"artist", "event", "label", "place", "recording", "release_group", "work"})
ANNOTATED = ALIASED - {"genre"}


def _t(name: str) -> sql.Identifier:
    return sql.Identifier("musicbrainz", name)


def partial_date(row: Row, prefix: str) -> str | None:
    """``1986-11-05``, ``1995-03``, ``1995`` or None from ``<prefix>_year/_month/_day`` columns."""
    return date_text(row.get(f"{prefix}_year"), row.get(f"{prefix}_month"), row.get(f"{prefix}_day"))


def date_text(year: int | None, month: int | None, day: int | None) -> str | None:
    """``partial_date`` of the three values."""
    if year is None:
        if month is None:
            return None
        return f"????-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    text = f"{year:04d}" if year >= 0 else str(year)
    if month is not None:
        text += f"-{month:02d}"
        if day is not None:
            text += f"-{day:02d}"
    return text


@cache
def resolve_query(table: str) -> str:
    """Row id and canonical MBID of ``%(g)s`` in ``table``, following ``<table>_gid_redirect``."""
    if table in ("editor_collection", "track", "genre"):  # no <table>_gid_redirect
        return sql.SQL("SELECT id, gid::text AS gid FROM {t} WHERE gid = %(g)s").format(t=_t(table)).as_string()
    query = sql.SQL(
        "SELECT id, gid::text AS gid FROM {t} WHERE gid = %(g)s "
        "UNION ALL SELECT e.id, e.gid::text FROM {r} r JOIN {t} e ON e.id = r.new_id WHERE r.gid = %(g)s "
        "LIMIT 1"
    ).format(t=_t(table), r=_t(f"{table}_gid_redirect"))
    return query.as_string()


async def resolve_gid(conn: Conn, table: str, gid: str) -> tuple[int, str] | None:
    """``(row id, canonical MBID)`` for an MBID of ``table``, following ``<table>_gid_redirect``."""
    cur = await conn.execute(resolve_query(table), {"g": gid})
    row = await cur.fetchone()
    return None if row is None else (int(row["id"]), str(row["gid"]))


# ``ids`` argument of the extras queries below: the rows are those of an id list (the default), or the artists
# credited in a list of artist credits (``CREDITED_ARTISTS``, to load them with the credits in one statement).
BY_IDS = "%s"
CREDITED_ARTISTS = "ARRAY(SELECT acn.artist FROM musicbrainz.artist_credit_name acn WHERE acn.artist_credit = ANY(%s))"


@cache
def aliases_query(entity_type: str, ids: str = BY_IDS) -> str:
    """Aliases of ``entity_type`` rows ``ids`` (an id list), ordered by owner, name then sort name."""
    query = sql.SQL(
        "SELECT a.{e} AS owner, a.name, a.sort_name, a.locale, a.primary_for_locale, t.name AS type, "
        "t.gid::text AS type_id, a.begin_date_year, a.begin_date_month, a.begin_date_day, "
        "a.end_date_year, a.end_date_month, a.end_date_day, a.ended "
        "FROM {a} a LEFT JOIN {at} t ON t.id = a.type WHERE a.{e} = ANY({ids}) "
        'ORDER BY a.{e}, a.name COLLATE "C", a.sort_name COLLATE "C", a.locale, a.id'
    ).format(
        e=sql.Identifier(entity_type),
        a=_t(f"{entity_type}_alias"),
        at=_t(f"{entity_type}_alias_type"),
        ids=sql.SQL(ids),  # one of the fixed fragments above
    )
    return query.as_string()


@cache
def alias_rows_query(entity_type: str, ids: str = BY_IDS) -> str:
    """``aliases_query`` with the type's row id instead of its name and MBID (``parse_alias_rows``)."""
    query = sql.SQL(
        "SELECT a.{e}, a.name, a.sort_name, a.locale, a.primary_for_locale, a.type, "
        "a.begin_date_year, a.begin_date_month, a.begin_date_day, a.end_date_year, a.end_date_month, "
        "a.end_date_day, a.ended FROM {a} a WHERE a.{e} = ANY({ids}) "
        'ORDER BY a.{e}, a.name COLLATE "C", a.sort_name COLLATE "C", a.locale, a.id'
    ).format(e=sql.Identifier(entity_type), a=_t(f"{entity_type}_alias"), ids=sql.SQL(ids))
    return query.as_string()


def parse_alias_rows(ref: Reference, entity_type: str, rows: list[Sequence[Any]]) -> dict[int, list[Row]]:
    """Rows of ``alias_rows_query`` per owner: ``name``, ``sort_name``, ``locale``, ``primary_for_locale``,
    ``type``, ``type_id``, ``begin``, ``end``, ``ended``."""
    types = ref.alias_types[entity_type]
    out: dict[int, list[Row]] = defaultdict(list)
    for owner, name, sort_name, locale, primary, type_row, by, bm, bd, ey, em, ed, ended in rows:
        alias_type = types.get(type_row) if type_row is not None else None
        out[owner].append(
            {
                "name": name,
                "sort_name": sort_name,
                "locale": locale,
                "primary_for_locale": primary,
                "type": alias_type.name if alias_type else None,
                "type_id": alias_type.gid if alias_type else None,
                "begin": date_text(by, bm, bd),
                "end": date_text(ey, em, ed),
                "ended": ended,
            }
        )
    return out


@cache
def annotation_query(entity_type: str) -> str:
    query = sql.SQL(
        "SELECT DISTINCT ON (ea.{e}) ea.{e} AS owner, an.text FROM {ea} ea "
        "JOIN musicbrainz.annotation an ON an.id = ea.annotation WHERE ea.{e} = ANY(%s) "
        "ORDER BY ea.{e}, an.created DESC, an.id DESC"
    ).format(e=sql.Identifier(entity_type), ea=_t(f"{entity_type}_annotation"))
    return query.as_string()


def parse_annotations(rows: list[Row]) -> dict[int, str]:
    return {row["owner"]: row["text"] for row in rows if row["text"]}


@cache
def tags_query(entity_type: str, ids: str = BY_IDS) -> str:
    query = sql.SQL(
        "SELECT et.{e} AS owner, t.name, et.count, g.gid::text AS genre_id, g.comment AS genre_comment "
        "FROM {et} et JOIN musicbrainz.tag t ON t.id = et.tag "
        "LEFT JOIN musicbrainz.genre g ON g.name = t.name "
        'WHERE et.{e} = ANY({ids}) AND et.count > 0 ORDER BY et.{e}, t.name COLLATE "C"'
    ).format(e=sql.Identifier(entity_type), et=_t(f"{entity_type}_tag"), ids=sql.SQL(ids))
    return query.as_string()


@cache
def tag_rows_query(entity_type: str, ids: str = BY_IDS) -> str:
    """``tags_query`` without the genres (``parse_tag_rows`` finds them by name)."""
    query = sql.SQL(
        "SELECT et.{e}, t.name, et.count FROM {et} et JOIN musicbrainz.tag t ON t.id = et.tag "
        'WHERE et.{e} = ANY({ids}) AND et.count > 0 ORDER BY et.{e}, t.name COLLATE "C"'
    ).format(e=sql.Identifier(entity_type), et=_t(f"{entity_type}_tag"), ids=sql.SQL(ids))
    return query.as_string()


def parse_tag_rows(ref: Reference, rows: list[Sequence[Any]]) -> dict[int, list[Row]]:
    """Rows of ``tag_rows_query`` per owner: ``name``, ``count``, and ``genre_id`` / ``genre_comment`` when a
    genre has the tag's name (else None)."""
    genres = ref.genres
    out: dict[int, list[Row]] = defaultdict(list)
    for owner, name, count in rows:
        genre = genres.get(name)
        out[owner].append(
            {
                "name": name,
                "count": count,
                "genre_id": genre.gid if genre else None,
                "genre_comment": genre.comment if genre else None,
            }
        )
    return out


@cache
def ratings_query(entity_type: str, ids: str = BY_IDS) -> str:
    query = sql.SQL("SELECT id, rating, rating_count FROM {m} WHERE id = ANY({ids})")
    return query.format(m=_t(f"{entity_type}_meta"), ids=sql.SQL(ids)).as_string()


def parse_ratings(rows: list[Row]) -> dict[int, tuple[int | None, int]]:
    return {row["id"]: (row["rating"], row["rating_count"] or 0) for row in rows}

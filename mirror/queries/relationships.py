"""Relationships of entities (the ``l_<type0>_<type1>`` tables) with their link types and attributes.

``relationships(conn, "artist", ids, ["url", "artist"])`` returns, per source row id, one dict per
relationship with the target's type and row id; the API loads and shapes the targets. A relationship between
two entities of the same type appears once in each direction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from psycopg import sql

from mirror.queries.common import Conn, Row, partial_date
from mirror.queries.pipeline import fetch_many
from mirror.schema.entities import RELATABLE_TYPES

ENTITY_TYPES = RELATABLE_TYPES


_ATTRIBUTES = (
    "(SELECT coalesce(json_agg(json_build_object('name', lat.name, 'type_id', lat.gid::text, "
    "'credited_as', lac.credited_as, 'value', latv.text_value) ORDER BY lat.name COLLATE \"C\"), '[]') "
    "FROM musicbrainz.link_attribute la "
    "JOIN musicbrainz.link_attribute_type lat ON lat.id = la.attribute_type "
    "LEFT JOIN musicbrainz.link_attribute_credit lac "
    "  ON lac.link = la.link AND lac.attribute_type = la.attribute_type "
    "LEFT JOIN musicbrainz.link_attribute_text_value latv "
    "  ON latv.link = la.link AND latv.attribute_type = la.attribute_type "
    "WHERE la.link = ln.id) AS attributes"
)


def _select(table: str, source_col: str, target_col: str, target_type: str, direction: str) -> sql.Composed:
    return sql.SQL(
        "SELECT {target_type} AS target_type, {direction} AS direction, "
        "l.{src} AS source, l.{tgt} AS target, l.link_order, l.link AS link_id, "
        "l.{src_credit} AS source_credit, l.{tgt_credit} AS target_credit, "
        "lt.gid::text AS type_id, lt.name AS type, lt.id AS link_type, "
        "ln.begin_date_year, ln.begin_date_month, ln.begin_date_day, "
        "ln.end_date_year, ln.end_date_month, ln.end_date_day, ln.ended, "
        "EXISTS (SELECT 1 FROM musicbrainz.orderable_link_type o WHERE o.link_type = lt.id) AS orderable, "
        + _ATTRIBUTES
        + " FROM {t} l JOIN musicbrainz.link ln ON ln.id = l.link "
        "JOIN musicbrainz.link_type lt ON lt.id = ln.link_type WHERE l.{src} = ANY(%(ids)s)"
    ).format(
        target_type=sql.Literal(target_type),
        direction=sql.Literal(direction),
        t=sql.Identifier("musicbrainz", table),
        src=sql.Identifier(source_col),
        tgt=sql.Identifier(target_col),
        src_credit=sql.Identifier(f"{source_col}_credit"),
        tgt_credit=sql.Identifier(f"{target_col}_credit"),
    )


def relationships_query(source_type: str, target_types: Sequence[str]) -> str:
    """One ``UNION ALL`` over the link tables of ``source_type`` and each target type, both directions."""
    return _relationships_query(source_type, tuple(target_types))


@cache
def _relationships_query(source_type: str, target_types: tuple[str, ...]) -> str:
    parts: list[sql.Composable] = []
    for target_type in target_types:
        first, second = sorted((source_type, target_type))
        table = f"l_{first}_{second}"
        if source_type == first:
            parts.append(_select(table, "entity0", "entity1", target_type, "forward"))
        if source_type == second:
            parts.append(_select(table, "entity1", "entity0", target_type, "backward"))
    return sql.SQL(" UNION ALL ").join(parts).as_string()


async def relationships(
    conn: Conn, source_type: str, ids: Sequence[int], target_types: Sequence[str]
) -> dict[int, list[Row]]:
    """Relationships of ``source_type`` rows ``ids`` to each of ``target_types``, in one query.

    Each row has ``target_type``, ``target`` (row id), ``direction``, ``type``, ``type_id``, ``begin``,
    ``end``, ``ended``, ``link_order``, ``orderable``, ``source_credit``, ``target_credit`` and
    ``attributes`` (list of ``name``, ``type_id``, ``credited_as``, ``value``, by name).
    """
    if not ids or not target_types:
        return defaultdict(list)
    (rows,) = await fetch_many(conn, [(relationships_query(source_type, target_types), {"ids": list(ids)})], dicts=True)
    return parse_relationships(rows)


def parse_relationships(rows: list[Row]) -> dict[int, list[Row]]:
    """Rows of ``relationships_query`` (dicts) per source row id, with ``begin`` and ``end`` dates."""
    out: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        row["begin"] = partial_date(row, "begin_date")
        row["end"] = partial_date(row, "end_date")
        out[row["source"]].append(row)
    return out

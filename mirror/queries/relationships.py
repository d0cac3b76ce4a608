"""Relationships of entities (the ``l_<type0>_<type1>`` tables) with their link types and attributes.

``relationships(conn, "artist", ids, ["url", "artist"])`` returns, per source row id, one dict per
relationship with the target's type and row id; the API loads and shapes the targets. A relationship between
two entities of the same type appears once in each direction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from psycopg import sql

from mirror.queries.common import Conn, Row, partial_date

ENTITY_TYPES = (
    "area",
    "artist",
    "event",
    "genre",
    "instrument",
    "label",
    "mood",
    "place",
    "recording",
    "release",
    "release_group",
    "series",
    "url",
    "work",
)


def _select(table: str, source_col: str, target_col: str) -> sql.Composed:
    return sql.SQL(
        "SELECT l.{src} AS source, l.{tgt} AS target, l.link_order, l.link AS link_id, "
        "l.{src_credit} AS source_credit, l.{tgt_credit} AS target_credit, "
        "lt.gid::text AS type_id, lt.name AS type, lt.id AS link_type, "
        "ln.begin_date_year, ln.begin_date_month, ln.begin_date_day, "
        "ln.end_date_year, ln.end_date_month, ln.end_date_day, ln.ended, "
        "EXISTS (SELECT 1 FROM musicbrainz.orderable_link_type o WHERE o.link_type = lt.id) AS orderable "
        "FROM {t} l JOIN musicbrainz.link ln ON ln.id = l.link "
        "JOIN musicbrainz.link_type lt ON lt.id = ln.link_type WHERE l.{src} = ANY(%s)"
    ).format(
        t=sql.Identifier("musicbrainz", table),
        src=sql.Identifier(source_col),
        tgt=sql.Identifier(target_col),
        src_credit=sql.Identifier(f"{source_col}_credit"),
        tgt_credit=sql.Identifier(f"{target_col}_credit"),
    )


async def relationships(
    conn: Conn, source_type: str, ids: Sequence[int], target_types: Sequence[str]
) -> dict[int, list[Row]]:
    """Relationships of ``source_type`` rows ``ids`` to each of ``target_types``.

    Each row has ``target_type``, ``target`` (row id), ``direction``, ``type``, ``type_id``, ``begin``,
    ``end``, ``ended``, ``link_order``, ``orderable``, ``source_credit``, ``target_credit`` and
    ``attributes`` (list of ``name``, ``type_id``, ``credited_as``, ``value``).
    """
    out: dict[int, list[Row]] = defaultdict(list)
    if not ids:
        return out
    rows: list[Row] = []
    for target_type in target_types:
        first, second = sorted((source_type, target_type))
        table = f"l_{first}_{second}"
        sides = []
        if source_type == first:
            sides.append(("entity0", "entity1", "forward"))
        if source_type == second:
            sides.append(("entity1", "entity0", "backward"))
        for source_col, target_col, direction in sides:
            cur = await conn.execute(_select(table, source_col, target_col), (list(ids),))
            for row in await cur.fetchall():
                row["target_type"] = target_type
                row["direction"] = direction
                rows.append(row)
    attributes = await _attributes(conn, sorted({row["link_id"] for row in rows}))
    for row in rows:
        row["begin"] = partial_date(row, "begin_date")
        row["end"] = partial_date(row, "end_date")
        row["attributes"] = attributes.get(row["link_id"], [])
        out[row["source"]].append(row)
    return out


async def _attributes(conn: Conn, link_ids: Sequence[int]) -> dict[int, list[Row]]:
    if not link_ids:
        return {}
    cur = await conn.execute(
        "SELECT la.link, lat.name, lat.gid::text AS type_id, lac.credited_as, latv.text_value AS value "
        "FROM musicbrainz.link_attribute la "
        "JOIN musicbrainz.link_attribute_type lat ON lat.id = la.attribute_type "
        "LEFT JOIN musicbrainz.link_attribute_credit lac "
        "  ON lac.link = la.link AND lac.attribute_type = la.attribute_type "
        "LEFT JOIN musicbrainz.link_attribute_text_value latv "
        "  ON latv.link = la.link AND latv.attribute_type = la.attribute_type "
        'WHERE la.link = ANY(%s) ORDER BY la.link, lat.name COLLATE "C"',
        (list(link_ids),),
    )
    out: dict[int, list[Row]] = defaultdict(list)
    for row in await cur.fetchall():
        out[row.pop("link")].append(row)
    return out

"""Relationships of entities (the ``l_<type0>_<type1>`` tables) with their link types and attributes.

ws/2 reads them with ``link_rows_query(source type, target types)``: the link tables' rows (one ``UNION ALL``
branch per table and direction) joined once to ``link``, with the attributes' type ids; ``parse_link_rows``
names the link and attribute types from the process's reference tables (``mirror.queries.reference``) and
gives, per source row id, one dict per relationship with the target's type and row id (the API loads and
shapes the targets). A relationship between two entities of the same type appears once in each direction.
``relationships_query`` gives the same relationships with the type names joined in, for callers without
reference tables (the native API).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from psycopg import sql

from mirror.queries.common import Row, date_text
from mirror.queries.reference import Reference
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
    ).format(**_branch_names(target_type, direction, table, source_col, target_col))


def _branch_names(target_type: str, direction: str, table: str, src: str, tgt: str) -> dict[str, sql.Composable]:
    """The literals and identifiers of one ``UNION ALL`` branch, for ``str.format``-style composition."""
    return {
        "target_type": sql.Literal(target_type),
        "direction": sql.Literal(direction),
        "t": sql.Identifier("musicbrainz", table),
        "src": sql.Identifier(src),
        "tgt": sql.Identifier(tgt),
        "src_credit": sql.Identifier(f"{src}_credit"),
        "tgt_credit": sql.Identifier(f"{tgt}_credit"),
    }


def relationships_query(source_type: str, target_types: Sequence[str]) -> str:
    """One ``UNION ALL`` over the link tables of ``source_type`` and each target type, both directions."""
    return _relationships_query(source_type, tuple(target_types))


@cache
def _relationships_query(source_type: str, target_types: tuple[str, ...]) -> str:
    parts = [
        _select(table, src, tgt, target_type, direction)
        for target_type, direction, table, src, tgt in _branches(source_type, target_types)
    ]
    return sql.SQL(" UNION ALL ").join(parts).as_string()


def _branches(source_type: str, target_types: Sequence[str]) -> list[tuple[str, str, str, str, str]]:
    """``(target type, direction, link table, source column, target column)`` of each ``UNION ALL`` branch."""
    out = []
    for target_type in target_types:
        first, second = sorted((source_type, target_type))
        table = f"l_{first}_{second}"
        if source_type == first:
            out.append((target_type, "forward", table, "entity0", "entity1"))
        if source_type == second:
            out.append((target_type, "backward", table, "entity1", "entity0"))
    return out


def link_rows_query(source_type: str, target_types: Sequence[str]) -> str:
    """The relationships of ``source_type`` rows ``%(ids)s`` to ``target_types``, without type names.

    Columns: target type, direction, source, target, link_order, source credit, target credit, link type id,
    begin and end date (year, month, day), ended, and the attributes as a JSON array of
    ``[attribute type id, credited as, text value]`` (or null). See ``parse_link_rows``.
    """
    return _link_rows_query(source_type, tuple(target_types))


@cache
def _link_rows_query(source_type: str, target_types: tuple[str, ...]) -> str:
    branches = [
        sql.SQL(
            "SELECT {target_type} AS target_type, {direction} AS direction, l.{src} AS source, l.{tgt} AS target, "
            "l.link_order, l.link, l.{src_credit} AS source_credit, l.{tgt_credit} AS target_credit "
            "FROM {t} l WHERE l.{src} = ANY(%(ids)s)"
        ).format(**_branch_names(target_type, direction, table, src, tgt))
        for target_type, direction, table, src, tgt in _branches(source_type, target_types)
    ]
    return (
        sql.SQL(
            "SELECT r.target_type, r.direction, r.source, r.target, r.link_order, r.source_credit, r.target_credit, "
            "ln.link_type, ln.begin_date_year, ln.begin_date_month, ln.begin_date_day, "
            "ln.end_date_year, ln.end_date_month, ln.end_date_day, ln.ended, "
            "(SELECT json_agg(json_build_array(la.attribute_type, lac.credited_as, latv.text_value)) "
            "FROM musicbrainz.link_attribute la "
            "LEFT JOIN musicbrainz.link_attribute_credit lac "
            "  ON lac.link = la.link AND lac.attribute_type = la.attribute_type "
            "LEFT JOIN musicbrainz.link_attribute_text_value latv "
            "  ON latv.link = la.link AND latv.attribute_type = la.attribute_type "
            "WHERE la.link = ln.id) "
            "FROM ({branches}) r JOIN musicbrainz.link ln ON ln.id = r.link"
        )
        .format(branches=sql.SQL(" UNION ALL ").join(branches))
        .as_string()
    )


def parse_link_rows(ref: Reference, rows: list[tuple[Any, ...]]) -> dict[int, list[Row]]:
    """Rows of ``link_rows_query`` per source row id: dicts with ``target_type``, ``target`` (row id),
    ``direction``, ``type``, ``type_id``, ``begin``, ``end``, ``ended``, ``link_order``, ``orderable``,
    ``source_credit``, ``target_credit`` and ``attributes`` (list of ``name``, ``type_id``, ``credited_as``,
    ``value``, by name). A relationship of a type missing from ``ref`` (which a consistent database cannot hold)
    is left out."""
    out: dict[int, list[Row]] = defaultdict(list)
    attribute_types = ref.attribute_types
    for (
        target_type,
        direction,
        source,
        target,
        link_order,
        source_credit,
        target_credit,
        link_type,
        by,
        bm,
        bd,
        ey,
        em,
        ed,
        ended,
        attributes,
    ) in rows:
        lt = ref.link_types.get(link_type)
        if lt is None:
            continue
        attrs = []
        for type_id, credited_as, value in attributes or ():
            at = attribute_types.get(type_id)
            if at is not None:
                attrs.append({"name": at.name, "type_id": at.gid, "credited_as": credited_as, "value": value})
        if len(attrs) > 1:
            attrs.sort(key=_by_name)
        out[source].append(
            {
                "target_type": target_type,
                "direction": direction,
                "source": source,
                "target": target,
                "link_order": link_order,
                "source_credit": source_credit,
                "target_credit": target_credit,
                "type": lt.name,
                "type_id": lt.gid,
                "orderable": lt.orderable,
                "begin": date_text(by, bm, bd),
                "end": date_text(ey, em, ed),
                "ended": ended,
                "attributes": attrs,
            }
        )
    return out


def _by_name(attribute: Row) -> str:
    return str(attribute["name"])  # code point order = the UTF-8 byte order of COLLATE "C"

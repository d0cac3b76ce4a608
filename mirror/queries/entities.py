"""Rows of the simpler core entities (event, instrument, label, place, series, work) and their browse queries.

Each entity type has one SELECT of its basic fields (type name and MBID joined in), ordered browse queries by
linked entity, and ``rows(conn, entity_type, ids)`` / ``browse(conn, entity_type, key, row_id, limit, offset)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from psycopg import sql

from mirror.queries.area import finish
from mirror.queries.common import Conn, Row
from mirror.queries.pipeline import fetch_many

if TYPE_CHECKING:
    from mirror.queries.reference import Reference

_DATES = (
    "e.begin_date_year, e.begin_date_month, e.begin_date_day, e.end_date_year, e.end_date_month, "
    "e.end_date_day, e.ended, "
)
_BASE = "e.id AS _id, e.gid::text AS id, e.name, e.comment, e.type AS type_row, "

# (types are row ids, named from the reference tables: ``finish``)
SELECTS = {
    "event": "SELECT " + _BASE + _DATES + "to_char(e.time, 'HH24:MI') AS time, e.cancelled, e.setlist "
    "FROM musicbrainz.event e ",
    "instrument": "SELECT " + _BASE + "e.description FROM musicbrainz.instrument e ",
    "label": "SELECT " + _BASE + _DATES + "e.label_code, e.area AS area_id, "
    "(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = e.area ORDER BY code LIMIT 1) AS country, "
    "ARRAY(SELECT ipi FROM musicbrainz.label_ipi WHERE label = e.id ORDER BY ipi) AS ipis, "
    "ARRAY(SELECT isni FROM musicbrainz.label_isni WHERE label = e.id ORDER BY isni) AS isnis "
    "FROM musicbrainz.label e ",
    "place": "SELECT " + _BASE + _DATES + "e.address, e.area AS area_id, "
    "e.coordinates[0] AS latitude, e.coordinates[1] AS longitude "
    "FROM musicbrainz.place e ",
    "series": "SELECT " + _BASE + "o.name AS ordering_type, o.gid::text AS ordering_type_id "
    "FROM musicbrainz.series e LEFT JOIN musicbrainz.series_ordering_type o ON o.id = e.ordering_type ",
    "work": "SELECT " + _BASE + "ARRAY(SELECT l.iso_code_3 FROM musicbrainz.work_language wl "
    "JOIN musicbrainz.language l ON l.id = wl.language WHERE wl.work = e.id ORDER BY l.iso_code_3) AS languages, "
    "ARRAY(SELECT iswc FROM musicbrainz.iswc WHERE work = e.id ORDER BY iswc) AS iswcs, "
    # the work attributes (type, type_id, value, value_id) by type name then value
    "(SELECT coalesce(json_agg(json_build_object('type', t.name, 'type_id', t.gid::text, "
    "'value', COALESCE(v.value, wa.work_attribute_text), 'value_id', v.gid::text) "
    "ORDER BY t.name, COALESCE(v.value, wa.work_attribute_text)), '[]') "
    "FROM musicbrainz.work_attribute wa "
    "JOIN musicbrainz.work_attribute_type t ON t.id = wa.work_attribute_type "
    "LEFT JOIN musicbrainz.work_attribute_type_allowed_value v ON v.id = wa.work_attribute_type_allowed_value "
    "WHERE wa.work = e.id) AS attributes "
    "FROM musicbrainz.work e ",
}

# Ids of entities linked to one row (%(id)s), per entity type and browse key.
LINKED: dict[str, dict[str, str]] = {
    "event": {
        "area": "SELECT entity1 FROM musicbrainz.l_area_event WHERE entity0 = %(id)s",
        "artist": "SELECT entity1 FROM musicbrainz.l_artist_event WHERE entity0 = %(id)s",
        # Recursive (MBS-13963): every event reachable through event-event relationships in either direction,
        # which includes the browsed event itself as soon as it has one.
        "event": "WITH RECURSIVE linked(id) AS ("
        "SELECT entity1 FROM musicbrainz.l_event_event WHERE entity0 = %(id)s "
        "UNION SELECT entity0 FROM musicbrainz.l_event_event WHERE entity1 = %(id)s "
        "UNION SELECT CASE WHEN l.entity0 = linked.id THEN l.entity1 ELSE l.entity0 END "
        "FROM musicbrainz.l_event_event l JOIN linked ON linked.id IN (l.entity0, l.entity1)"
        ") SELECT id FROM linked",
        "place": "SELECT entity0 FROM musicbrainz.l_event_place WHERE entity1 = %(id)s",
        "series": "SELECT entity0 FROM musicbrainz.l_event_series WHERE entity1 = %(id)s",
        "collection": "SELECT event FROM musicbrainz.editor_collection_event WHERE collection = %(id)s",
    },
    "instrument": {
        "collection": "SELECT instrument FROM musicbrainz.editor_collection_instrument WHERE collection = %(id)s",
    },
    "label": {
        "area": "SELECT id FROM musicbrainz.label WHERE area = %(id)s",
        "release": "SELECT label FROM musicbrainz.release_label WHERE release = %(id)s AND label IS NOT NULL",
        "collection": "SELECT label FROM musicbrainz.editor_collection_label WHERE collection = %(id)s",
    },
    "place": {
        "area": "SELECT id FROM musicbrainz.place WHERE area = %(id)s",
        "collection": "SELECT place FROM musicbrainz.editor_collection_place WHERE collection = %(id)s",
    },
    "series": {
        "collection": "SELECT series FROM musicbrainz.editor_collection_series WHERE collection = %(id)s",
    },
    "work": {
        "artist": "SELECT entity1 FROM musicbrainz.l_artist_work WHERE entity0 = %(id)s "
        "UNION SELECT lrw.entity1 FROM musicbrainz.l_recording_work lrw "
        "JOIN musicbrainz.recording r ON r.id = lrw.entity0 "
        "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = r.artist_credit "
        "WHERE acn.artist = %(id)s",
        "collection": "SELECT work FROM musicbrainz.editor_collection_work WHERE collection = %(id)s",
    },
}


# Browse order: by name, then id; works compare names case-insensitively first, as MusicBrainz lists them.
ORDER = {"work": 'lower(e.name) COLLATE "C", e.name COLLATE "C", e.id'}
DEFAULT_ORDER = 'e.name COLLATE "C", e.id'


def _finish(ref: Reference, entity_type: str, row: Row) -> Row:
    """The row with its dates (``begin``, ``end``) and ``type`` / ``type_id`` named from ``ref``."""
    type_row = row.pop("type_row")
    entity_type_row = ref.entity_types[entity_type].get(type_row) if type_row is not None else None
    row["type"] = entity_type_row.name if entity_type_row else None
    row["type_id"] = entity_type_row.gid if entity_type_row else None
    return finish(row) if "begin_date_year" in row else row


async def rows(conn: Conn, ref: Reference, entity_type: str, ids: Sequence[int]) -> dict[int, Row]:
    (found,) = await fetch_many(conn, [(SELECTS[entity_type] + "WHERE e.id = ANY(%s)", (list(ids),))], dicts=True)
    return {row["_id"]: _finish(ref, entity_type, row) for row in found}


async def browse(
    conn: Conn, ref: Reference, entity_type: str, key: str, row_id: int, limit: int, offset: int
) -> tuple[list[Row], int]:
    """One page (ordered by name, then id: ``ORDER``) of ``entity_type`` linked through ``key`` to ``row_id``."""
    linked = LINKED[entity_type][key]
    count_q = sql.SQL("SELECT count(*) AS n FROM (" + linked + ") x")
    cur = await conn.execute(count_q, {"id": row_id})
    total = await cur.fetchone()
    page_q = sql.SQL(
        SELECTS[entity_type]
        + "WHERE e.id IN ("
        + linked
        + ") ORDER BY "
        + ORDER.get(entity_type, DEFAULT_ORDER)
        + " LIMIT %(limit)s OFFSET %(offset)s"
    )
    cur = await conn.execute(page_q, {"id": row_id, "limit": limit, "offset": offset})
    return [_finish(ref, entity_type, row) for row in await cur.fetchall()], int(total["n"]) if total else 0

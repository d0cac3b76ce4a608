"""Artists: rows by id and browse by area, recording, release, release group and work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from psycopg import sql

from mirror.queries.area import finish
from mirror.queries.artist_credit import COUNTRY_CTES
from mirror.queries.common import Conn, Row
from mirror.queries.pipeline import fetch_many

if TYPE_CHECKING:
    from mirror.queries.reference import Reference

_SELECT = (
    "SELECT a.id AS _id, a.gid::text AS id, a.name, a.sort_name, a.comment, "
    "t.name AS type, t.gid::text AS type_id, g.name AS gender, g.gid::text AS gender_id, "
    "a.area AS area_id, a.begin_area AS begin_area_id, a.end_area AS end_area_id, "
    "(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = a.area ORDER BY code LIMIT 1) AS country, "
    "a.begin_date_year, a.begin_date_month, a.begin_date_day, a.end_date_year, a.end_date_month, "
    "a.end_date_day, a.ended, "
    "ARRAY(SELECT ipi FROM musicbrainz.artist_ipi WHERE artist = a.id ORDER BY ipi) AS ipis, "
    "ARRAY(SELECT isni FROM musicbrainz.artist_isni WHERE artist = a.id ORDER BY isni) AS isnis "
    "FROM musicbrainz.artist a LEFT JOIN musicbrainz.artist_type t ON t.id = a.type "
    "LEFT JOIN musicbrainz.gender g ON g.id = a.gender "
)
_ORDER = ' ORDER BY a.name COLLATE "C", a.id'

# Artist ids linked to one entity, per browse key (the parameter is that entity's row id).
_LINKED = {
    "area": "SELECT id FROM musicbrainz.artist WHERE area = %(id)s OR begin_area = %(id)s OR end_area = %(id)s",
    "recording": "SELECT acn.artist FROM musicbrainz.recording r "
    "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = r.artist_credit WHERE r.id = %(id)s",
    "release": "SELECT acn.artist FROM musicbrainz.release r "
    "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = r.artist_credit WHERE r.id = %(id)s "
    "UNION SELECT acn.artist FROM musicbrainz.medium m JOIN musicbrainz.track t ON t.medium = m.id "
    "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = t.artist_credit WHERE m.release = %(id)s",
    "release-group": "SELECT acn.artist FROM musicbrainz.release_group rg "
    "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = rg.artist_credit WHERE rg.id = %(id)s",
    "work": "SELECT entity0 FROM musicbrainz.l_artist_work WHERE entity1 = %(id)s",
    "collection": "SELECT artist FROM musicbrainz.editor_collection_artist WHERE collection = %(id)s",
}


# Related artists (relationship targets) have the fields of the nested artist shape, with the country of their
# area or of the nearest area containing it (the area walk of ``artist_credit.COUNTRY_CTES``), loaded with the rows
# in one statement; their type is a row id (named from the reference tables).
_RELATED_SQL = (
    "WITH RECURSIVE credited AS (SELECT id, area FROM musicbrainz.artist WHERE id = ANY(%(ids)s)),"
    + COUNTRY_CTES
    + " SELECT a.id, a.gid::text, a.name, a.sort_name, a.comment, a.type, "
    "(SELECT c.code FROM country c WHERE c.start = a.area) FROM musicbrainz.artist a WHERE a.id = ANY(%(ids)s)"
)


async def artists(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    (rows,) = await fetch_many(conn, [(_SELECT + "WHERE a.id = ANY(%s)", (list(ids),))], dicts=True)
    return {row["_id"]: finish(row) for row in rows}


async def related_artists(conn: Conn, ref: Reference, ids: Sequence[int]) -> dict[int, Row]:
    """Artists as relationship targets: ``_id``, ``id`` (MBID), ``name``, ``sort_name``, ``comment``, ``type``,
    ``type_id``, and ``country`` found by walking up the areas."""
    (rows,) = await fetch_many(conn, [(_RELATED_SQL, {"ids": list(ids)})])
    out: dict[int, Row] = {}
    for row_id, gid, name, sort_name, comment, type_row, country in rows:
        artist_type = ref.artist_types.get(type_row) if type_row is not None else None
        out[row_id] = {
            "_id": row_id,
            "id": gid,
            "name": name,
            "sort_name": sort_name,
            "comment": comment,
            "type": artist_type.name if artist_type else None,
            "type_id": artist_type.gid if artist_type else None,
            "country": country,
        }
    return out


async def browse(conn: Conn, key: str, row_id: int, limit: int, offset: int) -> tuple[list[Row], int]:
    """One page of artists linked through ``key`` to entity ``row_id``, and the total."""
    linked = sql.SQL(_LINKED[key])  # fixed statements, never input
    count_q = sql.SQL("SELECT count(*) AS n FROM ({}) x").format(linked)
    cur = await conn.execute(count_q, {"id": row_id})
    total_row = await cur.fetchone()
    page_q = sql.SQL(_SELECT + "WHERE a.id IN ({})" + _ORDER + " LIMIT %(limit)s OFFSET %(offset)s").format(linked)
    cur = await conn.execute(page_q, {"id": row_id, "limit": limit, "offset": offset})
    return [finish(row) for row in await cur.fetchall()], int(total_row["n"]) if total_row else 0

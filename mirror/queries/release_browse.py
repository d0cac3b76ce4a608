"""Browse queries of the release family: which releases, recordings and release groups are linked to an entity.

Each ``browse_*`` function returns one page of row ids in MusicBrainz's order plus the total count: releases
by first release date then title, recordings by title, release groups by first release date then title.
``type``/``status`` filters take lower-case names as ws/2 sends them. Sub-lists of lookups (the releases of a
recording, of a release group, of an artist) use the same functions with the lookup cap as the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql
from psycopg.rows import tuple_row

from mirror.queries.release import Conn


@dataclass(frozen=True, slots=True)
class IdPage:
    """Row ids of one page, in order, and the total number of matches."""

    ids: list[int]
    count: int


RELEASE_LINKS: dict[str, str] = {
    "artist": "r.artist_credit IN (SELECT artist_credit FROM musicbrainz.artist_credit_name WHERE artist = %(x)s)",
    "track_artist": (
        "r.id IN (SELECT m.release FROM musicbrainz.medium m JOIN musicbrainz.track t ON t.medium = m.id"
        " JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = t.artist_credit"
        " WHERE acn.artist = %(x)s)"
        " AND r.artist_credit NOT IN"
        " (SELECT artist_credit FROM musicbrainz.artist_credit_name WHERE artist = %(x)s)"
    ),
    "label": "r.id IN (SELECT release FROM musicbrainz.release_label WHERE label = %(x)s)",
    "recording": (
        "r.id IN (SELECT m.release FROM musicbrainz.medium m JOIN musicbrainz.track t ON t.medium = m.id"
        " WHERE t.recording = %(x)s)"
    ),
    "release-group": "r.release_group = %(x)s",
    "track": "r.id IN (SELECT m.release FROM musicbrainz.medium m JOIN musicbrainz.track t ON t.medium = m.id"
    " WHERE t.id = %(x)s)",
    "area": "r.id IN (SELECT release FROM musicbrainz.release_country WHERE country = %(x)s)",
}

RECORDING_LINKS: dict[str, str] = {
    "artist": "r.artist_credit IN (SELECT artist_credit FROM musicbrainz.artist_credit_name WHERE artist = %(x)s)",
    "work": "r.id IN (SELECT entity0 FROM musicbrainz.l_recording_work WHERE entity1 = %(x)s)",
}

RELEASE_GROUP_LINKS: dict[str, str] = {
    "artist": "rg.artist_credit IN (SELECT artist_credit FROM musicbrainz.artist_credit_name WHERE artist = %(x)s)",
    "release": "rg.id IN (SELECT release_group FROM musicbrainz.release WHERE id = %(x)s)",
}

_STATUS_FILTER = " AND r.status IN (SELECT id FROM musicbrainz.release_status WHERE lower(name) = ANY(%(statuses)s))"
_TYPE_FILTER = (
    " AND ({rg}.type IN (SELECT id FROM musicbrainz.release_group_primary_type WHERE lower(name) = ANY(%(types)s))"
    " OR {rg}.id IN (SELECT j.release_group FROM musicbrainz.release_group_secondary_type_join j"
    " JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type"
    " WHERE lower(st.name) = ANY(%(types)s)))"
)
_RELEASE_DATE = (
    "(SELECT min(ARRAY[coalesce(e.date_year, 9999), coalesce(e.date_month, 99), coalesce(e.date_day, 99)])"
    " FROM (SELECT date_year, date_month, date_day FROM musicbrainz.release_country WHERE release = r.id"
    " UNION ALL SELECT date_year, date_month, date_day FROM musicbrainz.release_unknown_country"
    " WHERE release = r.id) e)"
)


async def _page(conn: Conn, query: str, params: dict[str, object], limit: int, offset: int) -> IdPage:
    """Run ``query`` (selecting ``id, count(*) OVER ()``) with paging; recount when the page is empty."""
    paged = sql.SQL(query + " LIMIT %(limit)s OFFSET %(offset)s")
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(paged, {**params, "limit": limit, "offset": offset})
        rows = await cur.fetchall()
        if rows:
            return IdPage([row[0] for row in rows], int(rows[0][1]))
        if offset == 0:
            return IdPage([], 0)
        await cur.execute(
            sql.SQL("SELECT count(*) FROM (" + query + ") q"),
            params,
        )
        row = await cur.fetchone()
    return IdPage([], int(row[0]) if row else 0)


def _filters(statuses: Sequence[str], types: Sequence[str], rg: str, *, status: bool) -> str:
    where = ""
    if statuses and status:
        where += _STATUS_FILTER
    if types:
        where += _TYPE_FILTER.format(rg=rg)
    return where


async def browse_releases(
    conn: Conn,
    by: str,
    linked_id: int,
    limit: int,
    offset: int,
    *,
    statuses: Sequence[str] = (),
    types: Sequence[str] = (),
) -> IdPage:
    """Releases linked to ``linked_id`` through ``by`` (a key of ``RELEASE_LINKS``)."""
    where = RELEASE_LINKS[by] + _filters(statuses, types, "rg", status=True)
    join = " JOIN musicbrainz.release_group rg ON rg.id = r.release_group" if types else ""
    query = (
        f"SELECT r.id, count(*) OVER () FROM musicbrainz.release r{join} WHERE {where}"
        f' ORDER BY {_RELEASE_DATE}, r.name COLLATE "C", r.id'
    )
    params = {"x": linked_id, "statuses": list(statuses), "types": list(types)}
    return await _page(conn, query, params, limit, offset)


async def browse_recordings(conn: Conn, by: str, linked_id: int, limit: int, offset: int) -> IdPage:
    """Recordings linked to ``linked_id`` (through ``by``: ``artist``, ``release``, ``work``), by title."""
    params: dict[str, object] = {"x": linked_id}
    if by == "release":
        where = (
            "r.id IN (SELECT t.recording FROM musicbrainz.medium m JOIN musicbrainz.track t ON t.medium = m.id"
            " WHERE m.release = %(x)s)"
        )
    else:
        where = RECORDING_LINKS[by]
    query = (
        f'SELECT r.id, count(*) OVER () FROM musicbrainz.recording r WHERE {where} ORDER BY r.name COLLATE "C", r.id'
    )
    return await _page(conn, query, params, limit, offset)


async def browse_release_groups(
    conn: Conn,
    by: str,
    linked_id: int,
    limit: int,
    offset: int,
    *,
    types: Sequence[str] = (),
    official_only: bool = False,
) -> IdPage:
    """Release groups linked to ``linked_id``; ``official_only`` is ``release-group-status=website-default``."""
    where = RELEASE_GROUP_LINKS[by] + _filters((), types, "rg", status=False)
    if official_only:
        where += (
            " AND rg.id IN (SELECT r.release_group FROM musicbrainz.release r"
            " JOIN musicbrainz.release_status s ON s.id = r.status WHERE s.name = 'Official')"
        )
    query = (
        "SELECT rg.id, count(*) OVER () FROM musicbrainz.release_group rg"
        " LEFT JOIN musicbrainz.release_group_meta rm ON rm.id = rg.id"
        f" WHERE {where} ORDER BY rm.first_release_date_year NULLS LAST, rm.first_release_date_month NULLS LAST,"
        ' rm.first_release_date_day NULLS LAST, rg.name COLLATE "C", rg.id'
    )
    return await _page(conn, query, {"x": linked_id, "types": list(types)}, limit, offset)

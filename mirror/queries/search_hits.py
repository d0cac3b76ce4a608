"""What search hits show beyond their entity's own loaders, loaded for a whole page of hits at once.

- ``recording_tracks``: the tracks of each recording (with their medium and release), at most ``per_hit``
  per recording, in release / medium / track order;
- ``group_releases``: the releases of each release group, at most ``per_hit`` per group;
- ``credit_gids``: the MBIDs of artist credits (the search server shows the hit's credit MBID);
- ``disc_counts``: the disc IDs attached to each medium (a release hit shows how many, not which);
- ``area_parents``: the areas each area is part of (an area hit shows them as its relationships);
- ``annotation_rows``, ``tag_rows``, ``cdstub_rows``: the rows of the search-only cores (annotation, tag, cdstub) by id.

Every function runs one statement (or one pipelined round trip) whatever the number of hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from psycopg import sql
from psycopg.rows import tuple_row

from mirror.queries.common import ANNOTATED, Conn, Row
from mirror.queries.medium import Track

# The entity types with an ``<type>_annotation`` link table, in the order the union lists them.
ANNOTATED_TYPES = tuple(sorted(ANNOTATED))


async def _tuples(conn: Conn, query: str, params: dict[str, object]) -> list[tuple[Any, ...]]:
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


@dataclass(slots=True, frozen=True)
class RecordingTrack:
    """One track of a recording, with what a recording hit shows of its medium."""

    recording: int
    release: int
    medium: int
    track: Track


_RECORDING_TRACKS_SQL = """
SELECT r.id, x.release, x.medium, x.id, x.gid, x.position, x.number, x.name, x.length, x.artist_credit,
       x.is_data_track
FROM unnest(%(ids)s::int[]) AS r(id)
CROSS JOIN LATERAL (
    SELECT m.release, t.medium, t.id, t.gid::text AS gid, t.position, t.number, t.name, t.length,
           t.artist_credit, t.is_data_track
    FROM musicbrainz.track t
    JOIN musicbrainz.medium m ON m.id = t.medium
    WHERE t.recording = r.id
    ORDER BY m.release, m.position, t.position, t.id
    LIMIT %(per_hit)s
) x
"""


async def recording_tracks(conn: Conn, ids: Sequence[int], per_hit: int) -> dict[int, list[RecordingTrack]]:
    """The tracks of these recordings (at most ``per_hit`` each), in release, medium and track order."""
    result: dict[int, list[RecordingTrack]] = defaultdict(list)
    if not ids:
        return result
    for row in await _tuples(conn, _RECORDING_TRACKS_SQL, {"ids": list(ids), "per_hit": per_hit}):
        rec, release, medium, tid, gid, pos, number, name, length, ac, data = row
        track = Track(tid, gid, pos, number, name, length, ac, rec, data)
        result[rec].append(RecordingTrack(rec, release, medium, track))
    return result


async def credit_gids(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """The MBID of each of these artist credits."""
    if not ids:
        return {}
    query = "SELECT id, gid::text FROM musicbrainz.artist_credit WHERE id = ANY(%(ids)s)"
    return {ac: gid for ac, gid in await _tuples(conn, query, {"ids": sorted(set(ids))})}


async def disc_counts(conn: Conn, medium_ids: Sequence[int]) -> dict[int, int]:
    """How many disc IDs each of these media has (absent: none)."""
    if not medium_ids:
        return {}
    query = "SELECT medium, count(*) FROM musicbrainz.medium_cdtoc WHERE medium = ANY(%(ids)s) GROUP BY medium"
    return {medium: int(n) for medium, n in await _tuples(conn, query, {"ids": sorted(set(medium_ids))})}


PART_OF = "de7cc874-8b1b-3a05-8272-f3834c968fb7"  # the area-area "part of" link type

_AREA_PARENTS_SQL = """
SELECT l.entity1, p.gid::text, p.name, t.name
FROM musicbrainz.l_area_area l
JOIN musicbrainz.link k ON k.id = l.link
JOIN musicbrainz.link_type lt ON lt.id = k.link_type
JOIN musicbrainz.area p ON p.id = l.entity0
LEFT JOIN musicbrainz.area_type t ON t.id = p.type
WHERE l.entity1 = ANY(%(ids)s) AND lt.gid = %(part_of)s
ORDER BY l.entity1, l.id
"""


@dataclass(slots=True, frozen=True)
class AreaParent:
    """An area another is part of: its MBID, name and type."""

    gid: str
    name: str
    type: str | None


async def area_parents(conn: Conn, ids: Sequence[int]) -> dict[int, list[AreaParent]]:
    """The areas each of these areas is directly part of, in relationship order."""
    result: dict[int, list[AreaParent]] = defaultdict(list)
    if not ids:
        return result
    for area, gid, name, type_name in await _tuples(conn, _AREA_PARENTS_SQL, {"ids": list(ids), "part_of": PART_OF}):
        result[area].append(AreaParent(gid, name, type_name))
    return result


_GROUP_RELEASES_SQL = """
SELECT g.id, x.id
FROM unnest(%(ids)s::int[]) AS g(id)
CROSS JOIN LATERAL (
    SELECT r.id FROM musicbrainz.release r WHERE r.release_group = g.id ORDER BY r.id LIMIT %(per_hit)s
) x
"""

_GROUP_RELEASE_COUNTS_SQL = """
SELECT r.release_group, count(*) FROM musicbrainz.release r WHERE r.release_group = ANY(%(ids)s) GROUP BY 1
"""


async def group_releases(conn: Conn, ids: Sequence[int], per_hit: int) -> tuple[dict[int, list[int]], dict[int, int]]:
    """The first ``per_hit`` release ids of each release group, and each group's release count."""
    releases: dict[int, list[int]] = {i: [] for i in ids}
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    if not ids:
        return releases, counts
    params = {"ids": list(ids), "per_hit": per_hit}
    for group, release in await _tuples(conn, _GROUP_RELEASES_SQL, params):
        releases[group].append(release)
    for group, count in await _tuples(conn, _GROUP_RELEASE_COUNTS_SQL, params):
        counts[group] = int(count)
    return releases, counts


@cache
def _annotations_query() -> sql.Composed:
    parts = [
        sql.SQL(
            "SELECT a.id, {kind} AS entity_type, e.gid::text AS entity, e.name, a.text "
            "FROM musicbrainz.annotation a "
            "JOIN musicbrainz.{link} l ON l.annotation = a.id "
            "JOIN musicbrainz.{table} e ON e.id = l.{column} "
            "WHERE a.id = ANY(%(ids)s)"
        ).format(
            kind=sql.Literal(t.replace("_", "-")),
            link=sql.Identifier(f"{t}_annotation"),
            table=sql.Identifier(t),
            column=sql.Identifier(t),
        )
        for t in ANNOTATED_TYPES
    ]
    return sql.SQL(" UNION ALL ").join(parts)


async def annotation_rows(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    """Annotation rows by id: ``entity_type`` (ws/2 spelling), ``entity`` (MBID), ``name``, ``text``."""
    if not ids:
        return {}
    cur = await conn.execute(_annotations_query(), {"ids": list(ids)})
    return {row["id"]: row for row in await cur.fetchall()}


async def tag_rows(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    """Tag rows (``id``, ``name``) by id."""
    if not ids:
        return {}
    cur = await conn.execute("SELECT id, name FROM musicbrainz.tag WHERE id = ANY(%s)", (list(ids),))
    return {row["id"]: row for row in await cur.fetchall()}


_CDSTUBS_SQL = """
SELECT r.id, c.discid, r.title, r.artist, r.barcode, r.comment,
       (SELECT count(*) FROM musicbrainz.track_raw t WHERE t.release = r.id) AS track_count
FROM musicbrainz.release_raw r
LEFT JOIN LATERAL (
    SELECT discid FROM musicbrainz.cdtoc_raw c WHERE c.release = r.id ORDER BY c.id LIMIT 1
) c ON true
WHERE r.id = ANY(%s)
"""


async def cdstub_rows(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    """CD stub rows by ``release_raw`` id: ``discid``, ``title``, ``artist``, ``barcode``, ``comment``,
    ``track_count``."""
    if not ids:
        return {}
    cur = await conn.execute(_CDSTUBS_SQL, (list(ids),))
    return {row["id"]: row for row in await cur.fetchall()}

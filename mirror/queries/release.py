"""Releases: the basic rows, release events, label info, cover-art summary, and the browse queries.

Everything is loaded for many releases at once (``load_releases(conn, ids)``) so that a lookup, a browse page
or the release list of a recording costs a fixed number of queries. ``find_release`` resolves an MBID,
following ``release_gid_redirect`` for merged releases. The media, tracks and recordings of a release are in
``mirror.queries.medium`` and ``mirror.queries.recording``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import tuple_row

from mirror.queries.pipeline import fetch_many

Conn = AsyncConnection[Any]
"""Any psycopg async connection: these functions open tuple-row cursors whatever its row factory."""

QUALITY_NAMES = {0: "low", 1: "normal", 2: "high"}  # -1 (unknown) is shown as "normal"


def format_partial_date(year: int | None, month: int | None, day: int | None) -> str | None:
    """MusicBrainz's partial date text: ``2004``, ``2004-03``, ``2004-03-17``, ``????-03-17``; None if empty."""
    if year is None and month is None and day is None:
        return None
    parts = [f"{year:04d}" if year is not None else "????"]
    if month is not None or day is not None:
        parts.append(f"{month:02d}" if month is not None else "??")
    if day is not None:
        parts.append(f"{day:02d}")
    return "-".join(parts)


@dataclass(slots=True, frozen=True)
class Named:
    """A row of a lookup table (status, packaging, format, type): its name and MBID."""

    name: str
    gid: str


@dataclass(slots=True, frozen=True)
class EventArea:
    """The country area of a release event."""

    gid: str
    name: str
    comment: str
    type: Named | None
    iso_3166_1: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class ReleaseEvent:
    date: str | None
    area: EventArea | None


@dataclass(slots=True, frozen=True)
class LabelRef:
    """The label of a label-info entry, in its nested shape."""

    id: int
    gid: str
    name: str
    comment: str
    type: Named | None
    label_code: int | None


@dataclass(slots=True, frozen=True)
class LabelInfo:
    catalog_number: str | None
    label: LabelRef | None


@dataclass(slots=True, frozen=True)
class CoverArt:
    """The ``cover-art-archive`` summary: presence from ``release_meta``, counts from the CAA tables."""

    artwork: bool
    darkened: bool
    count: int
    front: bool
    back: bool


@dataclass(slots=True)
class Release:
    """One release row with its lookup-table names; events and cover art are always loaded with it."""

    id: int
    gid: str
    name: str
    comment: str
    barcode: str | None
    quality: str
    artist_credit: int
    release_group: int
    status: Named | None
    packaging: Named | None
    language: str | None
    script: str | None
    asin: str | None
    cover_art: CoverArt
    events: list[ReleaseEvent] = field(default_factory=list)


_RELEASES_SQL = """
SELECT r.id, r.gid::text, r.name, r.comment, r.barcode, r.quality, r.artist_credit, r.release_group,
       rs.name, rs.gid::text, rp.name, rp.gid::text,
       coalesce(l.iso_code_3, l.iso_code_2t), s.iso_code,
       nullif(rm.amazon_asin, ''), rm.cover_art_presence,
       (SELECT count(*) FROM cover_art_archive.cover_art ca WHERE ca.release = r.id),
       EXISTS (SELECT 1 FROM cover_art_archive.cover_art ca
               JOIN cover_art_archive.cover_art_type ct ON ct.id = ca.id
               JOIN cover_art_archive.art_type t ON t.id = ct.type_id
               WHERE ca.release = r.id AND t.name = 'Front'),
       EXISTS (SELECT 1 FROM cover_art_archive.cover_art ca
               JOIN cover_art_archive.cover_art_type ct ON ct.id = ca.id
               JOIN cover_art_archive.art_type t ON t.id = ct.type_id
               WHERE ca.release = r.id AND t.name = 'Back')
FROM musicbrainz.release r
LEFT JOIN musicbrainz.release_status rs ON rs.id = r.status
LEFT JOIN musicbrainz.release_packaging rp ON rp.id = r.packaging
LEFT JOIN musicbrainz.language l ON l.id = r.language
LEFT JOIN musicbrainz.script s ON s.id = r.script
LEFT JOIN musicbrainz.release_meta rm ON rm.id = r.id
WHERE r.id = ANY({ids})
"""

_EVENTS_SQL = """
SELECT e.release, e.date_year, e.date_month, e.date_day,
       a.gid::text, a.name, a.comment,
       (SELECT array_agg(iso.code ORDER BY iso.code) FROM musicbrainz.iso_3166_1 iso WHERE iso.area = a.id)
FROM (SELECT release, country, date_year, date_month, date_day FROM musicbrainz.release_country
      WHERE release = ANY({ids})
      UNION ALL
      SELECT release, NULL, date_year, date_month, date_day FROM musicbrainz.release_unknown_country
      WHERE release = ANY({ids})) e
LEFT JOIN musicbrainz.area a ON a.id = e.country
ORDER BY e.release, e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST, a.name NULLS LAST
"""

_LABELS_SQL = """
SELECT rl.release, rl.catalog_number, l.id, l.gid::text, l.name, l.comment, lt.name, lt.gid::text, l.label_code
FROM musicbrainz.release_label rl
LEFT JOIN musicbrainz.label l ON l.id = rl.label
LEFT JOIN musicbrainz.label_type lt ON lt.id = l.type
WHERE rl.release = ANY(%s)
ORDER BY rl.release, l.name NULLS LAST, rl.catalog_number NULLS LAST, rl.id
"""


# The rows ``load_releases`` reads: an id list, or the release of an MBID (``find_release``'s resolution, so that
# a lookup resolves its MBID in its first statement).
_BY_IDS = "%(ids)s"
_BY_GID = (
    "ARRAY(SELECT id FROM musicbrainz.release WHERE gid = %(g)s"
    " UNION ALL SELECT new_id FROM musicbrainz.release_gid_redirect WHERE gid = %(g)s LIMIT 1)"
)

_QUERIES = {ids: (_RELEASES_SQL.format(ids=ids), _EVENTS_SQL.format(ids=ids)) for ids in (_BY_IDS, _BY_GID)}


def _named(name: str | None, gid: str | None) -> Named | None:
    return Named(name, gid) if name is not None and gid is not None else None


async def load_releases(conn: Conn, ids: Sequence[int], *, gid: str | None = None) -> dict[int, Release]:
    """The releases with these row ids, with status, packaging, language, script, ASIN, events, cover art.

    ``gid``: instead of ``ids``, the release with this MBID (lower case), following merges (at most one).
    """
    releases: dict[int, Release] = {}
    params: dict[str, Any]
    if gid is not None:
        ids_sql, params = _BY_GID, {"g": gid}
    else:
        ids_sql, params = _BY_IDS, {"ids": sorted(set(ids))}
        if not params["ids"]:
            return releases
    rows, events = await fetch_many(conn, [(query, params) for query in _QUERIES[ids_sql]])
    for row in rows:
        presence = row[15] or "absent"  # no release_meta row: the derived archive was not imported
        releases[row[0]] = Release(
            id=row[0],
            gid=row[1],
            name=row[2],
            comment=row[3],
            barcode=row[4],
            quality=QUALITY_NAMES.get(row[5], "normal"),
            artist_credit=row[6],
            release_group=row[7],
            status=_named(row[8], row[9]),
            packaging=_named(row[10], row[11]),
            language=row[12],
            script=row[13],
            asin=row[14],
            cover_art=CoverArt(
                artwork=presence == "present",
                darkened=presence == "darkened",
                count=row[16],
                front=row[17],
                back=row[18],
            ),
        )
    for rid, year, month, day, agid, aname, acomment, codes in events:
        area = None
        if agid is not None:
            # ws/2 shows event areas without their type (MusicBrainz does not load it there)
            area = EventArea(agid, aname, acomment, None, tuple(codes or ()))
        releases[rid].events.append(ReleaseEvent(format_partial_date(year, month, day), area))
    return releases


async def load_label_info(conn: Conn, ids: Iterable[int]) -> dict[int, list[LabelInfo]]:
    """The ``release_label`` entries of these releases (label may be unknown, catalog number may be absent)."""
    wanted = sorted(set(ids))
    result: dict[int, list[LabelInfo]] = {i: [] for i in wanted}
    if not wanted:
        return result
    (rows,) = await fetch_many(conn, [(_LABELS_SQL, (wanted,))])
    for rid, catno, lid, lgid, lname, lcomment, tname, tgid, code in rows:
        label = None if lid is None else LabelRef(lid, lgid, lname, lcomment, _named(tname, tgid), code)
        result[rid].append(LabelInfo(catno, label))
    return result


async def find_release(conn: Conn, gid: str) -> int | None:
    """The row id of the release with this MBID, following merges; None when unknown."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT id FROM musicbrainz.release WHERE gid = %(g)s"
            " UNION ALL SELECT new_id FROM musicbrainz.release_gid_redirect WHERE gid = %(g)s LIMIT 1",
            {"g": gid},
        )
        row = await cur.fetchone()
    return None if row is None else int(row[0])

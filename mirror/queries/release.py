"""Releases: the basic rows, release events, label info, cover-art summary, and the browse queries.

Everything is loaded for many releases at once (``load_releases(conn, ids)``) so that a lookup, a browse page
or the release list of a recording costs a fixed number of queries. ``find_release`` resolves an MBID,
following ``release_gid_redirect`` for merged releases. The media, tracks and recordings of a release are in
``mirror.queries.medium`` and ``mirror.queries.recording``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection
from psycopg.rows import tuple_row

from mirror.queries.pipeline import fetch_many

if TYPE_CHECKING:
    from mirror.queries.reference import Reference

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


# Status, packaging, language, script and the cover art types are row ids, named from the reference tables
# (``mirror.queries.reference``); the release events come with each release, as a JSON array.
_RELEASES_SQL = """
SELECT r.id, r.gid::text, r.name, r.comment, r.barcode, r.quality, r.artist_credit, r.release_group,
       r.status, r.packaging, r.language, r.script, nullif(rm.amazon_asin, ''), rm.cover_art_presence,
       (SELECT count(*) FROM cover_art_archive.cover_art ca WHERE ca.release = r.id),
       ARRAY(SELECT DISTINCT ct.type_id FROM cover_art_archive.cover_art ca
             JOIN cover_art_archive.cover_art_type ct ON ct.id = ca.id WHERE ca.release = r.id),
       (SELECT coalesce(json_agg(json_build_array(e.date_year, e.date_month, e.date_day, a.id, a.gid, a.name, a.comment)
                                 ORDER BY e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST,
                                          a.name NULLS LAST), '[]')
        FROM (SELECT country, date_year, date_month, date_day FROM musicbrainz.release_country WHERE release = r.id
              UNION ALL
              SELECT NULL, date_year, date_month, date_day FROM musicbrainz.release_unknown_country
              WHERE release = r.id) e
        LEFT JOIN musicbrainz.area a ON a.id = e.country)
FROM musicbrainz.release r
LEFT JOIN musicbrainz.release_meta rm ON rm.id = r.id
WHERE r.id = ANY({ids})
"""

_LABELS_SQL = """
SELECT rl.release, rl.catalog_number, l.id, l.gid::text, l.name, l.comment, l.type, l.label_code
FROM musicbrainz.release_label rl
LEFT JOIN musicbrainz.label l ON l.id = rl.label
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

_QUERIES = {ids: _RELEASES_SQL.format(ids=ids) for ids in (_BY_IDS, _BY_GID)}


async def load_releases(
    conn: Conn, ref: Reference, ids: Sequence[int], *, gid: str | None = None
) -> dict[int, Release]:
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
    (rows,) = await fetch_many(conn, [(_QUERIES[ids_sql], params)])
    front, back = ref.art_types.get("Front"), ref.art_types.get("Back")
    for row in rows:
        presence = row[13] or "absent"  # no release_meta row: the derived archive was not imported
        language = ref.languages.get(row[10]) if row[10] is not None else None
        art_types = row[15]
        releases[row[0]] = Release(
            id=row[0],
            gid=row[1],
            name=row[2],
            comment=row[3],
            barcode=row[4],
            quality=QUALITY_NAMES.get(row[5], "normal"),
            artist_credit=row[6],
            release_group=row[7],
            status=ref.release_statuses.get(row[8]) if row[8] is not None else None,
            packaging=ref.release_packagings.get(row[9]) if row[9] is not None else None,
            language=(language.iso_code_3 or language.iso_code_2t) if language else None,
            script=ref.scripts.get(row[11]) if row[11] is not None else None,
            asin=row[12],
            cover_art=CoverArt(
                artwork=presence == "present",
                darkened=presence == "darkened",
                count=row[14],
                front=front in art_types,
                back=back in art_types,
            ),
            events=[_event(ref, *event) for event in row[16]],
        )
    return releases


def _event(
    ref: Reference,
    year: int | None,
    month: int | None,
    day: int | None,
    area_id: int | None,
    gid: str | None,
    name: str,
    comment: str,
) -> ReleaseEvent:
    area = None
    if gid is not None:
        # ws/2 shows event areas without their type (MusicBrainz does not load it there)
        area = EventArea(gid, name, comment, None, ref.iso_codes.get(area_id, ()) if area_id is not None else ())
    return ReleaseEvent(format_partial_date(year, month, day), area)


async def load_label_info(conn: Conn, ref: Reference, ids: Iterable[int]) -> dict[int, list[LabelInfo]]:
    """The ``release_label`` entries of these releases (label may be unknown, catalog number may be absent)."""
    wanted = sorted(set(ids))
    result: dict[int, list[LabelInfo]] = {i: [] for i in wanted}
    if not wanted:
        return result
    (rows,) = await fetch_many(conn, [(_LABELS_SQL, (wanted,))])
    for rid, catno, lid, lgid, lname, lcomment, type_id, code in rows:
        label_type = ref.entity_types["label"].get(type_id) if type_id is not None else None
        label = None if lid is None else LabelRef(lid, lgid, lname, lcomment, label_type, code)
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

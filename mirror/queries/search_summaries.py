"""One-line summaries of entities for the native mixed search (``GET /api/search``): MBID, name, disambiguation
and the few facts that tell two namesakes apart (type, area or country, artist credit, date, length).

``await summaries(conn, "release", ids)`` -> ``{row_id: Summary}`` in one statement per entity type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from psycopg import sql
from psycopg.rows import tuple_row

from mirror.queries.common import Conn
from mirror.queries.release import format_partial_date

# Entity types (database spelling) the native search can return.
SUMMARY_TYPES = (
    "artist",
    "release",
    "release_group",
    "recording",
    "label",
    "work",
    "area",
    "place",
    "event",
    "instrument",
    "series",
)


@dataclass(frozen=True, slots=True)
class Summary:
    gid: str
    name: str
    comment: str
    type: str | None  # the entity's own type (Person, Album, Venue...) or release status
    credit: str | None  # artist credit of releases, release groups and recordings
    area: str | None  # area name (artist, label, place) or release country code
    date: str | None  # begin date, first release date, release date
    length: int | None  # recording length in ms


# Per type: type table (NULL when none), and the SELECT list after id, gid, name, comment.
_RELEASE_EVENT = """
LEFT JOIN LATERAL (
    SELECT ev.date_year, ev.date_month, ev.date_day, iso.code
    FROM (SELECT rc.release, rc.country, rc.date_year, rc.date_month, rc.date_day FROM musicbrainz.release_country rc
          UNION ALL
          SELECT ru.release, NULL, ru.date_year, ru.date_month, ru.date_day
          FROM musicbrainz.release_unknown_country ru) ev
    LEFT JOIN musicbrainz.iso_3166_1 iso ON iso.area = ev.country
    WHERE ev.release = e.id
    ORDER BY ev.date_year NULLS LAST, ev.date_month NULLS LAST, ev.date_day NULLS LAST, iso.code
    LIMIT 1
) ev ON true
"""

_SQL = {
    "artist": (
        "t.name, NULL, a.name, e.begin_date_year, e.begin_date_month, e.begin_date_day, NULL",
        "LEFT JOIN musicbrainz.artist_type t ON t.id = e.type LEFT JOIN musicbrainz.area a ON a.id = e.area",
    ),
    "label": (
        "t.name, NULL, a.name, e.begin_date_year, e.begin_date_month, e.begin_date_day, NULL",
        "LEFT JOIN musicbrainz.label_type t ON t.id = e.type LEFT JOIN musicbrainz.area a ON a.id = e.area",
    ),
    "place": (
        "t.name, NULL, a.name, e.begin_date_year, e.begin_date_month, e.begin_date_day, NULL",
        "LEFT JOIN musicbrainz.place_type t ON t.id = e.type LEFT JOIN musicbrainz.area a ON a.id = e.area",
    ),
    "area": (
        "t.name, NULL, NULL, e.begin_date_year, e.begin_date_month, e.begin_date_day, NULL",
        "LEFT JOIN musicbrainz.area_type t ON t.id = e.type",
    ),
    "event": (
        "t.name, NULL, NULL, e.begin_date_year, e.begin_date_month, e.begin_date_day, NULL",
        "LEFT JOIN musicbrainz.event_type t ON t.id = e.type",
    ),
    "release": (
        "s.name, ac.name, ev.code, ev.date_year, ev.date_month, ev.date_day, NULL",
        "LEFT JOIN musicbrainz.release_status s ON s.id = e.status "
        "JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit" + _RELEASE_EVENT,
    ),
    "release_group": (
        "t.name, ac.name, NULL, m.first_release_date_year, m.first_release_date_month, m.first_release_date_day, NULL",
        "LEFT JOIN musicbrainz.release_group_primary_type t ON t.id = e.type "
        "JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit "
        "LEFT JOIN musicbrainz.release_group_meta m ON m.id = e.id",
    ),
    "recording": (
        "NULL, ac.name, NULL, NULL, NULL, NULL, e.length",
        "JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit",
    ),
    "work": ("t.name, NULL, NULL, NULL, NULL, NULL, NULL", "LEFT JOIN musicbrainz.work_type t ON t.id = e.type"),
    "instrument": (
        "t.name, NULL, NULL, NULL, NULL, NULL, NULL",
        "LEFT JOIN musicbrainz.instrument_type t ON t.id = e.type",
    ),
    "series": ("t.name, NULL, NULL, NULL, NULL, NULL, NULL", "LEFT JOIN musicbrainz.series_type t ON t.id = e.type"),
}


@cache
def _query(entity_type: str) -> sql.Composed:
    columns, joins = _SQL[entity_type]
    return sql.SQL(
        "SELECT e.id, e.gid::text, e.name, e.comment, {columns} FROM musicbrainz.{table} e {joins} WHERE e.id = ANY(%s)"
    ).format(columns=sql.SQL(columns), table=sql.Identifier(entity_type), joins=sql.SQL(joins))


async def summaries(conn: Conn, entity_type: str, ids: Sequence[int]) -> dict[int, Summary]:
    """Summaries of the ``entity_type`` rows with these ids (ids without a row are left out)."""
    if not ids:
        return {}
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_query(entity_type), (list(ids),))
        rows = await cur.fetchall()
    found: dict[int, Summary] = {}
    for row_id, gid, name, comment, kind, credit, area, year, month, day, length in rows:
        date = format_partial_date(year, month, day)
        found[row_id] = Summary(gid, name, comment or "", kind, credit, area, date, length)
    return found

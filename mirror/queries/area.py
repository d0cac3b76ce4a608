"""Areas: basic rows by id (with ISO 3166 codes), and browse by collection (always empty on a mirror)."""

from __future__ import annotations

from collections.abc import Sequence

from mirror.queries.common import Conn, Row, partial_date
from mirror.queries.pipeline import fetch_many

_SELECT = (
    "SELECT a.id AS _id, a.gid::text AS id, a.name, a.comment, t.name AS type, t.gid::text AS type_id, "
    "a.begin_date_year, a.begin_date_month, a.begin_date_day, a.end_date_year, a.end_date_month, "
    "a.end_date_day, a.ended, "
    "ARRAY(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = a.id ORDER BY code) AS iso1, "
    "ARRAY(SELECT code FROM musicbrainz.iso_3166_2 WHERE area = a.id ORDER BY code) AS iso2, "
    "ARRAY(SELECT code FROM musicbrainz.iso_3166_3 WHERE area = a.id ORDER BY code) AS iso3 "
    "FROM musicbrainz.area a LEFT JOIN musicbrainz.area_type t ON t.id = a.type "
)


def finish(row: Row) -> Row:
    """Add ``begin``/``end`` partial dates to a row selected with date columns."""
    row["begin"] = partial_date(row, "begin_date")
    row["end"] = partial_date(row, "end_date")
    return row


async def areas(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    (rows,) = await fetch_many(conn, [(_SELECT + "WHERE a.id = ANY(%s)", (list(ids),))], dicts=True)
    return {row["_id"]: finish(row) for row in rows}

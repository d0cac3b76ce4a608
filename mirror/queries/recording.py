"""Recordings: basic rows with their first release date, ISRCs, and the browse/sub-list queries.

The first release date of a recording is the earliest release-event date of any release it appears on
(MusicBrainz keeps it in a materialised table that is not in the dumps, so it is computed here, in the same
query that loads the recordings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg.rows import tuple_row

from mirror.queries.pipeline import fetch_many
from mirror.queries.release import Conn, format_partial_date


@dataclass(slots=True, frozen=True)
class Recording:
    id: int
    gid: str
    name: str
    length: int | None
    comment: str
    video: bool
    artist_credit: int
    first_release_date: str | None


_RECORDINGS_SQL = """
SELECT r.id, r.gid::text, r.name, r.length, r.comment, r.video, r.artist_credit,
       frd.date_year, frd.date_month, frd.date_day
FROM musicbrainz.recording r
LEFT JOIN LATERAL (
    SELECT e.date_year, e.date_month, e.date_day
    FROM musicbrainz.track t
    JOIN musicbrainz.medium m ON m.id = t.medium
    JOIN (SELECT release, date_year, date_month, date_day FROM musicbrainz.release_country
          UNION ALL
          SELECT release, date_year, date_month, date_day FROM musicbrainz.release_unknown_country) e
      ON e.release = m.release
    WHERE t.recording = r.id
      AND (e.date_year IS NOT NULL OR e.date_month IS NOT NULL OR e.date_day IS NOT NULL)
    ORDER BY e.date_year NULLS LAST, e.date_month NULLS LAST, e.date_day NULLS LAST
    LIMIT 1
) frd ON true
WHERE r.id = ANY(%s)
"""


_ISRCS_SQL = "SELECT recording, isrc FROM musicbrainz.isrc WHERE recording = ANY(%s) ORDER BY recording, isrc"


def _recordings(rows: list[tuple[Any, ...]]) -> dict[int, Recording]:
    result: dict[int, Recording] = {}
    for rid, gid, name, length, comment, video, ac, year, month, day in rows:
        result[rid] = Recording(rid, gid, name, length, comment, video, ac, format_partial_date(year, month, day))
    return result


def _isrcs(wanted: list[int], rows: list[tuple[Any, ...]]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {i: [] for i in wanted}
    for rid, isrc in rows:
        result[rid].append(isrc)
    return result


async def load_recordings(conn: Conn, ids: Iterable[int]) -> dict[int, Recording]:
    """The recordings with these row ids, each with its first release date."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    (rows,) = await fetch_many(conn, [(_RECORDINGS_SQL, (wanted,))])
    return _recordings(rows)


async def load_isrcs(conn: Conn, ids: Iterable[int]) -> dict[int, list[str]]:
    """The ISRCs of these recordings, sorted (every requested id is a key)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    (rows,) = await fetch_many(conn, [(_ISRCS_SQL, (wanted,))])
    return _isrcs(wanted, rows)


async def load_recordings_and_isrcs(
    conn: Conn, ids: Iterable[int]
) -> tuple[dict[int, Recording], dict[int, list[str]]]:
    """``load_recordings`` and ``load_isrcs`` in one round trip."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}, {}
    rows, isrc_rows = await fetch_many(conn, [(_RECORDINGS_SQL, (wanted,)), (_ISRCS_SQL, (wanted,))])
    return _recordings(rows), _isrcs(wanted, isrc_rows)


async def find_recording(conn: Conn, gid: str) -> int | None:
    """The row id of the recording with this MBID, following merges; None when unknown."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT id FROM musicbrainz.recording WHERE gid = %(g)s"
            " UNION ALL SELECT new_id FROM musicbrainz.recording_gid_redirect WHERE gid = %(g)s LIMIT 1",
            {"g": gid},
        )
        row = await cur.fetchone()
    return None if row is None else int(row[0])

"""ISRC lookups: the recordings that carry an ISRC."""

from __future__ import annotations

import re

from psycopg.rows import tuple_row

from mirror.queries.release import Conn

ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def is_isrc(text: str) -> bool:
    """True for a well-formed ISRC (``CCXXXYYNNNNN``, upper case, no hyphens)."""
    return bool(ISRC_RE.match(text))


async def recordings_by_isrc(conn: Conn, isrc: str) -> list[int]:
    """Row ids of the recordings with this ISRC, ordered by recording title then id."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT r.id FROM musicbrainz.isrc i JOIN musicbrainz.recording r ON r.id = i.recording"
            ' WHERE i.isrc = %s ORDER BY r.name COLLATE "C", r.id',
            (isrc,),
        )
        return [row[0] for row in await cur.fetchall()]

"""ISWC lookups: the works that carry an ISWC."""

from __future__ import annotations

import re

from psycopg.rows import tuple_row

from mirror.queries.release import Conn

ISWC_RE = re.compile(r"^T-?\d{3}\.?\d{3}\.?\d{3}[-.]?\d$")


def normalize_iswc(text: str) -> str | None:
    """``T-000.000.002-0`` from any accepted spelling (``T0000000020``...), or None when malformed."""
    if not ISWC_RE.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    return f"T-{digits[0:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9]}"


async def works_by_iswc(conn: Conn, iswc: str) -> list[int]:
    """Row ids of the works with this ISWC, ordered by title then id."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT w.id FROM musicbrainz.iswc i JOIN musicbrainz.work w ON w.id = i.work"
            ' WHERE i.iswc = %s ORDER BY w.name COLLATE "C", w.id',
            (iswc,),
        )
        return [row[0] for row in await cur.fetchall()]

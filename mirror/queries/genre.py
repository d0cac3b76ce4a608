"""Genres: rows by id and the full list (``/ws/2/genre/all``)."""

from __future__ import annotations

from collections.abc import Sequence

from mirror.queries.common import Conn, Row

_SELECT = "SELECT id AS _id, gid::text AS id, name, comment FROM musicbrainz.genre "


async def genres(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    cur = await conn.execute(_SELECT + "WHERE id = ANY(%s)", (list(ids),))
    return {row["_id"]: row for row in await cur.fetchall()}


async def all_genres(conn: Conn, limit: int | None = None, offset: int = 0) -> tuple[list[Row], int]:
    """Genres ordered by name (a page of them when ``limit`` is given) and the total."""
    cur = await conn.execute("SELECT count(*) AS n FROM musicbrainz.genre")
    total = await cur.fetchone()
    cur = await conn.execute(_SELECT + 'ORDER BY name COLLATE "C", gid LIMIT %s OFFSET %s', (limit, offset))
    return list(await cur.fetchall()), int(total["n"]) if total else 0

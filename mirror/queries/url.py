"""URLs: rows by id and by their text (``/ws/2/url?resource=``)."""

from __future__ import annotations

from collections.abc import Sequence

from mirror.queries.common import Conn, Row
from mirror.queries.pipeline import fetch_many

_SELECT = "SELECT id AS _id, gid::text AS id, url AS resource FROM musicbrainz.url "


async def urls(conn: Conn, ids: Sequence[int]) -> dict[int, Row]:
    (rows,) = await fetch_many(conn, [(_SELECT + "WHERE id = ANY(%s)", (list(ids),))], dicts=True)
    return {row["_id"]: row for row in rows}


async def by_resource(conn: Conn, resources: Sequence[str]) -> list[Row]:
    """URL rows whose text is one of ``resources``, in the order first given."""
    cur = await conn.execute(_SELECT + "WHERE url = ANY(%s)", (list(resources),))
    found = {row["resource"]: row for row in await cur.fetchall()}
    return [found[r] for r in dict.fromkeys(resources) if r in found]

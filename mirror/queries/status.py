"""What ``/status`` reports: schema and replication sequence, dump timestamp, approximate row counts."""

from __future__ import annotations

from typing import Any

from mirror.queries.common import Conn

MAIN_TABLES = (
    "area",
    "artist",
    "event",
    "instrument",
    "label",
    "place",
    "recording",
    "release",
    "release_group",
    "series",
    "url",
    "work",
)


async def status(conn: Conn) -> dict[str, Any]:
    """Replication state and row counts (``pg_class.reltuples``; -1 when never analysed)."""
    cur = await conn.execute(
        "SELECT current_schema_sequence, current_replication_sequence, last_replication_date "
        "FROM musicbrainz.replication_control ORDER BY id LIMIT 1"
    )
    row = await cur.fetchone()
    cur = await conn.execute(
        "SELECT c.relname, c.reltuples::bigint AS rows FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'musicbrainz' AND c.relkind = 'r' AND c.relname = ANY(%s)",
        (list(MAIN_TABLES),),
    )
    counts = {r["relname"]: int(r["rows"]) for r in await cur.fetchall()}
    last = row["last_replication_date"] if row else None
    return {
        "schema_sequence": row["current_schema_sequence"] if row else None,
        "replication_sequence": row["current_replication_sequence"] if row else None,
        "last_replication_date": last.isoformat() if last is not None else None,
        "row_counts": {table: counts.get(table) for table in MAIN_TABLES},
    }


async def ping(conn: Conn) -> bool:
    cur = await conn.execute("SELECT 1 AS ok")
    row = await cur.fetchone()
    return bool(row and row["ok"] == 1)

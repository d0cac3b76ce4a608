"""What ``/status`` and ``/metrics`` report: replication state and lag, the sync's counters, row counts."""

from __future__ import annotations

from typing import Any

from mirror.queries.common import Conn
from mirror.schema.entities import MAIN_ENTITIES

MAIN_TABLES = (*MAIN_ENTITIES[:-1], "url", MAIN_ENTITIES[-1])  # /status also counts urls


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
    cur = await conn.execute(
        "SELECT status, last_sequence, last_packet_timestamp, last_error, last_error_at, schema_change_pending, "
        "packets_applied, changes_applied, rows_skipped, errors_total, "
        "extract(epoch FROM now() - (SELECT last_replication_date FROM musicbrainz.replication_control "
        "ORDER BY id LIMIT 1))::float8 AS lag_seconds "
        "FROM mbmirror.sync_state WHERE id = 1"
    )
    sync = await cur.fetchone()
    return {
        "schema_sequence": row["current_schema_sequence"] if row else None,
        "replication_sequence": row["current_replication_sequence"] if row else None,
        "last_replication_date": last.isoformat() if last is not None else None,
        "row_counts": {table: counts.get(table) for table in MAIN_TABLES},
        "sync": _sync_fields(sync),
    }


def _sync_fields(sync: dict[str, Any] | None) -> dict[str, Any]:
    if sync is None:
        return {"status": "never run"}
    fields = dict(sync)
    for key in ("last_packet_timestamp", "last_error_at"):
        if fields.get(key) is not None:
            fields[key] = fields[key].isoformat()
    return fields


def prometheus_text(body: dict[str, Any]) -> str:
    """The numbers of ``status()`` in the Prometheus text exposition format."""
    sync = body.get("sync", {})
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, value: object, labels: str = "") -> None:
        if not any(line.startswith(f"# HELP {name} ") for line in lines):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
        lines.append(f"{name}{labels} {'NaN' if value is None else float(value)}")  # type: ignore[arg-type]

    metric("mbmirror_schema_sequence", "gauge", "MusicBrainz schema sequence of the data.", body["schema_sequence"])
    metric(
        "mbmirror_replication_sequence",
        "gauge",
        "Replication sequence the data is at.",
        body["replication_sequence"],
    )
    metric(
        "mbmirror_replication_lag_seconds",
        "gauge",
        "Age of the data (now - last replication date).",
        sync.get("lag_seconds"),
    )
    metric(
        "mbmirror_schema_change_pending",
        "gauge",
        "1 when a packet of a new schema sequence stopped the sync.",
        1 if sync.get("schema_change_pending") else 0,
    )
    metric("mbmirror_packets_applied_total", "counter", "Replication packets applied.", sync.get("packets_applied", 0))
    metric(
        "mbmirror_changes_applied_total", "counter", "Row changes applied from packets.", sync.get("changes_applied", 0)
    )
    metric(
        "mbmirror_rows_skipped_total",
        "counter",
        "Packet rows skipped (tables or columns not kept).",
        sync.get("rows_skipped", 0),
    )
    metric("mbmirror_sync_errors_total", "counter", "Sync passes that failed.", sync.get("errors_total", 0))
    for table, count in body["row_counts"].items():
        metric("mbmirror_rows", "gauge", "Approximate rows of the main tables.", count, f'{{table="{table}"}}')
    return "\n".join(lines) + "\n"


async def ping(conn: Conn) -> bool:
    cur = await conn.execute("SELECT 1 AS ok")
    row = await cur.fetchone()
    return bool(row and row["ok"] == 1)

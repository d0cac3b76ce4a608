"""What a database holds: schema revision, replication state, last import and entity counts."""

from __future__ import annotations

from typing import Any

import psycopg

from mirror.db import libpq_url
from mirror.schema.entities import MAIN_ENTITIES
from mirror.state import replication_state


def entity_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Exact row counts of the main entity tables."""
    parts = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM musicbrainz.{name}" for name in MAIN_ENTITIES)
    return {str(name): int(count) for name, count in conn.execute(parts).fetchall()}


def database_status(url: str) -> dict[str, Any]:
    """A plain dictionary describing the database (printed by ``mbmirror status``)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        status: dict[str, Any] = {}
        version = conn.execute("SELECT current_setting('server_version')").fetchone()
        status["server version"] = version[0] if version else None
        revision = conn.execute(
            "SELECT version_num FROM public.alembic_version"
            if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() not in (None, (None,))
            else "SELECT NULL"
        ).fetchone()
        status["schema revision"] = revision[0] if revision else None
        if status["schema revision"] is None:
            status["state"] = "not initialised: run `mbmirror init` or `mbmirror import`"
            return status
        state = replication_state(conn)
        status["schema sequence"] = state.schema_sequence if state else None
        status["replication sequence"] = state.replication_sequence if state else None
        status["dump timestamp"] = state.last_replication_date if state else None
        last = conn.execute(
            "SELECT status, started::text, finished::text, rows, error FROM mbmirror.import_log "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if last:
            status["last import"] = f"{last[0]}, started {last[1]}, finished {last[2]}, {last[3] or 0:,} rows" + (
                f", error: {last[4]}" if last[4] else ""
            )
        from mirror.sync import sync_status

        sync = sync_status(conn)
        status["sync"] = sync.status
        if sync.last_packet_timestamp:
            status["last packet"] = f"{sync.last_sequence} of {sync.last_packet_timestamp}"
        if sync.last_error:
            status["last sync error"] = f"{sync.last_error} (at {sync.last_error_at})"
        if sync.schema_change_pending:
            status["schema change pending"] = (
                f"packet of schema sequence {sync.schema_change_pending}: upgrade mbmirror and run `mbmirror init`"
            )
        from mirror.search.build import index_state

        search = index_state(conn)
        status["search index"] = (
            f"{search['documents']:,} documents, built {search['built']}"
            if search
            else "not built: run `mbmirror search-index`"
        )
        status["entities"] = entity_counts(conn)
        return status

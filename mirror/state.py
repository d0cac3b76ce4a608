"""Mirror state: the advisory lock shared by import and sync, and what the database holds now.

Only one import or sync may run against a database at a time. Both take the same session-level PostgreSQL
advisory lock; a second runner fails at once with ``LockHeldError`` instead of waiting. The lock dies with its
connection, so a killed process never leaves it behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from mirror.errors import LockHeldError

# An arbitrary constant naming "mbmirror writer" among advisory locks: the bytes of "mbmirror".
WRITER_LOCK_KEY = int.from_bytes(b"mbmirror", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def writer_lock(conn: psycopg.Connection[Any], what: str) -> Iterator[None]:
    """Hold the import/sync lock for the duration of the block, on ``conn``'s session."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK_KEY,)).fetchone()
    if not row or not row[0]:
        raise LockHeldError(what)
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK_KEY,))


@dataclass(frozen=True)
class ReplicationState:
    """The row of ``musicbrainz.replication_control``."""

    schema_sequence: int | None
    replication_sequence: int | None
    last_replication_date: str | None


def replication_state(conn: psycopg.Connection[Any]) -> ReplicationState | None:
    """The current replication state, or None when the database holds no imported data."""
    row = conn.execute(
        "SELECT current_schema_sequence, current_replication_sequence, last_replication_date::text "
        "FROM musicbrainz.replication_control ORDER BY id LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return ReplicationState(row[0], row[1], row[2])

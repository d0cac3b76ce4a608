"""The changes feed: which entities the replication packets after a sequence changed.

``changes(conn, since=N, limit=100, cursor=None)`` pages through ``mbmirror.entity_change`` (written by the sync
in the same transaction as each packet: one row per packet and changed entity, including changes to an
entity's child rows) in the order (sequence, entity type, MBID), the table's primary key.

Retention: the feed answers from the replication sequence of the last completed import (the dump's
``REPLICATION_SEQUENCE``) onwards, or from the last sequence the sync pruned (``sync_state.
changes_pruned_through``: it keeps ``MBMIRROR_CHANGES_RETENTION_PACKETS`` packets of records), whichever is
later. A ``since`` older than that (the changes in between were never recorded or are gone) raises
``ChangesExpired``: the client must re-sync from scratch and then follow the feed from the sequence the mirror
reports. A ``since`` beyond the mirror's current sequence
is ``InvalidQuery``.
"""

from __future__ import annotations

from psycopg.rows import tuple_row

from mirror.errors import ChangesExpired, InvalidQuery
from mirror.native import cursor as cursors
from mirror.native.common import MBID_RE, Conn
from mirror.native.models import Model

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000


class Change(Model):
    sequence: int
    type: str
    id: str


class ChangesPage(Model):
    since: int
    current: int | None
    oldest: int | None
    changes: list[Change]
    next: str | None


def bounds(conn: Conn) -> tuple[int | None, int | None]:
    """(oldest ``since`` the feed can answer, the mirror's current replication sequence)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            "SELECT greatest((SELECT replication_sequence FROM mbmirror.import_log WHERE status = 'done' "
            "ORDER BY finished DESC NULLS LAST, id DESC LIMIT 1), "
            "(SELECT changes_pruned_through FROM mbmirror.sync_state WHERE id = 1)), "
            "(SELECT current_replication_sequence FROM musicbrainz.replication_control ORDER BY id LIMIT 1)"
        ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def changes(conn: Conn, since: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> ChangesPage:
    """The entities changed by the packets after ``since``, one page, oldest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery("limit", f"must be between 1 and {MAX_LIMIT}")
    if since < 0:
        raise InvalidQuery("since", "a replication sequence (0 or more)")
    oldest, current = bounds(conn)
    if oldest is None or since < oldest:
        raise ChangesExpired(since, oldest)
    if current is not None and since > current:
        raise InvalidQuery("since", f"{since} is ahead of this mirror, which is at replication sequence {current}")
    scope = f"changes\x1f{since}"
    after: list[object] = [since, "", "00000000-0000-0000-0000-000000000000"]
    if cursor:
        after = cursors.decode(cursor, scope, 3)
        if not (isinstance(after[0], int) and isinstance(after[1], str) and MBID_RE.match(str(after[2]))):
            raise InvalidQuery("cursor", "not a cursor returned by this API (bad keyset)")
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(
            "SELECT replication_sequence, entity_type, gid::text FROM mbmirror.entity_change "
            "WHERE replication_sequence > %s AND (replication_sequence, entity_type, gid) > (%s, %s, %s::uuid) "
            "ORDER BY replication_sequence, entity_type, gid LIMIT %s",
            (since, *after, limit + 1),
        ).fetchall()
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = cursors.encode(list(rows[-1]), scope)
    items = [Change(sequence=seq, type=kind.replace("_", "-"), id=gid) for seq, kind, gid in rows]
    return ChangesPage(since=since, current=current, oldest=oldest, changes=items, next=following)

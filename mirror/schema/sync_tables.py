"""mbmirror's replication tables in schema ``mbmirror``: sync status and the record of changed entities.

Created by migration ``0002_replication_staging``. ``sync_state`` holds one row (``id = 1``) that the sync
updates in the same transaction as each packet it applies (and in a transaction of its own when it records an
error); ``mbmirror status`` and the API's ``/status`` and ``/metrics`` read it. ``entity_change`` records, per
replication sequence, the MBID of every entity a packet changed (directly or through one of its child rows), in
the same transaction as the change itself; the changes feed reads it. The sync prunes it to the last
``changes_retention_packets`` packets and notes the last pruned sequence in ``sync_state.changes_pruned_through``
(added by ``0004_changes_retention``), from which the feed knows how far back it can answer.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

SYNC_SCHEMA = "mbmirror"

sync_metadata = MetaData(schema=SYNC_SCHEMA)

sync_state = Table(
    "sync_state",
    sync_metadata,
    Column("id", SmallInteger, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'never run'")),
    Column("last_sequence", Integer),
    Column("last_packet_timestamp", TIMESTAMP(timezone=True)),
    Column("last_applied_at", TIMESTAMP(timezone=True)),
    Column("last_checked_at", TIMESTAMP(timezone=True)),
    Column("last_error", Text),
    Column("last_error_at", TIMESTAMP(timezone=True)),
    Column("schema_change_pending", Integer),
    Column("packets_applied", BigInteger, nullable=False, server_default=text("0")),
    Column("changes_applied", BigInteger, nullable=False, server_default=text("0")),
    Column("rows_skipped", BigInteger, nullable=False, server_default=text("0")),
    Column("errors_total", BigInteger, nullable=False, server_default=text("0")),
    Column("last_packet_changes", Integer),
    Column("last_packet_seconds", Double),
    Column("changes_pruned_through", Integer),
    PrimaryKeyConstraint("id", name="sync_state_pkey"),
    CheckConstraint("id = 1", name="sync_state_one_row"),
)

entity_change = Table(
    "entity_change",
    sync_metadata,
    Column("replication_sequence", Integer, nullable=False),
    Column("entity_type", Text, nullable=False),
    Column("gid", UUID(as_uuid=False), nullable=False),
    PrimaryKeyConstraint("replication_sequence", "entity_type", "gid", name="entity_change_pkey"),
    Index("entity_change_idx_entity", "entity_type", "gid"),
)

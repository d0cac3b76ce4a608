"""Replication: the sync status row and the record of changed entities (schema ``mbmirror``).

Revision ID: 0002_replication_staging
Revises: 0001_schema_31
Create Date: 2026-11-25

Packets are applied in one transaction each (see ``mirror.replicate``), so no staging table for pending
changes is needed: PostgreSQL's own atomicity is the resume point. This revision creates ``sync_state`` (one
row, read by ``mbmirror status`` and the API) and ``entity_change`` (read by the changes feed). The table
definitions are frozen here; ``mirror.schema.sync_tables`` describes the same tables for ``alembic check``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_replication_staging"
down_revision = "0001_schema_31"
branch_labels = None
depends_on = None

SCHEMA = "mbmirror"


def upgrade() -> None:
    op.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
    op.create_table(
        "sync_state",
        sa.Column("id", sa.SmallInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'never run'")),
        sa.Column("last_sequence", sa.Integer),
        sa.Column("last_packet_timestamp", postgresql.TIMESTAMP(timezone=True)),
        sa.Column("last_applied_at", postgresql.TIMESTAMP(timezone=True)),
        sa.Column("last_checked_at", postgresql.TIMESTAMP(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", postgresql.TIMESTAMP(timezone=True)),
        sa.Column("schema_change_pending", sa.Integer),
        sa.Column("packets_applied", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("changes_applied", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("rows_skipped", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("errors_total", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("last_packet_changes", sa.Integer),
        sa.Column("last_packet_seconds", sa.Double),
        sa.PrimaryKeyConstraint("id", name="sync_state_pkey"),
        sa.CheckConstraint("id = 1", name="sync_state_one_row"),
        schema=SCHEMA,
    )
    op.execute(f'INSERT INTO "{SCHEMA}".sync_state (id) VALUES (1)')
    op.create_table(
        "entity_change",
        sa.Column("replication_sequence", sa.Integer, nullable=False),
        sa.Column("entity_type", sa.Text, nullable=False),
        sa.Column("gid", postgresql.UUID(as_uuid=False), nullable=False),
        sa.PrimaryKeyConstraint("replication_sequence", "entity_type", "gid", name="entity_change_pkey"),
        schema=SCHEMA,
    )
    op.create_index("entity_change_idx_entity", "entity_change", ["entity_type", "gid"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("entity_change", schema=SCHEMA)
    op.drop_table("sync_state", schema=SCHEMA)

"""Changes feed retention: remember how far ``mbmirror.entity_change`` has been pruned.

Revision ID: 0004_changes_retention
Revises: 0003_search
Create Date: 2026-11-25

The sync keeps the changed-entity records of the last ``MBMIRROR_CHANGES_RETENTION_PACKETS`` packets and
deletes older ones in the transaction of each packet; ``sync_state.changes_pruned_through`` is the last
replication sequence whose records are gone, so the changes feed refuses (410) a ``since`` before it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_changes_retention"
down_revision = "0003_search"
branch_labels = None
depends_on = None

SCHEMA = "mbmirror"


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("changes_pruned_through", sa.Integer), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("sync_state", "changes_pruned_through", schema=SCHEMA)

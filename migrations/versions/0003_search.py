"""Search: the derived search schema (one table per core, the vocabulary, the build record).

Revision ID: 0003_search
Revises: 0002_replication_staging
Create Date: 2026-11-27

Creates an empty ``search`` schema; ``mbmirror import`` builds it with the data and ``mbmirror search-index``
builds it for a database imported before this revision. Plain PostgreSQL only (tsvector, GIN): no extension.
"""

from __future__ import annotations

from alembic import op

from mirror.search.catalog import PARTS
from mirror.search.schema import SEARCH_SCHEMA, create_all, quote

revision = "0003_search"
down_revision = "0002_replication_staging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(f"DROP SCHEMA IF EXISTS {quote(SEARCH_SCHEMA)} CASCADE")
    for statement in create_all(SEARCH_SCHEMA, list(PARTS.values())):
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP SCHEMA IF EXISTS {quote(SEARCH_SCHEMA)} CASCADE")

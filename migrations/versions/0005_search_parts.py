"""Search: the index in parts (a credit's names and a recording's mediums indexed once, reached through links).

Revision ID: 0005_search_parts
Revises: 0004_changes_retention
Create Date: 2026-12-05

The search tables changed shape (an ``extra`` column, link keys, typed columns only for int and date fields,
the ``artist_credit`` and ``medium`` parts): the old index cannot be carried over, so the ``search`` schema is
recreated empty. ``mbmirror init`` rebuilds it when the database holds data (as ``mbmirror search-index``
does); until then searches find nothing and replication packets leave it alone.
"""

from __future__ import annotations

from alembic import op

from mirror.search.catalog import PARTS
from mirror.search.schema import SEARCH_SCHEMA, create_all, quote

revision = "0005_search_parts"
down_revision = "0004_changes_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(f"DROP SCHEMA IF EXISTS {quote(SEARCH_SCHEMA)} CASCADE")
    for statement in create_all(SEARCH_SCHEMA, list(PARTS.values())):
        op.execute(statement)


def downgrade() -> None:
    """The previous layout is recreated empty (``mbmirror search-index`` of that version rebuilds it)."""
    op.execute(f"DROP SCHEMA IF EXISTS {quote(SEARCH_SCHEMA)} CASCADE")
    op.execute(f"CREATE SCHEMA {quote(SEARCH_SCHEMA)}")

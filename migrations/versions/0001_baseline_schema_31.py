"""Baseline: every MusicBrainz table of the public dumps at schema sequence 31, plus mbmirror's own tables.

Revision ID: 0001_schema_31
Revises:
Create Date: 2026-11-25

The tables come from the generated module ``mirror.schema.musicbrainz`` (schema sequence 31). When MusicBrainz
changes its schema, the generated module is regenerated and a new revision alters the tables; this baseline then
keeps creating the schema-31 tables from a frozen copy of the module.
"""

from __future__ import annotations

from alembic import op

from mirror.schema.musicbrainz import SCHEMAS, metadata
from mirror.schema.own import OWN_SCHEMA, own_metadata

revision = "0001_schema_31"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for schema in (*SCHEMAS, OWN_SCHEMA):
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    metadata.create_all(bind)
    own_metadata.create_all(bind)


def downgrade() -> None:
    for schema in (*SCHEMAS, OWN_SCHEMA):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

"""Alembic environment: takes a connection from ``config.attributes`` or builds one from Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from mirror.db import database_url, make_engine
from mirror.schema.musicbrainz import metadata
from mirror.schema.own import own_metadata
from mirror.schema.sync_tables import sync_metadata
from mirror.settings import Settings

target_metadata = [metadata, own_metadata, sync_metadata]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        version_table_schema="public",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url(Settings()))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("mbmirror migrations run online only: use `mbmirror init`")
run_online()

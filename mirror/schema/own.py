"""mbmirror's own tables, in schema ``mbmirror`` (never swapped by a re-import)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP

OWN_SCHEMA = "mbmirror"

own_metadata = MetaData(schema=OWN_SCHEMA)

import_log = Table(
    "import_log",
    own_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started", TIMESTAMP(timezone=True), nullable=False),
    Column("finished", TIMESTAMP(timezone=True)),
    Column("status", Text, nullable=False),  # running | done | failed
    Column("sources", JSONB, nullable=False),
    Column("archives", JSONB, nullable=False),
    Column("schema_sequence", Integer),
    Column("replication_sequence", Integer),
    Column("dump_timestamp", Text),
    Column("rows", BigInteger),
    Column("phases", JSONB),
    Column("error", Text),
)

"""Write replication packets in the real v2 format, for tests and benchmarks.

A packet is ``replication-<N>-v2.tar.bz2`` holding, in the exporter's member order, ``TIMESTAMP``, ``COPYING``,
``README``, ``REPLICATION_SEQUENCE``, ``SCHEMA_SEQUENCE``, ``DBMIRROR_VERSION`` (``2``), then
``mbdump/pending_data``, ``mbdump/pending_keys`` and ``mbdump/pending_ts``: COPY text of dbmirror2's pending
tables, with the whole-row JSON of ``olddata``/``newdata`` COPY-escaped (every JSON backslash doubled).

Changes are given in the order of their ``seqid`` (the master's global change order); each names its ``xid``,
so several transactions can interleave (a long transaction with a small xid that commits late). Like the real
exporter, the writer appends the packet's own ``UPDATE musicbrainz.replication_control`` (sequence ``N-1`` to
``N``, in a transaction of its own, with the largest seqid); ``replication_control=False`` leaves it out.
``with_keys=False`` omits ``mbdump/pending_keys`` (as in packets 158338-158340).

    changes = [insert("musicbrainz.artist", row, xid=10), update("musicbrainz.artist", row, {"name": "B"}, xid=11)]
    write_packet(directory, 101, changes)
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ARRAY, CHAR, JSON, Boolean, Date, Integer, String, Time
from sqlalchemy.dialects.postgresql import TIMESTAMP, UUID

from mirror.schema.musicbrainz import SCHEMA_SEQUENCE, metadata
from mirror.schema.types import Point

Row = Mapping[str, Any]
Op = Literal["i", "u", "d"]

BASE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COPYING_TEXT = (
    "The data in this replication packet is licensed under the Creative Commons "
    "Attribution-NonCommercial-ShareAlike 3.0 license: https://creativecommons.org/licenses/by-nc-sa/3.0/\n"
)
README_TEXT = "MusicBrainz replication packet (synthetic, written by mbmirror's test tools).\n"
_COPY_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
)


@dataclass(frozen=True)
class Change:
    """One row of ``dbmirror2.pending_data``; the seqid is its position in the list given to the writer."""

    table: str  # "schema.table", as quote_ident(schema).quote_ident(table)
    op: Op
    xid: int
    old: Row | None = None
    new: Row | None = None


def insert(table: str, row: Row, *, xid: int) -> Change:
    return Change(table, "i", xid, None, dict(row))


def update(table: str, old: Row, changes: Row, *, xid: int) -> Change:
    """An update of ``old``: the new row is ``old`` with ``changes`` applied (may change the primary key)."""
    return Change(table, "u", xid, dict(old), {**old, **changes})


def delete(table: str, row: Row, *, xid: int) -> Change:
    return Change(table, "d", xid, dict(row), None)


def cascade_delete(table: str, row: Row, children: Iterable[tuple[str, Row]], *, xid: int) -> list[Change]:
    """A delete whose ``ON DELETE CASCADE`` removed ``children``: all in one xid, the cascaded rows first."""
    return [*(delete(child, child_row, xid=xid) for child, child_row in children), delete(table, row, xid=xid)]


def packet_name(sequence: int) -> str:
    return f"replication-{sequence}-v2.tar.bz2"


def packet_time(sequence: int) -> dt.datetime:
    """A deterministic export time for packet ``sequence`` (one packet per hour)."""
    return BASE_TIME + dt.timedelta(hours=sequence)


def pg_timestamp(value: dt.datetime) -> str:
    """PostgreSQL's timestamptz text in UTC, as in ``TIMESTAMP`` and COPY: ``2026-01-01 05:00:00+00``."""
    return value.astimezone(dt.UTC).isoformat(sep=" ").replace("+00:00", "+00")


def copy_escape(text: str) -> str:
    """Escape one field for PostgreSQL's COPY text format."""
    return text.translate(_COPY_ESCAPES)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()  # row_to_json's form: 2026-05-06T12:00:00+00:00
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} into packet JSON")


def row_json(row: Row) -> str:
    """Compact ``row_to_json`` output: keys in the row's order, no spaces."""
    return json.dumps(dict(row), ensure_ascii=False, separators=(",", ":"), default=_json_default)


def primary_key(table: str, keys: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """Primary-key columns of ``table``: from ``keys``, else the generated schema, else ``("id",)``."""
    if keys and table in keys:
        return tuple(keys[table])
    schema, _, name = table.partition(".")
    known = metadata.tables.get(f"{schema}.{name}")
    if known is not None:
        return tuple(column.name for column in known.primary_key.columns)
    return ("id",)


def _synthetic_value(table: str, column: Any, n: int) -> Any:
    kind = column.type
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, Integer):  # also SmallInteger, BigInteger
        return n if column.primary_key else n % 30_000
    if isinstance(kind, UUID):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{table}/{column.name}/{n}"))
    if isinstance(kind, TIMESTAMP):
        value = BASE_TIME + dt.timedelta(seconds=n, microseconds=123_456)
        return value.isoformat() if kind.timezone else value.replace(tzinfo=None).isoformat()
    if isinstance(kind, CHAR):
        length = kind.length or 1
        return (str(n) * length)[:length]
    if isinstance(kind, String):  # also Text, VARCHAR(n)
        text = f'{column.name} {n} \t"q" \\ é'
        return text[: kind.length] if kind.length else text
    if isinstance(kind, Date):
        return (dt.date(2020, 1, 1) + dt.timedelta(days=n % 3000)).isoformat()
    if isinstance(kind, Time):
        return f"{n % 24:02d}:34:56"
    if isinstance(kind, Point):
        return f"({n}.5,-{n % 90}.25)"
    if isinstance(kind, ARRAY):
        return [n, n + 1, n + 2]
    if isinstance(kind, JSON):  # JSONB
        return {"n": n}
    raise TypeError(f"no synthetic value for {table}.{column.name} ({kind})")


def synthetic_row(table: str, n: int, **values: Any) -> dict[str, Any]:
    """A complete row of a table of the generated schema, deterministic in ``n``, as ``row_to_json`` writes it.

    Nullable columns are NULL for some ``n``; ``values`` override columns.
    """
    definition = metadata.tables[table]
    row: dict[str, Any] = {}
    for position, column in enumerate(definition.columns):
        if column.nullable and not column.primary_key and (n + position) % 4 == 0:
            row[column.name] = None
        else:
            row[column.name] = _synthetic_value(table, column, n)
    unknown = set(values) - set(row)
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    row.update(values)
    return row


def replication_control_change(sequence: int, xid: int, schema_sequence: int = SCHEMA_SEQUENCE) -> Change:
    """The exporter's own ``UPDATE musicbrainz.replication_control`` from ``sequence - 1`` to ``sequence``."""
    old = {
        "id": 1,
        "current_schema_sequence": schema_sequence,
        "current_replication_sequence": sequence - 1,
        "last_replication_date": packet_time(sequence - 1).isoformat(),
    }
    return update(
        "musicbrainz.replication_control",
        old,
        {"current_replication_sequence": sequence, "last_replication_date": packet_time(sequence).isoformat()},
        xid=xid,
    )


def _array_literal(values: Sequence[str]) -> str:
    return "{" + ",".join(values) + "}"


def pending_files(
    sequence: int,
    changes: Sequence[Change],
    *,
    schema_sequence: int = SCHEMA_SEQUENCE,
    keys: Mapping[str, Sequence[str]] | None = None,
    replication_control: bool = True,
    first_seqid: int = 1,
) -> tuple[bytes, bytes, bytes]:
    """COPY text of ``pending_data``, ``pending_keys`` and ``pending_ts`` for ``changes``."""
    rows = list(changes)
    if replication_control:
        exporter_xid = max((change.xid for change in rows), default=0) + 1
        rows.append(replication_control_change(sequence, exporter_xid, schema_sequence))
    data = io.StringIO()
    for seqid, change in enumerate(rows, start=first_seqid):
        old = "\\N" if change.old is None else copy_escape(row_json(change.old))
        new = "\\N" if change.new is None else copy_escape(row_json(change.new))
        data.write(f"{seqid}\t{change.table}\t{change.op}\t{change.xid}\t{old}\t{new}\t\\N\t\\N\n")
    tables = sorted({change.table for change in rows})
    key_lines = "".join(f"{table}\t{_array_literal(primary_key(table, keys))}\n" for table in tables)
    commit_time = packet_time(sequence) - dt.timedelta(minutes=30)
    xids = sorted({change.xid for change in rows})
    ts_lines = "".join(
        f"{xid}\t{pg_timestamp(commit_time + dt.timedelta(microseconds=position))}\n"
        for position, xid in enumerate(xids)
    )
    return data.getvalue().encode(), key_lines.encode(), ts_lines.encode()


def _add(tar: tarfile.TarFile, name: str, payload: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(mtime)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(payload))


def packet_bytes(
    sequence: int,
    changes: Sequence[Change],
    *,
    schema_sequence: int = SCHEMA_SEQUENCE,
    keys: Mapping[str, Sequence[str]] | None = None,
    with_keys: bool = True,
    replication_control: bool = True,
    timestamp: dt.datetime | None = None,
    replication_sequence_text: str | None = None,
    dbmirror_version: str = "2",
) -> bytes:
    """The packet ``replication-<sequence>-v2.tar.bz2`` as bytes."""
    when = timestamp or packet_time(sequence)
    data, key_lines, ts_lines = pending_files(
        sequence, changes, schema_sequence=schema_sequence, keys=keys, replication_control=replication_control
    )
    members: list[tuple[str, bytes]] = [
        ("TIMESTAMP", f"{pg_timestamp(when)}\n".encode()),
        ("COPYING", COPYING_TEXT.encode()),
        ("README", README_TEXT.encode()),
        ("REPLICATION_SEQUENCE", (replication_sequence_text or f"{sequence}\n").encode()),
        ("SCHEMA_SEQUENCE", f"{schema_sequence}\n".encode()),
        ("DBMIRROR_VERSION", f"{dbmirror_version}\n".encode()),
        ("mbdump/pending_data", data),
    ]
    if with_keys:
        members.append(("mbdump/pending_keys", key_lines))
    members.append(("mbdump/pending_ts", ts_lines))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as tar:
        for name, payload in members:
            _add(tar, name, payload, when.timestamp())
    return buffer.getvalue()


def write_packet(directory: Path, sequence: int, changes: Sequence[Change], **options: Any) -> Path:
    """Write ``replication-<sequence>-v2.tar.bz2`` into ``directory``; options as ``packet_bytes``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / packet_name(sequence)
    path.write_bytes(packet_bytes(sequence, changes, **options))
    return path

"""Open and validate one v2 replication packet (``replication-<N>-v2.tar.bz2``).

The packet is read in one pass, decompressed with the dump importer's parallel bzip2 reader; ``pending_data`` is
parsed while it streams out of the archive (never held whole), in batches of lines. The metadata members are
checked as the reference loader does: ``SCHEMA_SEQUENCE`` and ``REPLICATION_SEQUENCE`` must be ``^\\d+\\n$``,
``DBMIRROR_VERSION`` must be ``2``, and ``mbdump/pending_data`` must be there. ``mbdump/pending_keys`` may be
missing (packets 158338-158340): then ``Packet.keys`` is None and the applier falls back to the local catalogue.

``pending_data`` is parsed as PostgreSQL COPY text first (TAB-separated fields, ``\\N`` NULL, backslash escapes
undone on the raw bytes, never a regex over whole rows), then each ``olddata``/``newdata`` field as JSON with a
JSON parser (orjson, several times faster than the standard one). The unescaped JSON text is kept next to the
parsed row so the applier can ship it to PostgreSQL without re-encoding.

Every reader failure (truncated file, corrupt bzip2, bad tar, malformed line) becomes a ``PacketError``
naming the packet.
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple

import indexed_bzip2
import orjson

from mirror.sync_errors import PacketError

REQUIRED_MEMBERS = (
    "TIMESTAMP",
    "REPLICATION_SEQUENCE",
    "SCHEMA_SEQUENCE",
    "DBMIRROR_VERSION",
    "mbdump/pending_data",
)
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {
    b"b": b"\b",
    b"f": b"\f",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"v": b"\v",
}
_NUMBER = re.compile(r"\d+\n?")
_OPS = {b"i": "i", b"u": "u", b"d": "d"}
_CHUNK = 1 << 20
Row = dict[str, Any]


class PendingChange(NamedTuple):
    """One row of ``pending_data``: raw JSON text (COPY-unescaped) and the parsed rows (a tuple: cheap to make)."""

    seqid: int
    table: str
    op: str
    xid: int
    old_json: str | None
    new_json: str | None
    old: Row | None
    new: Row | None


@dataclass(frozen=True)
class Packet:
    """A validated packet."""

    name: str
    sequence: int
    schema_sequence: int
    timestamp: str
    changes: list[PendingChange]
    keys: dict[str, tuple[str, ...]] | None  # None: no pending_keys member
    transaction_times: dict[int, str]


def _unescape_match(match: re.Match[bytes]) -> bytes:
    octal, hexa, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if hexa:
        return bytes([int(hexa, 16)])
    return _SIMPLE_ESCAPES.get(char, char)


def _unescape(raw: bytes) -> bytes:
    """Undo COPY text escapes. JSON rows hold almost only escaped backslashes: those are undone by one split and
    join (left to right, as COPY pairs them); any other escape left in a piece goes through the regex."""
    if b"\\" not in raw:
        return raw
    if b"\\" not in raw.replace(b"\\\\", b""):  # escaped backslashes only: bytes.replace pairs left to right too
        return raw.replace(b"\\\\", b"\\")
    parts = raw.split(b"\\\\")
    for i, part in enumerate(parts):
        if b"\\" in part:
            parts[i] = _ESCAPE.sub(_unescape_match, part)
    return b"\\".join(parts)


def copy_field(raw: bytes) -> str | None:
    """One COPY text field -> its value (None for ``\\N``)."""
    if raw == b"\\N":
        return None
    return _unescape(raw).decode("utf-8")


def copy_rows(payload: bytes, columns: int, name: str, member: str) -> list[list[str | None]]:
    """Parse a COPY text member into rows of ``columns`` fields."""
    rows: list[list[str | None]] = []
    lines = payload.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        fields = line.split(b"\t")
        if len(fields) != columns:
            raise PacketError(name, f"{member} line {number} has {len(fields)} fields, expected {columns}")
        try:
            rows.append([copy_field(field) for field in fields])
        except UnicodeDecodeError as exc:
            raise PacketError(name, f"{member} line {number} is not UTF-8: {exc}") from exc
    return rows


@lru_cache(maxsize=4096)  # a packet names a few hundred tables, each on many rows
def split_table_name(name: str) -> tuple[str, str]:
    """``quote_ident(schema).quote_ident(table)`` -> (schema, table); no schema means ``musicbrainz``."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(name):
        char = name[i]
        if quoted:
            if char == '"' and name[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = True
        elif char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    if len(parts) == 1:
        return "musicbrainz", parts[0]
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"not a table name: {name!r}")
    return parts[0], parts[1]


def parse_text_array(literal: str) -> tuple[str, ...]:
    """A one-dimensional PostgreSQL ``text[]`` literal such as ``{id}`` or ``{"a b",c}``."""
    if not (literal.startswith("{") and literal.endswith("}")):
        raise ValueError(f"not an array literal: {literal!r}")
    body = literal[1:-1]
    items: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if body:
        items.append("".join(current))
    return tuple(items)


def _number(text: str, name: str, member: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise PacketError(name, f"{member} must be a number and a newline, found {text[:40]!r}")
    return int(text)


def _json_row(text: str, name: str, seqid: int) -> Row:
    try:
        row = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # integers beyond 64 bits, which only the standard parser reads, or a real error it explains
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PacketError(name, f"pending_data seqid {seqid}: invalid JSON ({exc})") from exc
    if not isinstance(row, dict):
        raise PacketError(name, f"pending_data seqid {seqid}: row JSON is not an object")
    return row


class _PendingData:
    """Parses ``pending_data`` lines as they stream out of the archive, one tight loop per batch of lines."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.changes: list[PendingChange] = []
        self.lines = 0
        self._tables: dict[bytes, str] = {}  # raw table name -> validated name: a packet has few tables

    def feed(self, lines: list[bytes]) -> None:
        name, tables, append = self.name, self._tables, self.changes.append
        for line in lines:
            self.lines += 1
            fields = line.split(b"\t")
            if len(fields) != 8:
                raise PacketError(name, f"pending_data line {self.lines} has {len(fields)} fields, expected 8")
            raw_seqid, raw_table, raw_op, raw_xid, raw_old, raw_new = fields[:6]
            try:
                seqid, xid = int(raw_seqid), int(raw_xid)
                table = tables.get(raw_table) or self._table(raw_table)
                old = None if raw_old == b"\\N" else _unescape(raw_old).decode("utf-8")
                new = None if raw_new == b"\\N" else _unescape(raw_new).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PacketError(name, f"pending_data line {self.lines} is not UTF-8: {exc}") from exc
            except ValueError as exc:
                raise PacketError(name, f"pending_data line {self.lines}: {exc}") from exc
            op = _OPS.get(raw_op)
            if op is None or (op != "i") != (old is not None) or (op != "d") != (new is not None):
                shown = raw_op.decode("utf-8", "replace")
                raise PacketError(name, f"pending_data seqid {seqid}: op {shown!r} does not match olddata/newdata")
            append(
                PendingChange(
                    seqid,
                    table,
                    op,
                    xid,
                    old,
                    new,
                    None if old is None else _json_row(old, name, seqid),
                    None if new is None else _json_row(new, name, seqid),
                )
            )

    def _table(self, raw: bytes) -> str:
        table = copy_field(raw)
        if table is None:
            raise ValueError("NULL table name")
        split_table_name(table)  # raises ValueError for a malformed name
        self._tables[raw] = table
        return table


def _stream_lines(member: IO[bytes], sink: _PendingData) -> None:
    """Feed a member to ``sink`` in batches of whole lines, never holding more than one chunk."""
    rest = b""
    while chunk := member.read(_CHUNK):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        sink.feed(lines)
    if rest:
        sink.feed([rest])


def _open(source: Path | bytes, name: str) -> IO[bytes]:
    """A decompressing reader over the packet (parallel bzip2, as the dump importer)."""
    try:
        if isinstance(source, Path):
            with source.open("rb") as file:
                magic = file.read(3)
        else:
            magic = source[:3]
        if magic != b"BZh":
            raise PacketError(name, "not a bzip2 file")
        target: Any = str(source) if isinstance(source, Path) else io.BytesIO(source)
        raw: IO[bytes] = indexed_bzip2.open(target, parallelization=os.cpu_count() or 1)
    except (OSError, RuntimeError, ValueError) as exc:
        raise PacketError(name, f"cannot read: {exc}") from exc
    return raw


def _read_members(source: Path | bytes, name: str) -> tuple[dict[str, bytes], _PendingData | None]:
    """Small members as bytes; ``pending_data`` parsed while it streams."""
    members: dict[str, bytes] = {}
    pending: _PendingData | None = None
    raw = _open(source, name)
    try:
        with tarfile.open(fileobj=raw, mode="r|", bufsize=_CHUNK) as tar:
            for info in tar:
                if not info.isfile():
                    continue
                extracted = tar.extractfile(info)
                if extracted is None:
                    continue
                member = info.name.removeprefix("./")
                if member == "mbdump/pending_data":
                    pending = _PendingData(name)
                    _stream_lines(extracted, pending)
                else:
                    members[member] = extracted.read()
    except (tarfile.TarError, EOFError, OSError, ValueError, RuntimeError) as exc:
        detail = str(exc) if str(exc) not in ("", "std::exception") else "unexpected end of data"
        raise PacketError(name, f"truncated or corrupt archive ({type(exc).__name__}: {detail})") from exc
    finally:
        raw.close()
    return members, pending


def read_packet(source: Path | bytes, name: str | None = None) -> Packet:
    """Open and validate a packet from a file or its bytes."""
    name = name or (source.name if isinstance(source, Path) else "(bytes)")
    members, pending = _read_members(source, name)
    missing = [member for member in REQUIRED_MEMBERS[:4] if member not in members]
    if pending is None:
        missing.append("mbdump/pending_data")
    if missing:
        raise PacketError(name, f"truncated or incomplete packet: missing {', '.join(missing)}")
    assert pending is not None  # else missing above
    try:
        text = {key: members[key].decode("utf-8") for key in REQUIRED_MEMBERS[:4]}
    except UnicodeDecodeError as exc:
        raise PacketError(name, f"metadata is not UTF-8: {exc}") from exc
    version = text["DBMIRROR_VERSION"].strip()
    if version != "2":
        raise PacketError(name, f"DBMIRROR_VERSION is {version!r}; only v2 packets are supported")
    sequence = _number(text["REPLICATION_SEQUENCE"], name, "REPLICATION_SEQUENCE")
    schema_sequence = _number(text["SCHEMA_SEQUENCE"], name, "SCHEMA_SEQUENCE")
    keys: dict[str, tuple[str, ...]] | None = None
    if "mbdump/pending_keys" in members:
        keys = {}
        for table, literal in copy_rows(members["mbdump/pending_keys"], 2, name, "pending_keys"):
            if table is None or literal is None:
                raise PacketError(name, "pending_keys has a NULL field")
            try:
                keys[table] = parse_text_array(literal)
            except ValueError as exc:
                raise PacketError(name, f"pending_keys: {exc}") from exc
    times: dict[int, str] = {}
    for xid, ts in copy_rows(members.get("mbdump/pending_ts", b""), 2, name, "pending_ts"):
        if xid is None or ts is None or not xid.isdigit():
            raise PacketError(name, f"pending_ts has a bad line: {xid!r}")
        times[int(xid)] = ts
    return Packet(
        name=name,
        sequence=sequence,
        schema_sequence=schema_sequence,
        timestamp=text["TIMESTAMP"].strip(),
        changes=pending.changes,
        keys=keys,
        transaction_times=times,
    )

"""Open and validate one v2 replication packet (``replication-<N>-v2.tar.bz2``).

The packet is read in one pass. Its metadata members are checked as the reference loader does:
``SCHEMA_SEQUENCE`` and ``REPLICATION_SEQUENCE`` must be ``^\\d+\\n$``, ``DBMIRROR_VERSION`` must be ``2``,
and ``mbdump/pending_data`` must be there. ``mbdump/pending_keys`` may be missing (packets 158338-158340): then
``Packet.keys`` is None and the applier falls back to the local catalogue.

``pending_data`` is parsed as PostgreSQL COPY text first (TAB-separated fields, ``\\N`` NULL, backslash escapes
undone on the raw bytes), then each ``olddata``/``newdata`` field as JSON with a JSON parser. The unescaped JSON
text is kept next to the parsed row so the applier can ship it to PostgreSQL without re-encoding.

Every reader failure (truncated file, corrupt bzip2, bad tar, malformed line) becomes a ``PacketError``
naming the packet.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PendingChange:
    """One row of ``pending_data``: raw JSON text (COPY-unescaped) and the parsed rows."""

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


def copy_field(raw: bytes) -> str | None:
    """One COPY text field -> its value (None for ``\\N``)."""
    if raw == b"\\N":
        return None
    if b"\\" in raw:
        raw = _ESCAPE.sub(_unescape_match, raw)
    return raw.decode("utf-8")


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


def _json_row(text: str | None, name: str, seqid: str | None) -> Row | None:
    if text is None:
        return None
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PacketError(name, f"pending_data seqid {seqid}: invalid JSON ({exc})") from exc
    if not isinstance(row, dict):
        raise PacketError(name, f"pending_data seqid {seqid}: row JSON is not an object")
    return row


def parse_pending_data(payload: bytes, name: str) -> list[PendingChange]:
    changes: list[PendingChange] = []
    for seqid, table, op, xid, old, new, _ctid, _depth in copy_rows(payload, 8, name, "pending_data"):
        if seqid is None or table is None or op is None or xid is None:
            raise PacketError(name, f"pending_data seqid {seqid}: NULL in seqid, tablename, op or xid")
        if op not in ("i", "u", "d") or (op != "i") != (old is not None) or (op != "d") != (new is not None):
            raise PacketError(name, f"pending_data seqid {seqid}: op {op!r} does not match olddata/newdata")
        try:
            split_table_name(table)
            change = PendingChange(
                int(seqid), table, op, int(xid), old, new, _json_row(old, name, seqid), _json_row(new, name, seqid)
            )
        except ValueError as exc:
            raise PacketError(name, f"pending_data seqid {seqid}: {exc}") from exc
        changes.append(change)
    return changes


def _read_members(data: bytes, name: str) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|bz2") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                extracted = tar.extractfile(info)
                if extracted is None:
                    continue
                members[info.name.removeprefix("./")] = extracted.read()
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise PacketError(name, f"truncated or corrupt archive ({type(exc).__name__}: {exc})") from exc
    return members


def read_packet(source: Path | bytes, name: str | None = None) -> Packet:
    """Open and validate a packet from a file or its bytes."""
    if isinstance(source, Path):
        name = name or source.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise PacketError(name, f"cannot read: {exc}") from exc
    else:
        data = source
        name = name or "(bytes)"
    if not data.startswith(b"BZh"):
        raise PacketError(name, "not a bzip2 file")
    members = _read_members(data, name)
    missing = [member for member in REQUIRED_MEMBERS if member not in members]
    if missing:
        raise PacketError(name, f"truncated or incomplete packet: missing {', '.join(missing)}")
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
        changes=parse_pending_data(members["mbdump/pending_data"], name),
        keys=keys,
        transaction_times=times,
    )

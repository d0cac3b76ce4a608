"""Apply one replication packet to the mirror, with the reference loader's semantics, set-based and atomic.

Semantics (``LoadReplicationChanges``): transactions are grouped by ``xid`` and applied in order of their
largest ``seqid``, rows inside a group in ``seqid`` order. ``i`` inserts ``newdata``; ``u`` sets only the columns
whose old and new values differ (and that exist locally), matching the row on the primary key taken from
``olddata`` (so an update may change the key); ``d`` deletes by the key from ``olddata``. Key columns come from
``pending_keys``, or from the local catalogue when the packet has none. Rows of tables the mirror does not keep
are skipped and counted, columns it does not keep are dropped and counted. The sequence advances only through
the packet's own ``UPDATE musicbrainz.replication_control`` row, and is checked before the commit.

**One transaction per packet** (not per xid). Why:

- *Never lose or double-apply.* Every change of the packet, its ``replication_control`` row, the
  ``mbmirror.entity_change`` records and the ``mbmirror.sync_state`` counters commit together or not at all. A
  crash at any point (SIGKILL, power loss, a server restart) leaves the database exactly at packet ``N-1``, and
  the rerun applies packet ``N`` from the start, so no resume state can ever disagree with the data. A
  per-xid commit needs a staging table whose rows are deleted in each xid's transaction; that is equally
  correct, but costs one commit (one WAL flush) per xid and exposes readers to states between packets whose
  ``replication_control`` does not describe them.
- *Fast.* Inside one transaction the order of changes is only observable per table: the mirror has no foreign
  keys and no triggers on replicated tables, so changes to different tables commute. Each table's changes keep
  their exact order and are cut into runs of the same operation and column set (an update run is also cut when
  a key repeats, so one row is never updated twice by one statement); every run becomes one set-based
  statement that takes the rows as a JSON array and lets PostgreSQL convert values with the table's own row
  type (``json_populate_recordset``). A packet costs a few statements per table instead of a round trip per
  change.
- *Redo is cheap.* Packets are hourly and small (thousands of changes, under a second to apply); a packet that
  fails deterministically fails the same way under per-xid commits.

The caller holds the writer lock (``mirror.state.writer_lock``) and may wrap ``apply_packet`` in its own
transaction to add its bookkeeping (``mirror.sync`` does).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from mirror.packet import Packet, PendingChange, split_table_name
from mirror.schema.musicbrainz import SCHEMA_SEQUENCE, SCHEMAS
from mirror.sync_errors import (
    ApplyError,
    DuplicatePacket,
    MissingPrimaryKey,
    PacketGap,
    ReplicationUnavailable,
    SchemaChangeRequired,
    SequenceNotAdvanced,
)

BATCH_SIZE = 5000
ENTITY_TYPES = (
    "area",
    "artist",
    "event",
    "genre",
    "instrument",
    "label",
    "mood",
    "place",
    "recording",
    "release",
    "release_group",
    "series",
    "url",
    "work",
)
# Child tables whose name does not say which entity they belong to: table -> (entity type, column).
EXTRA_ENTITY_REFS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("musicbrainz", "medium"): (("release", "release"),),
    ("musicbrainz", "track"): (("recording", "recording"),),
    ("cover_art_archive", "cover_art"): (("release", "release"),),
    ("event_art_archive", "event_art"): (("event", "event"),),
}
OPERATIONS = {"i": "insert", "u": "update", "d": "delete"}
ProgressCallback = Callable[[int, int], None]  # (changes done, changes in packet)


@dataclass(frozen=True)
class TableInfo:
    """A table the mirror keeps, as the local catalogue describes it."""

    schema: str
    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]

    @property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.columns)

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)


@dataclass
class ApplyResult:
    """What applying one packet did."""

    sequence: int
    changes: int = 0  # rows in pending_data
    applied: int = 0  # rows applied (inserts, deletes, updates that changed a kept column)
    unchanged_updates: int = 0  # updates that changed no kept column
    skipped: dict[str, int] = field(default_factory=dict)  # table not kept -> rows
    skipped_columns: dict[str, set[str]] = field(default_factory=dict)  # table -> columns not kept
    statements: int = 0
    entities_changed: int = 0
    seconds: float = 0.0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


@dataclass
class _Run:
    """Consecutive changes of one table, one operation and one column set: one statement."""

    table: TableInfo
    op: str
    columns: tuple[str, ...]  # inserted columns, updated columns, or key columns for deletes
    key: tuple[str, ...]
    items: list[str] = field(default_factory=list)
    keys_seen: set[tuple[Any, ...]] = field(default_factory=set)


def load_catalog(conn: psycopg.Connection[Any], schemas: Sequence[str] = SCHEMAS) -> dict[tuple[str, str], TableInfo]:
    """Every table of the MusicBrainz schemas with its columns (in order) and primary key."""
    rows = conn.execute(
        """
        SELECT n.nspname, c.relname,
               array_agg(a.attname::text ORDER BY a.attnum),
               coalesce((SELECT array_agg(ka.attname::text ORDER BY k.ord)
                           FROM pg_index i
                           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                           JOIN pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = k.attnum
                          WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)
         GROUP BY n.nspname, c.relname, c.oid
        """,
        (list(schemas),),
    ).fetchall()
    return {(s, t): TableInfo(s, t, tuple(cols), tuple(pk)) for s, t, cols, pk in rows}


def apply_order(changes: Iterable[PendingChange]) -> list[PendingChange]:
    """Groups by xid in order of their largest seqid, rows of a group in seqid order."""
    rows = list(changes)
    last: dict[int, int] = {}
    for change in rows:
        if change.seqid > last.get(change.xid, -1):
            last[change.xid] = change.seqid
    return sorted(rows, key=lambda change: (last[change.xid], change.seqid))


def entity_refs(table: TableInfo) -> tuple[tuple[str, str], ...]:
    """Which entities a row of ``table`` belongs to: (entity type, column holding its gid or id)."""
    extra = EXTRA_ENTITY_REFS.get((table.schema, table.name))
    if extra is not None:
        return extra
    if table.schema != "musicbrainz":
        return ()
    name = table.name
    if name in ENTITY_TYPES:
        return ((name, "gid"),) if "gid" in table.column_set else ()
    if name.startswith("l_"):
        for entity0 in ENTITY_TYPES:
            rest = name[2:]
            if rest.startswith(entity0 + "_") and rest[len(entity0) + 1 :] in ENTITY_TYPES:
                return ((entity0, "entity0"), (rest[len(entity0) + 1 :], "entity1"))
        return ()
    for entity in sorted(ENTITY_TYPES, key=len, reverse=True):
        if name == f"{entity}_meta" and "id" in table.column_set:
            return ((entity, "id"),)
        if name.startswith(entity + "_") and entity in table.column_set:
            return ((entity, entity),)
    return ()


class _Plan:
    """The packet cut into per-table runs, plus the entities it touches."""

    def __init__(self, packet: Packet, catalog: dict[tuple[str, str], TableInfo]) -> None:
        self.packet = packet
        self.catalog = catalog
        self.result = ApplyResult(packet.sequence, changes=len(packet.changes))
        self.runs: dict[tuple[str, str], list[_Run]] = {}
        self.gids: dict[str, set[str]] = defaultdict(set)
        self.ids: dict[str, set[int]] = defaultdict(set)
        self._keys: dict[str, tuple[str, ...]] = {}
        for change in apply_order(packet.changes):
            self._add(change)

    def _key(self, change: PendingChange, table: TableInfo) -> tuple[str, ...]:
        key = self._keys.get(change.table)
        if key is None:
            keys = self.packet.keys
            key = keys[change.table] if keys is not None and change.table in keys else table.primary_key
            if not key or not set(key) <= table.column_set:
                raise MissingPrimaryKey(self.packet.sequence, change.table)
            self._keys[change.table] = key
        return key

    def _add(self, change: PendingChange) -> None:
        table = self.catalog.get(split_table_name(change.table))
        if table is None:
            self.result.skipped[change.table] = self.result.skipped.get(change.table, 0) + 1
            return
        key = self._key(change, table)
        old, new = change.old or {}, change.new or {}
        extra = (old.keys() | new.keys()) - table.column_set
        if extra:
            self.result.skipped_columns.setdefault(change.table, set()).update(extra)
        row_keys: tuple[tuple[Any, ...], ...] = ()
        if change.op == "i":
            columns = tuple(column for column in table.columns if column in new)
            item = change.new_json or ""
        elif change.op == "d":
            columns, item = key, change.old_json or ""
        else:
            missing = object()
            columns = tuple(c for c in table.columns if c in new and old.get(c, missing) != new[c])
            if not columns:
                self.result.unchanged_updates += 1
                return
            item = f'{{"o":{change.old_json},"n":{change.new_json}}}'
            row_keys = (tuple(old.get(c) for c in key), tuple(new.get(c) for c in key))
        runs = self.runs.setdefault((table.schema, table.name), [])
        run = runs[-1] if runs else None
        if (
            run is None
            or run.op != change.op
            or run.columns != columns
            or len(run.items) >= BATCH_SIZE
            or any(k in run.keys_seen for k in row_keys)
        ):
            run = _Run(table, change.op, columns, key)
            runs.append(run)
        run.items.append(item)
        run.keys_seen.update(row_keys)
        self.result.applied += 1
        for entity, column in entity_refs(table):
            for row in (old, new):
                value = row.get(column)
                if value is None:
                    continue
                if column == "gid":
                    self.gids[entity].add(str(value))
                else:
                    self.ids[entity].add(int(value))


def _match(key: Sequence[str], left: str, right: sql.Composable) -> sql.Composable:
    return sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(sql.Identifier(left), sql.Identifier(c), right, sql.Identifier(c)) for c in key
    )


def run_statement(run: _Run, ignore_conflicts: bool = False) -> sql.Composed:
    """The one statement applying ``run``; its parameter is the JSON array of the run's rows."""
    table = run.table.identifier
    columns = sql.SQL(", ").join(map(sql.Identifier, run.columns))
    if run.op == "i":
        conflict = sql.SQL(" ON CONFLICT DO NOTHING") if ignore_conflicts else sql.SQL("")
        return sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM json_populate_recordset(NULL::{t}, %s::json){x}").format(
            t=table, c=columns, x=conflict
        )
    if run.op == "d":
        return sql.SQL("DELETE FROM {t} AS t USING json_populate_recordset(NULL::{t}, %s::json) AS k WHERE {m}").format(
            t=table, m=_match(run.key, "t", sql.Identifier("k"))
        )
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = (s.n).{c}").format(c=sql.Identifier(column)) for column in run.columns
    )
    return sql.SQL(
        "WITH s AS MATERIALIZED (SELECT json_populate_record(NULL::{t}, e->'o') AS o, "
        "json_populate_record(NULL::{t}, e->'n') AS n FROM json_array_elements(%s::json) AS e) "
        "UPDATE {t} AS t SET {a} FROM s WHERE {m}"
    ).format(t=table, a=assignments, m=_match(run.key, "t", sql.SQL("(s.o)")))


def check_packet(conn: psycopg.Connection[Any], packet: Packet) -> int:
    """Check that ``packet`` is the next one for this database; returns the database's sequence."""
    row = conn.execute(
        "SELECT current_schema_sequence, current_replication_sequence "
        "FROM musicbrainz.replication_control ORDER BY id LIMIT 1 FOR UPDATE"
    ).fetchone()
    if row is None:
        raise ReplicationUnavailable("musicbrainz.replication_control is empty (no dump imported?)")
    schema, current = row
    if current is None:
        raise ReplicationUnavailable(
            "its dump had an empty REPLICATION_SEQUENCE (current_replication_sequence is NULL); "
            "import a dump made with replication"
        )
    if packet.sequence <= current:
        raise DuplicatePacket(current=current, found=packet.sequence)
    if packet.sequence > current + 1:
        raise PacketGap(current=current, found=packet.sequence)
    if packet.schema_sequence != schema or schema != SCHEMA_SEQUENCE:
        raise SchemaChangeRequired(
            sequence=packet.sequence, database=schema, packet=packet.schema_sequence, code=SCHEMA_SEQUENCE
        )
    return int(current)


def _record_entities(conn: psycopg.Connection[Any], plan: _Plan) -> int:
    sequence = plan.packet.sequence
    rows = 0
    insert = sql.SQL(
        "INSERT INTO mbmirror.entity_change (replication_sequence, entity_type, gid) {} ON CONFLICT DO NOTHING"
    )
    for entity, gids in plan.gids.items():
        cur = conn.execute(
            insert.format(sql.SQL("SELECT %s, %s, g::uuid FROM unnest(%s::text[]) AS g")),
            (sequence, entity, sorted(gids)),
        )
        rows += cur.rowcount
    for entity, ids in plan.ids.items():
        if ("musicbrainz", entity) not in plan.catalog:
            continue
        select = sql.SQL("SELECT %s, %s, gid FROM {} WHERE id = ANY(%s)").format(sql.Identifier("musicbrainz", entity))
        cur = conn.execute(insert.format(select), (sequence, entity, sorted(ids)))
        rows += cur.rowcount
    return rows


def _verify(conn: psycopg.Connection[Any], packet: Packet) -> None:
    row = conn.execute(
        "SELECT current_replication_sequence FROM musicbrainz.replication_control ORDER BY id LIMIT 1"
    ).fetchone()
    found = row[0] if row else None
    if found != packet.sequence:
        raise SequenceNotAdvanced(packet.sequence, found)


def apply_packet(
    conn: psycopg.Connection[Any],
    packet: Packet,
    *,
    ignore_conflicts: bool = False,
    on_progress: ProgressCallback | None = None,
    catalog: dict[tuple[str, str], TableInfo] | None = None,
) -> ApplyResult:
    """Apply ``packet`` in one transaction (a savepoint when ``conn`` is already in one)."""
    started = time.perf_counter()
    with conn.transaction():
        check_packet(conn, packet)
        plan = _Plan(packet, catalog if catalog is not None else load_catalog(conn))
        result = plan.result
        done = 0
        with conn.cursor() as cur:
            for runs in plan.runs.values():
                for run in runs:
                    statement = run_statement(run, ignore_conflicts)
                    try:
                        cur.execute(statement, ("[" + ",".join(run.items) + "]",))
                    except psycopg.Error as exc:
                        name = f"{run.table.schema}.{run.table.name}"
                        detail = exc.diag.message_primary or str(exc)
                        raise ApplyError(packet.sequence, name, OPERATIONS[run.op], detail) from exc
                    result.statements += 1
                    done += len(run.items)
                    if on_progress is not None:
                        on_progress(done, result.changes)
        result.entities_changed = _record_entities(conn, plan)
        _verify(conn, packet)
    result.seconds = time.perf_counter() - started
    return result

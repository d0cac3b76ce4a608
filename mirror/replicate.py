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
- *Fast.* Inside one transaction the order of changes is only observable per row: the mirror has no foreign
  keys and no triggers on replicated tables, so changes to different tables commute, and so do changes of one
  table that touch different rows and different values of its unique indexes. Each table's changes are placed
  in dependency layers (a change goes one layer after the last earlier change sharing a primary key or unique
  value with it); a layer's deletes, updates and inserts become one set-based statement each, taking the rows
  as a JSON array and letting PostgreSQL convert values with the table's own row type
  (``json_populate_recordset``). A packet costs a few statements per table instead of a round trip per
  change; a table with a unique index on an expression keeps its exact order (a new statement whenever the
  operation changes).
- *Redo is cheap.* Packets are hourly and small (thousands of changes, under a second to apply); a packet that
  fails deterministically fails the same way under per-xid commits.

The caller holds the writer lock (``mirror.state.writer_lock``) and may wrap ``apply_packet`` in its own
transaction to add its bookkeeping (``mirror.sync`` does).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import psycopg
from psycopg import sql

from mirror.collector import cyclic_gc_paused
from mirror.packet import Packet, PendingChange, Row, split_table_name
from mirror.schema.entities import RELATABLE_TYPES
from mirror.schema.musicbrainz import SCHEMA_SEQUENCE, SCHEMAS
from mirror.search import refresh as search_refresh
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
ENTITY_TYPES = RELATABLE_TYPES
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
    unique: tuple[tuple[str, ...], ...] = ()  # column lists of the other unique indexes
    opaque_unique: bool = False  # a unique index on an expression: keep the table's exact order

    @cached_property  # (read for every change of a packet)
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
    search_documents: int = 0  # search documents rebuilt (0 without a search index)
    search_changed: int = 0  # of those, documents that came out different
    search_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


@dataclass
class _Run:
    """Changes of one table, one dependency layer and one operation: one statement."""

    table: TableInfo
    op: str
    columns: tuple[str, ...]  # inserted columns, updated columns (union), or key columns for deletes
    key: tuple[str, ...]
    items: list[str] = field(default_factory=list)


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
    unique: dict[tuple[str, str], list[tuple[str, ...] | None]] = defaultdict(list)
    for schema, table, columns in conn.execute(
        """
        SELECT n.nspname, c.relname,
               (SELECT array_agg(a.attname::text ORDER BY k.ord)
                  FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE i.indisunique AND NOT i.indisprimary AND n.nspname = ANY(%s)
           AND i.indexprs IS NULL
        UNION ALL
        SELECT n.nspname, c.relname, NULL
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE i.indisunique AND n.nspname = ANY(%s) AND i.indexprs IS NOT NULL
        """,
        (list(schemas), list(schemas)),
    ):
        unique[schema, table].append(tuple(columns) if columns is not None else None)
    catalog: dict[tuple[str, str], TableInfo] = {}
    for schema, table, columns, pk in rows:
        indexes = unique.get((schema, table), [])
        plain = tuple(index for index in indexes if index is not None)
        catalog[schema, table] = TableInfo(schema, table, tuple(columns), tuple(pk), plain, None in indexes)
    return catalog


def apply_order(changes: Iterable[PendingChange]) -> list[PendingChange]:
    """Groups by xid in order of their largest seqid, rows of a group in seqid order."""
    rows = list(changes)
    last: dict[int, int] = {}
    for change in rows:
        if change.seqid > last.get(change.xid, -1):
            last[change.xid] = change.seqid
    return sorted(rows, key=lambda change: (last[change.xid], change.seqid))


@lru_cache(maxsize=1024)  # (asked for every change of a packet; a catalogue has a few hundred tables)
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
    """The packet as per-table dependency layers, plus the entities it touches.

    A change's layer is one more than the last layer of any earlier change of the same table that touched the
    same primary key or the same value of a unique index (old or new row). Changes in one layer touch disjoint
    rows and disjoint unique values, so they commute; each layer's deletes, updates and inserts become one
    statement each, and the layers run in order, which keeps every row's history in packet order.
    """

    def __init__(self, packet: Packet, catalog: dict[tuple[str, str], TableInfo]) -> None:
        self.packet = packet
        self.catalog = catalog
        self.result = ApplyResult(packet.sequence, changes=len(packet.changes))
        self.runs: dict[tuple[str, str], dict[tuple[int, str], _Run]] = {}
        self.gids: dict[str, set[str]] = defaultdict(set)
        self.ids: dict[str, set[int]] = defaultdict(set)
        self._keys: dict[str, tuple[str, ...]] = {}
        self._last_layer: dict[tuple[Any, ...], int] = {}
        self._table_layer: dict[tuple[str, str], tuple[int, str, tuple[str, ...]]] = {}
        # A table's runs depend on its own changes only: the changes are grouped by table (in apply order within
        # each, tables in order of their first change) and planned a table at a time (``tables``).
        self._pending: dict[tuple[str, str], list[PendingChange]] = {}
        for change in apply_order(packet.changes):
            self._pending.setdefault(split_table_name(change.table), []).append(change)

    def _key(self, change: PendingChange, table: TableInfo) -> tuple[str, ...]:
        key = self._keys.get(change.table)
        if key is None:
            keys = self.packet.keys
            key = keys[change.table] if keys is not None and change.table in keys else table.primary_key
            if not key or not set(key) <= table.column_set:
                raise MissingPrimaryKey(self.packet.sequence, change.table)
            self._keys[change.table] = key
        return key

    def _layer(self, table: TableInfo, key: tuple[str, ...], op: str, columns: tuple[str, ...], rows: list[Row]) -> int:
        name = (table.schema, table.name)
        if table.opaque_unique:  # exact order: a new layer whenever the operation or columns change
            layer, last_op, last_columns = self._table_layer.get(name, (0, op, columns))
            if (last_op, last_columns) != (op, columns):
                layer += 1
            self._table_layer[name] = (layer, op, columns)
            return layer
        touched = [(name, -1, *(row.get(c) for c in key)) for row in rows]
        for number, index in enumerate(table.unique):
            touched.extend((name, number, *(row.get(c) for c in index)) for row in rows)
        layer = 1 + max((self._last_layer.get(t, -1) for t in touched), default=-1)
        for t in touched:
            self._last_layer[t] = layer
        return layer

    def _add(self, change: PendingChange, table: TableInfo | None) -> None:
        """Plan ``change`` of ``table`` (None: a table the mirror does not keep)."""
        if table is None:
            self.result.skipped[change.table] = self.result.skipped.get(change.table, 0) + 1
            return
        key = self._key(change, table)
        old, new = change.old or {}, change.new or {}
        column_set = table.column_set
        complete = new.keys() == column_set  # (an insert's row as the mirror has it: the commonest case)
        if not complete and not (new.keys() <= column_set and old.keys() <= column_set):
            extra = (old.keys() | new.keys()) - column_set
            self.result.skipped_columns.setdefault(change.table, set()).update(extra)
        if change.op == "i":
            columns = table.columns if complete else tuple(column for column in table.columns if column in new)
            item, rows = change.new_json or "", [new]
        elif change.op == "d":
            columns, item, rows = key, change.old_json or "", [old]
        else:
            missing = object()
            columns = tuple(c for c in table.columns if c in new and old.get(c, missing) != new[c])
            if not columns:
                self.result.unchanged_updates += 1
                return
            names = ",".join(f'"{c}"' for c in columns)
            item, rows = f'{{"o":{change.old_json},"n":{change.new_json},"c":[{names}]}}', [old, new]
        layer = self._layer(table, key, change.op, columns if change.op != "u" else (), rows)
        runs = self.runs.setdefault((table.schema, table.name), {})
        group = (layer, change.op if change.op != "i" else f"i{columns}")
        run = runs.get(group)
        if run is None:
            run = runs[group] = _Run(table, change.op, columns, key)
        elif change.op == "u":
            run.columns = (*run.columns, *(c for c in columns if c not in run.columns))
        run.items.append(item)
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

    def tables(self) -> Iterator[list[_Run]]:
        """Each table's runs, layer by layer (deletes, then updates, then inserts), planned when asked for: the
        caller applies one table's while the next is planned. The entities touched are complete at the end."""
        rank = {"d": 0, "u": 1, "i": 2}
        for name, changes in self._pending.items():
            table = self.catalog.get(name)
            for change in changes:
                self._add(change, table)
            runs = self.runs.get(name, {})
            yield [run for _, run in sorted(runs.items(), key=lambda item: (item[0][0], rank[item[1].op]))]


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
        sql.SQL("{c} = CASE WHEN {name} = ANY(s.c) THEN (s.n).{c} ELSE t.{c} END").format(
            c=sql.Identifier(column), name=sql.Literal(column)
        )
        for column in run.columns
    )
    return sql.SQL(
        # jsonb: each element is read three times (old row, new row, columns), parsed once (15% faster than json)
        "WITH s AS MATERIALIZED (SELECT jsonb_populate_record(NULL::{t}, e->'o') AS o, "
        "jsonb_populate_record(NULL::{t}, e->'n') AS n, "
        "ARRAY(SELECT jsonb_array_elements_text(e->'c')) AS c FROM jsonb_array_elements(%s::jsonb) AS e) "
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
    """One ``entity_change`` row per entity the packet changed: one statement per entity type, its MBIDs (those
    the changed rows hold, and those of the rows whose ids they hold) made distinct before the insert."""
    sequence = plan.packet.sequence
    rows = 0
    for entity in sorted(plan.gids.keys() | plan.ids.keys()):
        sources: list[sql.Composable] = [sql.SQL("SELECT g::uuid FROM unnest(%(gids)s::text[]) AS g")]
        if plan.ids.get(entity) and ("musicbrainz", entity) in plan.catalog:
            sources.append(
                sql.SQL("SELECT gid FROM {} WHERE id = ANY(%(ids)s)").format(sql.Identifier("musicbrainz", entity))
            )
        statement = sql.SQL(
            "INSERT INTO mbmirror.entity_change (replication_sequence, entity_type, gid)"
            " SELECT %(sequence)s, %(entity)s, g FROM ({}) AS u (g) ORDER BY g ON CONFLICT DO NOTHING"
        ).format(sql.SQL(" UNION ").join(sources))
        params = {
            "sequence": sequence,
            "entity": entity,
            "gids": sorted(plan.gids.get(entity, ())),
            "ids": sorted(plan.ids.get(entity, ())),
        }
        rows += conn.execute(statement, params).rowcount
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
    # The collector waits: the plan, the rows and the search documents hold no cycles; the search caches the
    # refresh filled are frozen after it (``mirror.collector``).
    with cyclic_gc_paused(freeze=True), conn.transaction():
        # No JIT compilation: a packet's statements are big but run once, and compiling them took longer than
        # running them (up to a second per statement); restored at the end (the caller's transaction goes on).
        jit = conn.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)").fetchone()
        check_packet(conn, packet)
        plan = _Plan(packet, catalog if catalog is not None else load_catalog(conn))
        result = plan.result
        done = 0

        stop = threading.Event()  # set on a failure: the tables not yet applied are skipped

        def apply_runs(runs: list[_Run]) -> None:
            nonlocal done
            if stop.is_set():
                return
            with conn.cursor() as cur:
                for run in runs:
                    statement = run_statement(run, ignore_conflicts)
                    for start in range(0, len(run.items), BATCH_SIZE):
                        chunk = run.items[start : start + BATCH_SIZE]
                        try:
                            cur.execute(statement, ("[" + ",".join(chunk) + "]",))
                        except psycopg.Error as exc:
                            stop.set()
                            name = f"{run.table.schema}.{run.table.name}"
                            detail = exc.diag.message_primary or str(exc)
                            raise ApplyError(packet.sequence, name, OPERATIONS[run.op], detail) from exc
                        result.statements += 1
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, result.changes)

        # The server applies one table's runs (on a thread, which waits for the server without the interpreter
        # lock) while this thread plans the next table's; leaving the pool waits for the table being applied.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="packet-apply") as server:
            try:
                applying = [server.submit(apply_runs, runs) for runs in plan.tables()]
            except BaseException:
                stop.set()
                raise
        for future in applying:
            future.result()  # the first failure, in table order
        searched = time.perf_counter()
        refreshed = search_refresh.refresh(conn, packet.changes)  # the search documents the changes affect
        result.search_documents, result.search_changed = refreshed
        result.search_seconds = time.perf_counter() - searched
        result.entities_changed = _record_entities(conn, plan)
        _verify(conn, packet)
        conn.execute("SELECT set_config('jit', %s, true)", (jit[0] if jit else "on",))
    result.seconds = time.perf_counter() - started
    return result

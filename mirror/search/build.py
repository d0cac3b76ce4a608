"""Build the search documents: SQL streams each part's rows, Python analyses them, COPY writes them back.

A full build (``build_index``) reads the MusicBrainz tables of one schema (``musicbrainz`` or the import's
staging ``musicbrainz__mbm_new``) through a server-side cursor in a read-only snapshot, with the set-based
form of a part's query where it has one (``mirror.search.bulk``: every list computed once per key and
joined, several times less server work than per-row subqueries; JIT off, it cost more than it saved). Each
row becomes a line of COPY text with its tsvector literals (``mirror.search.document``,
``mirror.search.analyze`` does the words) that is COPYed (``FREEZE``) into a new table created in the same
transaction; the keys and the GIN index come after
the load, the GIN index with little ``maintenance_work_mem`` (faster: its pending entries stay in the CPU
caches). The vocabulary (documents per lexeme) is counted in Python while the documents are made, instead of
reading every document back (the terms of the typed columns too); past ``VOCABULARY_SPILL`` distinct lexemes
the counts go to a staging table and are summed there, so memory stays flat like the rows, which are handled a
batch at a time; the vocabulary's indexes are built once it is complete. Two parts
are built at once, biggest first: one in this process and one in a spawned worker process (Python's analysis
is the larger part of the work, and one process has one interpreter lock), both in one exported snapshot;
the worker's logs and progress are relayed to this process. (Like any spawned process, the worker imports
the caller's main module: a script calling the build needs the usual ``if __name__ == "__main__"`` guard.)
Within each, the next batch is fetched on a thread while Python analyses the current one, and a part's keys,
GIN index, vocabulary and ANALYZE are made on another connection while the next part's documents stream.
Python's cyclic garbage collector is paused meanwhile: the rows and
documents hold no reference cycles (reference counting frees them), and its collections, which walk every
live object including the analysis caches, took more time than the analysis itself. The time of each step is
logged per part. The import builds into ``search__mbm_new`` before its schema swap and swaps it in with the
data; ``rebuild`` does the same for an existing database.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from typing import Any, Protocol

import psycopg
from psycopg import sql

from mirror.collector import cyclic_gc_paused
from mirror.db import libpq_url
from mirror.search.bulk import BULK
from mirror.search.catalog import PARTS
from mirror.search.cores import Part
from mirror.search.document import _COPY_ESCAPES, _COPY_SPECIAL, vocabulary_lexeme
from mirror.search.document import DocumentMaker as DocumentMaker
from mirror.search.document import date_terms as date_terms
from mirror.search.document import field_terms as field_terms
from mirror.search.schema import (
    SEARCH_SCHEMA,
    STATS_TABLE,
    VOCAB_TABLE,
    columns,
    index_ddl,
    shared_ddl,
    table_ddl,
    vocabulary_index_ddl,
    vocabulary_key_ddl,
)

BATCH = 2000
VOCABULARY_SPILL = 1_000_000  # distinct lexemes counted in memory before they are spilled to the server
# GIN builds are fastest with little memory: the pending entries stay in the CPU caches (a recording index
# at scale 20 takes 5 s of CPU with 8MB, 13 s with 256MB); the primary key's sort wants more.
GIN_MEMORY = "8MB"
SORT_MEMORY = "256MB"
_APPLICATION = "mbmirror search build"
MAX_WORKERS = 8  # processes building parts at once, at most (one per CPU by default; see build_index)
BIGGEST_FIRST = ("recording", "work", "release", "medium", "artist_credit", "release-group", "artist", "url", "label")
# The source queries: JIT compilation of these big queries costs more than it saves (url: 4.2 s -> 0.8 s
# without), the bulk forms sort and hash whole tables (more memory per sort, spilled beyond it), and
# parallel workers would only take the second core from the analysis.
READER_SETTINGS = {"jit": "off", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"}
NEW_SCHEMA = SEARCH_SCHEMA + "__mbm_new"
OLD_SCHEMA = SEARCH_SCHEMA + "__mbm_old"

log = logging.getLogger(__name__)


class BuildProgress(Protocol):
    """The part of the importer's progress interface the build reports to."""

    def phase(self, name: str) -> None: ...

    def table(self, name: str, position: int) -> None: ...

    def advance(self, rows: int, nbytes: int) -> None: ...


def source_query(part: Part, mb_schema: str, restricted: bool, bulk: bool | None = None) -> sql.Composed:
    """The part's document query over ``mb_schema``; restricted: only ``x.id = ANY(%(ids)s)``.

    ``bulk`` (default: when not restricted) takes the set-based form of ``mirror.search.bulk`` if the part
    has one: the same rows, faster for all of them, slower for a few."""
    where = sql.SQL("x.id = ANY(%(ids)s)") if restricted else sql.SQL("TRUE")
    text = BULK.get(part.name) if (not restricted if bulk is None else bulk) else None
    return sql.SQL(text or part.source).format(mb=sql.Identifier(mb_schema), where=where)


def copy_statement(schema: str, part: Part, freeze: bool = False) -> sql.Composed:
    """COPY into the part's table; ``freeze`` when the table was created in the same transaction."""
    return sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(schema, part.table),
        sql.SQL(", ").join(map(sql.Identifier, columns(part))),
        sql.SQL(" (FREEZE)" if freeze else ""),
    )


def prefetched_documents(
    cursor: psycopg.Cursor[Any], part: Part, batch: int = BATCH, vocabulary: Counter[str] | None = None
) -> Iterator[tuple[int, str]]:
    """Batches of search-table rows as COPY text (rows, text) from an executed source query, counting into
    ``vocabulary`` if given; the next batch is fetched on a thread while the caller works on this one.

    A server-side cursor computes its rows only when they are fetched: fetching ahead lets the server run the
    source query while Python analyses the rows already fetched (two batches in memory at most)."""
    assert cursor.description is not None
    maker = DocumentMaker(part, [c.name for c in cursor.description], vocabulary)
    line = maker.line
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-fetch") as pool:
        pending = pool.submit(cursor.fetchmany, batch)
        while rows := pending.result():
            pending = pool.submit(cursor.fetchmany, batch)
            yield len(rows), "".join([line(row) for row in rows])


def _exec(conn: psycopg.Connection[Any], statement: str) -> None:
    conn.execute(sql.SQL(statement))


def vocabulary_filter(part: Part, column: str = "word") -> sql.Composed:
    """The lexemes the vocabulary keeps: ``field:word`` of a counted field (no whole values, no identifiers)."""
    return sql.SQL("split_part({}, ':', 1) = ANY({})").format(
        sql.Identifier(column), sql.Literal(part.vocabulary_fields)
    )


class Vocabulary:
    """The documents per counted lexeme of one part, counted while its documents are made.

    Memory stays bounded: past ``limit`` distinct lexemes the counts are spilled into an unlogged staging
    table (on a connection of their own, opened on the first spill) and summed when the vocabulary is
    written."""

    def __init__(self, url: str, schema: str, part: Part, limit: int | None = None) -> None:
        self.counts: Counter[str] = Counter()
        self.url, self.part, self.limit = url, part, VOCABULARY_SPILL if limit is None else limit
        self.staging = sql.Identifier(schema, f"{VOCAB_TABLE}_{part.table}_staging")
        self.vocab = sql.Identifier(schema, VOCAB_TABLE)
        self.spills = 0

    def _copy(self, conn: psycopg.Connection[Any], target: sql.Composable, columns: str, named: bool) -> None:
        prefix = self.part.name + "\t" if named else ""
        with (
            conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(columns))) as copy,
        ):
            lines: list[str] = []
            for quoted, n in self.counts.items():
                lexeme = vocabulary_lexeme(quoted)
                if _COPY_SPECIAL.search(lexeme):
                    lexeme = lexeme.translate(_COPY_ESCAPES)
                lines.append(f"{prefix}{lexeme}\t{n}\n")
                if len(lines) >= BATCH * 10:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))
        self.counts.clear()

    def spill_if_full(self) -> None:
        if len(self.counts) <= self.limit:
            return
        with psycopg.connect(libpq_url(self.url), autocommit=True, application_name=_APPLICATION) as conn:
            if not self.spills:
                conn.execute(
                    sql.SQL('CREATE UNLOGGED TABLE {} (lexeme text COLLATE "C" NOT NULL, n integer NOT NULL)').format(
                        self.staging
                    )
                )
            self._copy(conn, self.staging, "lexeme, n", named=False)
        self.spills += 1

    def write(self, conn: psycopg.Connection[Any]) -> None:
        """Write the counts into the vocabulary table (``conn`` is in autocommit)."""
        if not self.spills:
            self._copy(conn, self.vocab, "core, lexeme, df", named=True)
            return
        self._copy(conn, self.staging, "lexeme, n", named=False)
        conn.execute(
            sql.SQL("INSERT INTO {} (core, lexeme, df) SELECT %s, lexeme, sum(n) FROM {} GROUP BY lexeme").format(
                self.vocab, self.staging
            ),
            (self.part.name,),
        )
        conn.execute(sql.SQL("DROP TABLE {}").format(self.staging))


def _build_part(
    reader: psycopg.Connection[Any],
    writer: psycopg.Connection[Any],
    part: Part,
    mb_schema: str,
    target: str,
    vocabulary: Vocabulary,
    progress: BuildProgress | None,
) -> tuple[int, float]:
    """Create and fill the part's table in ``target``; its documents and the seconds that took."""
    count = 0
    started = time.monotonic()
    with writer.transaction():
        _exec(writer, table_ddl(target, part))
        _autovacuum(writer, sql.Identifier(target, part.table), False)
        with (
            reader.cursor(name=f"search_{part.table}", binary=True) as cursor,
            writer.cursor() as wcur,
            wcur.copy(copy_statement(target, part, freeze=True)) as copy,
        ):
            cursor.itersize = BATCH
            cursor.execute(source_query(part, mb_schema, False))
            for rows, text in prefetched_documents(cursor, part, vocabulary=vocabulary.counts):
                copy.write(text)
                count += rows
                vocabulary.spill_if_full()
                if progress is not None:
                    progress.advance(rows, 0)
    return count, time.monotonic() - started


def _finish_part(
    writer: psycopg.Connection[Any], part: Part, target: str, vocabulary: Vocabulary, count: int, seconds: float
) -> None:
    """Keys, GIN index, vocabulary, stats row and ANALYZE of a filled part table."""
    steps = {"documents": seconds}
    started = time.monotonic()
    for statement in index_ddl(target, part):
        gin = " USING gin " in statement
        writer.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(GIN_MEMORY if gin else SORT_MEMORY)))
        _exec(writer, statement)
    steps["indexes"] = time.monotonic() - started
    started = time.monotonic()
    vocabulary.write(writer)
    steps["vocabulary"] = time.monotonic() - started
    started = time.monotonic()
    writer.execute(
        sql.SQL("INSERT INTO {} (core, docs, built) VALUES (%s, %s, now())").format(
            sql.Identifier(target, STATS_TABLE)
        ),
        (part.name, count),
    )
    writer.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(target, part.table)))
    steps["analyze"] = time.monotonic() - started
    log.info(
        "search part %s: %d documents; %s",
        part.name,
        count,
        ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items()),
    )


def _next_part(names: Sequence[str], taken: Synchronized[int]) -> Part | None:
    with taken.get_lock():
        position = taken.value
        taken.value += 1
    return PARTS[names[position]] if position < len(names) else None


def _build_parts(
    url: str,
    reader: psycopg.Connection[Any],
    mb_schema: str,
    target: str,
    names: Sequence[str],
    taken: Synchronized[int],
    progress: BuildProgress | None,
) -> dict[str, int]:
    """Build parts taken from ``names`` in turn until none is left (one worker of the build); documents per part.

    ``reader`` is in the build's snapshot; the table and the COPY go through a writer, and a finisher thread and
    connection make each built part's keys, GIN index, vocabulary and ANALYZE while the next one streams."""
    counts: dict[str, int] = {}
    for setting, value in READER_SETTINGS.items():
        reader.execute("SELECT set_config(%s, %s, false)", (setting, value))
    with (
        psycopg.connect(libpq_url(url), autocommit=True, application_name=_APPLICATION) as writer,
        psycopg.connect(libpq_url(url), autocommit=True, application_name=_APPLICATION) as finisher,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-finish") as pool,
    ):
        finishing: list[Future[None]] = []
        while (part := _next_part(names, taken)) is not None:
            if progress is not None:
                progress.table(f"search.{part.table}", names.index(part.name) + 1)
            vocabulary = Vocabulary(url, target, part)
            counts[part.name], seconds = _build_part(reader, writer, part, mb_schema, target, vocabulary, progress)
            finishing.append(pool.submit(_finish_part, finisher, part, target, vocabulary, counts[part.name], seconds))
        for future in finishing:
            future.result()
    return counts


class _QueueProgress:
    """A worker process's progress, sent to the parent (which reports it) through a queue."""

    def __init__(self, messages: Queue[Any]) -> None:
        self.messages = messages

    def phase(self, name: str) -> None:
        pass

    def table(self, name: str, position: int) -> None:
        self.messages.put(("table", name, position))

    def advance(self, rows: int, nbytes: int) -> None:
        self.messages.put(("advance", rows, nbytes))


def _worker(
    url: str,
    mb_schema: str,
    target: str,
    snapshot: str,
    names: list[str],
    taken: Synchronized[int],
    messages: Queue[Any],
) -> None:
    """A worker process of ``build_index``: cores in the parent's snapshot; logs, progress, outcome to the parent."""
    handler = logging.handlers.QueueHandler(messages)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with cyclic_gc_paused(), psycopg.connect(libpq_url(url), application_name=_APPLICATION) as reader:
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            reader.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            counts = _build_parts(url, reader, mb_schema, target, names, taken, _QueueProgress(messages))
            reader.rollback()
        messages.put(("done", counts))
    except BaseException:
        messages.put(("failed", traceback.format_exc()))
        raise


def _relay(process: BaseProcess, messages: Queue[Any], progress: BuildProgress | None, outcome: list[Any]) -> None:
    """Forward a worker process's logs and progress until it reports its outcome (or dies)."""
    while True:
        try:
            message = messages.get(timeout=1.0)
        except queue.Empty:
            if not process.is_alive():
                outcome.append(("failed", f"search build worker exited with code {process.exitcode}"))
                return
            continue
        if isinstance(message, logging.LogRecord):
            log.handle(message)
        elif message[0] == "advance" and progress is not None:
            progress.advance(message[1], message[2])
        elif message[0] == "table" and progress is not None:
            progress.table(message[1], message[2])
        elif message[0] in ("done", "failed"):
            outcome.append(message)
            return


def build_index(
    url: str,
    mb_schema: str,
    target: str = NEW_SCHEMA,
    progress: BuildProgress | None = None,
    workers: int | None = None,
) -> dict[str, int]:
    """Build a complete search schema ``target`` (dropped first) from ``mb_schema``; documents per part.

    ``workers`` parts are built at once (default: one per CPU; at most ``MAX_WORKERS``, past which the parts
    left are too small to share out and each worker's three connections add up): this process takes parts in
    turn, biggest first, and so do ``workers - 1`` spawned processes, all in one snapshot of the data. Each
    worker keeps about one CPU busy (its Python analysis, and the server's work for it on the others' waits),
    so more workers than CPUs only adds switching; the biggest part (``recording``) bounds the time however
    many CPUs there are."""
    workers = max(1, min(MAX_WORKERS, workers or os.cpu_count() or 1))
    started, cpu = time.monotonic(), _python_cpu()
    names = [*(n for n in BIGGEST_FIRST if n in PARTS), *(n for n in PARTS if n not in BIGGEST_FIRST)]
    context = multiprocessing.get_context("spawn")
    taken = context.Value("i", 0)
    relays: list[tuple[BaseProcess, threading.Thread, list[Any]]] = []
    with (
        cyclic_gc_paused(),
        psycopg.connect(libpq_url(url), application_name=_APPLICATION) as reader,
        psycopg.connect(libpq_url(url), autocommit=True, application_name=_APPLICATION) as writer,
    ):
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = reader.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        writer.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(target)))
        writer.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
        for statement in shared_ddl(target):
            _exec(writer, statement)
        _autovacuum(writer, sql.Identifier(target, VOCAB_TABLE), False)
        try:
            for _ in range(workers - 1):
                messages: Queue[Any] = context.Queue()
                args = (url, mb_schema, target, row[0], names, taken, messages)
                process = context.Process(target=_worker, args=args, name="search-build-worker", daemon=True)
                process.start()
                outcome: list[Any] = []
                relay = threading.Thread(target=_relay, args=(process, messages, progress, outcome), daemon=True)
                relay.start()
                relays.append((process, relay, outcome))
            counts = _build_parts(url, reader, mb_schema, target, names, taken, progress)
            for worker, relay, result in relays:
                relay.join()
                worker.join()
                if result[0][0] != "done":
                    raise RuntimeError(f"search build worker failed:\n{result[0][1]}")
                counts.update(result[0][1])
        finally:
            for worker, _, _ in relays:
                if worker.is_alive():
                    worker.terminate()
                    worker.join()
        indexing = time.monotonic()
        _index_vocabulary(url, target)
        for table in [*(part.table for part in PARTS.values()), VOCAB_TABLE]:
            _autovacuum(writer, sql.Identifier(target, table), True)
        reader.rollback()
    log.info(
        "search index built: %d documents in %.1f s (vocabulary indexes %.1f s; Python: %.1f CPU seconds in %d"
        " processes)",
        sum(counts.values()),
        time.monotonic() - started,
        time.monotonic() - indexing,
        _python_cpu() - cpu,
        workers,
    )
    return {name: counts[name] for name in PARTS}


def _autovacuum(conn: psycopg.Connection[Any], table: sql.Identifier, enabled: bool) -> None:
    """Keep autovacuum off a table while the build fills it, and give it back its default afterwards.

    A part's rows are written frozen and all-visible (``COPY FREEZE``): a vacuum of it has nothing to do but
    read it and its GIN index, and the vocabulary is still being written. Left on, autovacuum took the
    just-built tables (and a half-written vocabulary) while the build was still running, on the same two
    cores."""
    option = sql.SQL("RESET (autovacuum_enabled)" if enabled else "SET (autovacuum_enabled = false)")
    conn.execute(sql.SQL("ALTER TABLE {} {}").format(table, option))


def _python_cpu() -> float:
    """CPU seconds of this process and of its finished children (the build's worker processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _index_vocabulary(url: str, target: str) -> None:
    """The vocabulary's indexes, built at once on two connections, then its statistics."""
    statements = vocabulary_index_ddl(target)

    def run(statement: str) -> None:
        with psycopg.connect(libpq_url(url), autocommit=True, application_name=_APPLICATION) as conn:
            conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(SORT_MEMORY)))
            _exec(conn, statement)

    with ThreadPoolExecutor(max_workers=len(statements), thread_name_prefix="search-vocabulary") as pool:
        for future in [pool.submit(run, statement) for statement in statements]:
            future.result()
    with psycopg.connect(libpq_url(url), autocommit=True, application_name=_APPLICATION) as conn:
        _exec(conn, vocabulary_key_ddl(target))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(target, VOCAB_TABLE)))


def swap_in(conn: psycopg.Connection[Any], new: str = NEW_SCHEMA) -> None:
    """Rename ``new`` to the live search schema and the live one away, in the caller's transaction."""
    live = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SEARCH_SCHEMA,)).fetchone()
    if live:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(OLD_SCHEMA)))
        conn.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(SEARCH_SCHEMA), sql.Identifier(OLD_SCHEMA))
        )
    conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(new), sql.Identifier(SEARCH_SCHEMA)))


def rebuild(url: str, progress: BuildProgress | None = None, workers: int | None = None) -> dict[str, int]:
    """Rebuild the search index of the live data in place; searches keep using the old one until the swap.

    The caller holds the writer lock (no sync may change the data between the snapshot and the swap)."""
    if progress is not None:
        progress.phase("search")
    counts = build_index(url, "musicbrainz", NEW_SCHEMA, progress, workers)
    with psycopg.connect(libpq_url(url)) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '60s'")
            swap_in(conn)
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '5min'")
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(OLD_SCHEMA)))
        except psycopg.errors.LockNotAvailable:
            pass  # still in use: the next build drops it
    return counts


def index_state(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """What ``mbmirror status`` shows: documents and build time, or None when no index was built."""
    exists = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", (SEARCH_SCHEMA, STATS_TABLE)
    ).fetchone()
    if not exists:
        return None
    row = conn.execute(
        sql.SQL("SELECT sum(docs), min(built), count(*) FROM {}").format(sql.Identifier(SEARCH_SCHEMA, STATS_TABLE))
    ).fetchone()
    if row is None or not row[2]:
        return None
    return {"documents": int(row[0] or 0), "built": row[1], "cores": int(row[2])}

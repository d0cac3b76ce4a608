"""Build the search documents: SQL streams each core's rows, Python analyses them, COPY writes them back.

A full build (``build_index``) reads the MusicBrainz tables of one schema (``musicbrainz`` or the import's
staging ``musicbrainz__mbm_new``) through a server-side cursor in a read-only snapshot, turns each row into a
tsvector literal (``mirror.search.analyze`` does the words) and COPYs it into a new table created in the same
transaction (``COPY FREEZE``), then adds the keys and GIN indexes and counts the vocabulary (a ``GROUP BY`` over
the documents' lexemes). Memory stays flat: rows are handled a batch at a time. Work is overlapped so that a
second core is kept busy: the next batch is fetched on a thread while Python analyses the current one, and a core's
keys, GIN index, vocabulary and ANALYZE are made on a third connection while the next core's documents stream.
Python's cyclic garbage collector is paused meanwhile: the rows and documents hold no reference cycles (reference
counting frees them), and its collections, which walk every live object including the analysis caches, took more
time than the analysis itself. The time of each step is logged per core. The import builds into
``search__mbm_new`` before its schema swap and swaps it in with the data; ``rebuild`` does the same for an
existing database.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol

import psycopg
from psycopg import sql

from mirror.db import libpq_url
from mirror.search.analyze import compact, keyword, tokens
from mirror.search.catalog import CATALOG
from mirror.search.cores import Core
from mirror.search.schema import (
    SEARCH_SCHEMA,
    STATS_TABLE,
    VOCAB_TABLE,
    index_ddl,
    shared_ddl,
    table_ddl,
    typed_column,
)

BATCH = 2000
MAX_POSITION = 16383  # tsvector positions stop there
MAX_EXACT = 200  # longer values get no whole-value lexeme
MAX_KEYWORD = 500
NEW_SCHEMA = SEARCH_SCHEMA + "__mbm_new"
OLD_SCHEMA = SEARCH_SCHEMA + "__mbm_old"

log = logging.getLogger(__name__)


class BuildProgress(Protocol):
    """The part of the importer's progress interface the build reports to."""

    def phase(self, name: str) -> None: ...

    def table(self, name: str, position: int) -> None: ...

    def advance(self, rows: int, nbytes: int) -> None: ...


@lru_cache(maxsize=1 << 18)
def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _values(value: Any) -> Iterable[Any]:
    if value is None:
        return ()
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return (value,)


def date_terms(value: str) -> list[str]:
    """A date's indexed terms: its year, year-month and full form (``1990``, ``1990-05``, ``1990-05-01``)."""
    parts = value.split("-")
    return ["-".join(parts[: n + 1]) for n in range(len(parts))]


def field_terms(kind: str, value: Any) -> list[str]:
    """The keyword terms of one value of a non-text field (the query side uses the same function)."""
    text = str(value)
    if kind == "compact":
        term = compact(text)
    elif kind == "date":
        return date_terms(text.strip())
    else:
        term = keyword(text)
    return [term[:MAX_KEYWORD]] if term else []


@lru_cache(maxsize=1 << 16, typed=True)
def _field_lexemes(name: str, kind: str, value: Any) -> tuple[str, ...]:
    """The lexemes of one value of a non-text field (values repeat a lot: types, formats, dates, countries)."""
    return tuple(name + ":" + term for term in field_terms(kind, value))


class Document:
    """One search document being assembled: lexemes with positions, then its tsvector literal."""

    __slots__ = ("entries", "position")

    def __init__(self) -> None:
        self.entries: dict[str, list[int]] = {}
        self.position = 1

    def add_text(self, name: str, value: str, keep_accents: bool) -> None:
        words = tokens(value, keep_accents)
        if not words:
            return
        entries = self.entries
        for word in words:
            lexeme = name + ":" + word
            positions = entries.get(lexeme)
            if positions is None:
                entries[lexeme] = [min(self.position, MAX_POSITION)]
            elif len(positions) < 256:
                positions.append(min(self.position, MAX_POSITION))
            self.position += 1
        self.position += 2  # phrases never span two values
        exact = " ".join(words)
        if len(exact) <= MAX_EXACT:
            entries.setdefault(name + "=" + exact, [])

    def add_terms(self, name: str, terms: Iterable[str]) -> None:
        for term in terms:
            self.entries.setdefault(name + ":" + term, [])

    def tsvector(self) -> str:
        return " ".join(
            _lexeme(lexeme) + ":" + ",".join(map(str, positions)) if positions else _lexeme(lexeme)
            for lexeme, positions in self.entries.items()
        )


class DocumentMaker:
    """Turns rows of a core's source query into the rows of its search table."""

    def __init__(self, core: Core, columns: Sequence[str]) -> None:
        index = {name: number for number, name in enumerate(columns)}
        self.core = core
        self.fields = [(index[name], name, kind) for name, kind in core.fields.items()]
        self.typed = [(index[name], kind) for name, kind in core.typed.items()]
        self.pop = index.get("pop")

    def row(self, values: Sequence[Any]) -> tuple[Any, ...]:
        doc = Document()
        entries = doc.entries
        for number, name, kind in self.fields:
            value = values[number]
            if value is None:
                continue
            for item in value if isinstance(value, list) else (value,):
                if item is None:
                    continue
                if kind == "text" or kind == "accent":
                    doc.add_text(name, str(item), kind == "accent")
                else:
                    for lexeme in _field_lexemes(name, kind, item):
                        entries.setdefault(lexeme, [])
        pop = float(values[self.pop] or 0) if self.pop is not None else 0.0
        typed: list[Any] = []
        for number, kind in self.typed:
            items = list(_values(values[number]))
            if kind == "int":
                typed.append([int(v) for v in items] or None)
            else:
                typed.append([str(v) for v in items] or None)
        return (values[0], doc.tsvector(), pop, *typed)


def source_query(core: Core, mb_schema: str, restricted: bool) -> sql.Composed:
    """The core's document query over ``mb_schema``; restricted: only ``x.id = ANY(%(ids)s)``."""
    where = sql.SQL("x.id = ANY(%(ids)s)") if restricted else sql.SQL("TRUE")
    return sql.SQL(core.source).format(mb=sql.Identifier(mb_schema), where=where)


def copy_statement(schema: str, core: Core) -> sql.Composed:
    columns = ["id", "doc", "pop", *(typed_column(n, k) for n, k in core.typed.items())]
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema, core.table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


def documents(cursor: psycopg.Cursor[Any], core: Core, batch: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of search-table rows from an executed source query."""
    assert cursor.description is not None
    maker = DocumentMaker(core, [c.name for c in cursor.description])
    while rows := cursor.fetchmany(batch):
        yield [maker.row(row) for row in rows]


def prefetched_documents(
    cursor: psycopg.Cursor[Any], core: Core, batch: int = BATCH
) -> Iterator[list[tuple[Any, ...]]]:
    """``documents``, the next batch of rows fetched on a thread while the caller works on this one.

    A server-side cursor computes its rows only when they are fetched: fetching ahead lets the server run the
    source query while Python analyses the rows already fetched (two batches in memory at most)."""
    assert cursor.description is not None
    maker = DocumentMaker(core, [c.name for c in cursor.description])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-fetch") as pool:
        pending = pool.submit(cursor.fetchmany, batch)
        while rows := pending.result():
            pending = pool.submit(cursor.fetchmany, batch)
            yield [maker.row(row) for row in rows]


def _exec(conn: psycopg.Connection[Any], statement: str) -> None:
    conn.execute(sql.SQL(statement))


def vocabulary_insert(schema: str, core: Core) -> sql.Composed:
    """Count the documents of each lexeme of the core (what ``ts_stat``'s ``ndoc`` gives, as a hash aggregate)."""
    return sql.SQL(
        "INSERT INTO {} (core, lexeme, df) SELECT {}, word, count(*) FROM {} d, unnest(tsvector_to_array(d.doc)) word"
        " WHERE {} GROUP BY word"
    ).format(
        sql.Identifier(schema, VOCAB_TABLE),
        sql.Literal(core.name),
        sql.Identifier(schema, core.table),
        vocabulary_filter(core),
    )


def vocabulary_filter(core: Core, column: str = "word") -> sql.Composed:
    """The lexemes the vocabulary keeps: ``field:word`` of a counted field (no whole values, no identifiers)."""
    return sql.SQL("split_part({}, ':', 1) = ANY({})").format(
        sql.Identifier(column), sql.Literal(core.vocabulary_fields)
    )


def _build_core(
    reader: psycopg.Connection[Any],
    writer: psycopg.Connection[Any],
    core: Core,
    mb_schema: str,
    target: str,
    progress: BuildProgress | None,
) -> tuple[int, float]:
    """Create and fill the core's table in ``target``; its documents and the seconds that took."""
    count = 0
    started = time.monotonic()
    with writer.transaction():
        _exec(writer, table_ddl(target, core))
        with (
            reader.cursor(name=f"search_{core.table}") as cursor,
            writer.cursor() as wcur,
            wcur.copy(copy_statement(target, core)) as copy,
        ):
            cursor.itersize = BATCH
            cursor.execute(source_query(core, mb_schema, False))
            for batch in prefetched_documents(cursor, core):
                for row in batch:
                    copy.write_row(row)
                count += len(batch)
                if progress is not None:
                    progress.advance(len(batch), 0)
    return count, time.monotonic() - started


def _finish_core(writer: psycopg.Connection[Any], core: Core, target: str, count: int, seconds: float) -> None:
    """Keys, GIN index, vocabulary, stats row and ANALYZE of a filled core table."""
    steps = {"documents": seconds}
    started = time.monotonic()
    for statement in index_ddl(target, core):
        _exec(writer, statement)
    steps["indexes"] = time.monotonic() - started
    started = time.monotonic()
    writer.execute(vocabulary_insert(target, core))
    steps["vocabulary"] = time.monotonic() - started
    started = time.monotonic()
    writer.execute(
        sql.SQL("INSERT INTO {} (core, docs, built) VALUES (%s, %s, now())").format(
            sql.Identifier(target, STATS_TABLE)
        ),
        (core.name, count),
    )
    writer.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(target, core.table)))
    steps["analyze"] = time.monotonic() - started
    log.info(
        "search core %s: %d documents; %s",
        core.name,
        count,
        ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items()),
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_index(
    url: str, mb_schema: str, target: str = NEW_SCHEMA, progress: BuildProgress | None = None
) -> dict[str, int]:
    """Build a complete search schema ``target`` (dropped first) from ``mb_schema``; documents per core."""
    counts: dict[str, int] = {}
    name = "mbmirror search build"
    with (
        _cyclic_gc_paused(),
        psycopg.connect(libpq_url(url), application_name=name) as reader,
        psycopg.connect(libpq_url(url), autocommit=True, application_name=name) as writer,
        psycopg.connect(libpq_url(url), autocommit=True, application_name=name) as finisher,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-finish") as pool,
    ):
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        finisher.execute("SET maintenance_work_mem = '256MB'")
        writer.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(target)))
        writer.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
        for statement in shared_ddl(target):
            _exec(writer, statement)
        finishing: list[Future[None]] = []
        for position, core in enumerate(CATALOG.values(), 1):
            if progress is not None:
                progress.table(f"search.{core.table}", position)
            counts[core.name], seconds = _build_core(reader, writer, core, mb_schema, target, progress)
            finishing.append(pool.submit(_finish_core, finisher, core, target, counts[core.name], seconds))
        for future in finishing:
            future.result()
        writer.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(target, VOCAB_TABLE)))
        reader.rollback()
    return counts


def swap_in(conn: psycopg.Connection[Any], new: str = NEW_SCHEMA) -> None:
    """Rename ``new`` to the live search schema and the live one away, in the caller's transaction."""
    live = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SEARCH_SCHEMA,)).fetchone()
    if live:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(OLD_SCHEMA)))
        conn.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(SEARCH_SCHEMA), sql.Identifier(OLD_SCHEMA))
        )
    conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(new), sql.Identifier(SEARCH_SCHEMA)))


def rebuild(url: str, progress: BuildProgress | None = None) -> dict[str, int]:
    """Rebuild the search index of the live data in place; searches keep using the old one until the swap.

    The caller holds the writer lock (no sync may change the data between the snapshot and the swap)."""
    if progress is not None:
        progress.phase("search")
    counts = build_index(url, "musicbrainz", NEW_SCHEMA, progress)
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

"""The server-only floor of the search build: what the build would take if its Python analysis took no time.

The build's work splits into the server's (run the source queries, parse the COPYed documents, build the GIN and
primary-key indexes, load and index the vocabulary) and Python's (turn each row into tsvector literals and count
the vocabulary). This measures the server's part alone, on as many workers as the build (one per CPU) and in the same
order: each part's source query drained (``COPY (query) TO STDOUT``, rows discarded), then the documents the build
wrote, saved beforehand, COPYed back into a scratch schema and indexed with the build's own DDL and settings, then
the vocabulary COPYed back and its two indexes built at once. The sum is a lower bound for any build that
writes the same documents; the difference to the real build is the time Python's analysis costs.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from mirror.search.build import BIGGEST_FIRST, GIN_MEMORY, MAX_WORKERS, READER_SETTINGS, SORT_MEMORY, source_query
from mirror.search.catalog import PARTS
from mirror.search.schema import SEARCH_SCHEMA, VOCAB_TABLE, index_ddl, shared_ddl, table_ddl, vocabulary_index_ddl

SCRATCH = "search_bench_floor"
WORKERS = max(1, min(MAX_WORKERS, os.cpu_count() or 1))  # as the build
CHUNK = 1 << 20


def _in_parallel(url: str, items: Iterable[Any], step: Callable[[psycopg.Connection[Any], Any], None]) -> float:
    """Run ``step`` on each item, ``WORKERS`` at a time, each worker on its own connection; the wall time."""
    pending = iter(items)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while not errors:
                with lock:
                    item = next(pending, None)
                if item is None:
                    return
                try:
                    step(conn, item)
                except BaseException as error:  # reported by the caller
                    errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


def _copy_in(conn: psycopg.Connection[Any], table: sql.Composable, path: Path, freeze: bool) -> None:
    statement = sql.SQL("COPY {} FROM STDIN{}").format(table, sql.SQL(" (FREEZE)" if freeze else ""))
    with conn.cursor() as cur, cur.copy(statement) as copy, path.open("rb") as source:
        while chunk := source.read(CHUNK):
            copy.write(chunk)


def floor(url: str, mb_schema: str = "musicbrainz") -> dict[str, float]:
    """Seconds of each server-only step over the built ``search`` schema and ``mb_schema`` (libpq ``url``)."""
    names = [name for name in BIGGEST_FIRST if name in PARTS] + [name for name in PARTS if name not in BIGGEST_FIRST]
    scratch = sql.Identifier(SCRATCH)
    with (
        tempfile.TemporaryDirectory(prefix="mbmirror-bench-floor-") as directory,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        saved = Path(directory)
        for table in [PARTS[name].table for name in names] + [VOCAB_TABLE]:
            statement = sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(SEARCH_SCHEMA, table))
            with conn.cursor() as cur, cur.copy(statement) as copy, (saved / table).open("wb") as out:
                for chunk in copy:
                    out.write(chunk)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(scratch))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(scratch))
        for statement in shared_ddl(SCRATCH):
            conn.execute(sql.SQL(statement))

        def drain(reader: psycopg.Connection[Any], name: str) -> None:
            for setting, value in READER_SETTINGS.items():
                reader.execute("SELECT set_config(%s, %s, false)", (setting, value))
            query = source_query(PARTS[name], mb_schema, False)
            with reader.cursor() as cur, cur.copy(sql.SQL("COPY ({}) TO STDOUT").format(query)) as copy:
                for _ in copy:
                    pass

        def load(writer: psycopg.Connection[Any], name: str) -> None:
            part = PARTS[name]
            with writer.transaction():
                writer.execute(sql.SQL(table_ddl(SCRATCH, part)))
                _copy_in(writer, sql.Identifier(SCRATCH, part.table), saved / part.table, freeze=True)
            for statement in index_ddl(SCRATCH, part):
                memory = GIN_MEMORY if " USING gin " in statement else SORT_MEMORY
                writer.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(memory)))
                writer.execute(sql.SQL(statement))
            writer.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(SCRATCH, part.table)))

        def index(writer: psycopg.Connection[Any], statement: str) -> None:
            writer.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(SORT_MEMORY)))
            writer.execute(sql.SQL(statement))

        try:
            steps = {"source queries": _in_parallel(url, names, drain), "documents": _in_parallel(url, names, load)}
            started = time.monotonic()
            _copy_in(conn, sql.Identifier(SCRATCH, VOCAB_TABLE), saved / VOCAB_TABLE, freeze=False)
            steps["vocabulary"] = time.monotonic() - started
            steps["vocabulary indexes"] = _in_parallel(url, vocabulary_index_ddl(SCRATCH), index)
        finally:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(scratch))
    return steps

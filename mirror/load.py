"""Import dump archives into PostgreSQL: stream each member into COPY, build keys, swap atomically.

The pipeline, one named phase after another:

1. **verify**: checksums (``SHA256SUMS``/``MD5SUMS`` beside the archives), then every archive's metadata:
   ``SCHEMA_SEQUENCE`` must be the one this code implements, and ``TIMESTAMP`` and ``REPLICATION_SEQUENCE``
   must agree across archives.
2. **load**: a complete new copy is built in staging schemas (``musicbrainz__mbm_new`` ...) while the current
   copy keeps serving. Each ``mbdump/<table>`` member is streamed untouched into ``COPY ... FROM STDIN`` in the
   same transaction that creates its table (so a server at ``wal_level=minimal`` writes no WAL for it).
3. **index**: primary keys and indexes, several at once on separate connections, then ANALYZE.
4. **swap**: one transaction renames the live schemas away and the staging schemas in; then the old copy is
   dropped. Readers never see a half-loaded state.

A failed, interrupted or killed import leaves the live copy untouched; the next run drops the leftovers and
starts again. The import holds the writer advisory lock (``mirror.state``) from start to end.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

from mirror import migrate
from mirror.archive import (
    DumpMetadata,
    check_consistent,
    iter_member_blocks,
    read_ahead,
    read_metadata,
    verify_checksums,
)
from mirror.db import libpq_url, make_engine
from mirror.errors import ArchiveError, DumpError, SchemaMismatch
from mirror.schema.musicbrainz import ARCHIVES, MEMBER_ALIASES, SCHEMA_SEQUENCE, SCHEMAS, metadata
from mirror.search import build as search_build
from mirror.search.schema import SEARCH_SCHEMA
from mirror.state import writer_lock

log = logging.getLogger(__name__)

CORE_ARCHIVE = "mbdump.tar.bz2"
DERIVED_ARCHIVE = "mbdump-derived.tar.bz2"
DEFAULT_ARCHIVES = (CORE_ARCHIVE, DERIVED_ARCHIVE)
CC0_ARCHIVES = {CORE_ARCHIVE, "mbdump-cdstubs.tar.bz2"}
NEW_SUFFIX = "__mbm_new"
OLD_SUFFIX = "__mbm_old"
# Decompressed blocks (1 MiB each) kept ready ahead of COPY: overlap without unbounded memory.
READ_AHEAD_BLOCKS = 16
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def licence_of(archive: str) -> str:
    """The licence of an archive's data."""
    return "CC0 (public domain)" if archive in CC0_ARCHIVES else "CC BY-NC-SA 3.0"


class ImportProgress(Protocol):
    """What the importer reports while it works; the CLI draws it, tests may record it."""

    def phase(self, name: str) -> None: ...

    def archive(self, name: str, tables: int) -> None: ...

    def table(self, name: str, position: int) -> None: ...

    def advance(self, rows: int, nbytes: int) -> None: ...

    def note(self, message: str) -> None: ...


class LogProgress:
    """Plain log lines: the progress of a non-interactive run."""

    def phase(self, name: str) -> None:
        log.info("phase: %s", name)

    def archive(self, name: str, tables: int) -> None:
        log.info("archive %s", name)

    def table(self, name: str, position: int) -> None:
        log.info("loading %s", name)

    def advance(self, rows: int, nbytes: int) -> None:
        pass

    def note(self, message: str) -> None:
        log.warning("%s", message)


@dataclass
class ImportSummary:
    """What an import did."""

    archives: list[str]
    metadata: DumpMetadata
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    bytes_loaded: int = 0
    skipped_members: list[str] = field(default_factory=list)
    checksums_verified: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.phases.values())


def resolve_archives(sources: Iterable[Path], archives: Iterable[str] | None = None) -> list[Path]:
    """Turn directories and files into the list of archive files to import, in a stable order.

    ``archives`` names the archives wanted from directories (default: core and derived). Files given
    explicitly are always taken. A wanted archive missing from every directory is an error.
    """
    wanted = list(archives) if archives is not None else list(DEFAULT_ARCHIVES)
    unknown = [name for name in wanted if name not in ARCHIVES]
    if unknown:
        raise DumpError(f"unknown archive(s) {', '.join(unknown)}; known: {', '.join(ARCHIVES)}")
    found: dict[str, Path] = {}
    directories: list[Path] = []
    for source in sources:
        if source.is_dir():
            directories.append(source)
            for name in wanted:
                if (source / name).is_file():
                    found.setdefault(name, source / name)
        elif source.is_file():
            found[source.name] = source
        else:
            raise DumpError(f"{source}: no such file or directory")
    missing = [name for name in wanted if name not in found]
    if directories and missing:
        raise DumpError(f"{', '.join(missing)} not found in {', '.join(map(str, directories))}")
    order = {name: index for index, name in enumerate(ARCHIVES)}
    return sorted(found.values(), key=lambda path: order.get(path.name, len(order)))


def table_for_member(member: str) -> Table | None:
    """The table a ``mbdump/<member>`` file loads into, or None for a member we do not know."""
    name = MEMBER_ALIASES.get(member, member)
    key = name if "." in name else f"musicbrainz.{name}"
    return metadata.tables.get(key)


def _staging(table: Table) -> sql.Identifier:
    return sql.Identifier(f"{table.schema}{NEW_SUFFIX}", table.name)


def _create_table_sql(table: Table) -> sql.Composed:
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(column.name),
            sql.SQL(column.type.compile(dialect=_DIALECT)),
            sql.SQL("" if column.nullable else " NOT NULL"),
        )
        for column in table.columns
    ]
    return sql.SQL("CREATE TABLE {} ({})").format(_staging(table), sql.SQL(", ").join(columns))


def _key_statements(table: Table) -> list[sql.Composed]:
    """Index builds for one staging table; the primary key is built as a unique index first."""
    statements: list[sql.Composed] = []
    pk = table.primary_key
    if pk.columns:
        statements.append(
            sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
                sql.Identifier(str(pk.name)),
                _staging(table),
                sql.SQL(", ").join(sql.Identifier(c.name) for c in pk.columns),
            )
        )
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        statements.append(
            sql.SQL("CREATE {}INDEX {} ON {} ({})").format(
                sql.SQL("UNIQUE " if index.unique else ""),
                sql.Identifier(str(index.name)),
                _staging(table),
                sql.SQL(", ").join(sql.Identifier(str(getattr(c, "name", c))) for c in index.expressions),
            )
        )
    return statements


def _attach_pk(table: Table) -> sql.Composed | None:
    pk = table.primary_key
    if not pk.columns:
        return None
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}").format(
        _staging(table), sql.Identifier(str(pk.name)), sql.Identifier(str(pk.name))
    )


@contextmanager
def _timed(summary: ImportSummary, phase: str, progress: ImportProgress) -> Iterator[None]:
    progress.phase(phase)
    started = time.monotonic()
    try:
        yield
    finally:
        summary.phases[phase] = summary.phases.get(phase, 0.0) + time.monotonic() - started


def _connect(url: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=autocommit, application_name="mbmirror import")


def _drop_schemas(conn: psycopg.Connection[Any], suffix: str) -> None:
    for schema in (*SCHEMAS, SEARCH_SCHEMA):
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema + suffix)))


def _check_schema_sequence(meta: DumpMetadata) -> None:
    if meta.schema_sequence != SCHEMA_SEQUENCE:
        raise SchemaMismatch(meta.archive, meta.schema_sequence, SCHEMA_SEQUENCE)


def _load_archive(
    conn: psycopg.Connection[Any],
    path: Path,
    summary: ImportSummary,
    progress: ImportProgress,
    created: set[str],
) -> None:
    members = ARCHIVES.get(path.name, ())
    progress.archive(path.name, len(members))
    with contextlib.closing(read_ahead(iter_member_blocks(path), READ_AHEAD_BLOCKS)) as blocks:
        for member, member_blocks in itertools.groupby(blocks, key=lambda item: item[0]):
            table = table_for_member(member)
            if table is None:
                summary.skipped_members.append(f"{path.name}:{member}")
                progress.note(f"{path.name}: skipping unknown member mbdump/{member}")
                for _ in member_blocks:
                    pass
                continue
            if table.fullname in created:
                raise ArchiveError(path.name, f"table {table.fullname} appears twice in this import")
            position = members.index(member) + 1 if member in members else 0
            progress.table(table.fullname, position)
            rows = 0
            try:
                with conn.transaction():
                    conn.execute(_create_table_sql(table))
                    with (
                        conn.cursor() as cursor,
                        cursor.copy(sql.SQL("COPY {} FROM STDIN WITH (FREEZE)").format(_staging(table))) as copy,
                    ):
                        for _, block in member_blocks:
                            copy.write(block)
                            count = block.count(b"\n")
                            rows += count
                            summary.bytes_loaded += len(block)
                            progress.advance(count, len(block))
            except psycopg.errors.DataError as exc:
                raise ArchiveError(path.name, f"bad data in mbdump/{member}: {exc}") from exc
            created.add(table.fullname)
            summary.rows[table.fullname] = rows


def _build_keys(url: str, tables: list[Table], summary: ImportSummary, jobs: int) -> None:
    """Build every index of the staging tables, the biggest tables first, ``jobs`` at a time."""
    big = sorted((t for t in tables if summary.rows.get(t.fullname)), key=lambda t: -summary.rows[t.fullname])
    empty = [t for t in tables if not summary.rows.get(t.fullname)]
    local = threading.local()
    connections: list[psycopg.Connection[Any]] = []
    lock = threading.Lock()

    def connection() -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(local, "conn", None)
        if conn is None:
            conn = _connect(url, autocommit=True)
            conn.execute("SET maintenance_work_mem = '256MB'")
            local.conn = conn
            with lock:
                connections.append(conn)
        return conn

    def run(statement: sql.Composed) -> None:
        connection().execute(statement)

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            statements = [s for table in big for s in _key_statements(table)]
            list(pool.map(run, statements))
            list(pool.map(lambda t: run(sql.SQL("ANALYZE {}").format(_staging(t))), big))
        with _connect(url, autocommit=True) as conn, conn.transaction():
            for table in empty:
                for statement in _key_statements(table):
                    conn.execute(statement)
            for table in tables:
                attach = _attach_pk(table)
                if attach is not None:
                    conn.execute(attach)
    finally:
        for conn in connections:
            conn.close()


def _set_replication_control(conn: psycopg.Connection[Any], meta: DumpMetadata) -> None:
    """Record the dump's sequence and timestamp, as MusicBrainz's importer does (not the dumped row)."""
    target = sql.Identifier(f"musicbrainz{NEW_SUFFIX}", "replication_control")
    timestamp = meta.timestamp or None
    with conn.transaction():
        updated = conn.execute(
            sql.SQL(
                "UPDATE {} SET current_schema_sequence = %s, current_replication_sequence = %s, "
                "last_replication_date = %s"
            ).format(target),
            (meta.schema_sequence, meta.replication_sequence, timestamp),
        ).rowcount
        if not updated:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (id, current_schema_sequence, current_replication_sequence, "
                    "last_replication_date) VALUES (1, %s, %s, %s)"
                ).format(target),
                (meta.schema_sequence, meta.replication_sequence, timestamp),
            )


def _swap(conn: psycopg.Connection[Any]) -> None:
    """Rename the staging schemas in and the live ones out, in one transaction."""
    with conn.transaction():
        conn.execute("SET LOCAL lock_timeout = '60s'")
        for schema in SCHEMAS:
            exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
            if exists:
                conn.execute(
                    sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        sql.Identifier(schema), sql.Identifier(schema + OLD_SUFFIX)
                    )
                )
            conn.execute(
                sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(schema + NEW_SUFFIX), sql.Identifier(schema)
                )
            )
        search_build.swap_in(conn)


def _log_start(conn: psycopg.Connection[Any], sources: list[Path], archives: list[Path]) -> int:
    row = conn.execute(
        "INSERT INTO mbmirror.import_log (started, status, sources, archives) "
        "VALUES (now(), 'running', %s, %s) RETURNING id",
        (Jsonb([str(s) for s in sources]), Jsonb([a.name for a in archives])),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _log_end(conn: psycopg.Connection[Any], log_id: int, summary: ImportSummary | None, error: str | None) -> None:
    if summary is None:
        conn.execute(
            "UPDATE mbmirror.import_log SET finished = now(), status = 'failed', error = %s WHERE id = %s",
            (error, log_id),
        )
        return
    conn.execute(
        "UPDATE mbmirror.import_log SET finished = now(), status = 'done', schema_sequence = %s, "
        "replication_sequence = %s, dump_timestamp = %s, rows = %s, phases = %s WHERE id = %s",
        (
            summary.metadata.schema_sequence,
            summary.metadata.replication_sequence,
            summary.metadata.timestamp,
            summary.total_rows,
            Jsonb(summary.phases),
            log_id,
        ),
    )


def import_dump(
    url: str,
    sources: list[Path],
    archives: Iterable[str] | None = None,
    *,
    progress: ImportProgress | None = None,
    jobs: int | None = None,
) -> ImportSummary:
    """Import the archives found in ``sources`` into the database at ``url`` (a SQLAlchemy URL).

    The database is brought to the Alembic head first. Returns what was loaded; raises a ``DumpError``
    subclass for bad input and ``LockHeldError`` when another import or sync is running. Whatever happens,
    the data that was serving before keeps serving until the final swap.
    """
    report = progress or LogProgress()
    jobs = jobs or os.cpu_count() or 1
    paths = resolve_archives(sources, archives)
    if not paths:
        raise DumpError("no archives to import")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    with _connect(url, autocommit=True) as lock_conn, writer_lock(lock_conn, "import"):
        log_id = _log_start(lock_conn, sources, paths)
        try:
            summary = _run_import(url, paths, report, jobs)
        except BaseException as exc:
            _log_end(lock_conn, log_id, None, f"{type(exc).__name__}: {exc}")
            raise
        _log_end(lock_conn, log_id, summary, None)
        return summary


def _run_import(url: str, paths: list[Path], progress: ImportProgress, jobs: int) -> ImportSummary:
    started = time.monotonic()
    verified = verify_checksums(paths)
    metas = [read_metadata(path) for path in paths]
    for meta in metas:
        _check_schema_sequence(meta)
    meta = check_consistent(metas)
    summary = ImportSummary(archives=[p.name for p in paths], metadata=meta, checksums_verified=verified)
    summary.phases["verify"] = time.monotonic() - started
    progress.phase("verify")
    with _connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        with conn.transaction():
            _drop_schemas(conn, NEW_SUFFIX)
            _drop_schemas(conn, OLD_SUFFIX)
            for schema in SCHEMAS:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema + NEW_SUFFIX)))
        created: set[str] = set()
        with _timed(summary, "load", progress):
            for path in paths:
                _load_archive(conn, path, summary, progress, created)
            with conn.transaction():
                for table in metadata.sorted_tables:
                    if table.fullname not in created:
                        conn.execute(_create_table_sql(table))
        with _timed(summary, "index", progress):
            _build_keys(url, list(metadata.sorted_tables), summary, jobs)
            _set_replication_control(conn, meta)
        with _timed(summary, "search", progress):
            search_build.build_index(url, f"musicbrainz{NEW_SUFFIX}", progress=progress, workers=jobs)
        with _timed(summary, "swap", progress):
            _swap(conn)
        with _timed(summary, "cleanup", progress):
            try:
                with conn.transaction():
                    conn.execute("SET LOCAL lock_timeout = '5min'")
                    _drop_schemas(conn, OLD_SUFFIX)
            except psycopg.errors.LockNotAvailable:
                progress.note("the previous copy is still in use; it will be dropped by the next import")
    return summary

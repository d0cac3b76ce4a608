"""``mbmirror export``: the mirror as Parquet files, streamed with bounded memory from one consistent snapshot.

    OUT_DIR/manifest.json                        row counts, files, Arrow schema and licence per table,
                                                 replication sequence and dump timestamp of the snapshot
    OUT_DIR/<curated table>/part-0000.parquet    artists, release_groups, releases, ... (export_tables.py)
    OUT_DIR/raw/<table>/part-0000.parquet        raw MusicBrainz tables asked for with ``--raw``

Everything is read in one ``REPEATABLE READ READ ONLY`` transaction, so the tables agree with each other even
while ``mbmirror sync`` applies packets. Rows come through server-side cursors ``batch_rows`` at a time and go
into Arrow batches, gathered into row groups of ``ROW_GROUP_ROWS`` and written by a
``pyarrow.parquet.ParquetWriter``; a table's file rolls over every
``rows_per_file`` rows. ``manifest.json`` is written last: a directory without it is an incomplete export.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql

from mirror import __version__
from mirror.db import libpq_url
from mirror.errors import ExportError
from mirror.export_tables import Statement, curated_tables, relationship_tables
from mirror.frames import arrow_schema, text_loaders, to_batch
from mirror.load import CC0_ARCHIVES
from mirror.schema.musicbrainz import ARCHIVES, MEMBER_ALIASES, metadata
from mirror.state import replication_state

MANIFEST = "manifest.json"
RAW_DIR = "raw"
COMPRESSION = "zstd"
ROW_GROUP_ROWS = 200_000  # a row group holds at most this many rows ...
ROW_GROUP_BYTES = 48 << 20  # ... and about this much Arrow data: what bounds the writer's memory
CC0 = "CC0-1.0"
CC_BY_NC_SA = "CC-BY-NC-SA-3.0"
LICENCE_NOTES = {
    CC0: "MusicBrainz core data (mbdump.tar.bz2, mbdump-cdstubs.tar.bz2): public domain",
    CC_BY_NC_SA: "derived and other archives (tags, ratings, annotations, ...) and the replication packets: "
    "attribution, non-commercial, share-alike",
}
# The tables whose size drives each curated table, for the progress estimate.
_DRIVERS = {
    "artists": ("artist",),
    "release_groups": ("release_group",),
    "releases": ("release",),
    "release_events": ("release_country", "release_unknown_country"),
    "recordings": ("recording",),
    "tracks": ("track",),
    "labels": ("label",),
    "release_labels": ("release_label",),
    "relationships": tuple(f"l_{a}_{b}" for a, b in relationship_tables()),
}


class ExportProgress(Protocol):
    """What the export reports while it works; the CLI draws it."""

    def table(self, name: str, estimated_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


def type_name(kind: pa.DataType) -> str:
    """An Arrow type as the manifest names it: ``int16``, ``timestamp[us, tz=UTC]``, ``list<string>``."""
    if pa.types.is_list(kind):
        return f"list<{type_name(kind.value_type)}>"
    return str(kind)


@dataclass
class TableResult:
    """One exported table, as the manifest describes it."""

    name: str
    kind: str  # curated | raw
    source: str
    licence: str
    schema: pa.Schema | None = None
    files: list[tuple[str, int]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(count for _, count in self.files)

    def manifest_entry(self, description: str) -> dict[str, Any]:
        fields = [] if self.schema is None else self.schema
        return {
            "kind": self.kind,
            "description": description,
            "source": self.source,
            "licence": self.licence,
            "rows": self.rows,
            "files": [{"path": path, "rows": rows} for path, rows in self.files],
            "schema": [{"name": f.name, "type": type_name(f.type), "nullable": f.nullable} for f in fields],
        }


@dataclass
class ExportSummary:
    out_dir: Path
    tables: list[TableResult]
    seconds: float
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def raw_table_names() -> list[str]:
    """Every table ``--raw`` accepts: ``artist``, ``l_artist_url``, ``cover_art_archive.cover_art``, ..."""
    return sorted(key.removeprefix("musicbrainz.") for key in metadata.tables)


def _raw_key(name: str) -> str:
    key = name if "." in name else f"musicbrainz.{name}"
    if key not in metadata.tables:
        raise ExportError(f"unknown raw table {name!r}: give a MusicBrainz table name such as 'artist' or 'isrc'")
    return key


def _licence_of_table(key: str) -> str:
    member = key.removeprefix("musicbrainz.")
    aliases = {table: dump for dump, table in MEMBER_ALIASES.items()}
    member = aliases.get(member, member)
    for archive, members in ARCHIVES.items():
        if member in members:
            return CC0 if archive in CC0_ARCHIVES else CC_BY_NC_SA
    return CC_BY_NC_SA  # in no public archive: treat it as the stricter licence


def check_selection(tables: Sequence[str] | None, raw: Sequence[str]) -> tuple[list[str], list[str]]:
    """Validate table names before anything is written: (curated names, raw table keys)."""
    curated = curated_tables()
    chosen = list(curated) if tables is None else list(dict.fromkeys(tables))
    unknown = [name for name in chosen if name not in curated]
    if unknown:
        raise ExportError(f"unknown table {unknown[0]!r}; curated tables are: {', '.join(curated)} (see also --raw)")
    raw_keys = list(dict.fromkeys(_raw_key(name) for name in raw))
    if not chosen and not raw_keys:
        raise ExportError("nothing to export: give --tables or --raw")
    return chosen, raw_keys


def prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    """Create ``out_dir``; refuse a non-empty one unless ``overwrite`` (then remove earlier export files only)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not overwrite:
            raise ExportError(f"{out_dir} is not empty; choose an empty directory or pass --overwrite")
        for name in (MANIFEST, RAW_DIR, *curated_tables()):
            path = out_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


class PartWriter:
    """Writes record batches of one table to ``part-NNNN.parquet`` files of at most ``rows_per_file`` rows.

    Batches are held as Arrow data (compact, unlike the Python rows they came from) until ``row_group_rows``
    rows or ``ROW_GROUP_BYTES`` have gathered, then written as one row group, so the files have row groups of a
    useful size while memory stays bounded by these constants and the Python objects of one fetch.
    """

    def __init__(self, directory: Path, root: Path, rows_per_file: int, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.directory = directory
        self.root = root
        self.rows_per_file = rows_per_file
        self.row_group_rows = row_group_rows
        self.schema: pa.Schema | None = None
        self.files: list[tuple[str, int]] = []
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_file = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def _open(self) -> None:
        assert self.schema is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"part-{len(self.files):04d}.parquet"
        self._writer = pq.ParquetWriter(path, self.schema, compression=COMPRESSION)
        self.files.append((path.relative_to(self.root).as_posix(), 0))
        self._rows_in_file = 0

    def _flush(self) -> None:
        if not self._pending:
            return
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.write_table(pa.Table.from_batches(self._pending), row_group_size=self._pending_rows)
        self._rows_in_file += self._pending_rows
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0

    def _close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self.files[-1] = (self.files[-1][0], self._rows_in_file)
            self._rows_in_file = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if self.schema is None:
            self.schema = batch.schema
        elif batch.schema != self.schema:
            batch = pa.RecordBatch.from_arrays(
                [col.cast(f.type) for col, f in zip(batch.columns, self.schema, strict=True)], schema=self.schema
            )
        offset = 0
        while offset < batch.num_rows:
            room = self.rows_per_file - self._rows_in_file - self._pending_rows
            take = min(batch.num_rows - offset, room)
            self._pending.append(batch.slice(offset, take))
            self._pending_rows += take
            self._pending_bytes += batch.nbytes * take // max(batch.num_rows, 1)
            offset += take
            if self._rows_in_file + self._pending_rows >= self.rows_per_file:
                self._flush()
                self._close_file()
            elif self._pending_rows >= self.row_group_rows or self._pending_bytes >= ROW_GROUP_BYTES:
                self._flush()

    def close(self) -> None:
        """Finish the last file; a table without rows still gets one empty file holding its schema."""
        self._flush()
        if not self.files and self.schema is not None:
            self._open()
        self._close_file()


def _stream(
    conn: psycopg.Connection[Any],
    statements: Iterable[Statement],
    writer: PartWriter,
    batch_rows: int,
    progress: ExportProgress | None,
) -> None:
    for number, statement in enumerate(statements):
        with conn.cursor(name=f"mbmirror_export_{number}") as cur:
            cur.itersize = batch_rows
            cur.execute(statement)
            assert cur.description is not None
            schema = arrow_schema(cur.description)
            if writer.schema is None:
                writer.schema = schema
            while rows := cur.fetchmany(batch_rows):
                writer.write(to_batch(rows, schema))
                if progress is not None:
                    progress.advance(len(rows))


def _estimate(conn: psycopg.Connection[Any], tables: Sequence[str]) -> int | None:
    row = conn.execute(
        "SELECT sum(greatest(c.reltuples, 0))::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'musicbrainz' AND c.relname = ANY(%s)",
        (list(tables),),
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def export_parquet(
    url: str,
    out_dir: Path,
    tables: Sequence[str] | None = None,
    raw: Sequence[str] = (),
    *,
    overwrite: bool = False,
    rows_per_file: int = 1_000_000,
    batch_rows: int = 20_000,
    progress: ExportProgress | None = None,
) -> ExportSummary:
    """Export curated ``tables`` (None: all) and ``raw`` tables of the database at ``url`` to ``out_dir``."""
    if rows_per_file < 1 or batch_rows < 1:
        raise ExportError("rows per file and batch rows must be positive")
    chosen, raw_keys = check_selection(tables, raw)
    prepare_out_dir(out_dir, overwrite)
    curated = curated_tables()
    started = time.monotonic()
    results: list[TableResult] = []
    descriptions: dict[str, str] = {}
    with psycopg.connect(libpq_url(url)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        text_loaders(conn)
        conn.execute("SET TIME ZONE 'UTC'")
        # Cursors are read to the end: plan for all rows, not the fast start (10%) PostgreSQL assumes for them.
        conn.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        snapshot = conn.execute("SELECT now()").fetchone()
        state = replication_state(conn)
        jobs: list[tuple[TableResult, tuple[Statement, ...], Path, Sequence[str]]] = []
        for name in chosen:
            result = TableResult(name, "curated", "export_tables.py", CC0)
            jobs.append((result, curated[name].statements, out_dir / name, _DRIVERS.get(name, ())))
            descriptions[name] = curated[name].description
        for key in raw_keys:
            schema_name, table_name = key.split(".", 1)
            short = key.removeprefix("musicbrainz.")
            result = TableResult(short, "raw", key, _licence_of_table(key))
            statement = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema_name, table_name))
            jobs.append((result, (statement,), out_dir / RAW_DIR / short, (table_name,)))
            descriptions[short] = f"raw table {key}"
        for result, statements, directory, drivers in jobs:
            if progress is not None:
                progress.table(result.name, _estimate(conn, drivers))
            writer = PartWriter(directory, out_dir, rows_per_file)
            try:
                _stream(conn, statements, writer, batch_rows, progress)
            finally:
                writer.close()
            result.schema, result.files = writer.schema, writer.files
            results.append(result)
        conn.rollback()
    manifest = _manifest(results, descriptions, state, snapshot[0] if snapshot else None)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportSummary(out_dir, results, time.monotonic() - started, manifest)


def _manifest(
    results: list[TableResult], descriptions: dict[str, str], state: Any, snapshot: datetime | None
) -> dict[str, Any]:
    return {
        "format": "mbmirror-parquet-export/1",
        "mbmirror_version": __version__,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "snapshot_at": snapshot.isoformat() if snapshot is not None else None,
        "schema_sequence": state.schema_sequence if state else None,
        "replication_sequence": state.replication_sequence if state else None,
        "dump_timestamp": state.last_replication_date if state else None,
        "compression": COMPRESSION,
        "licences": LICENCE_NOTES,
        "licence_note": "Curated tables hold core data only (CC0). A mirror kept current with replication "
        "packets holds data from the CC BY-NC-SA 3.0 live feed; raw tables carry their archive's licence.",
        "tables": {
            r.name if r.kind == "curated" else f"{RAW_DIR}/{r.name}": r.manifest_entry(descriptions[r.name])
            for r in results
        },
    }


class RichExportProgress:
    """A rich bar per table (against the planner's row estimate) with rows and rows/s."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> RichExportProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self.bars.stop()

    def _finish(self) -> None:
        if self._task is not None:
            done = self.bars.tasks[-1].completed
            self.bars.update(self._task, total=done, completed=done)

    def table(self, name: str, estimated_rows: int | None) -> None:
        self._finish()
        self._started = time.monotonic()
        self._task = self.bars.add_task(name, total=estimated_rows or None, rate="")

    def advance(self, rows: int) -> None:
        done = self.bars.tasks[-1].completed + rows
        rate = done / max(time.monotonic() - self._started, 1e-9)
        total = self.bars.tasks[-1].total
        self.bars.update(
            self._task, completed=done, total=max(total, done) if total else None, rate=f"{rate:,.0f} rows/s"
        )

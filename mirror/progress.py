"""Progress display for long commands: rich bars on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from mirror.load import ImportSummary, LogProgress, licence_of

log = logging.getLogger(__name__)


class RichImportProgress:
    """Import progress as rich bars: tables of the current archive, rows and bytes loaded."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.data = Progress(
            TextColumn("[bold]{task.description}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            console=console,
        )
        self._archive_task: TaskID | None = None
        self._data_task: TaskID | None = None
        self._rows = 0
        self._bytes = 0
        self._last = 0.0

    def __enter__(self) -> RichImportProgress:
        self.bars.start()
        self.data.start()
        self._data_task = self.data.add_task("loaded", total=None, rows=0)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._refresh(force=True)
        self.data.stop()
        self.bars.stop()

    def phase(self, name: str) -> None:
        self.console.log(f"phase: {name}")

    def archive(self, name: str, tables: int) -> None:
        self._archive_task = self.bars.add_task(name, total=tables, detail="")

    def table(self, name: str, position: int) -> None:
        if self._archive_task is not None:
            self.bars.update(self._archive_task, completed=position, detail=name)

    def advance(self, rows: int, nbytes: int) -> None:
        self._rows += rows
        self._bytes += nbytes
        self._refresh()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if (force or now - self._last > 0.2) and self._data_task is not None:
            self.data.update(self._data_task, completed=self._bytes, rows=self._rows)
            self._last = now

    def note(self, message: str) -> None:
        self.console.log(f"[yellow]{message}")


def import_progress(console: Console) -> RichImportProgress | LogProgress:
    return RichImportProgress(console) if console.is_terminal else LogProgress()


def print_summary(console: Console, summary: ImportSummary) -> None:
    """Rows per table, time per phase and throughput of an import."""
    rows = Table(title="rows per table", show_lines=False)
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, count in sorted(summary.rows.items(), key=lambda item: -item[1]):
        rows.add_row(name, f"{count:,}")
    console.print(rows)
    phases = Table(title="phases")
    phases.add_column("phase")
    phases.add_column("seconds", justify="right")
    for name, seconds in summary.phases.items():
        phases.add_row(name, f"{seconds:.2f}")
    console.print(phases)
    load = summary.phases.get("load", 0.0) or 1e-9
    console.print(
        f"{summary.total_rows:,} rows, {summary.bytes_loaded / 1e6:,.1f} MB in {summary.total_seconds:.1f}s; "
        f"load {summary.total_rows / load:,.0f} rows/s, {summary.bytes_loaded / 1e6 / load:,.1f} MB/s"
    )
    meta = summary.metadata
    console.print(
        f"dump of {meta.timestamp or 'unknown time'}, schema sequence {meta.schema_sequence}, "
        f"replication sequence {meta.replication_sequence if meta.replication_sequence is not None else 'none'}"
    )
    for name in summary.archives:
        console.print(f"  {name}: {licence_of(name)}")
    for member in summary.skipped_members:
        console.print(f"  [yellow]skipped unknown member {member}")

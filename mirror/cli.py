"""The ``mbmirror`` command: one verb per job of the runbook.

    mbmirror demo                 embedded database + sample dump + import + API, in one go
    mbmirror db start|stop|status|url
    mbmirror init                 bring the database to the Alembic head
    mbmirror import [SOURCE ...]  import dump archives (directories, files or a mirror URL)
    mbmirror sample OUT_DIR       write a synthetic dump in the published format
    mbmirror status               what the database holds
    mbmirror serve                run the API
    mbmirror sync [--follow]      apply replication packets
    mbmirror export OUT_DIR       curated tables (and raw ones) as Parquet files

Exit codes: 0 success, 1 a clear error (message on stderr), 2 bad usage, 3 a schema change needs
`mbmirror init` (sync) or no cluster (db status), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy.engine import make_url

from mirror import __version__
from mirror.errors import MirrorError
from mirror.settings import Settings

log = logging.getLogger("mirror")

ARCHIVE_ALIASES = {
    "core": "mbdump.tar.bz2",
    "derived": "mbdump-derived.tar.bz2",
    "cdstubs": "mbdump-cdstubs.tar.bz2",
    "cover-art-archive": "mbdump-cover-art-archive.tar.bz2",
    "event-art-archive": "mbdump-event-art-archive.tar.bz2",
    "editor": "mbdump-editor.tar.bz2",
    "edit": "mbdump-edit.tar.bz2",
    "stats": "mbdump-stats.tar.bz2",
    "wikidocs": "mbdump-wikidocs.tar.bz2",
    "documentation": "mbdump-documentation.tar.bz2",
}
DEFAULT_ARCHIVE_NAMES = "core,derived"


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _archive_names(spec: str) -> list[str]:
    if spec == "all":
        return list(ARCHIVE_ALIASES.values())
    names = []
    for part in spec.split(","):
        part = part.strip()
        name = ARCHIVE_ALIASES.get(part, part)
        if name not in ARCHIVE_ALIASES.values():
            raise argparse.ArgumentTypeError(
                f"unknown archive {part!r}; choose from {', '.join(ARCHIVE_ALIASES)} or 'all'"
            )
        names.append(name)
    return names


def cmd_db(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from mirror.db import embedded_cluster

    if settings.database_url and args.action != "url":
        console.print("MBMIRROR_DATABASE_URL is set: mbmirror uses that database, not an embedded cluster")
        return 1
    if args.action == "url":
        from mirror.db import database_url, libpq_url

        print(libpq_url(database_url(settings)))  # noqa: T201 - the command's output
        return 0
    cluster = embedded_cluster(settings)
    if args.action == "start":
        info = cluster.start()
        console.print(f"PostgreSQL {info.version} running in {info.directory} on 127.0.0.1:{info.port}")
    elif args.action == "stop":
        console.print("stopped" if cluster.stop() else "not running")
    else:
        if not cluster.exists:
            console.print(f"no embedded cluster in {cluster.directory}")
            return 3
        info = cluster.info()
        state = f"running (pid {info.pid})" if info.running else "stopped"
        console.print(f"PostgreSQL {info.version} in {info.directory}: {state}, port {info.port}")
        return 0 if info.running else 3
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from mirror import migrate
    from mirror.db import database_url, make_engine

    engine = make_engine(database_url(settings))
    try:
        migrate.upgrade(engine)
        console.print(f"database at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()
    return _rebuild_search_if_missing(settings, console)


def _rebuild_search_if_missing(settings: Settings, console: Console) -> int:
    """After an upgrade that recreated the search schema (its layout changed), build the index of the data the
    database already holds, as ``mbmirror search-index`` would; a database without data is left alone."""
    import psycopg

    from mirror.db import database_url, libpq_url
    from mirror.load import LogProgress
    from mirror.search.build import rebuild
    from mirror.search.refresh import index_built
    from mirror.state import writer_lock

    url = database_url(settings)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        if index_built(conn) or conn.execute("SELECT 1 FROM musicbrainz.artist LIMIT 1").fetchone() is None:
            return 0
        console.print("the search index is empty (its layout changed, or it was never built): building it")
        with writer_lock(conn, "search-index"):
            counts = rebuild(url, LogProgress())
    console.print(f"search index built: {sum(counts.values()):,} documents")
    return 0


def _download_progress(console: Console) -> tuple[Callable[[str, int, int | None], None], Callable[[], None]]:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    tasks: dict[str, int] = {}
    bars.start()

    def update(name: str, done: int, total: int | None) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=total)
        bars.update(tasks[name], completed=done, total=total)  # type: ignore[arg-type]

    return update, bars.stop


def cmd_import(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from mirror.db import database_url
    from mirror.fetch import fetch_export
    from mirror.load import import_dump, licence_of
    from mirror.progress import RichImportProgress, import_progress, print_summary

    archives = args.archives
    sources: list[Path] = []
    for source in args.sources or [settings.dump_url]:
        if source.startswith(("http://", "https://")):
            update, stop = _download_progress(console)
            try:
                with httpx.Client(timeout=httpx.Timeout(60.0, connect=20.0)) as client:
                    sources.append(fetch_export(client, source, archives, settings.download_dir, update))
            finally:
                stop()
        else:
            sources.append(Path(source))
    for name in archives:
        console.print(f"{name}: {licence_of(name)}")
    url = database_url(settings)
    progress = import_progress(console)
    if isinstance(progress, RichImportProgress):
        with progress:
            summary = import_dump(url, sources, archives, progress=progress, jobs=args.jobs)
    else:
        summary = import_dump(url, sources, archives, progress=progress, jobs=args.jobs)
    print_summary(console, summary)
    return 0


def cmd_sample(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from mirror.tools.sample import write_sample

    summary = write_sample(Path(args.out_dir), scale=args.scale, seed=args.seed)
    console.print(f"wrote {summary.total_rows:,} rows to {args.out_dir}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from mirror.db import database_url
    from mirror.status import database_status

    url = database_url(settings)
    status = database_status(url)
    console.print(f"database: {_redact(url)}")
    for key, value in status.items():
        if isinstance(value, dict):
            console.print(f"{key}:")
            for sub, count in value.items():
                console.print(f"  {sub}: {count:,}" if isinstance(count, int) else f"  {sub}: {count}")
        else:
            console.print(f"{key}: {value}")
    return 0


def cmd_search_index(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Rebuild the search index of the data in place (the import builds it by itself)."""
    import psycopg

    from mirror.db import database_url, libpq_url
    from mirror.load import LogProgress
    from mirror.search.build import rebuild
    from mirror.state import writer_lock

    url = database_url(settings)
    with psycopg.connect(libpq_url(url), autocommit=True) as lock_conn, writer_lock(lock_conn, "search-index"):
        counts = rebuild(url, LogProgress(), args.jobs)
    for core, count in counts.items():
        console.print(f"{core}: {count:,} documents")
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Apply replication packets; exit code 3 when a schema change needs `mbmirror init` first."""
    from mirror.db import database_url
    from mirror.sync import sync
    from mirror.sync_errors import SyncError

    url = database_url(settings)
    if args.source is None and settings.replication_token is None:
        console.print("replication packets are licensed CC BY-NC-SA 3.0; the official feed needs a token")

    def progress(sequence: int, done: int, total: int) -> None:
        if done == total:
            console.print(f"packet {sequence}: {total:,} changes applied")

    try:
        result = sync(settings, url, args.source, follow=args.follow, on_progress=progress)
    except SyncError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return exc.exit_code
    state = "up to date" if result.up_to_date else "stopped"
    console.print(
        f"{len(result.applied)} packet(s), {result.changes:,} changes ({result.rows_skipped:,} rows skipped) in "
        f"{result.seconds:.1f}s; replication sequence {result.sequence}; {state}"
    )
    return 0


def _names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return [] if names == ["none"] else names


def cmd_export(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Write the curated tables (and ``--raw`` ones) as Parquet files with a manifest."""
    from rich.table import Table

    from mirror.db import database_url
    from mirror.export import RichExportProgress, check_selection, export_parquet

    tables, raw = _names(args.tables), _names(args.raw) or []
    check_selection(tables, raw)  # before the database is started
    url = database_url(settings)
    options = {"overwrite": args.overwrite, "rows_per_file": args.rows_per_file, "batch_rows": args.batch_rows}
    if console.is_terminal:
        with RichExportProgress(console) as progress:
            summary = export_parquet(url, Path(args.out_dir), tables, raw, progress=progress, **options)
    else:
        summary = export_parquet(url, Path(args.out_dir), tables, raw, **options)
    table = Table(title=f"exported to {summary.out_dir}")
    for column in ("table", "rows", "files"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for result in summary.tables:
        table.add_row(
            result.name if result.kind == "curated" else f"raw/{result.name}",
            f"{result.rows:,}",
            str(len(result.files)),
        )
    console.print(table)
    manifest = summary.manifest
    console.print(
        f"{summary.rows:,} rows in {summary.seconds:.1f}s ({summary.rows / max(summary.seconds, 1e-9):,.0f} rows/s); "
        f"replication sequence {manifest['replication_sequence']}, dump of {manifest['dump_timestamp']}; "
        "curated tables are CC0, see manifest.json for the licence of each table"
    )
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    import uvicorn

    from mirror.db import database_url

    database_url(settings)  # start the embedded cluster once, before the workers
    host = args.host or settings.host
    port = args.port or settings.port
    console.print(f"serving the MusicBrainz API on http://{host}:{port}/ws/2/ (docs: /docs)")
    uvicorn.run(
        "api.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=args.workers or settings.workers,
        log_level="info",
    )
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Everything a first-time user needs: database, sample dump, import, then the API."""
    source = Path(args.source) if args.source else settings.data_dir / "sample" / f"scale-{args.scale}"
    if not args.source and not (source / "mbdump.tar.bz2").exists():
        from mirror.tools.sample import write_sample

        console.print(f"writing a synthetic sample dump (scale {args.scale}) to {source}")
        write_sample(source, scale=args.scale, seed=42)
    import_args = argparse.Namespace(sources=[str(source)], archives=_archive_names(DEFAULT_ARCHIVE_NAMES), jobs=None)
    cmd_import(import_args, settings, console)
    cmd_status(args, settings, console)
    if args.no_serve:
        return 0
    return cmd_serve(argparse.Namespace(host=None, port=None, workers=None), settings, console)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mbmirror", description="A local MusicBrainz mirror.")
    parser.add_argument("--version", action="version", version=f"mbmirror {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="embedded database + sample dump + import + API, in one go")
    demo.add_argument("--scale", type=float, default=1.0, help="size of the synthetic sample (default 1)")
    demo.add_argument("--source", help="import this dump directory instead of a synthetic sample")
    demo.add_argument("--no-serve", action="store_true", help="stop after the import")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="manage the embedded PostgreSQL cluster")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)

    init = sub.add_parser("init", help="create or upgrade the schema (Alembic upgrade head)")
    init.set_defaults(func=cmd_init)

    imp = sub.add_parser("import", help="import MusicBrainz dump archives")
    imp.add_argument(
        "sources",
        nargs="*",
        help="directories of archives, archive files, or a mirror base URL (default: MBMIRROR_DUMP_URL)",
    )
    imp.add_argument(
        "--archives",
        type=_archive_names,
        default=_archive_names(DEFAULT_ARCHIVE_NAMES),
        help=f"comma-separated archives to load ({', '.join(ARCHIVE_ALIASES)}) or 'all' "
        f"(default: {DEFAULT_ARCHIVE_NAMES})",
    )
    imp.add_argument(
        "--jobs", type=int, default=None, help="parallel index builds and search index parts (default: CPU count)"
    )
    imp.set_defaults(func=cmd_import)

    sample = sub.add_parser("sample", help="write a synthetic dump in the published format")
    sample.add_argument("out_dir")
    sample.add_argument("--scale", type=float, default=1.0, help="1 is about 50,000 rows")
    sample.add_argument("--seed", type=int, default=42)
    sample.set_defaults(func=cmd_sample)

    status = sub.add_parser("status", help="show what the database holds")
    status.set_defaults(func=cmd_status)

    search_index = sub.add_parser("search-index", help="rebuild the search index of the data in place")
    search_index.add_argument(
        "--jobs", type=int, default=None, help="parts built at once (default: CPU count, at most 8)"
    )
    search_index.set_defaults(func=cmd_search_index)

    sync_cmd = sub.add_parser("sync", help="apply replication packets until up to date")
    sync_cmd.add_argument(
        "--source",
        default=None,
        help="a base URL or a directory of replication-<N>-v2.tar.bz2 files "
        "(default: the official feed at MBMIRROR_REPLICATION_URL with MBMIRROR_REPLICATION_TOKEN)",
    )
    sync_cmd.add_argument("--follow", action="store_true", help="keep running: poll hourly, stop on SIGTERM")
    sync_cmd.set_defaults(func=cmd_sync)

    export = sub.add_parser("export", help="write curated tables (and raw ones) as Parquet files")
    export.add_argument("out_dir", help="output directory (must be empty unless --overwrite)")
    export.add_argument(
        "--tables",
        nargs="+",
        default=None,
        help="curated tables to write, space- or comma-separated (default: all; 'none' for only --raw tables)",
    )
    export.add_argument(
        "--raw", nargs="+", default=None, help="raw MusicBrainz tables to write as well (e.g. isrc l_artist_url)"
    )
    export.add_argument("--overwrite", action="store_true", help="replace an earlier export in OUT_DIR")
    export.add_argument("--rows-per-file", type=int, default=1_000_000, help="rows per Parquet file (default 1M)")
    export.add_argument("--batch-rows", type=int, default=20_000, help="rows per fetch from the server (default 20k)")
    export.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="run the API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    console = Console(stderr=True, soft_wrap=True)
    try:
        settings = Settings()
        code: int = args.func(args, settings, console)
        return code
    except MirrorError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark ``mbmirror export`` (Parquet) against two baselines on the same data, in the same run.

For each scale of ``mbmirror sample`` (1 is about 50,000 rows; the default 10 and 100 are about 0.5M and 5M) it
imports the synthetic dump (cached in ``--keep``, default ``.bench/samples/scale-N``, shared with
``bench/import.py``) into a fresh database of one PostgreSQL server (a throwaway embedded cluster, or
``--database-url``), vacuums it (so that no method pays for the first read of fresh pages), then runs three
methods over the same curated tables, each in a child Python process
whose peak RSS (its process tree sampled every 50 ms with psutil, and its own ``ru_maxrss``) is recorded:

* **export**: ``export_parquet`` (server-side cursors -> Arrow batches -> ParquetWriter, one snapshot);
* **copy-csv** (floor): the same SELECT statements through ``COPY (...) TO STDOUT (FORMAT csv)`` into files:
  the server's work with no client-side conversion at all;
* **pandas**: the obvious notebook approach, ``pandas.read_sql`` of each statement then ``DataFrame.to_parquet``:
  the whole table in memory at once.

Printed per scale and method: rows, seconds, rows/s, peak RSS (MB), output size; the export's target is a
peak RSS under 500 MB whatever the scale (informational: the exit status is 0 either way).

    .venv/bin/python bench/export.py [--scales 10,100] [--seed 42] [--keep DIR] [--database-url URL]
                                     [--methods export,copy-csv,pandas] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's mirror, not an installed one

from mirror.db import libpq_url, normalize_url
from mirror.embedded import throwaway_cluster
from mirror.load import CORE_ARCHIVE, DERIVED_ARCHIVE, import_dump
from mirror.tools.sample import write_sample

DEFAULT_KEEP = Path(__file__).resolve().parent.parent / ".bench" / "samples"
MB = 1 << 20
RSS_TARGET_MB = 500.0
SAMPLE_INTERVAL_S = 0.05
METHODS = ("export", "copy-csv", "pandas")

# Each child prints one JSON line: rows, seconds, maxrss (bytes).
DRIVERS = {
    "export": """
import json, resource, sys, time
from pathlib import Path
from mirror.export import export_parquet
started = time.monotonic()
s = export_parquet(sys.argv[1], Path(sys.argv[2]))
print(json.dumps({"rows": s.rows, "seconds": time.monotonic() - started,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
""",
    "copy-csv": """
import json, resource, sys, time
from pathlib import Path
import psycopg
from psycopg import sql
from mirror.db import libpq_url
from mirror.export_tables import curated_tables
out = Path(sys.argv[2]); out.mkdir(parents=True)
started, rows = time.monotonic(), 0
with psycopg.connect(libpq_url(sys.argv[1])) as conn:
    for name, table in curated_tables().items():
        with open(out / f"{name}.csv", "wb") as f:
            for statement in table.statements:
                with conn.cursor() as cur:
                    with cur.copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(statement)) as copy:
                        for block in copy:
                            f.write(block)
                    rows += cur.rowcount
print(json.dumps({"rows": rows, "seconds": time.monotonic() - started,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
""",
    "pandas": """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from sqlalchemy import create_engine, text
from mirror.export_tables import curated_tables
out = Path(sys.argv[2]); out.mkdir(parents=True)
engine = create_engine(sys.argv[1])
started, rows = time.monotonic(), 0
with engine.connect() as conn:
    raw = conn.connection.driver_connection
    for name, table in curated_tables().items():
        frames = [pd.read_sql(text(statement.as_string(raw)), conn) for statement in table.statements]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame.to_parquet(out / f"{name}.parquet")
        rows += len(frame)
        del frames, frame
print(json.dumps({"rows": rows, "seconds": time.monotonic() - started,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
""",
}


def ensure_sample(keep: Path, scale: float, seed: int) -> Path:
    """The sample directory for ``scale`` (the same cache and marker as ``bench/import.py``)."""
    directory = keep / f"scale-{scale:g}"
    marker = directory / "bench-sample.json"
    if marker.is_file() and json.loads(marker.read_text()).get("seed") == seed:
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    print(f"generating a scale {scale:g} sample (seed {seed}) in {directory} ...", flush=True)
    summary = write_sample(directory, scale=scale, seed=seed, cdstubs=False)
    info = {"seed": seed, "scale": scale, "compressed_bytes": sum(p.stat().st_size for p in summary.archives)}
    marker.write_text(json.dumps(info))
    return directory


@contextmanager
def server(database_url: str | None) -> Iterator[str]:
    """The SQLAlchemy URL of a server on which the benchmark may create databases."""
    if database_url:
        yield normalize_url(database_url)
        return
    with throwaway_cluster("mbmirror-bench-pg-") as (_, info):
        print(f"throwaway PostgreSQL {info.version} cluster in {info.directory}", flush=True)
        yield info.url


@contextmanager
def database(base_url: str, name: str) -> Iterator[str]:
    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(libpq_url(base_url), autocommit=True)

    with admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'").format(
                sql.Identifier(name)
            )
        )
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def track_rss(pid: int, done: threading.Event, peak: list[int]) -> None:
    root = psutil.Process(pid)
    while not done.is_set():
        with suppress(psutil.NoSuchProcess):
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
        done.wait(SAMPLE_INTERVAL_S)


def run(method: str, url: str, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    done, peak = threading.Event(), [0]
    command = [sys.executable, "-c", DRIVERS[method], url, str(out)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        sampler = threading.Thread(target=track_rss, args=(child.pid, done, peak), daemon=True)
        sampler.start()
        stdout, _ = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"{method} failed (exit {child.returncode})")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    result.update(method=method, wall=time.monotonic() - started, peak_rss=max(peak[0], result["maxrss"]), bytes=size)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scales", default="10,100", help="comma-separated sample scales (1 is ~50k rows)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, help="where generated samples are cached")
    parser.add_argument("--database-url", help="use this server (user needs CREATEDB) instead of a throwaway one")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"any of {', '.join(METHODS)}")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")
    results: list[dict[str, Any]] = []
    with server(args.database_url) as base, tempfile.TemporaryDirectory(prefix="mbmirror-bench-export-") as work:
        for scale in (float(s) for s in args.scales.split(",")):
            sample = ensure_sample(args.keep, scale, args.seed)
            with database(base, f"mbm_bench_export_{os.getpid()}_{scale:g}".replace(".", "_")) as url:
                print(f"scale {scale:g}: importing {sample} ...", flush=True)
                summary = import_dump(url, [sample], (CORE_ARCHIVE, DERIVED_ARCHIVE))
                print(f"  {summary.total_rows:,} rows imported", flush=True)
                with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                    conn.execute("VACUUM (ANALYZE)")  # hint bits set now, not by whichever method runs first
                for method in methods:
                    out = Path(work) / f"scale-{scale:g}-{method}"
                    result = run(method, url, out)
                    result["scale"] = scale
                    results.append(result)
                    shutil.rmtree(out, ignore_errors=True)
                    print(
                        f"  {method:9} {result['rows']:>10,} rows {result['seconds']:8.1f} s "
                        f"{result['rows'] / max(result['seconds'], 1e-9):>10,.0f} rows/s "
                        f"peak RSS {result['peak_rss'] / MB:7.0f} MB  output {result['bytes'] / MB:7.1f} MB",
                        flush=True,
                    )
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def report(results: list[dict[str, Any]]) -> None:
    print("\nsummary (same server, same data, same run):")
    for scale in sorted({r["scale"] for r in results}):
        at = {r["method"]: r for r in results if r["scale"] == scale}
        export = at.get("export")
        if export is None:
            continue
        line = f"  scale {scale:g}: export {export['rows'] / max(export['seconds'], 1e-9):,.0f} rows/s"
        for base in ("copy-csv", "pandas"):
            if base in at:
                ratio = at[base]["seconds"] / max(export["seconds"], 1e-9)
                line += f"; {base} takes {ratio:.2f}x the export's time, peak RSS {at[base]['peak_rss'] / MB:.0f} MB"
        rss = export["peak_rss"] / MB
        line += f"; export peak RSS {rss:.0f} MB ({'within' if rss < RSS_TARGET_MB else 'OVER'} {RSS_TARGET_MB:.0f} MB)"
        print(line)


if __name__ == "__main__":
    sys.exit(main())

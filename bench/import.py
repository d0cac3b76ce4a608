#!/usr/bin/env python
"""Benchmark ``import_dump`` on synthetic dumps against a bare ``bzip2 -dc | psql \\copy`` baseline.

For each scale (1 is about 50,000 rows; the default 10 and 100 are about 0.5M and 5M rows) it generates a
synthetic core + derived dump once (cached in ``--keep``, default ``.bench/samples/scale-N``), then on one
PostgreSQL server (a throwaway embedded cluster with the mirror's server settings, or ``--database-url``):

* **import**: ``import_dump`` runs in a child Python process on a fresh database; the child prints its
  ``ImportSummary`` (phase seconds, rows, bytes) and its own ``ru_maxrss`` as JSON. Peak RSS is the larger of
  that and the RSS of the child's process tree sampled every 50 ms with psutil.
* **baseline**, on another fresh database: the Alembic schema with every constraint except NOT NULL and every
  index dropped (the tables exist before the load, so unlike the importer's staging tables their COPY writes
  WAL). The table files are extracted with ``tar`` and re-compressed one by one with ``bzip2`` (untimed); then
  the timed loop pipes each file through single-threaded ``bzip2 -dc`` into its own ``psql \\copy``.

Targets (informational, the exit status is 0 either way): load phase at most 0.7x the baseline, peak RSS of
the import under 300 MB, and seconds per million rows at the biggest scale at most 1.25x the smallest's.

    .venv/bin/python bench/import.py [--scales 10,100] [--seed 42] [--keep DIR] [--database-url URL]
                                     [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import Table
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's mirror, not an installed one

from mirror import migrate
from mirror.db import libpq_url, make_engine, normalize_url
from mirror.embedded import throwaway_cluster
from mirror.load import CORE_ARCHIVE, DERIVED_ARCHIVE, table_for_member
from mirror.schema.musicbrainz import SCHEMAS
from mirror.tools.sample import write_sample

ARCHIVES = (CORE_ARCHIVE, DERIVED_ARCHIVE)
DEFAULT_KEEP = Path(__file__).resolve().parent.parent / ".bench" / "samples"
MB = 1 << 20
LOAD_TARGET = 0.7  # load phase / baseline
RSS_TARGET_MB = 300.0
LINEARITY_TARGET = 1.25  # s per million rows, biggest scale / smallest scale
SAMPLE_INTERVAL_S = 0.05
DRIVER = """
import json, os, resource, sys
from pathlib import Path
from mirror.load import import_dump
s = import_dump(os.environ["MBMIRROR_DATABASE_URL"], [Path(sys.argv[1])], sys.argv[2].split(","))
print(json.dumps({"phases": s.phases, "rows": s.total_rows, "bytes": s.bytes_loaded,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def ensure_sample(keep: Path, scale: float, seed: int) -> tuple[Path, dict[str, Any]]:
    """The sample directory for ``scale``, generated unless a complete one with this seed is cached."""
    directory = keep / f"scale-{scale:g}"
    marker = directory / "bench-sample.json"
    if marker.is_file():
        info: dict[str, Any] = json.loads(marker.read_text())
        if info.get("seed") == seed:
            return directory, info
    shutil.rmtree(directory, ignore_errors=True)
    print(f"generating a scale {scale:g} sample (seed {seed}) in {directory} ...", flush=True)
    started = time.monotonic()
    summary = write_sample(directory, scale=scale, seed=seed, cdstubs=False)
    info = {"seed": seed, "scale": scale, "compressed_bytes": sum(p.stat().st_size for p in summary.archives)}
    marker.write_text(json.dumps(info))
    print(f"  {summary.total_rows:,} rows in {time.monotonic() - started:.0f} s", flush=True)
    return directory, info


class Server:
    """A PostgreSQL server on which each measurement gets a database of its own."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._count = 0

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(libpq_url(self.base_url), autocommit=True)

    @contextmanager
    def database(self) -> Iterator[str]:
        self._count += 1
        name = f"mbm_bench_{os.getpid()}_{self._count}"
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'").format(
                    sql.Identifier(name)
                )
            )
            conn.execute("CHECKPOINT")  # so that earlier work is not flushed during the measurement
        try:
            yield make_url(self.base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with self.admin() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def server(database_url: str | None) -> Iterator[Server]:
    if database_url:
        yield Server(normalize_url(database_url))
        return
    with throwaway_cluster("mbmirror-bench-pg-") as (_, info):
        print(f"throwaway PostgreSQL {info.version} cluster in {info.directory}", flush=True)
        yield Server(info.url)


def track_rss(pid: int, done: threading.Event, peak: list[int]) -> None:
    """Keep in ``peak[0]`` the peak total RSS of ``pid`` and its descendants, sampled every 50 ms."""
    root = psutil.Process(pid)
    while not done.is_set():
        with suppress(psutil.NoSuchProcess):  # a process that just ended: skip this sample
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
        done.wait(SAMPLE_INTERVAL_S)


def run_import(url: str, sample: Path) -> dict[str, Any]:
    env = {**os.environ, "MBMIRROR_DATABASE_URL": url}
    command = [sys.executable, "-c", DRIVER, str(sample), ",".join(ARCHIVES)]
    started = time.monotonic()
    done, peak = threading.Event(), [0]
    with subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True) as child:
        sampler = threading.Thread(target=track_rss, args=(child.pid, done, peak), daemon=True)
        sampler.start()
        out, _ = child.communicate()
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"the import failed (exit {child.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, sampled_rss=peak[0], peak_rss=max(peak[0], result["maxrss"]))
    return result


def prepare_baseline(sample: Path, work: Path) -> list[tuple[Table, Path]]:
    """Extract every table file (tar) and bzip2 each one on its own; not timed."""
    files: list[tuple[Table, Path]] = []
    for archive in ARCHIVES:
        target = work / archive.split(".")[0]
        target.mkdir()
        subprocess.run(["tar", "-xjf", str(sample / archive), "-C", str(target), "--wildcards", "mbdump/*"], check=True)
        for path in sorted((target / "mbdump").iterdir()):
            table = table_for_member(path.name)
            if table is not None:
                files.append((table, path))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda item: subprocess.run(["bzip2", "-9", str(item[1])], check=True), files))
    return [(table, path.with_name(path.name + ".bz2")) for table, path in files]


def strip_keys(url: str) -> None:
    """Bring a database to the Alembic head, then drop every constraint but NOT NULL and every index."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        constraints = conn.execute(
            "SELECT n.nspname, c.relname, con.conname FROM pg_constraint con "
            "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) AND con.contype <> 'n'",
            (list(SCHEMAS),),
        ).fetchall()
        for schema, table, name in constraints:
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                    sql.Identifier(schema, table), sql.Identifier(name)
                )
            )
        indexes = conn.execute(
            "SELECT schemaname, indexname FROM pg_indexes WHERE schemaname = ANY(%s)", (list(SCHEMAS),)
        ).fetchall()
        for schema, name in indexes:
            conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(schema, name)))


def run_baseline(url: str, psql: str, files: list[tuple[Table, Path]]) -> tuple[float, int]:
    """Seconds and rows of ``bzip2 -dc file | psql -c '\\copy ...'`` for every table file, one after another."""
    params = conninfo_to_dict(libpq_url(url))
    env = {**os.environ, "PGPASSWORD": str(params.pop("password", "") or "")}
    conninfo = make_conninfo("", **params)
    rows = 0
    started = time.monotonic()
    for table, path in files:
        copy = f'\\copy "{table.schema}"."{table.name}" FROM STDIN'
        with subprocess.Popen(["bzip2", "-dc", str(path)], stdout=subprocess.PIPE) as decompress:
            loaded = subprocess.run(
                [psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", copy],
                stdin=decompress.stdout,
                stdout=subprocess.PIPE,
                env=env,
                text=True,
                check=False,
            )
            assert decompress.stdout is not None
            decompress.stdout.close()
        if loaded.returncode != 0 or decompress.returncode != 0:
            raise SystemExit(f"baseline failed on {table.fullname}")
        found = re.search(r"COPY (\d+)", loaded.stdout)
        rows += int(found.group(1)) if found else 0
    return time.monotonic() - started, rows


def measure(srv: Server, sample: Path, info: dict[str, Any], psql: str | None, scale: float) -> dict[str, Any]:
    with srv.database() as url:
        print(f"scale {scale:g}: importing ...", flush=True)
        imp = run_import(url, sample)
    phases: dict[str, float] = imp["phases"]
    load = phases.get("load", 0.0)
    result: dict[str, Any] = {
        "scale": scale,
        "rows": imp["rows"],
        "compressed_mb": info["compressed_bytes"] / MB,
        "uncompressed_mb": imp["bytes"] / MB,
        "phases": phases,
        "total_s": sum(phases.values()),
        "wall_s": imp["wall"],
        "rows_per_s": imp["rows"] / load if load else 0.0,
        "mb_per_s": imp["bytes"] / MB / load if load else 0.0,
        "peak_rss_mb": imp["peak_rss"] / MB,
        "sampled_rss_mb": imp["sampled_rss"] / MB,
        "baseline_s": None,
        "baseline_rows": None,
        "ratio": None,
    }
    if psql is None:
        return result
    with tempfile.TemporaryDirectory(prefix="baseline-", dir=sample.parent) as work:
        files = prepare_baseline(sample, Path(work))
        with srv.database() as url:
            strip_keys(url)
            print(f"scale {scale:g}: baseline over {len(files)} table files ...", flush=True)
            seconds, rows = run_baseline(url, psql, files)
    result.update(baseline_s=seconds, baseline_rows=rows, ratio=load / seconds)
    if rows != imp["rows"]:
        print(f"  note: the baseline loaded {rows:,} rows, the import {imp['rows']:,}")
    return result


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    def row(label: str, values: list[str]) -> None:
        print(f"{label:<28}" + "".join(f"{v:>14}" for v in values))

    def num(key: str, fmt: str) -> list[str]:
        return [("-" if r[key] is None else format(r[key], fmt)) for r in results]

    print()
    row("", [f"scale {r['scale']:g}" for r in results])
    row("rows", num("rows", ",d"))
    row("compressed MB", num("compressed_mb", ".1f"))
    row("uncompressed MB", num("uncompressed_mb", ".1f"))
    for phase, label in (("verify", "verify s"), ("load", "load (decompress+COPY) s"), ("index", "index s")):
        row(label, [f"{r['phases'].get(phase, 0.0):.2f}" for r in results])
    row("swap+cleanup s", [f"{r['phases'].get('swap', 0) + r['phases'].get('cleanup', 0):.2f}" for r in results])
    row("total s (phases)", num("total_s", ".2f"))
    row("wall s (process)", num("wall_s", ".2f"))
    row("rows/s (load)", num("rows_per_s", ",.0f"))
    row("MB/s (load)", num("mb_per_s", ".1f"))
    row("peak RSS MB", num("peak_rss_mb", ".0f"))
    row("baseline load s", num("baseline_s", ".2f"))
    row(f"load / baseline (<={LOAD_TARGET})", num("ratio", ".2f"))
    per_m = [r["total_s"] / (r["rows"] / 1e6) for r in results]
    row("total s per M rows", [f"{v:.2f}" for v in per_m])
    row("load s per M rows", [f"{r['phases'].get('load', 0) / (r['rows'] / 1e6):.2f}" for r in results])
    print()
    ratios = [r["ratio"] for r in results if r["ratio"] is not None]
    checks: dict[str, bool | None] = {
        f"load <= {LOAD_TARGET}x baseline at every scale": all(x <= LOAD_TARGET for x in ratios) if ratios else None,
        f"peak RSS < {RSS_TARGET_MB:.0f} MB at every scale": all(r["peak_rss_mb"] < RSS_TARGET_MB for r in results),
    }
    linearity = per_m[-1] / per_m[0] if len(per_m) > 1 else None
    if linearity is not None:
        print(
            f"linearity: {per_m[0]:.2f} s per M rows at scale {results[0]['scale']:g}, {per_m[-1]:.2f} at scale "
            f"{results[-1]['scale']:g}: ratio {linearity:.2f} (target <= {LINEARITY_TARGET})"
        )
        checks[f"s per M rows grows <= {LINEARITY_TARGET}x from smallest to biggest scale"] = (
            linearity <= LINEARITY_TARGET
        )
    for name, ok in checks.items():
        print(f"{'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {name}")
    return {"results": results, "linearity_ratio": linearity, "checks": checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scales", default="10,100", help="comma-separated sample scales (1 is ~50k rows)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, help="where generated samples are cached")
    parser.add_argument("--database-url", help="use this server (user needs CREATEDB) instead of a throwaway one")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    scales = sorted(float(s) for s in args.scales.split(","))
    psql = shutil.which("psql") or shutil.which("/usr/bin/psql")
    if psql is None or not (shutil.which("bzip2") and shutil.which("tar")):
        print("psql, bzip2 or tar not found: skipping the baseline")
        psql = None
    samples = [ensure_sample(args.keep, scale, args.seed) for scale in scales]
    print(f"{os.cpu_count()} CPUs; {psutil.virtual_memory().total / MB / 1024:.1f} GB RAM", flush=True)
    with server(args.database_url) as srv:
        results = [measure(srv, path, info, psql, scale) for scale, (path, info) in zip(scales, samples, strict=True)]
    summary = report(results)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark the ws/2 API under concurrent load, against the floor of its own query functions.

For two dataset sizes (``--scale`` and ten times it; scale 1 is about 50,000 rows) it writes a synthetic dump
(``mirror.tools.sample.write_sample``), imports it (``mirror.load.import_dump``) into a throwaway embedded
PostgreSQL cluster, starts the API as a uvicorn subprocess (``--workers 2``) and, for each scenario, drives it
for ``--duration`` seconds with ``--concurrency`` async httpx clients, each looping over MBIDs drawn from the
dataset. The same data is then fetched for the same time by the service's loaders alone (the resource ``load``
/ ``browse`` functions over ``mirror.queries``, in this process, over connections set up as the app's pool sets
them up, no HTTP and no serialization): the floor.

Scenarios (JSON, as beets sends them, ws2-api.md §10.2):

* ``release``   release lookup with beets' full inc set
* ``artist``    artist lookup with ``aliases+url-rels``
* ``recording`` recording lookup with beets' inc set
* ``browse``    browse releases by artist (25 per page)

Reported per size, scenario and mode: requests, req/s, p50/p95/p99 latency and errors; then the ratio of the
bigger dataset's latency to the smaller's (target: within 1.2). Figures are noisy on a shared machine.

    .venv/bin/python bench/api.py [--scale 1] [--duration 10] [--concurrency 16] [--seed 42] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.main import ws2_pool
from api.ws2 import params as p
from api.ws2.registry import Ctx, Registry, load_registry
from mirror.db import libpq_url
from mirror.embedded import throwaway_cluster
from mirror.load import import_dump
from mirror.queries.common import resolve_gid
from mirror.queries.reference import ReferenceCache
from mirror.settings import Settings
from mirror.tools.sample import write_sample

BEETS_RELEASE_INCS = (
    "artists+media+recordings+release-groups+labels+artist-credits+aliases+recording-level-rels+work-rels"
    "+work-level-rels+artist-rels+isrcs+url-rels+release-rels+genres+tags"
)
BEETS_RECORDING_INCS = "artists+aliases+isrcs+work-level-rels+artist-rels"
ARTIST_INCS = "aliases+url-rels"
TARGETS = 200  # MBIDs drawn per entity type
WORKERS = 2
LATENCY_TARGET = 1.2  # latency at 10x the data / latency at 1x
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Scenario:
    """One request kind: its path for an MBID, and how the floor fetches the same data."""

    name: str
    resource: str  # the ws/2 resource the request hits
    table: str  # where its MBIDs come from
    incs: str
    browse_key: str | None = None  # a browse by this key instead of a lookup

    def path(self, mbid: str) -> str:
        if self.browse_key is not None:
            return f"/ws/2/{self.resource}?{self.browse_key}={mbid}&fmt=json"
        inc = f"inc={self.incs}&" if self.incs else ""
        return f"/ws/2/{self.resource}/{mbid}?{inc}fmt=json"


SCENARIOS = (
    Scenario("release", "release", "release", BEETS_RELEASE_INCS),
    Scenario("artist", "artist", "artist", ARTIST_INCS),
    Scenario("recording", "recording", "recording", BEETS_RECORDING_INCS),
    Scenario("browse", "release", "artist", "", browse_key="artist"),
)

# MBIDs worth asking for: releases and recordings at random, artists that have releases.
_TARGET_SQL = {
    "release": "SELECT gid::text FROM musicbrainz.release ORDER BY md5(gid::text || %(seed)s) LIMIT %(n)s",
    "recording": "SELECT gid::text FROM musicbrainz.recording ORDER BY md5(gid::text || %(seed)s) LIMIT %(n)s",
    "artist": "SELECT a.gid::text FROM musicbrainz.artist a WHERE EXISTS (SELECT 1 FROM musicbrainz.release r "
    "JOIN musicbrainz.artist_credit_name acn ON acn.artist_credit = r.artist_credit WHERE acn.artist = a.id) "
    "ORDER BY md5(a.gid::text || %(seed)s) LIMIT %(n)s",
}


@dataclass
class Result:
    size: str
    scenario: str
    mode: str  # "http" or "floor"
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def row(self) -> dict[str, Any]:
        done = len(self.latencies)
        return {
            "size": self.size,
            "scenario": self.scenario,
            "mode": self.mode,
            "requests": done + self.errors,
            "req_s": done / self.elapsed if self.elapsed else 0.0,
            "p50_ms": self.percentile(0.50),
            "p95_ms": self.percentile(0.95),
            "p99_ms": self.percentile(0.99),
            "mean_ms": statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan"),
            "errors": self.errors,
        }


# --- datasets ------------------------------------------------------------------------------------------------


@contextmanager
def cluster() -> Iterator[str]:
    """A throwaway embedded cluster; yields its SQLAlchemy URL."""
    with throwaway_cluster("mbmirror-bench-api-") as (_, info):
        print(f"throwaway PostgreSQL {info.version} cluster in {info.directory}", flush=True)
        yield info.url


def create_dataset(base_url: str, scale: float, seed: int) -> tuple[str, int]:
    """A new database holding a synthetic dump of ``scale``; its URL and row count."""
    name = f"mbm_bench_api_{os.getpid()}_{str(scale).replace('.', '_')}"
    with psycopg.connect(libpq_url(base_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'").format(
                sql.Identifier(name)
            )
        )
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="mbmirror-bench-api-sample-"))
    try:
        started = time.monotonic()
        write_sample(work, scale, seed)
        generated = time.monotonic()
        summary = import_dump(url, [work])
        print(
            f"scale {scale:g}: {summary.total_rows:,} rows (generated in {generated - started:.0f} s, "
            f"imported in {time.monotonic() - generated:.0f} s)",
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return url, summary.total_rows


def pick_targets(url: str, seed: int) -> dict[str, list[str]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            table: [row[0] for row in conn.execute(query, {"seed": str(seed), "n": TARGETS}).fetchall()]
            for table, query in _TARGET_SQL.items()
        }


# --- the server ----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_server(url: str, concurrency: int) -> Iterator[str]:
    """``uvicorn --factory api.main:app_factory --workers 2`` on a free port; yields its base URL."""
    port = _free_port()
    env = dict(os.environ)
    env["MBMIRROR_DATABASE_URL"] = url
    env["MBMIRROR_POOL_SIZE"] = str(max(4, concurrency // WORKERS + 2))
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API server exited with status {proc.returncode}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not become healthy")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- load ----------------------------------------------------------------------------------------------------


async def _drive(
    concurrency: int, duration: float, mbids: list[str], result: Result, one: Callable[[int, str], Awaitable[bool]]
) -> None:
    """Run ``one(worker, mbid)`` in ``concurrency`` loops for ``duration`` seconds, timing each call."""
    stop = time.monotonic() + duration

    async def loop(worker: int) -> None:
        rng = random.Random(worker)
        while time.monotonic() < stop:
            mbid = rng.choice(mbids)
            started = time.perf_counter()
            try:
                ok = await one(worker, mbid)
            except Exception:
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1

    started = time.monotonic()
    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    result.elapsed = time.monotonic() - started


async def run_http(base: str, scenario: Scenario, mbids: list[str], args: argparse.Namespace, size: str) -> Result:
    result = Result(size, scenario.name, "http")
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(args.concurrency)]
    try:
        await clients[0].get(scenario.path(mbids[0]))  # warm up

        async def one(worker: int, mbid: str) -> bool:
            response = await clients[worker].get(scenario.path(mbid))
            await response.aread()
            return response.status_code == 200

        await _drive(args.concurrency, args.duration, mbids, result, one)
    finally:
        for client in clients:
            await client.aclose()
    return result


async def run_floor(url: str, scenario: Scenario, mbids: list[str], args: argparse.Namespace, size: str) -> Result:
    """The same data through the resource loaders and ``mirror.queries``, without HTTP or serialization."""
    result = Result(size, scenario.name, "floor")
    registry: Registry = load_registry()
    resource = registry[scenario.resource]
    allowed = resource.browse_incs if scenario.browse_key else resource.lookup_incs
    incs = p.validate_incs(resource.name, allowed, p.split_incs([scenario.incs] if scenario.incs else []))
    pool = ws2_pool(libpq_url(url), Settings(), args.concurrency, name="bench-floor")  # the app's sessions
    await pool.open(wait=True)
    reference = ReferenceCache()  # as the app's, and its transactions opened the same way
    try:

        async def one(worker: int, mbid: str) -> bool:
            async with pool.connection() as conn:
                ref = await reference.begin(conn)
                found = await resolve_gid(conn, scenario.table, mbid)
                if found is None:
                    return False
                ctx = Ctx(conn, registry, resource.name, "json", incs, reference=ref)
                if scenario.browse_key is not None:
                    assert resource.browse is not None
                    await resource.browse(ctx, scenario.browse_key, found[0], 25, 0)
                else:
                    assert resource.load is not None
                    await resource.load(ctx, found[0])
                return True

        await one(0, mbids[0])  # warm up
        await _drive(args.concurrency, args.duration, mbids, result, one)
    finally:
        await pool.close()
    return result


# --- report --------------------------------------------------------------------------------------------------


def report(results: list[Result], sizes: list[str]) -> dict[str, Any]:
    rows = [r.row() for r in results]
    header = f"{'size':<12}{'scenario':<11}{'mode':<7}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
    header += f"{'p99 ms':>9}{'errors':>8}"
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['size']:<12}{r['scenario']:<11}{r['mode']:<7}{r['requests']:>9}{r['req_s']:>9.1f}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}"
        )
    ratios: list[dict[str, Any]] = []
    if len(sizes) == 2:
        print()
        print(f"latency at {sizes[1]} / at {sizes[0]} (target <= {LATENCY_TARGET:.2f})")
        by_key = {(r["size"], r["scenario"], r["mode"]): r for r in rows}
        for scenario in SCENARIOS:
            for mode in ("http", "floor"):
                small = by_key.get((sizes[0], scenario.name, mode))
                big = by_key.get((sizes[1], scenario.name, mode))
                if not small or not big:
                    continue
                p50 = big["p50_ms"] / small["p50_ms"] if small["p50_ms"] else float("nan")
                p95 = big["p95_ms"] / small["p95_ms"] if small["p95_ms"] else float("nan")
                verdict = "ok" if p50 <= LATENCY_TARGET else "OVER"
                print(f"  {scenario.name:<11}{mode:<7} p50 x{p50:.2f}  p95 x{p95:.2f}  {verdict}")
                ratios.append({"scenario": scenario.name, "mode": mode, "p50": p50, "p95": p95})
    return {"results": rows, "ratios": ratios}


async def measure(url: str, size: str, args: argparse.Namespace) -> list[Result]:
    targets = pick_targets(url, args.seed)
    results: list[Result] = []
    with api_server(url, args.concurrency) as base:
        for scenario in SCENARIOS:
            mbids = targets[scenario.table]
            results.append(await run_http(base, scenario, mbids, args, size))
            print(f"  {size} {scenario.name} http done", flush=True)
    for scenario in SCENARIOS:
        results.append(await run_floor(url, scenario, targets[scenario.table], args, size))
        print(f"  {size} {scenario.name} floor done", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="smaller dataset scale (1 is ~50k rows); also 10x")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario and mode")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; {args.concurrency} clients; {args.duration:g} s per scenario and mode", flush=True)
    results: list[Result] = []
    sizes: list[str] = []
    with cluster() as base_url:
        for scale in (args.scale, args.scale * 10):
            url, rows = create_dataset(base_url, scale, args.seed)
            size = f"{rows / 1000:,.0f}k rows"
            sizes.append(size)
            results += asyncio.run(measure(url, size, args))
    summary = report(results, sizes)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark the ws/2 API under concurrent load, against the floor of its own query functions.

For two dataset sizes (``--scale`` and ten times it; scale 1 is about 50,000 rows) it writes a synthetic dump
(``mirror.tools.sample.write_sample``), imports it (``mirror.load.import_dump``) into a throwaway embedded
PostgreSQL cluster, starts the API as a uvicorn subprocess (``--workers 2``, connected to the cluster through its
Unix socket as ``mbmirror serve`` is to the embedded cluster) and, for each scenario, drives it for
``--duration`` seconds with ``--concurrency`` clients, each looping over MBIDs drawn from the dataset; the time
is split into ``--rounds`` turns that alternate between the two sizes, so a drift in the machine's speed falls
on both. The
clients are keep-alive HTTP/1.1 connections written on asyncio streams (uvloop) in this process: each request
is a GET, each answer's status is checked (anything but 200 is an error) and its whole body read
(``Content-Length`` or chunked). A generic client library (httpx) spent more CPU per request than the API's
own Python, on the same two cores. The same data is then fetched for the same time by the service's loaders
alone (the resource ``load`` / ``browse`` functions over ``mirror.queries``, in this process, over connections
set up and transactions opened as the app's are, no HTTP and no serialization): the floor.

Scenarios (JSON, as beets sends them, ws2-api.md §10.2):

* ``release``   release lookup with beets' full inc set
* ``artist``    artist lookup with ``aliases+url-rels``
* ``recording`` recording lookup with beets' inc set
* ``browse``    browse releases by artist (25 per page)

Reported per size, scenario and mode: requests, req/s, p50/p95/p99 latency and errors, and the CPU time spent
per request (user + system, from the processes' counters) by the API (the uvicorn processes; in the floor, the
loaders in this process), by PostgreSQL (its client backends) and by the load generator (this process, HTTP
only); then the ratio of the bigger dataset's latency to the smaller's (target: mean within 1.2). Wall-clock
figures are noisy on a shared machine; CPU per request much less so.

    .venv/bin/python bench/api.py [--scale 1] [--duration 10] [--rounds 2] [--concurrency 16] [--workers 2]
                                  [--seed 42] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
import uvloop
from psycopg import sql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.main import ws2_pool
from api.ws2 import params as p
from api.ws2.registry import Ctx, Registry, load_registry
from mirror.db import libpq_url, socket_url
from mirror.embedded import ClusterInfo, throwaway_cluster
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
LATENCY_TARGET = 1.2  # mean latency at 10x the data / at 1x
# The verdict is on the mean: with every client busy, the mean is the clients over the throughput, whereas the
# median moves with how the connections happened to be shared between the worker processes at that start.
RATIO_OF = ("mean_ms", "p50_ms", "p95_ms")
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
CLIENT = "keep-alive HTTP/1.1 on asyncio streams (uvloop), in the bench process"


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
class Cpu:
    """CPU seconds (user + system) spent during a run, per component."""

    api: float = 0.0
    db: float = 0.0
    client: float = 0.0


@dataclass
class Result:
    size: str
    scenario: str
    mode: str  # "http" or "floor"
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    elapsed: float = 0.0
    cpu: Cpu = field(default_factory=Cpu)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def merged(self, other: Result) -> Result:
        """This run and ``other`` (the same kind, measured later) as one."""
        cpu = Cpu(self.cpu.api + other.cpu.api, self.cpu.db + other.cpu.db, self.cpu.client + other.cpu.client)
        return Result(
            self.size,
            self.scenario,
            self.mode,
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.elapsed + other.elapsed,
            cpu,
        )

    def row(self) -> dict[str, Any]:
        done = len(self.latencies)
        per = 1000 / (done + self.errors) if done + self.errors else float("nan")  # ms per request
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
            "cpu_api_ms": self.cpu.api * per,
            "cpu_db_ms": self.cpu.db * per,
            "cpu_client_ms": self.cpu.client * per,
        }


# --- CPU accounting ------------------------------------------------------------------------------------------


def _cpu_of(pids: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        out[pid] = times.user + times.system
    return out


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two samples (a process started in between counts from its start)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


Sample = tuple[dict[int, float], dict[int, float], float]  # server processes, backends, this process


class CpuMeter:
    """Samples the CPU counters of the API server's processes and of the cluster's client backends."""

    def __init__(self, url: str, server_pid: int | None = None) -> None:
        self.conn = psycopg.connect(libpq_url(url), autocommit=True)
        self.server_pid = server_pid

    def close(self) -> None:
        self.conn.close()

    def _backends(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
        return [int(row[0]) for row in rows]

    def _server(self) -> list[int]:
        if self.server_pid is None:
            return []
        server = psutil.Process(self.server_pid)
        return [server.pid, *(child.pid for child in server.children(recursive=True))]

    def sample(self) -> Sample:
        return _cpu_of(self._server()), _cpu_of(self._backends()), time.process_time()

    @staticmethod
    def spent(before: Sample, after: Sample) -> Cpu:
        return Cpu(_spent(before[0], after[0]), _spent(before[1], after[1]), after[2] - before[2])


# --- datasets ------------------------------------------------------------------------------------------------


@contextmanager
def cluster() -> Iterator[ClusterInfo]:
    """A throwaway embedded cluster."""
    with throwaway_cluster("mbmirror-bench-api-") as (_, info):
        print(f"throwaway PostgreSQL {info.version} cluster in {info.directory}", flush=True)
        yield info


def create_dataset(info: ClusterInfo, scale: float, seed: int) -> tuple[str, int]:
    """A new database holding a synthetic dump of ``scale``; its URL (through the cluster's Unix socket) and row
    count."""
    name = f"mbm_bench_api_{os.getpid()}_{str(scale).replace('.', '_')}"
    with psycopg.connect(libpq_url(info.url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'").format(
                sql.Identifier(name)
            )
        )
    url = make_url(socket_url(info)).set(database=name).render_as_string(hide_password=False)
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
def api_server(url: str, concurrency: int, workers: int) -> Iterator[tuple[int, int]]:
    """``uvicorn --factory api.main:app_factory --workers N`` on a free port; yields its port and pid."""
    port = _free_port()
    env = dict(os.environ)
    env["MBMIRROR_DATABASE_URL"] = url
    env["MBMIRROR_POOL_SIZE"] = str(max(4, concurrency // workers + 2))
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API server exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not become healthy")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- the client ----------------------------------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection: ``await conn.get(path)`` -> (status, body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, f"127.0.0.1:{port}")

    async def get(self, path: str) -> tuple[int, bytes]:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: */*\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(b":")
                headers[key.strip().lower()] = value.strip()
        if b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = await self._chunked()
        else:
            raise ValueError(f"{path}: an answer with neither Content-Length nor chunked encoding")
        if headers.get(b"connection", b"").lower() == b"close":
            raise ValueError(f"{path}: the server closed the connection")
        return status, body

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # (no trailers)
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


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

    gc.collect()
    gc.freeze()  # as the API does at startup: the load generator's own full collections are not the server's
    started = time.monotonic()
    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    result.elapsed = time.monotonic() - started


async def run_http(
    port: int, meter: CpuMeter, scenario: Scenario, mbids: list[str], args: argparse.Namespace, size: str
) -> Result:
    result = Result(size, scenario.name, "http")
    conns = [await HttpConnection.open(port) for _ in range(args.concurrency)]
    broken: set[int] = set()
    try:

        async def one(worker: int, mbid: str) -> bool:
            if worker in broken:  # an error left the connection mid-answer: start a new one
                await conns[worker].close()
                conns[worker] = await HttpConnection.open(port)
                broken.discard(worker)
            try:
                status, _ = await asyncio.wait_for(conns[worker].get(scenario.path(mbid)), REQUEST_TIMEOUT_S)
            except BaseException:
                broken.add(worker)
                raise
            return status == 200

        warm = Result(size, scenario.name, "http")  # every connection, pooled connection and plan in use
        await _drive(args.concurrency, min(2.0, args.duration), mbids, warm, one)
        before = meter.sample()
        await _drive(args.concurrency, args.duration, mbids, result, one)
        result.cpu = meter.spent(before, meter.sample())
    finally:
        for conn in conns:
            await conn.close()
    return result


async def run_floor(
    url: str, meter: CpuMeter, scenario: Scenario, mbids: list[str], args: argparse.Namespace, size: str
) -> Result:
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
                ref = await reference.current(conn)
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

        warm = Result(size, scenario.name, "floor")
        await _drive(args.concurrency, min(2.0, args.duration), mbids, warm, one)
        before = meter.sample()
        await _drive(args.concurrency, args.duration, mbids, result, one)
        spent = meter.spent(before, meter.sample())
        result.cpu = Cpu(api=spent.client, db=spent.db)  # the loaders run in this process
    finally:
        await pool.close()
    return result


# --- report --------------------------------------------------------------------------------------------------


def report(results: list[Result], sizes: list[str]) -> dict[str, Any]:
    rows = [r.row() for r in results]
    header = f"{'size':<12}{'scenario':<11}{'mode':<7}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
    header += f"{'p99 ms':>9}{'errors':>8}  |  CPU ms/req: {'api':>5}{'db':>6}{'client':>7}{'total':>7}"
    print()
    print(f"client: {CLIENT}; CPU: user + system per request (api: uvicorn processes, or the loaders in the floor)")
    print(header)
    print("-" * len(header))
    for r in rows:
        total = r["cpu_api_ms"] + r["cpu_db_ms"] + r["cpu_client_ms"]
        print(
            f"{r['size']:<12}{r['scenario']:<11}{r['mode']:<7}{r['requests']:>9}{r['req_s']:>9.1f}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}  |  {'':>12} "
            f"{r['cpu_api_ms']:>5.2f}{r['cpu_db_ms']:>6.2f}{r['cpu_client_ms']:>7.2f}{total:>7.2f}"
        )
    ratios: list[dict[str, Any]] = []
    if len(sizes) == 2:
        print()
        print(f"latency at {sizes[1]} / at {sizes[0]} (target: mean <= {LATENCY_TARGET:.2f})")
        by_key = {(r["size"], r["scenario"], r["mode"]): r for r in rows}
        for scenario in SCENARIOS:
            for mode in ("http", "floor"):
                small = by_key.get((sizes[0], scenario.name, mode))
                big = by_key.get((sizes[1], scenario.name, mode))
                if not small or not big:
                    continue
                mean, p50, p95 = (big[k] / small[k] if small[k] else float("nan") for k in RATIO_OF)
                verdict = "ok" if mean <= LATENCY_TARGET else "OVER"
                print(f"  {scenario.name:<11}{mode:<7} mean x{mean:.2f}  p50 x{p50:.2f}  p95 x{p95:.2f}  {verdict}")
                ratios.append({"scenario": scenario.name, "mode": mode, "mean": mean, "p50": p50, "p95": p95})
    return {"client": CLIENT, "results": rows, "ratios": ratios}


async def measure(url: str, size: str, args: argparse.Namespace) -> list[Result]:
    targets = pick_targets(url, args.seed)
    results: list[Result] = []
    with api_server(url, args.concurrency, args.workers) as (port, pid):
        meter = CpuMeter(url, pid)
        try:
            for scenario in SCENARIOS:
                results.append(await run_http(port, meter, scenario, targets[scenario.table], args, size))
                print(f"  {size} {scenario.name} http done", flush=True)
        finally:
            meter.close()
    meter = CpuMeter(url)
    try:
        for scenario in SCENARIOS:
            results.append(await run_floor(url, meter, scenario, targets[scenario.table], args, size))
            print(f"  {size} {scenario.name} floor done", flush=True)
    finally:
        meter.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="smaller dataset scale (1 is ~50k rows); also 10x")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario and mode")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--rounds", type=int, default=2, help="turns each size takes (the duration is split)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    print(
        f"{os.cpu_count()} CPUs; {args.workers} API workers; {args.concurrency} clients; "
        f"{args.duration:g} s per scenario and mode",
        flush=True,
    )
    results: dict[tuple[str, str, str], Result] = {}
    datasets: list[tuple[str, str]] = []
    with cluster() as info:
        for scale in (args.scale, args.scale * 10):
            url, rows = create_dataset(info, scale, args.seed)
            datasets.append((url, f"{rows / 1000:,.0f}k rows"))
        # Both sizes measured in turn, round after round: a drift of the machine's speed during the run (other
        # load, the server's own background work) falls on both alike instead of on whichever came second.
        per_round = argparse.Namespace(**{**vars(args), "duration": args.duration / args.rounds})
        for number in range(args.rounds):
            for url, size in datasets:
                print(f"round {number + 1} of {args.rounds}, {size}:", flush=True)
                for result in uvloop.run(measure(url, size, per_round)):
                    key = (result.size, result.scenario, result.mode)
                    results[key] = results[key].merged(result) if key in results else result
    summary = report(list(results.values()), [size for _, size in datasets])
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

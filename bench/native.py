#!/usr/bin/env python
"""Benchmark the native API (``/api/``) under concurrent load, against its raw SQL in the same run.

Writes a synthetic dump (``mbmirror sample`` at ``--scale``; scale 1 is about 50,000 rows), imports it into a
throwaway embedded PostgreSQL cluster and starts the API (uvicorn, 2 workers), reusing the helpers of
``bench/api.py``. Each scenario is driven for ``--duration`` seconds by ``--concurrency`` async httpx clients,
then its baseline runs for the same time with the same concurrency (threads, one connection each):

* list scenarios: the exact statements the data layer sends for that page (``ListQuery.statements()``: the page
  query and one per facet), executed with psycopg alone: no HTTP, no pydantic, no JSON;
* lookup scenarios: ``get_entity`` in-process (the data layer without HTTP and serialisation).

Reported per scenario and mode: requests, req/s, p50/p95/p99 latency and errors. Figures are noisy on a shared
machine; compare each scenario with its own baseline.

    .venv/bin/python bench/native.py [--scale 1] [--duration 5] [--concurrency 8] [--seed 42]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mirror.db import libpq_url  # noqa: E402
from mirror.native import get_entity  # noqa: E402
from mirror.native.lists import list_query  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_api", ROOT / "bench" / "api.py")
assert _spec is not None and _spec.loader is not None
bench_api = importlib.util.module_from_spec(_spec)
sys.modules["bench_api"] = bench_api
_spec.loader.exec_module(bench_api)
Result = bench_api.Result


@dataclass(frozen=True)
class Scenario:
    name: str
    entity: str
    params: dict[str, Any]  # list parameters; for lookups, {"include": ...}
    lookup: bool = False


def scenarios(url: str) -> tuple[list[Scenario], dict[str, list[str]]]:
    """Scenarios whose filter values are common in the dataset, and MBIDs to look up."""
    with psycopg.connect(libpq_url(url)) as conn:
        country = conn.execute(
            "SELECT i.code FROM musicbrainz.release_country rc JOIN musicbrainz.iso_3166_1 i ON i.area = rc.country "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        year = conn.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY date_year) FROM musicbrainz.release_country"
        ).fetchone()
        artist = conn.execute(
            "SELECT a.gid::text FROM musicbrainz.artist a JOIN musicbrainz.artist_credit_name acn ON acn.artist = a.id "
            "JOIN musicbrainz.release r ON r.artist_credit = acn.artist_credit GROUP BY a.gid ORDER BY count(*) DESC "
            "LIMIT 1"
        ).fetchone()
        mbids = {
            table: [
                r[0] for r in conn.execute(f"SELECT gid::text FROM musicbrainz.{table} ORDER BY random() LIMIT 500")
            ]
            for table in ("release", "artist")
        }
    assert country and year and artist, "the dataset has release events and credited artists"
    listed = [
        Scenario(
            "releases by country+date", "release", {"country": country[0], "date__gte": str(year[0]), "limit": 50}
        ),
        Scenario("releases by artist, -date", "release", {"artist": artist[0], "sort": "-date", "limit": 50}),
        Scenario("releases + 3 facets", "release", {"status": "official", "facet": "country,year,type", "limit": 50}),
        Scenario("artists by name, 100", "artist", {"sort": "name", "limit": 100}),
        Scenario("lookup release", "release", {}, lookup=True),
        Scenario("lookup artist +aliases,tags", "artist", {"include": "aliases,tags"}, lookup=True),
    ]
    return listed, mbids


def path_of(scenario: Scenario, mbid: str | None) -> str:
    if scenario.lookup:
        query = f"?{urlencode(scenario.params)}" if scenario.params else ""
        return f"/api/{scenario.entity}/{mbid}{query}"
    return f"/api/{scenario.entity}?{urlencode(scenario.params)}"


async def run_http(base: str, scenario: Scenario, mbids: list[str], args: argparse.Namespace) -> Any:
    result = Result("scale", scenario.name, "http")
    rng = random.Random(args.seed)
    deadline = time.perf_counter() + args.duration

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.get(path_of(scenario, rng.choice(mbids) if scenario.lookup else None))
                if response.status_code == 200:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def run_baseline(url: str, scenario: Scenario, mbids: list[str], args: argparse.Namespace) -> Any:
    mode = "data layer" if scenario.lookup else "raw SQL"
    result = Result("scale", scenario.name, mode)
    lock = threading.Lock()
    deadline = time.perf_counter() + args.duration
    work: Callable[[psycopg.Connection[Any], random.Random], None]
    if scenario.lookup:
        include = [i for i in str(scenario.params.get("include", "")).split(",") if i]

        def lookup(conn: psycopg.Connection[Any], rng: random.Random) -> None:
            get_entity(conn, scenario.entity, rng.choice(mbids), include)
            conn.rollback()

        work = lookup
    else:
        filters = {k: [v] for k, v in scenario.params.items() if k not in ("sort", "limit", "facet")}
        query = list_query(
            scenario.entity,
            filters,
            sort=scenario.params.get("sort"),
            limit=scenario.params.get("limit"),
            facets=str(scenario.params.get("facet", "")).split(",") if "facet" in scenario.params else (),
        )
        statements = query.statements()

        def page(conn: psycopg.Connection[Any], rng: random.Random) -> None:
            for statement, params in statements:
                conn.execute(statement, params).fetchall()
            conn.rollback()

        work = page

    def thread(n: int) -> None:
        rng = random.Random(args.seed + n)
        with psycopg.connect(libpq_url(url)) as conn:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                work(conn, rng)
                with lock:
                    result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=thread, args=(n,)) for n in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    with bench_api.cluster() as base_url:
        url, rows = bench_api.create_dataset(base_url, args.scale, args.seed)
        listed, mbids = scenarios(url)
        results = []
        with bench_api.api_server(url, args.concurrency) as base:
            for scenario in listed:
                targets = mbids.get(scenario.entity, [])
                results.append(asyncio.run(run_http(base, scenario, targets, args)))
                results.append(run_baseline(url, scenario, targets, args))
    print(
        f"\nnative API, scale {args.scale:g} ({rows:,} rows), concurrency {args.concurrency}, {args.duration:g} s each"
    )
    print(
        f"{'scenario':30} {'mode':10} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'err':>4}"
    )
    for result in results:
        row = result.row()
        print(
            f"{row['scenario']:30} {row['mode']:10} {row['requests']:8d} {row['req_s']:8.1f} {row['p50_ms']:8.1f} "
            f"{row['p95_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors']:4d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark search: index build time and size against the import, query latency against a naive ILIKE.

Writes a synthetic dump (``mirror.tools.sample.write_sample``; scale 140 gives about 1M recordings, with their
releases and artists) into a throwaway embedded PostgreSQL cluster and imports it; the import builds the search
index in its own ``search`` phase, so the build time is compared with the load + index phases of the tables it
covers (target: at most 1.5x), and the index size with theirs.

Then, for ``--queries`` entities drawn from the data, it times ``mirror.search.search`` (parse included) for:

* ``beets-release``    ``release:(<title>) artist:(<credit>)`` (lower-cased and escaped, as beets sends it)
* ``beets-recording``  ``artist:(<credit>) recording:(<title>)``
* ``picard-recording`` ``track:(...) artist:(...) release:(...) tnum:(n) tracks:(n) qdur:(length // 2000)``
* ``picard-release``   ``artist:(...) release:(...) tracks:(n)``
* ``unfielded``        ``<title> <credit>`` on releases

and, in the same run, a naive baseline: ``ILIKE '%title%'`` (and ``'%credit%'``) on the same tables. Reported:
p50/p95/p99 in ms, how often the expected entity (same title and credit) comes first, and how many searches
timed out (``SearchTimeout``; they count as misses, with the time they took). Target: p95 under
50 ms for beets' release and recording queries on 2 cores. Figures are noisy on a shared machine.

    .venv/bin/python bench/search.py [--scale 140] [--queries 200] [--seed 42] [--json PATH] [--cluster-dir DIR]
                                       [--floor]

With ``--cluster-dir DIR`` the cluster lives in DIR and is kept: the first run imports the corpus there, later
runs with the same DIR reuse it (the scale and seed of the import are recorded in ``DIR/bench.json``; the build
figures printed then are those of the import) so that queries can be measured again without re-importing.
The build's log (per table, and its total with the CPU time of its Python processes) is printed as it runs.

``--floor`` also measures the build's server-only floor (``bench/search_floor.py``): the same steps with the
documents already made, i.e. what the build would take if Python's analysis took no time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_floor import floor

from mirror.db import libpq_url
from mirror.embedded import Cluster, throwaway_cluster
from mirror.errors import SearchTimeout
from mirror.load import import_dump
from mirror.search import search
from mirror.search.analyze import tokens
from mirror.search.lucene import parse_lenient
from mirror.search.lucene_ast import escape
from mirror.tools.sample import write_sample

COVERED = (
    "artist", "artist_alias", "artist_credit", "artist_credit_name", "artist_tag", "release", "release_label",
    "release_country", "release_group", "medium", "track", "recording", "isrc", "label", "work", "l_recording_work",
    "area", "place", "event", "instrument", "series", "tag", "url",
)  # fmt: skip


def _postgres_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@contextmanager
def cluster(directory: Path | None) -> Iterator[str]:
    """A throwaway cluster, or the kept one in ``directory`` (started if needed, left running)."""
    if directory is None:
        with throwaway_cluster("mbmirror-bench-search-") as (_, info):
            print(f"throwaway PostgreSQL {info.version} cluster in {info.directory}", flush=True)
            yield _postgres_url(info.url)
        return
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    info = Cluster(directory / "cluster").start()
    print(f"kept PostgreSQL {info.version} cluster in {info.directory} (pid {info.pid})", flush=True)
    yield _postgres_url(info.url)


def imported(url: str, directory: Path | None, scale: float, seed: int) -> dict[str, float]:
    """Import the synthetic corpus unless the kept cluster already holds this one; the import's phase times."""
    marker = directory / "bench.json" if directory is not None else None
    if marker is not None and marker.exists():
        kept = json.loads(marker.read_text())
        if (kept["scale"], kept["seed"]) == (scale, seed):
            print(f"reusing the corpus imported at scale {scale}, seed {seed}", flush=True)
            return {str(k): float(v) for k, v in kept["phases_s"].items()}
        raise SystemExit(f"{directory} holds scale {kept['scale']} seed {kept['seed']}: use another --cluster-dir")
    with tempfile.TemporaryDirectory(prefix="mbmirror-bench-dump-") as dump:
        started = time.monotonic()
        write_sample(Path(dump), scale=scale, seed=seed)
        print(f"sample written in {time.monotonic() - started:.0f} s", flush=True)
        phases = dict(import_dump(url, [Path(dump)]).phases)
    if marker is not None:
        marker.write_text(json.dumps({"scale": scale, "seed": seed, "phases_s": phases}))
    return phases


def sizes(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    search_size = conn.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'search' AND c.relkind = 'r'"
    ).fetchone()
    data_size = conn.execute(
        "SELECT sum(pg_total_relation_size(('musicbrainz.' || t)::regclass)) FROM unnest(%s::text[]) t",
        (list(COVERED),),
    ).fetchone()
    return int(search_size[0] if search_size else 0), int(data_size[0] if data_size else 0)


def cases(conn: psycopg.Connection[Any], n: int, seed: int) -> list[dict[str, Any]]:
    """Tracks drawn at random with their recording, release and credit."""
    conn.execute("SELECT setseed(%s)", (seed / 1000,))
    rows = conn.execute(
        "SELECT t.recording, rec.name, rac.name, r.id, r.name, ac.name, t.position, m.track_count, rec.length, "
        "(SELECT sum(track_count) FROM musicbrainz.medium WHERE release = r.id) FROM musicbrainz.track t "
        "JOIN musicbrainz.medium m ON m.id = t.medium JOIN musicbrainz.release r ON r.id = m.release "
        "JOIN musicbrainz.recording rec ON rec.id = t.recording "
        "JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit "
        "JOIN musicbrainz.artist_credit rac ON rac.id = rec.artist_credit "
        "WHERE t.id IN (SELECT id FROM musicbrainz.track TABLESAMPLE BERNOULLI (1)) ORDER BY random() LIMIT %s",
        (n,),
    ).fetchall()
    keys = ("recording", "title", "rcredit", "release", "rtitle", "credit", "tnum", "tracks", "length", "total")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def words(*values: Any) -> tuple[str, ...]:
    return tuple(" ".join(tokens(str(v))) for v in values)


def queries(case: dict[str, Any]) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """scenario -> (core, query text, expected words of (title, credit))."""
    b = lambda text: escape(str(text).lower())  # noqa: E731
    qdur = (case["length"] or 0) // 2000
    return {
        "beets-release": (
            "release", f"release:({b(case['rtitle'])}) artist:({b(case['credit'])})", ("rtitle", "credit")
        ),
        "beets-recording": (
            "recording", f"artist:({b(case['rcredit'])}) recording:({b(case['title'])})", ("title", "rcredit")
        ),
        "picard-recording": (
            "recording",
            f"track:({escape(case['title'])}) artist:({escape(case['rcredit'])}) release:({escape(case['rtitle'])}) "
            f"tnum:({case['tnum']}) tracks:({case['tracks']}) qdur:({qdur})",
            ("title", "rcredit"),
        ),
        "picard-release": (
            "release",
            f"artist:({escape(case['credit'])}) release:({escape(case['rtitle'])}) tracks:({case['total']})",
            ("rtitle", "credit"),
        ),
        "unfielded": ("release", f"{b(case['rtitle'])} {b(case['credit'])}", ("rtitle", "credit")),
    }  # fmt: skip


BASELINE = {
    "release": "SELECT r.id FROM musicbrainz.release r JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit "
    "WHERE r.name ILIKE %s AND ac.name ILIKE %s LIMIT 5",
    "recording": "SELECT r.id FROM musicbrainz.recording r JOIN musicbrainz.artist_credit ac "
    "ON ac.id = r.artist_credit WHERE r.name ILIKE %s AND ac.name ILIKE %s LIMIT 5",
}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


async def run_queries(url: str, drawn: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    conn = await AsyncConnection.connect(libpq_url(url), autocommit=True)
    async with conn:
        key_sql = {
            "release": "SELECT r.name, ac.name FROM musicbrainz.release r JOIN musicbrainz.artist_credit ac "
            "ON ac.id = r.artist_credit WHERE r.id = %s",
            "recording": "SELECT r.name, ac.name FROM musicbrainz.recording r JOIN musicbrainz.artist_credit ac "
            "ON ac.id = r.artist_credit WHERE r.id = %s",
        }
        for scenario in queries(drawn[0]):
            times: list[float] = []
            base_times: list[float] = []
            first = timeouts = 0
            for case in drawn:
                core, text, fields = queries(case)[scenario]
                started = time.perf_counter()
                try:
                    result = await search(conn, core, parse_lenient(text), limit=5, offset=0)
                except SearchTimeout:
                    result = None
                    timeouts += 1
                times.append((time.perf_counter() - started) * 1000)
                if result is not None and result.hits:
                    row = await (await conn.execute(key_sql[core], (result.hits[0].id,))).fetchone()  # type: ignore[arg-type]
                    first += row is not None and words(*row) == words(*(case[f] for f in fields))
                started = time.perf_counter()
                await conn.execute(BASELINE[core], (_like(str(case[fields[0]])), _like(str(case[fields[1]]))))  # type: ignore[arg-type]
                base_times.append((time.perf_counter() - started) * 1000)
            report[scenario] = {
                "search": percentiles(times),
                "ilike": percentiles(base_times),
                "first": first / len(drawn),
                "timeouts": timeouts,
            }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=140.0)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cluster-dir", type=Path, default=None, help="keep (or reuse) the imported cluster here")
    parser.add_argument(
        "--floor", action="store_true", help="also measure the build's server-only floor (bench/search_floor.py)"
    )
    args = parser.parse_args(argv)
    # The build's own log: each table's documents, index, vocabulary and ANALYZE times, then its total and the
    # CPU time its Python processes took (the rest of the machine's is PostgreSQL's).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("build: %(message)s"))
    build_log = logging.getLogger("mirror.search.build")
    build_log.addHandler(handler)
    build_log.setLevel(logging.INFO)
    with cluster(args.cluster_dir) as url:
        phases = imported(url, args.cluster_dir, args.scale, args.seed)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            counts = dict(conn.execute("SELECT core, docs FROM search.stats").fetchall())
            search_size, data_size = sizes(conn)
            drawn = cases(conn, args.queries, args.seed)
        build = phases.get("search", 0.0)
        import_s = phases.get("load", 0.0) + phases.get("index", 0.0)
        report: dict[str, Any] = {
            "scale": args.scale,
            "documents": counts,
            "phases_s": phases,
            "build_s": build,
            "import_s": import_s,
            "build_over_import": build / import_s if import_s else None,
            "search_bytes": search_size,
            "data_bytes": data_size,
            "queries": asyncio.run(run_queries(url, drawn)),
        }
        if args.floor:
            report["floor_s"] = floor(libpq_url(url))
    print(f"recordings {counts.get('recording', 0):,}, releases {counts.get('release', 0):,}, "
          f"artists {counts.get('artist', 0):,}")  # fmt: skip
    print(
        f"import (load + index) {import_s:.1f} s; search build {build:.1f} s; ratio {report['build_over_import']:.2f}"
    )
    if args.floor:
        steps = report["floor_s"]
        total = sum(steps.values())
        report["floor_over_import"] = total / import_s if import_s else None
        print(
            f"server-only floor (the build if Python's analysis took no time) {total:.1f} s, "
            f"{report['floor_over_import']:.2f} x the import: "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
        )
    print(f"search index {search_size / 2**20:.0f} MiB; covered tables {data_size / 2**20:.0f} MiB")
    print(f"{'scenario':18} {'search p50/p95/p99 ms':>24} {'ILIKE p50/p95/p99 ms':>24} {'first':>6}")
    for scenario, figures in report["queries"].items():
        s, b = figures["search"], figures["ilike"]
        timeouts = f"  {figures['timeouts']} timed out" if figures["timeouts"] else ""
        print(
            f"{scenario:18} {s['p50']:7.1f} {s['p95']:7.1f} {s['p99']:7.1f}  {b['p50']:7.1f} {b['p95']:7.1f} "
            f"{b['p99']:7.1f} {figures['first']:6.0%}{timeouts}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

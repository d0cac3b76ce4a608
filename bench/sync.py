"""Benchmark: apply one replication packet of 100k changes in 10k transactions to a synthetic mirror.

Usage::

    .venv/bin/python bench/sync.py [--database-url URL] [--changes 100000] [--transactions 10000]

Without ``--database-url`` a throwaway embedded cluster is started (and destroyed) in a temporary directory,
with the server's default durability settings. The synthetic mirror holds artists, aliases, artist_meta,
relationships, recordings and tracks; each transaction looks like an edit (inserts, updates of a few columns,
deletes across several tables), and transactions interleave. The same packet is applied twice from the same
starting copy: by ``mirror.replicate.apply_packet`` (set-based, one transaction) and naively, one statement per
change in apply order (also in one transaction). Both results are checked to be identical, then the figures are
printed. Each timed database is vacuumed, analysed and checkpointed before (and after) its run, as a mirror is
between hourly packets, so that no run competes with autovacuum work left by a build or another run.
``--verify-search`` also compares the refreshed search index with a full rebuild.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's mirror, not an installed one

from mirror import migrate
from mirror.db import libpq_url, make_engine
from mirror.embedded import throwaway_cluster
from mirror.packet import Packet, read_packet, split_table_name
from mirror.replicate import apply_order, apply_packet, load_catalog
from mirror.search.build import rebuild
from mirror.search.catalog import CATALOG
from mirror.search.schema import SEARCH_SCHEMA
from mirror.tools.packets import Change, delete, insert, packet_bytes, packet_time, primary_key, synthetic_row, update

TABLES = (
    "musicbrainz.artist",
    "musicbrainz.artist_alias",
    "musicbrainz.artist_meta",
    "musicbrainz.l_artist_artist",
    "musicbrainz.recording",
    "musicbrainz.track",
)
SEQUENCE = 1000


def seed(url: str, rows_per_table: int) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO musicbrainz.replication_control VALUES (1, 31, %s, %s)",
            (SEQUENCE - 1, packet_time(SEQUENCE - 1)),
        )
        for table in TABLES:
            ident = sql.Identifier(*table.split("."))
            statement = sql.SQL("INSERT INTO {t} SELECT * FROM json_populate_recordset(NULL::{t}, %s::json)")
            for start in range(1, rows_per_table + 1, 10_000):
                batch = [synthetic_row(table, n) for n in range(start, min(start + 10_000, rows_per_table + 1))]
                conn.execute(statement.format(t=ident), (Json(batch),))
        conn.execute("ANALYZE")


def traffic(rows_per_table: int, changes: int, transactions: int, rng: random.Random) -> list[Change]:
    """Edit-like transactions over existing and new rows, interleaved in windows of a few transactions."""
    live = {table: list(range(1, rows_per_table + 1)) for table in TABLES}
    next_id = rows_per_table + 1
    per_xid = max(1, changes // transactions)
    groups: list[list[Change]] = []
    for xid in range(1, transactions + 1):
        group: list[Change] = []
        for _ in range(per_xid):
            table = rng.choice(TABLES)
            roll = rng.random()
            if roll < 0.5:
                group.append(insert(table, synthetic_row(table, next_id), xid=xid))
                live[table].append(next_id)
                next_id += 1
            else:
                position = rng.randrange(len(live[table]))
                key = live[table][position]
                old = synthetic_row(table, key)
                if roll < 0.85:
                    fresh = synthetic_row(table, key + 7)
                    columns = [c for c in old if c not in primary_key(table) and c != "gid"]
                    group.append(update(table, old, {c: fresh[c] for c in rng.sample(columns, 2)}, xid=xid))
                    live[table].pop(position)  # updated rows are not touched again (their old row changed)
                else:
                    group.append(delete(table, old, xid=xid))
                    live[table].pop(position)
        groups.append(group)
    ordered: list[Change] = []
    window = 4
    for start in range(0, len(groups), window):
        pending = [list(g) for g in groups[start : start + window]]
        while any(pending):  # round-robin: seqids of neighbouring transactions interleave
            for group in pending:
                if group:
                    ordered.append(group.pop(0))
    return ordered


def apply_naively(conn: psycopg.Connection[Any], packet: Packet) -> None:
    """One statement (one round trip) per change, in apply order, in one transaction."""
    catalog = load_catalog(conn)
    with conn.transaction():
        for change in apply_order(packet.changes):
            info = catalog.get(split_table_name(change.table))
            if info is None:
                continue
            table = info.identifier
            key = info.primary_key
            where = sql.SQL(" AND ").join(sql.SQL("t.{c} = k.{c}").format(c=sql.Identifier(c)) for c in key)
            if change.op == "i" and change.new is not None:
                cols = sql.SQL(", ").join(sql.Identifier(c) for c in info.columns if c in change.new)
                conn.execute(
                    sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM json_populate_record(NULL::{t}, %s::json)").format(
                        t=table, c=cols
                    ),
                    (change.new_json,),
                )
            elif change.op == "d":
                conn.execute(
                    sql.SQL(
                        "DELETE FROM {t} AS t USING json_populate_record(NULL::{t}, %s::json) AS k WHERE {w}"
                    ).format(t=table, w=where),
                    (change.old_json,),
                )
            elif change.old is not None and change.new is not None:
                old, new = change.old, change.new
                changed = [c for c in info.columns if c in new and old.get(c) != new[c]]
                if not changed:
                    continue
                sets = sql.SQL(", ").join(sql.SQL("{c} = n.{c}").format(c=sql.Identifier(c)) for c in changed)
                conn.execute(
                    sql.SQL(
                        "UPDATE {t} AS t SET {s} FROM json_populate_record(NULL::{t}, %s::json) AS n, "
                        "json_populate_record(NULL::{t}, %s::json) AS k WHERE {w}"
                    ).format(t=table, s=sets, w=where),
                    (change.new_json, change.old_json),
                )


def fingerprint(url: str) -> str:
    digest = hashlib.sha256()
    with psycopg.connect(libpq_url(url)) as conn:
        for table in (*TABLES, "musicbrainz.replication_control"):
            ident = sql.Identifier(*table.split("."))
            rows = conn.execute(sql.SQL("SELECT t::text FROM {} AS t ORDER BY 1").format(ident)).fetchall()
            digest.update(repr(rows).encode())
    return digest.hexdigest()


def search_rows(url: str) -> dict[str, dict[Any, str]]:
    """Per search table (and the vocabulary), a digest of each row by its key."""
    with psycopg.connect(libpq_url(url)) as conn:
        out: dict[str, dict[Any, str]] = {}
        for core in CATALOG.values():
            query = sql.SQL("SELECT t.id, md5(t.doc::text || t::text) FROM {} t").format(
                sql.Identifier(SEARCH_SCHEMA, core.table)
            )
            out[core.table] = dict(conn.execute(query).fetchall())
        vocab = conn.execute("SELECT core || ' ' || lexeme, df::text FROM search.vocab").fetchall()
        out["vocab"] = dict(vocab)
        out["stats"] = dict(conn.execute("SELECT core, docs::text FROM search.stats").fetchall())
    return out


def differences(left: dict[str, dict[Any, str]], right: dict[str, dict[Any, str]]) -> dict[str, int]:
    """Rows that differ (or are on one side only), per table."""
    counts = {}
    for table, rows in left.items():
        other = right.get(table, {})
        differ = sum(1 for key in rows.keys() | other.keys() if rows.get(key) != other.get(key))
        if differ:
            counts[table] = differ
    return counts


def settle(url: str) -> None:
    """Vacuum, analyse and checkpoint a database, as a mirror is between hourly packets: a timed run then competes
    with no autovacuum of a freshly built or freshly changed database (its own or another's)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def clone(admin_url: str, template: str, name: str) -> str:
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def run(
    admin_url: str,
    changes: int,
    transactions: int,
    rows_per_table: int,
    with_search: bool = True,
    verify_search: bool = False,
) -> None:
    template = clone(admin_url, "template1", "mbm_bench_seed")
    engine = make_engine(template)
    migrate.upgrade(engine)
    engine.dispose()
    started = time.perf_counter()
    seed(template, rows_per_table)
    print(f"synthetic mirror: {len(TABLES)} tables x {rows_per_table:,} rows in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    data = packet_bytes(SEQUENCE, traffic(rows_per_table, changes, transactions, random.Random(31)))
    print(f"packet: {len(data) / 1e6:.1f} MB bzip2, written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    packet = read_packet(data, f"replication-{SEQUENCE}-v2.tar.bz2")
    read_seconds = time.perf_counter() - started
    count = len(packet.changes)
    print(f"read + parse (COPY text, JSON): {read_seconds:.2f} s ({count / read_seconds:,.0f} changes/s)")

    settle(template)
    fast_url = clone(admin_url, "mbm_bench_seed", "mbm_bench_fast")
    with psycopg.connect(libpq_url(fast_url), autocommit=True) as conn:
        started = time.perf_counter()
        result = apply_packet(conn, packet)
        apply_seconds = time.perf_counter() - started
    settle(fast_url)
    search_seconds = None
    searched = result
    if with_search:
        search_url = clone(admin_url, "mbm_bench_seed", "mbm_bench_search")
        started = time.perf_counter()
        rebuild(search_url)
        print(f"search index of the synthetic mirror built in {time.perf_counter() - started:.1f} s")
        settle(search_url)
        with psycopg.connect(libpq_url(search_url), autocommit=True) as conn:
            started = time.perf_counter()
            searched = apply_packet(conn, packet)
            search_seconds = time.perf_counter() - started
        settle(search_url)
        if verify_search:
            refreshed = search_rows(search_url)
            rebuild(search_url)
            differ = differences(refreshed, search_rows(search_url))
            print(f"search index after the packet against a full rebuild: rows that differ {differ or 'none'}")
    naive_url = clone(admin_url, "mbm_bench_seed", "mbm_bench_naive")
    with psycopg.connect(libpq_url(naive_url), autocommit=True) as conn:
        started = time.perf_counter()
        apply_naively(conn, packet)
        naive_seconds = time.perf_counter() - started
    same = fingerprint(fast_url) == fingerprint(naive_url)

    total = read_seconds + apply_seconds
    print(
        f"changes: {count:,} in {len({c.xid for c in packet.changes}):,} transactions, {result.statements} statements"
    )
    print(f"set-based apply:  {apply_seconds:7.2f} s  {count / apply_seconds:10,.0f} changes/s")
    print(f"  with read:      {total:7.2f} s  {count / total:10,.0f} changes/s  (time per packet)")
    if search_seconds is not None:
        rate = count / search_seconds
        print(f"apply + search:   {search_seconds:7.2f} s  {rate:10,.0f} changes/s  (search documents kept current)")
        with_read = read_seconds + search_seconds
        print(f"  with read:      {with_read:7.2f} s  {count / with_read:10,.0f} changes/s")
        print(
            f"  search refresh: {searched.search_seconds:7.2f} s, {searched.search_documents:,} documents rebuilt, "
            f"{searched.search_changed:,} changed"
        )
    print(f"naive per row:    {naive_seconds:7.2f} s  {count / naive_seconds:10,.0f} changes/s")
    print(f"speed-up: {naive_seconds / apply_seconds:.1f}x; results identical: {same}")
    for name in ("mbm_bench_fast", "mbm_bench_search", "mbm_bench_naive", "mbm_bench_seed"):
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    if not same:
        sys.exit("set-based and naive results differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="any database on a server where the user may CREATE DATABASE")
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per table in the synthetic mirror")
    parser.add_argument(
        "--verify-search", action="store_true", help="also rebuild the search index and compare (a few minutes)"
    )
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.changes, args.transactions, args.rows, verify_search=args.verify_search)
        return
    with throwaway_cluster("mbmirror-bench-sync-") as (_, info):
        run(info.url, args.changes, args.transactions, args.rows, verify_search=args.verify_search)


if __name__ == "__main__":
    main()

"""``search()``: run a parsed query against one core's search table and rank the hits.

1. Compile (``mirror.search.compile``), looking up in ``search.vocab`` what the compiler asks for: document
   frequencies of the query's lexemes, typo-tolerant alternatives (vocabulary words of the same field within
   the edit distance, found by prefix and by suffix, measured with rapidfuzz's optimal string alignment: a
   transposition is one edit), wildcard and text-range expansions (at most ``max_expansions`` words each).
2. Candidates: first the documents matching *every* positive term (the strict form: found quickly through the
   GIN index, and they outrank documents matching fewer terms); when they do not fill the page, the documents
   matching the Lucene condition. At most ``candidate_cap`` candidates are scored.
3. Score each candidate (``raw``), order by score, popularity, id; ``score`` = ``int(raw / best * 100)``.
4. ``total``: exact when the matching documents number fewer than ``count_cap``, otherwise ``count_cap``.

Everything runs in one transaction with ``SET LOCAL statement_timeout`` (3 s by default, like upstream's
``timeAllowed``); a cancelled statement becomes ``SearchTimeout``. Every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.rows import tuple_row
from rapidfuzz.distance import OSA

from mirror.errors import SearchError, SearchTimeout
from mirror.search.catalog import CATALOG, CORES
from mirror.search.compile import Compiled, Lookup, Match, Params, compile_query
from mirror.search.cores import Core
from mirror.search.lucene import Node
from mirror.search.schema import SEARCH_SCHEMA, STATS_TABLE, VOCAB_TABLE, typed_column

__all__ = ["CORES", "Hit", "SearchOptions", "SearchResult", "search"]

_TOP = "\U0010ffff"  # sorts after every character in the C collation: prefix ranges [p, p + _TOP)


@dataclass(frozen=True)
class Hit:
    id: int  # row id in the core's table (release_raw.id for cdstub)
    score: int  # 0-100, best hit of the whole result = 100
    raw: float  # unnormalised score


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]


@dataclass(frozen=True)
class SearchOptions:
    """Work limits of one search."""

    timeout_ms: int = 3000
    candidate_cap: int = 5000
    count_cap: int = 10_000
    max_terms: int = 512
    max_expansions: int = 64
    max_fuzzy: int = 8
    fuzzy_scan: int = 2000


def _table(core: Core) -> sql.Identifier:
    return sql.Identifier(SEARCH_SCHEMA, core.table)


async def _rows(conn: AsyncConnection[Any], query: sql.Composed | sql.SQL, params: Any) -> list[tuple[Any, ...]]:
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def _fetch(conn: AsyncConnection[Any], core: Core, lookup: Lookup, opts: SearchOptions) -> None:
    vocab = sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE)
    if lookup.want_df:
        wanted = sorted(lookup.want_df)
        query = sql.SQL("SELECT lexeme, df FROM {} WHERE core = %s AND lexeme = ANY(%s)").format(vocab)
        found = dict(await _rows(conn, query, (core.name, wanted)))
        for lexeme in wanted:
            lookup.df[lexeme] = int(found.get(lexeme, 0))
        lookup.want_df.clear()
    for key in sorted(lookup.want_expansions, key=repr):
        if key[0] == "fuzzy":
            lookup.expansions[key] = await _fuzzy(conn, core, key[1], key[2], key[3], opts)
        elif key[0] == "wildcard":
            lookup.expansions[key] = await _wildcard(conn, core, key[1], key[2], opts)
        else:
            lookup.expansions[key] = await _text_range(conn, core, key, opts)
    lookup.want_expansions.clear()


async def _fuzzy(
    conn: AsyncConnection[Any], core: Core, name: str, word: str, edits: int, opts: SearchOptions
) -> list[tuple[str, int, int]]:
    """Vocabulary words of the field within ``edits`` of ``word``: candidates sharing its first one or two
    letters or its last two (a typo rarely hits both ends), then the exact distance."""
    head = f"{name}:{word[: 1 if len(word) < 5 else 2]}"
    tail = word[-2:][::-1]
    query = sql.SQL(
        "(SELECT lexeme, df FROM {v} WHERE core = %(core)s AND lexeme >= %(lo)s AND lexeme < %(hi)s"
        " AND length(lexeme) BETWEEN %(min)s AND %(max)s LIMIT %(cap)s) UNION "
        '(SELECT lexeme, df FROM {v} WHERE core = %(core)s AND reverse(lexeme) COLLATE "C" >= %(rlo)s'
        ' AND reverse(lexeme) COLLATE "C" < %(rhi)s AND left(lexeme, %(plen)s) = %(prefix)s'
        " AND length(lexeme) BETWEEN %(min)s AND %(max)s LIMIT %(cap)s)"
    ).format(v=sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE))
    size = len(name) + 1 + len(word)
    params = {
        "core": core.name,
        "lo": head,
        "hi": head + _TOP,
        "rlo": tail,
        "rhi": tail + _TOP,
        "plen": len(name) + 1,
        "prefix": name + ":",
        "min": size - edits,
        "max": size + edits,
        "cap": opts.fuzzy_scan,
    }
    scored: list[tuple[int, int, str]] = []
    start = len(name) + 1
    for lexeme, df in await _rows(conn, query, params):
        distance = OSA.distance(word, lexeme[start:], score_cutoff=edits)
        if distance <= edits:
            scored.append((distance, -int(df), lexeme))
    scored.sort()
    return [(lexeme, -neg_df, distance) for distance, neg_df, lexeme in scored[: opts.max_fuzzy]]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _wildcard(
    conn: AsyncConnection[Any], core: Core, name: str, pattern: str, opts: SearchOptions
) -> list[tuple[str, int, int]]:
    cut = min((i for i, c in enumerate(pattern) if c in "*?"), default=len(pattern))
    prefix = f"{name}:{pattern[:cut]}"
    like = "".join("%" if c == "*" else "_" if c == "?" else _like(c) for c in f"{name}:{pattern}")
    query = sql.SQL(
        "SELECT lexeme, df FROM {} WHERE core = %s AND lexeme >= %s AND lexeme < %s AND lexeme LIKE %s"
        " ORDER BY df DESC LIMIT %s"
    ).format(sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE))
    rows = await _rows(conn, query, (core.name, prefix, prefix + _TOP, like, opts.max_expansions))
    return [(str(lexeme), int(df), 0) for lexeme, df in rows]


async def _text_range(
    conn: AsyncConnection[Any], core: Core, key: tuple[Any, ...], opts: SearchOptions
) -> list[tuple[str, int, int]]:
    _, name, low, high, include_low, include_high = key
    field = f"{name}:"
    lo = field + low if low is not None else field
    hi = field + high if high is not None else field + _TOP
    query = sql.SQL(
        "SELECT lexeme, df FROM {} WHERE core = %s AND lexeme {} %s AND lexeme {} %s AND lexeme >= %s"
        " AND lexeme < %s ORDER BY lexeme LIMIT %s"
    ).format(
        sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE),
        sql.SQL(">=" if include_low or low is None else ">"),
        sql.SQL("<=" if include_high or high is None else "<"),
    )
    rows = await _rows(conn, query, (core.name, lo, hi, field, field + _TOP, opts.max_expansions))
    return [(str(lexeme), int(df), 0) for lexeme, df in rows]


async def _documents(conn: AsyncConnection[Any], core: Core) -> int:
    query = sql.SQL("SELECT docs FROM {} WHERE core = %s").format(sql.Identifier(SEARCH_SCHEMA, STATS_TABLE))
    rows = await _rows(conn, query, (core.name,))
    return int(rows[0][0]) if rows else 0


def _columns(core: Core) -> sql.Composed:
    """The candidate's columns; ``doc || ''`` detoasts the document once for all the score's tests."""
    typed = [sql.Identifier(typed_column(n, k)) for n, k in core.typed.items()]
    return sql.SQL(", ").join([sql.SQL("id, pop, doc || ''::tsvector AS doc"), *typed])


async def _rank(
    conn: AsyncConnection[Any], core: Core, compiled: Compiled, cond: Match, limit: int, offset: int, cap: int
) -> list[tuple[Any, ...]]:
    """One page of (id, raw, matches among the candidates, best raw)."""
    params = Params()
    params.values.update(compiled.params.values)
    score: sql.Composable = compiled.score(params)
    if core.pop_weight:
        score = sql.SQL("({} + {} * log(1 + pop))").format(score, params.add(core.pop_weight))
    query = sql.SQL(
        "SELECT id, raw, count(*) OVER () AS n, max(raw) OVER () AS top FROM ("
        "SELECT id, pop, {score} AS raw FROM (SELECT {columns} FROM {table} WHERE {cond} LIMIT {cap}) c) s"
        " ORDER BY raw DESC, pop DESC, id LIMIT {limit} OFFSET {offset}"
    ).format(
        score=score,
        columns=_columns(core),
        table=_table(core),
        cond=cond.sql(params),
        cap=params.add(cap),
        limit=params.add(limit),
        offset=params.add(offset),
    )
    return await _rows(conn, query, params.values)


async def _count(conn: AsyncConnection[Any], core: Core, compiled: Compiled, cap: int) -> int:
    params = Params()
    params.values.update(compiled.params.values)
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {}) x").format(
        _table(core), compiled.loose.sql(params), params.add(cap)
    )
    rows = await _rows(conn, query, params.values)
    return int(rows[0][0])


async def _run(
    conn: AsyncConnection[Any], core: Core, query: Node, limit: int, offset: int, opts: SearchOptions
) -> SearchResult:
    lookup = Lookup(docs=await _documents(conn, core))
    compiled = compile_query(core, query, lookup, max_terms=opts.max_terms, max_expansions=opts.max_expansions)
    for _ in range(3):
        if not lookup.pending:
            break
        await _fetch(conn, core, lookup, opts)
        compiled = compile_query(core, query, lookup, max_terms=opts.max_terms, max_expansions=opts.max_expansions)
    if compiled.loose.const is False or limit <= 0:
        return SearchResult(0, [])
    need = offset + limit
    rows: list[tuple[Any, ...]] = []
    exact_total: int | None = None
    strict_differs = (compiled.strict.ts, compiled.strict.const) != (compiled.loose.ts, compiled.loose.const) or (
        compiled.strict.cond is not compiled.loose.cond
    )
    if strict_differs and compiled.strict.const is not False:
        rows = await _rank(conn, core, compiled, compiled.strict, limit, offset, opts.candidate_cap)
        if not rows or int(rows[0][2]) < need:
            rows = []
    if not rows:
        loose = compiled.loose
        if compiled.selective is not None:  # skip documents that match only very common words
            loose = Match(
                cond=sql.SQL("({} AND {})").format(loose.sql(compiled.params), compiled.selective.sql(compiled.params))
            )
        rows = await _rank(conn, core, compiled, loose, limit, offset, opts.candidate_cap)
        if rows and compiled.selective is None and int(rows[0][2]) < opts.candidate_cap:
            exact_total = int(rows[0][2])
    total = exact_total if exact_total is not None else await _count(conn, core, compiled, opts.count_cap)
    if not rows:
        return SearchResult(total, [])
    top = float(rows[0][3]) or 0.0
    hits = [
        Hit(id=int(row_id), score=int(float(raw) / top * 100) if top > 0 else 100, raw=float(raw))
        for row_id, raw, _, _ in rows
    ]
    return SearchResult(total, hits)


async def search(
    conn: AsyncConnection[Any],
    core: str,
    query: Node,
    *,
    limit: int,
    offset: int,
    options: SearchOptions | None = None,
) -> SearchResult:
    """Search ``core`` (a ws/2 name, see ``CORES``) for ``query``; hits in rank order from ``offset``."""
    spec = CATALOG.get(core)
    if spec is None:
        raise SearchError(f"unknown search core {core!r}; known: {', '.join(CORES)}")
    opts = options or SearchOptions()
    try:
        async with conn.transaction():
            previous = await _rows(conn, sql.SQL("SELECT current_setting('statement_timeout')"), ())
            await conn.execute("SELECT set_config('statement_timeout', %s, true)", (f"{opts.timeout_ms}ms",))
            result = await _run(conn, spec, query, limit, max(0, offset), opts)
            await conn.execute("SELECT set_config('statement_timeout', %s, true)", (previous[0][0],))
            return result
    except psycopg.errors.QueryCanceled as exc:
        raise SearchTimeout(opts.timeout_ms) from exc

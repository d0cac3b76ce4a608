"""``search()``: run a parsed query against one core's search table and rank the hits.

1. Compile (``mirror.search.compile``), looking up in ``search.vocab`` what the compiler asks for: document
   frequencies of the query's lexemes, typo-tolerant alternatives (vocabulary words of the same field within
   the edit distance, found by prefix and by suffix, measured with rapidfuzz's optimal string alignment: a
   transposition is one edit), wildcard and text-range expansions (at most ``max_expansions`` words each).
2. Candidates, in tiers tried in turn until one fills the page (each looked up from its condition's cheapest
   source, ``Match.source``: the GIN index of the rarest leaf of an AND, every branch of an OR, through a link
   for a linked part, and checked with the whole condition, the links' documents joined in; the candidates of a
   tier that did not fill the page are kept in the next): the documents reaching the best possible score
   (every term and whole value matched: their score is known without reading them, so any number of them is
   cheap), those matching *every* positive term, those matching the Lucene condition and one of its rarest
   words (when all of them would be too many to score), then any matching the Lucene condition. At most
   ``candidate_cap`` new candidates per tier.
3. Score each candidate (``raw``), order by score, popularity, id; ``score`` = ``int(raw / best * 100)``.
4. ``total``: exact when the matching documents number fewer than ``exact_count`` (or were all candidates);
   otherwise at least that: the largest document frequency of a word that suffices, if larger; at most
   ``count_cap``. Counting checks every matching document, so it stops at ``exact_count``, and is not made
   when one word or term that suffices is in that many.

Everything runs in one transaction with a local ``statement_timeout`` (3 s by default, like upstream's
``timeAllowed``) and the planner held to streaming nested loops (``_SETTINGS``); a cancelled statement becomes
``SearchTimeout``. Every value is a bound parameter. A linked part's document frequencies stand for the core's
scaled by the ratio of their documents (``_scaled``): a credit stands for several recordings on average.
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
from mirror.search.compile import Compiled, Lookup, compile_query
from mirror.search.cores import Core, Link
from mirror.search.lucene import Node
from mirror.search.match import SCHEMAS, Match, Params, and_
from mirror.search.schema import SEARCH_SCHEMA, STATS_TABLE, VOCAB_TABLE

__all__ = ["CORES", "Hit", "SearchOptions", "SearchResult", "search"]

_TOP = "\U0010ffff"
# A search's session settings (restored afterwards: the caller's transaction may go on). Its statements read a
# few candidates by key until a LIMIT: nested loops that stop early, never a scan, a hash or a sort of a whole
# table (the planner's estimates for tsquery conditions are too rough to trust it there), no parallel workers
# (their start costs more than these plans), no JIT (a discouraged scan's cost made plans look big enough to
# compile, for hundreds of milliseconds). The timeout's value comes from the options.
_SETTINGS = {
    "statement_timeout": "",
    "enable_seqscan": "off",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
}  # sorts after every character in the C collation: prefix ranges [p, p + _TOP)


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
    candidate_cap: int = 1000  # new candidates scored per tier
    rare_cap: int = 1000  # the rarest words' tier: how many documents they may match together
    count_cap: int = 10_000  # the largest total reported
    exact_count: int = 1000  # totals below this are exact
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


def _namespace(core: Core, lexeme: str) -> str:
    """The vocabulary's name for the part holding a ``field:word`` lexeme."""
    return core.part_of(lexeme.split(":", 1)[0]).name


def _namespaces(core: Core) -> list[str]:
    return [core.name, *(link.part.name for link in core.links)]


def _scaled(lookup: Lookup, namespace: str, df: int) -> int:
    """A part's document frequency as the core's: a linked part's documents stand for ``factor`` of the core's
    each on average (a credit for several recordings); never more than the core's documents."""
    factor = lookup.factors.get(namespace, 1.0)
    if df <= 0 or factor == 1.0:
        return df
    return max(1, min(lookup.docs, round(df * factor)))


async def _fetch(
    conn: AsyncConnection[Any], core: Core, lookup: Lookup, opts: SearchOptions, *, documents: bool = False
) -> None:
    """Fetch what the compiler asked for; with ``documents``, also the number of documents of the core and of
    its linked parts (one round trip for both: the rows with a NULL lexeme)."""
    vocab = sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE)
    if lookup.want_df or documents:
        wanted = sorted(lookup.want_df)
        spaces = {lexeme: _namespace(core, lexeme) for lexeme in wanted}
        query = sql.SQL("SELECT core, lexeme, df FROM {} WHERE core = ANY(%s) AND lexeme = ANY(%s)").format(vocab)
        args: tuple[Any, ...] = (sorted(set(spaces.values())), wanted)
        if documents:
            query = sql.SQL("SELECT core, NULL, docs FROM {} WHERE core = ANY(%s) UNION ALL {}").format(
                sql.Identifier(SEARCH_SCHEMA, STATS_TABLE), query
            )
            args = (_namespaces(core), *args)
        found: dict[tuple[str, str | None], int] = {}
        for namespace, lexeme, df in await _rows(conn, query, args):
            found[(namespace, lexeme)] = int(df)
        if documents:
            lookup.docs = found.get((core.name, None), 0)
            for link in core.links:
                part_docs = found.get((link.part.name, None), 0)
                lookup.factors[link.part.name] = lookup.docs / part_docs if part_docs else 1.0
        for lexeme in wanted:
            lookup.df[lexeme] = _scaled(lookup, spaces[lexeme], found.get((spaces[lexeme], lexeme), 0))
        lookup.want_df.clear()
    keys = sorted(lookup.want_expansions, key=repr)
    fuzzy = [key for key in keys if key[0] == "fuzzy"]
    if fuzzy:
        lookup.expansions.update(zip(fuzzy, await _fuzzy(conn, core, lookup, fuzzy, opts), strict=True))
    for key in keys:
        if key[0] == "wildcard":
            lookup.expansions[key] = await _wildcard(conn, core, lookup, key[1], key[2], opts)
        elif key[0] == "range":
            lookup.expansions[key] = await _text_range(conn, core, lookup, key, opts)
    lookup.want_expansions.clear()


async def _fuzzy(
    conn: AsyncConnection[Any], core: Core, lookup: Lookup, keys: list[tuple[Any, ...]], opts: SearchOptions
) -> list[list[tuple[str, int, int]]]:
    """Per ``("fuzzy", field, word, edits)``: vocabulary words of the field within ``edits`` of ``word``:
    candidates sharing its first one or two letters or its last two (a typo rarely hits both ends), then the
    exact distance. One round trip for all the words."""
    parts: list[sql.Composable] = []
    params: dict[str, Any] = {"cap": opts.fuzzy_scan}
    for i, (_, name, word, edits) in enumerate(keys):
        head = f"{name}:{word[: 1 if len(word) < 5 else 2]}"
        tail = word[-2:][::-1]
        size = len(name) + 1 + len(word)
        values = {
            "core": core.part_of(name).name,
            "lo": head,
            "hi": head + _TOP,
            "rlo": tail,
            "rhi": tail + _TOP,
            "plen": len(name) + 1,
            "prefix": name + ":",
            "min": size - edits,
            "max": size + edits,
        }
        params.update({f"{k}{i}": v for k, v in values.items()})
        p = {k: sql.Placeholder(f"{k}{i}") for k in values}
        parts.append(
            sql.SQL(
                "SELECT {i} AS k, lexeme, df FROM ("
                "(SELECT lexeme, df FROM {v} WHERE core = {core} AND lexeme >= {lo} AND lexeme < {hi}"
                " AND length(lexeme) BETWEEN {min} AND {max} LIMIT %(cap)s) UNION "
                '(SELECT lexeme, df FROM {v} WHERE core = {core} AND reverse(lexeme) COLLATE "C" >= {rlo}'
                ' AND reverse(lexeme) COLLATE "C" < {rhi} AND left(lexeme, {plen}) = {prefix}'
                " AND length(lexeme) BETWEEN {min} AND {max} LIMIT %(cap)s)) x{i}"
            ).format(i=sql.Literal(i), v=sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE), **p)
        )
    scored: list[list[tuple[int, int, str]]] = [[] for _ in keys]
    for i, lexeme, df in await _rows(conn, sql.SQL(" UNION ALL ").join(parts), params):
        _, name, word, edits = keys[i]
        distance = OSA.distance(word, lexeme[len(name) + 1 :], score_cutoff=edits)
        if distance <= edits:
            scored[i].append((distance, -_scaled(lookup, core.part_of(name).name, int(df)), lexeme))
    return [
        [(lexeme, -neg_df, distance) for distance, neg_df, lexeme in sorted(found)[: opts.max_fuzzy]]
        for found in scored
    ]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _wildcard(
    conn: AsyncConnection[Any], core: Core, lookup: Lookup, name: str, pattern: str, opts: SearchOptions
) -> list[tuple[str, int, int]]:
    cut = min((i for i, c in enumerate(pattern) if c in "*?"), default=len(pattern))
    prefix = f"{name}:{pattern[:cut]}"
    like = "".join("%" if c == "*" else "_" if c == "?" else _like(c) for c in f"{name}:{pattern}")
    query = sql.SQL(
        "SELECT lexeme, df FROM {} WHERE core = %s AND lexeme >= %s AND lexeme < %s AND lexeme LIKE %s"
        " ORDER BY df DESC LIMIT %s"
    ).format(sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE))
    namespace = core.part_of(name).name
    rows = await _rows(conn, query, (namespace, prefix, prefix + _TOP, like, opts.max_expansions))
    return [(str(lexeme), _scaled(lookup, namespace, int(df)), 0) for lexeme, df in rows]


async def _text_range(
    conn: AsyncConnection[Any], core: Core, lookup: Lookup, key: tuple[Any, ...], opts: SearchOptions
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
    namespace = core.part_of(name).name
    rows = await _rows(conn, query, (namespace, lo, hi, field, field + _TOP, opts.max_expansions))
    return [(str(lexeme), _scaled(lookup, namespace, int(df)), 0) for lexeme, df in rows]


def _joins(links: list[Link]) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(link.join).format(**SCHEMAS) for link in links)


def _merge_links(*groups: list[Link]) -> list[Link]:
    found: list[Link] = []
    for group in groups:
        found.extend(link for link in group if link not in found)
    return found


async def _rank(
    conn: AsyncConnection[Any],
    core: Core,
    compiled: Compiled,
    cond: Match,
    need: int,
    cap: int,
    carried: list[int],
    *,
    best: bool = False,
) -> list[tuple[Any, ...]]:
    """The first ``need`` of (id, raw, number of candidates, best raw, rows the capped lookup gave), the
    candidates being ``carried`` (ids found by an earlier tier) and at most ``cap`` other documents matching
    ``cond`` (fewer when a document came in several rows: through a link with several rows per entity), looked
    up from its
    cheapest source (``Match.source``) and checked with the condition itself. ``best``: every candidate scores
    ``compiled.best_score``, so no score is computed."""
    params = Params()
    params.values.update(compiled.params.values)
    score: sql.Composable
    score = sql.SQL("{}::float8").format(params.add(compiled.best_score)) if best else compiled.score(params)
    if core.pop_weight:
        score = sql.SQL("({} + {} * log(1 + x.pop))").format(score, params.add(core.pop_weight))
    joins = _joins(_merge_links(cond.links(), [] if best else compiled.links()))
    where = cond.sql(params)
    table = _table(core)
    parts: list[sql.Composable] = []
    if carried:
        ids = params.add(carried)
        parts.append(
            sql.SQL(
                "(SELECT x.id, x.pop, {score} AS raw, 0 AS fresh FROM {table} x{joins} WHERE x.id = ANY({ids}))"
            ).format(score=score, table=table, joins=joins, ids=ids)
        )
        where = sql.SQL("{} AND NOT (x.id = ANY({}))").format(where, ids)
    parts.append(
        sql.SQL(
            "(SELECT x.id, x.pop, {score} AS raw, 1 AS fresh FROM ({source}) r JOIN {table} x ON x.id = r.id{joins}"
            " WHERE {where} AND {first} LIMIT {cap})"
        ).format(
            score=score,
            source=cond.source(core.table, params),
            table=table,
            joins=joins,
            where=where,
            first=cond.first_branch(params),
            cap=params.add(cap),
        )
    )
    query = sql.SQL(
        "SELECT id, raw, count(*) OVER () AS n, max(raw) OVER () AS top, fresh FROM ("
        "SELECT DISTINCT ON (id) id, pop, raw, sum(fresh) OVER () AS fresh FROM ({candidates}) u ORDER BY id"
        ") s ORDER BY raw DESC, pop DESC, id LIMIT {need}"
    ).format(candidates=sql.SQL(" UNION ALL ").join(parts), need=params.add(need))
    return await _rows(conn, query, params.values)


async def _count(conn: AsyncConnection[Any], core: Core, compiled: Compiled, opts: SearchOptions) -> int:
    """The total: see the module's docstring."""
    exact = min(opts.exact_count, opts.count_cap)
    if compiled.loose_min < exact:
        params = Params()
        params.values.update(compiled.params.values)
        loose = compiled.loose
        query = sql.SQL(
            "SELECT count(DISTINCT id), count(*) FROM (SELECT x.id FROM ({source}) r JOIN {table} x ON x.id = r.id"
            "{joins} WHERE {where} AND {first} LIMIT {exact}) c"
        ).format(
            source=loose.source(core.table, params),
            table=_table(core),
            joins=_joins(loose.links()),
            where=loose.sql(params),
            first=loose.first_branch(params),
            exact=params.add(exact),
        )
        distinct, counted = (await _rows(conn, query, params.values))[0]
        if int(counted) < exact:
            return int(distinct)
    return min(opts.count_cap, max(exact, compiled.loose_min))


def _tiers(compiled: Compiled, need: int, opts: SearchOptions) -> list[tuple[Match, bool]]:
    """The candidate conditions, tried in turn until one fills the page: the documents with the best possible
    score, those matching every positive term, then the Lucene condition (restricted to its rarest words when
    they are too many to score, and then unrestricted if those do not fill the page)."""
    tiers: list[tuple[Match, bool]] = []
    best = compiled.best
    if best is not None and best.const is not False:
        tiers.append((best, True))
    strict, loose = compiled.strict, compiled.loose
    if strict.const is not False and (strict.ts, strict.const, strict.cond) != (loose.ts, loose.const, loose.cond):
        tiers.append((strict, False))
    rare = compiled.rarest(opts.rare_cap, need)
    if rare is not None:
        tiers.append((and_([loose, rare], compiled.params), False))
    tiers.append((loose, False))
    return tiers


async def _run(
    conn: AsyncConnection[Any], core: Core, query: Node, limit: int, offset: int, opts: SearchOptions
) -> SearchResult:
    lookup = Lookup(docs=0)
    compiled = compile_query(core, query, lookup, max_terms=opts.max_terms, max_expansions=opts.max_expansions)
    for attempt in range(4):
        if attempt and not lookup.pending:
            break
        await _fetch(conn, core, lookup, opts, documents=not attempt)
        compiled = compile_query(core, query, lookup, max_terms=opts.max_terms, max_expansions=opts.max_expansions)
    if compiled.loose.const is False or limit <= 0:
        return SearchResult(0, [])
    need = offset + limit
    rows: list[tuple[Any, ...]] = []
    carried: list[int] = []
    exact_total: int | None = None
    tiers = _tiers(compiled, need, opts)
    for number, (cond, best) in enumerate(tiers):
        rows = await _rank(conn, core, compiled, cond, need, opts.candidate_cap, carried, best=best)
        found = int(rows[0][2]) if rows else len(carried)
        if number == len(tiers) - 1:
            looked_up = int(rows[0][4]) if rows else 0
            if cond is compiled.loose and looked_up < opts.candidate_cap:  # the lookup was not cut short
                exact_total = found
        elif found >= need:
            break
        carried = [int(row[0]) for row in rows]
    total = exact_total if exact_total is not None else await _count(conn, core, compiled, opts)
    rows = rows[offset:]
    if not rows:
        return SearchResult(total, [])
    top = float(rows[0][3]) or 0.0
    hits = [
        Hit(id=int(row_id), score=int(float(raw) / top * 100) if top > 0 else 100, raw=float(raw))
        for row_id, raw, _, _, _ in rows
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
            previous = await _rows(
                conn,
                sql.SQL("SELECT {}, {}").format(
                    sql.SQL(", ").join(sql.SQL("current_setting({})").format(sql.Literal(n)) for n in _SETTINGS),
                    sql.SQL(", ").join(sql.SQL("set_config({}, %s, true)").format(sql.Literal(n)) for n in _SETTINGS),
                ),
                (f"{opts.timeout_ms}ms", *list(_SETTINGS.values())[1:]),
            )
            result = await _run(conn, spec, query, limit, max(0, offset), opts)
            await conn.execute(
                sql.SQL("SELECT {}").format(
                    sql.SQL(", ").join(sql.SQL("set_config({}, %s, true)").format(sql.Literal(n)) for n in _SETTINGS)
                ),
                previous[0][: len(_SETTINGS)],
            )
            return result
    except psycopg.errors.QueryCanceled as exc:
        raise SearchTimeout(opts.timeout_ms) from exc

"""Run several independent statements in one round trip, as one statement.

``await fetch_many(conn, [(query, params), ...])`` returns the rows of each statement, in order. Two or more
statements are sent as a single prepared statement, each one a subquery aggregated to a JSON array
(``SELECT (SELECT json_agg(...) FROM (<query 1>) q), (SELECT json_agg(...) FROM (<query 2>) q), ...``), so a
lookup costs one statement and one round trip per dependency level, whatever the number of queries in it.
On a busy server the per-statement work (sending, parsing and binding each statement, reading each result, in
the client and in PostgreSQL) costs more than the queries themselves; JSON arrays are decoded in C.

Rows are tuples unless ``dicts`` is set (then dicts keyed by column name: the column names must be unique).
Values come back as JSON types: text (cast uuids, dates and timestamps to text in the query), numbers,
booleans, arrays as lists, ``json`` columns as nested values. Each subquery's ``ORDER BY`` is kept (the
aggregate reads the rows of the ordered subquery in order). Statements are sent with PostgreSQL's ``$n``
placeholders, converted from psycopg's once per query text (``raw_query``); id lists go as array literals.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeAlias
from weakref import WeakKeyDictionary

from psycopg import AsyncConnection, AsyncRawCursor, sql
from psycopg.rows import dict_row, tuple_row

Query: TypeAlias = "str | sql.Composed | sql.SQL"
Params: TypeAlias = "Sequence[Any] | Mapping[str, Any]"
Statement: TypeAlias = "tuple[Query, Params]"

# How many turns of the event loop the first statement of a batch waits for its siblings: a loader that gathers
# its rows and their extras (``api.ws2.common.with_extras``) beside a sibling that queries at once submits a turn
# later than the sibling.
GATHER_TURNS = 2

# psycopg's placeholders (``%%`` is a literal percent); any other ``%`` is an error, as psycopg says.
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s|%s|%")


def _numbered(query: str, start: int) -> tuple[str, list[str]]:
    """``query`` with ``$<start + 1>, ...`` for its placeholders, and the parameter key of each, in order."""
    keys: list[str] = []
    positional = 0

    def number(match: re.Match[str]) -> str:
        nonlocal positional
        text = match.group(0)
        if text == "%%":
            return "%"
        if text == "%":
            raise ValueError(f"only %s and %(name)s placeholders are allowed: {query[:200]!r}")
        if match.group(1) is not None:
            keys.append(match.group(1))
        else:
            keys.append(str(positional))
            positional += 1
        return f"${start + len(keys)}"

    return _PLACEHOLDER.sub(number, query), keys


@lru_cache(maxsize=1024)
def raw_query(query: str) -> tuple[bytes, tuple[str, ...]]:
    """``query`` with PostgreSQL's own ``$1, $2, ...`` placeholders, and the parameter key of each, in order.

    Positional ``%s`` placeholders have their position (as text) for key; a key used twice is sent twice, as
    psycopg does. Statements are sent in this form (``AsyncRawCursor``): psycopg converts a query longer than
    4 KiB again at every execution (its cache stops there), which for the merged statements of a lookup cost
    more client time than decoding their rows.
    """
    text, keys = _numbered(query, 0)
    return text.encode(), tuple(keys)


@lru_cache(maxsize=512)
def merged_query(queries: tuple[tuple[str, bool], ...]) -> tuple[bytes, tuple[tuple[int, str], ...]]:
    """The single statement for ``(query, dicts)`` pairs, with ``$n`` placeholders, and for each ``$n`` the
    index of its query and its key there."""
    columns: list[str] = []
    keys: list[tuple[int, str]] = []
    for index, (query, dicts) in enumerate(queries):
        row = "q" if dicts else "ROW(q.*)"
        numbered, own = _numbered(query, len(keys))
        keys.extend((index, key) for key in own)
        columns.append(f"(SELECT coalesce(json_agg({row}), '[]') FROM ({numbered}) q) AS r{index}")
    return ("SELECT " + ",\n".join(columns)).encode(), tuple(keys)


def _value(value: Any) -> Any:
    """A parameter as sent: a list of ints (the id lists of ``= ANY(%s)``) as its array literal text.

    psycopg's list dumper inspects every element in Python (0.1 ms of client CPU per beets release lookup); the
    literal is sent untyped and PostgreSQL types it from its use, as it typed the array.
    """
    if type(value) is list and all(type(v) is int for v in value):
        return "{" + ",".join(map(str, value)) + "}"
    return value


def _bind(keys: Sequence[str], params: Params) -> list[Any]:
    if isinstance(params, Mapping):
        return [_value(params[key]) for key in keys]
    return [_value(params[int(key)]) for key in keys]


def _text(conn: AsyncConnection[Any], query: Query) -> str:
    return query if isinstance(query, str) else query.as_string(conn)


@dataclass
class _Pending:
    query: Query
    params: Params
    dicts: bool
    future: asyncio.Future[list[Any]]


@dataclass
class _Batch:
    """The statements of one connection waiting to be sent, and the lock that serialises sending."""

    pending: list[_Pending] = field(default_factory=list)
    leader: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_BATCHES: WeakKeyDictionary[AsyncConnection[Any], _Batch] = WeakKeyDictionary()


async def fetch_many(
    conn: AsyncConnection[Any], statements: Sequence[Statement], *, dicts: bool | Sequence[bool] = False
) -> list[list[Any]]:
    """The rows of each statement, sent together with those of concurrent callers on the same connection.

    ``dicts``: rows as dicts, for every statement or per statement.

    The first caller waits ``GATHER_TURNS`` turns of the event loop for the others (tasks run with
    ``asyncio.gather`` submit theirs in the turn after, those they gather in turn one later), then sends
    everything as one statement and hands each caller its rows.
    """
    if not statements:
        return []
    batch = _BATCHES.get(conn)
    if batch is None:
        batch = _BATCHES[conn] = _Batch()
    loop = asyncio.get_running_loop()
    flags = [dicts] * len(statements) if isinstance(dicts, bool) else list(dicts)
    mine = [
        _Pending(query, params, flag, loop.create_future())
        for (query, params), flag in zip(statements, flags, strict=True)
    ]
    batch.pending.extend(mine)
    if not batch.leader:
        batch.leader = True
        cancelled: BaseException | None = None
        try:
            for _ in range(GATHER_TURNS):
                await asyncio.sleep(0)
        except BaseException as exc:
            cancelled = exc
        batch.leader = False
        taken, batch.pending = batch.pending, []
        if cancelled is not None:
            _fail(taken, cancelled)
            raise cancelled
        try:
            async with batch.lock:
                await _run(conn, taken)
        except BaseException as exc:  # cancelled before running: no caller may wait for ever
            _fail(taken, exc)
            raise
    return [await item.future for item in mine]


def _fail(items: list[_Pending], exc: BaseException) -> None:
    for item in items:
        if not item.future.done():
            item.future.set_exception(exc)


async def _run(conn: AsyncConnection[Any], items: list[_Pending]) -> None:
    """Execute ``items`` (merged when more than one) and resolve their futures."""
    try:
        if len(items) == 1:
            item = items[0]
            query, keys = raw_query(_text(conn, item.query))
            async with AsyncRawCursor(conn, row_factory=dict_row if item.dicts else tuple_row) as cur:
                await cur.execute(query, _bind(keys, item.params))
                results: list[list[Any]] = [await cur.fetchall()]
        else:
            results = await _run_merged(conn, items)
    except BaseException as exc:
        _fail(items, exc)
        if isinstance(exc, Exception):
            return
        raise
    for item, rows in zip(items, results, strict=True):
        item.future.set_result(rows)


async def _run_merged(conn: AsyncConnection[Any], items: list[_Pending]) -> list[list[Any]]:
    merged, keys = merged_query(tuple((_text(conn, item.query), item.dicts) for item in items))
    bound = []
    for index, key in keys:
        params = items[index].params
        bound.append(_value(params[key] if isinstance(params, Mapping) else params[int(key)]))
    async with AsyncRawCursor(conn, row_factory=tuple_row) as cur:
        await cur.execute(merged, bound)
        row = await cur.fetchone()
    assert row is not None
    return [
        list(rows) if item.dicts else [tuple(obj.values()) for obj in rows]
        for item, rows in zip(items, row, strict=True)
    ]

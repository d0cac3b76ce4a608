"""Run several independent statements in one round trip (psycopg pipeline mode).

``await fetch_many(conn, [(query, params), ...])`` sends every statement before reading any result and returns
the rows of each, in order. Loaders use it for the queries that depend only on the ids they were given, so a
lookup costs one round trip per dependency level rather than one per statement. Rows are tuples unless
``dicts`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from psycopg import AsyncConnection, AsyncCursor, sql
from psycopg.rows import dict_row, tuple_row

Query: TypeAlias = "str | sql.Composed | sql.SQL"
Params: TypeAlias = "Sequence[Any] | Mapping[str, Any]"
Statement: TypeAlias = "tuple[Query, Params]"


async def fetch_many(
    conn: AsyncConnection[Any], statements: Sequence[Statement], *, dicts: bool = False
) -> list[list[Any]]:
    """The rows of each statement, sent together (one statement: an ordinary execute)."""
    if not statements:
        return []
    cursors: list[AsyncCursor[Any]] = [conn.cursor(row_factory=dict_row if dicts else tuple_row) for _ in statements]
    try:
        if len(statements) == 1:
            await cursors[0].execute(*statements[0])
            return [await cursors[0].fetchall()]
        async with conn.pipeline():
            for cur, (query, params) in zip(cursors, statements, strict=True):
                await cur.execute(query, params)
            return [await cur.fetchall() for cur in cursors]
    finally:
        for cur in cursors:
            await cur.close()

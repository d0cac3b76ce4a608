"""``fetch_many``: statements of concurrent callers on one connection are sent as one, with the same rows."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import dict_row

from mirror.db import libpq_url
from mirror.queries.pipeline import fetch_many, merged_query, raw_query

pytestmark = pytest.mark.db

ORDERED = "SELECT g AS n, 'x%%' || g AS label, ARRAY[g, -g] AS pair FROM generate_series(1, %s) g ORDER BY g DESC"
NAMED = "SELECT %(word)s::text AS word, %(word)s::text || %(suffix)s::text AS joined, true AS flag, NULL AS nothing"
EMPTY = "SELECT 1 AS one WHERE false AND %(x)s::int = 0"


async def _with_connection(url: str, body: Any) -> Any:
    conn = await AsyncConnection.connect(libpq_url(url), row_factory=dict_row, autocommit=True)
    try:
        return await body(conn)
    finally:
        await conn.close()


def test_concurrent_callers_get_the_rows_of_separate_statements_from_one_statement(empty_db: str) -> None:
    executed: list[str] = []

    async def body(conn: AsyncConnection[Any]) -> tuple[list[Any], list[Any], list[Any]]:
        original = AsyncCursor.execute

        async def counting(self: AsyncCursor[Any], query: Any, params: Any = None, **kw: Any) -> Any:
            executed.append(str(query))
            return await original(self, query, params, **kw)

        AsyncCursor.execute = counting  # type: ignore[method-assign]
        try:
            return await asyncio.gather(
                fetch_many(conn, [(ORDERED, (3,)), (EMPTY, {"x": 1})]),
                fetch_many(conn, [(NAMED, {"word": "a", "suffix": "b"})], dicts=True),
                fetch_many(conn, [(ORDERED, (2,))]),
            )
        finally:
            AsyncCursor.execute = original  # type: ignore[method-assign]

    first, second, third = asyncio.run(_with_connection(empty_db, body))
    assert len(executed) == 1  # four statements, one round trip
    assert first == [[(3, "x%3", [3, -3]), (2, "x%2", [2, -2]), (1, "x%1", [1, -1])], []]
    assert second == [[{"word": "a", "joined": "ab", "flag": True, "nothing": None}]]
    assert third == [[(2, "x%2", [2, -2]), (1, "x%1", [1, -1])]]


def test_a_lone_statement_runs_as_it_is(empty_db: str) -> None:
    async def body(conn: AsyncConnection[Any]) -> list[Any]:
        return await fetch_many(conn, [(NAMED, {"word": "a", "suffix": "b"})], dicts=True)

    assert asyncio.run(_with_connection(empty_db, body)) == [
        [{"word": "a", "joined": "ab", "flag": True, "nothing": None}]
    ]


def test_an_error_reaches_every_caller_of_the_batch_and_the_connection_stays_usable(empty_db: str) -> None:
    async def body(conn: AsyncConnection[Any]) -> tuple[list[Any], list[Any]]:
        outcomes = await asyncio.gather(
            fetch_many(conn, [("SELECT 1 / %s AS boom", (0,))]),
            fetch_many(conn, [(ORDERED, (1,))]),
            return_exceptions=True,
        )
        assert all(isinstance(o, psycopg.errors.DivisionByZero) for o in outcomes), outcomes
        return await fetch_many(conn, [(ORDERED, (1,)), (EMPTY, {"x": 1})])

    assert asyncio.run(_with_connection(empty_db, body)) == [[(1, "x%1", [1, -1])], []]


def test_placeholders_are_numbered_across_statements_and_literal_percents_kept() -> None:
    query, keys = merged_query(((ORDERED, False), (NAMED, True)))
    assert keys == ((0, "0"), (1, "word"), (1, "word"), (1, "suffix"))
    text = query.decode()
    assert "generate_series(1, $1)" in text and "$2::text AS word, $3::text || $4::text" in text
    assert "'x%'" in text and "%%" not in text


def test_a_stray_percent_is_refused_as_psycopg_refuses_it() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        raw_query("SELECT 1 WHERE 'a' LIKE 'a%'")

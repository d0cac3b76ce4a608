"""Fixtures of the native data-layer tests: a connection to the imported ``ds01`` dataset, one transaction per
test, rolled back afterwards (tests may insert rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url


@pytest.fixture
def conn(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[Any]]:
    """A connection to ds01 inside a transaction that is rolled back after the test."""
    with psycopg.connect(libpq_url(imported_dataset("ds01"))) as connection:
        yield connection
        connection.rollback()


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    """The first column of the first row of ``query`` (the test fails when there is none)."""
    row = conn.execute(query, params).fetchone()
    assert row is not None, f"no row for {query}"
    return row[0]

"""The synchronous connection pool of the native API (``request.app.state.sync_pool``, opened in the lifespan).

Native endpoints are plain ``def`` functions (FastAPI runs them in its threadpool) calling the synchronous data
layer ``mirror.native``. Each request takes one connection and runs in one read-only transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from fastapi import Request
from psycopg_pool import ConnectionPool

Conn = psycopg.Connection[Any]


def open_pool(conninfo: str, size: int, options: str) -> ConnectionPool[Conn]:
    """A started pool of read-only connections (tuple rows; the data layer picks its row factories).

    ``min_size=0``: connections are opened on the first native request, so a server used for ws/2 only keeps
    no extra connection (nor its background maintenance) on the database."""
    pool: ConnectionPool[Conn] = ConnectionPool(
        conninfo, min_size=0, max_size=max(1, size), kwargs={"options": options}, open=False, name="mbmirror-native"
    )
    pool.open()
    return pool


@contextmanager
def connection(request: Request) -> Iterator[Conn]:
    """A pooled connection for the duration of the ``with`` block (one transaction, rolled back at the end)."""
    pool: ConnectionPool[Conn] = request.app.state.sync_pool
    with pool.connection() as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def split_list(values: list[str]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``: a parameter given repeated or comma-separated."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]

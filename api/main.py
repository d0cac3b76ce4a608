"""The FastAPI application: ``create_app(settings, database_url)`` and the uvicorn factory ``app_factory``.

Nothing is opened at import time. The lifespan opens one ``psycopg_pool.AsyncConnectionPool`` per app (read-only
sessions with ``statement_timeout = settings.statement_timeout_ms`` and generic plans, rows as dicts) for ws/2,
with the app's cache of reference tables (``mirror.queries.reference.ReferenceCache``), and one synchronous
``psycopg_pool.ConnectionPool`` with the same session settings for the native ``/api/`` endpoints (plain ``def``
endpoints run in FastAPI's threadpool over the synchronous data layer ``mirror.native``), so two apps with
different settings can live in one process.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from psycopg import AsyncConnection, IsolationLevel
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

from api.errors import install_handlers, reject_nul
from api.native import routers as native_routers
from api.native.deps import open_pool
from api.native_search import router as native_search_router
from api.ws2.registry import Registry, load_registry
from api.ws2.routes import router as ws2_router
from mirror.db import libpq_url, serving_url
from mirror.queries.reference import ReferenceCache
from mirror.queries.status import ping, prometheus_text, status
from mirror.settings import Settings

PREPARED_MAX = 2000  # prepared statements kept per pooled connection


Conn = AsyncConnection[dict[str, Any]]


async def configure_connection(conn: Conn) -> None:
    """Per-connection settings of the ws/2 pool (also used by ``bench/api.py`` for its query floor)."""
    # Prepare every statement on first use and keep them all: a lookup's batched statements (one per
    # combination of queries, ``mirror.queries.pipeline``) are then planned once per connection.
    conn.prepared_max = PREPARED_MAX
    # The batched statements return their rows as JSON arrays: orjson decodes them several times faster than
    # the standard library, to the same values.
    set_json_loads(orjson.loads, conn)
    # All the statements of a request read one snapshot, the one its reference tables were read in
    # (``mirror.queries.reference``): a packet applied while a lookup runs shows in all of it or in none.
    await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)


def session_options(settings: Settings) -> str:
    """The libpq ``options`` of every serving connection."""
    # Every serving statement is prepared on first use (prepare_threshold 0). PostgreSQL's default plan cache
    # mode (auto) kept re-planning them (custom plans for the id arrays), which cost more CPU than running them;
    # generic plans halve the server time of a release lookup. (No autocommit: the transaction holds its table
    # locks to the end of the request, so an import's final swap never lands between two of its statements.)
    # A generic plan cannot know how many ids an ``= ANY(%s)`` list holds; with the default random_page_cost (4,
    # priced for disks) it hashed whole small tables (link types, artists of a small dataset) where a few index
    # probes do: serving statements read a handful of rows by key from data in memory, so index reads are priced
    # as such (a third less server CPU for a beets release lookup, the same plans at ten times the data).
    return (
        "-c plan_cache_mode=force_generic_plan -c default_transaction_read_only=on -c random_page_cost=1.1 "
        f"-c statement_timeout={int(settings.statement_timeout_ms)}"
    )


def ws2_pool(conninfo: str, settings: Settings, size: int, name: str = "mbmirror-api") -> AsyncConnectionPool[Conn]:
    """The ws/2 pool (not opened yet): read-only REPEATABLE READ sessions, generic plans, rows as dicts."""
    return AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=max(1, size),
        kwargs={"row_factory": dict_row, "options": session_options(settings), "prepare_threshold": 0},
        configure=configure_connection,
        open=False,
        name=name,
    )


def create_app(settings: Settings, database_url: str, registry: Registry | None = None) -> FastAPI:
    """A ws/2 app reading the database at ``database_url`` (a SQLAlchemy or libpq URL)."""
    conninfo = libpq_url(database_url)
    options = session_options(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = ws2_pool(conninfo, settings, settings.pool_size)
        await pool.open(wait=True)
        app.state.pool = pool
        app.state.reference = ReferenceCache()
        app.state.sync_pool = open_pool(conninfo, settings.pool_size, options)
        # Everything alive now (modules, the registry, pools) lives as long as the process: moved out of the
        # garbage collector's generations, a full collection no longer walks it. Without this, each full
        # collection stopped the worker for ~100 ms every couple of seconds under load (the p99 of lookups).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.sync_pool.close()
            await pool.close()

    app = FastAPI(
        title="mbmirror",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(reject_nul)],
    )
    app.state.settings = settings
    app.state.ws2_registry = registry if registry is not None else load_registry()
    install_handlers(app)
    app.include_router(ws2_router)
    for router in native_routers:
        app.include_router(router)
    app.include_router(native_search_router)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        async with request.app.state.pool.connection() as conn:
            ok = await ping(conn)
        return JSONResponse({"status": "ok" if ok else "error"}, status_code=200 if ok else 503)

    @app.get("/status")
    async def status_endpoint(request: Request) -> JSONResponse:
        async with request.app.state.pool.connection() as conn:
            body = await status(conn)
        body["resources"] = sorted(request.app.state.ws2_registry)
        return JSONResponse(body)

    @app.get("/metrics")
    async def metrics(request: Request) -> PlainTextResponse:
        async with request.app.state.pool.connection() as conn:
            body = await status(conn)
        return PlainTextResponse(prometheus_text(body), media_type="text/plain; version=0.0.4")

    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.main:app_factory``: settings from the environment (the embedded cluster is
    reached through its Unix socket, ``mirror.db.serving_url``)."""
    settings = Settings()
    return create_app(settings, serving_url(settings))

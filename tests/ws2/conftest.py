"""Fixtures of the ws/2 tests: run requests against ``create_app`` over a real imported dataset.

``ws2_get(dataset, path, headers)`` runs one GET through the ASGI app (lifespan included, so the pool opens
and closes with it) and returns the httpx response. Golden cases, the RELAX NG schema and comparison helpers
live in ``tests/ws2/golden.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from api.main import create_app
from mirror.settings import Settings

Getter = Callable[[str, str, dict[str, str] | None], httpx.Response]


async def _get(url: str, path: str, headers: dict[str, str] | None) -> httpx.Response:
    app = create_app(Settings(pool_size=2), url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mirror.test") as client:
            response = await client.get(path, headers=headers or {})
            await response.aread()
            return response


@pytest.fixture(scope="session")
def ws2_get(imported_dataset: Callable[[str], str]) -> Getter:
    """``ws2_get("ds01", "/ws/2/artist/<mbid>", {"Accept": ...})`` -> the response of a fresh app."""

    def get(dataset: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return asyncio.run(_get(imported_dataset(dataset), path, headers))

    return get

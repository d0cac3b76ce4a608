"""How many statements a lookup sends: independent loads of one request share a round trip.

The statements of concurrent loaders are merged into one (``mirror.queries.pipeline``), artist credits load with
their artists' aliases and tags and only once per request, entities load with their extras, and a release lookup
resolves its MBID in its first statement (other lookups resolve it in a statement of its own). The
counts are the dependency depth of each lookup (not a timing): a loader that starts waiting for another instead
of running beside it shows here as one more statement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import dict_row

from api.ws2.artist_credit import load_credits
from api.ws2.registry import Ctx, load_registry
from mirror.db import libpq_url
from mirror.queries.reference import LINK_TYPES_SQL, VERSION_SQL
from tests.ws2.conftest import Getter
from tests.ws2.test_release_family import BEETS_RELEASE_INCS, LOVE_BUG

pytestmark = pytest.mark.db

BEETS_RECORDING_INCS = "artists+aliases+isrcs+work-level-rels+artist-rels"
RECORDING = "162630d9-36d2-4a8d-ade1-1c77440b34e7"  # with ISRCs and aliases


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The text of every statement the API sends while the test runs (they still run on the database), but the
    version query that opens each request (``mirror.queries.reference``) and the loading of the reference tables
    (once per process and database version: each test request starts a new app)."""
    sent: list[str] = []
    execute = AsyncCursor.execute

    async def counting(self: AsyncCursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if query != VERSION_SQL and LINK_TYPES_SQL not in str(query):
            sent.append(str(query))
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(AsyncCursor, "execute", counting)
    yield sent


def test_beets_release_lookup_sends_one_statement_per_dependency_level(ws2_get: Getter, statements: list[str]) -> None:
    response = ws2_get("ds01", f"/ws/2/release/{LOVE_BUG}?inc={BEETS_RELEASE_INCS}&fmt=json")
    assert response.status_code == 200
    assert response.json()["media"][0]["tracks"][0]["artist-credit"]
    # release (MBID resolved in it), its parts (with their extras), recordings with their extras, their targets
    # (works with their relationships)
    assert len(statements) <= 4, statements
    assert "release_gid_redirect" in statements[0]


def test_a_merged_release_mbid_redirects_to_the_release_it_was_merged_into(
    ws2_get: Getter, imported_dataset: Callable[[str], str], statements: list[str]
) -> None:
    merged = "0f6d5a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
    with psycopg.connect(libpq_url(imported_dataset("ds01")), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO musicbrainz.release_gid_redirect (gid, new_id) SELECT %s, id FROM musicbrainz.release "
            "WHERE gid = %s",
            (merged, LOVE_BUG),
        )
        try:
            response = ws2_get("ds01", f"/ws/2/release/{merged}?inc={BEETS_RELEASE_INCS}&fmt=json")
            assert response.status_code == 301
            assert response.headers["location"] == f"/ws/2/release/{LOVE_BUG}?inc={BEETS_RELEASE_INCS}&fmt=json"
            assert len(statements) == 1  # nothing but the release row and its events is read for a redirect
            unknown = ws2_get("ds01", "/ws/2/release/0f6d5a4e-1b2c-4d3e-8f90-a1b2c3d4e5f7?fmt=json")
            assert unknown.status_code == 404
        finally:
            conn.execute("DELETE FROM musicbrainz.release_gid_redirect WHERE gid = %s", (merged,))


def test_release_credits_load_with_their_artists_extras(ws2_get: Getter, statements: list[str]) -> None:
    response = ws2_get("ds01", f"/ws/2/release/{LOVE_BUG}?inc=artist-credits+aliases+tags&fmt=json")
    assert response.status_code == 200
    assert response.json()["artist-credit"]
    credit_statements = [s for s in statements if "artist_credit_name acn" in s]
    assert len(credit_statements) == 1
    assert '"artist_alias"' in credit_statements[0] and '"artist_tag"' in credit_statements[0]


def test_a_credit_loads_once_per_request(imported_dataset: Callable[[str], str], statements: list[str]) -> None:
    async def run() -> None:
        async with await AsyncConnection.connect(libpq_url(imported_dataset("ds01")), row_factory=dict_row) as conn:
            cur = await conn.execute("SELECT id FROM musicbrainz.artist_credit ORDER BY id LIMIT 3")
            first, second, third = [row["id"] for row in await cur.fetchall()]
            ctx = Ctx(conn, load_registry(), "release", "json", frozenset({"aliases", "artist-credits"}))
            sent = len(statements)
            loaded = await load_credits(ctx, [first, second])
            assert len(statements) == sent + 1
            again = await load_credits(ctx.with_incs(ctx.incs), [second])  # a nested part of the same request
            assert len(statements) == sent + 1 and again[second] is loaded[second]
            more = await load_credits(ctx, [second, third])  # only the new one is loaded
            assert len(statements) == sent + 2 and more[second] is loaded[second] and more[third]
            other = await load_credits(ctx.with_incs(frozenset({"artist-credits"})), [second])  # other artist incs
            assert len(statements) == sent + 3 and "aliases" not in other[second][0]["artist"]
            fresh = Ctx(conn, ctx.registry, "release", "json", ctx.incs)  # another request
            await load_credits(fresh, [first])
            assert len(statements) == sent + 4

    asyncio.run(run())


def test_beets_recording_lookup_sends_few_statements(ws2_get: Getter, statements: list[str]) -> None:
    response = ws2_get("ds01", f"/ws/2/recording/{RECORDING}?inc={BEETS_RECORDING_INCS}&fmt=json")
    assert response.status_code == 200
    assert response.json()["artist-credit"]
    # resolve, recording with its ISRCs and extras, its credit and relationship targets
    assert len(statements) <= 3, statements

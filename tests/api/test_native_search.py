"""Native mixed search ``GET /api/search``: parameters, summaries of every type, and (with the engine) the hits.

The summaries and descriptions are checked on real ds01 rows; the endpoint on the live server of
``tests/api/conftest.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from api.native_search import DEFAULT_TYPES, TYPES, describe, parse_types, words_of
from mirror.db import libpq_url
from mirror.errors import InvalidQuery
from mirror.queries.search_summaries import SUMMARY_TYPES, Summary, summaries

pytestmark = pytest.mark.db

LOVE_AND_HONESTY = "757a1723-3769-4298-89cd-48d31177852a"  # BoA, 2004-01-15, JP, Pseudo-Release


async def _summaries(url: str) -> dict[str, dict[int, Summary]]:
    async with await psycopg.AsyncConnection.connect(libpq_url(url), row_factory=dict_row) as conn:
        out: dict[str, dict[int, Summary]] = {}
        for entity_type in SUMMARY_TYPES:
            cur = await conn.execute(f"SELECT id FROM musicbrainz.{entity_type} ORDER BY id LIMIT 5")
            ids = [row["id"] for row in await cur.fetchall()]
            out[entity_type] = await summaries(conn, entity_type, [*ids, -1])
        return out


@pytest.fixture(scope="module")
def ds01_summaries(imported_dataset: Callable[[str], str]) -> dict[str, dict[int, Summary]]:
    return asyncio.run(_summaries(imported_dataset("ds01")))


def test_summaries_load_every_type_and_skip_missing_ids(ds01_summaries: dict[str, dict[int, Summary]]) -> None:
    for entity_type, found in ds01_summaries.items():
        assert found, entity_type
        assert -1 not in found
        assert all(len(s.gid) == 36 and s.name for s in found.values()), entity_type


def test_release_summary_describes_credit_date_country_and_status(
    ds01_summaries: dict[str, dict[int, Summary]],
) -> None:
    release = next(s for s in ds01_summaries["release"].values() if s.gid == LOVE_AND_HONESTY)
    assert describe("release", release) == "by BoA, 2004-01-15, JP, Pseudo-Release"


def test_recording_and_group_descriptions() -> None:
    rec = Summary("x", "Song", "", None, "Artist", None, None, 270_040)
    assert describe("recording", rec) == "by Artist, 4:30"
    group = Summary("x", "Album", "", "Album", "BoA", None, "2004-01-15", None)
    assert describe("release-group", group) == "Album by BoA, 2004"
    artist = Summary("x", "Distance", "", "Person", None, "United Kingdom", "1980", None)
    assert describe("artist", artist) == "Person, United Kingdom"


def test_types_repeatable_or_comma_separated_and_validated() -> None:
    assert parse_types(None) == DEFAULT_TYPES
    assert parse_types(["artist,release", "release_group", "artist"]) == ("artist", "release", "release-group")
    with pytest.raises(InvalidQuery) as info:
        parse_types(["artist,nonsense"])
    assert info.value.parameter == "type"
    assert set(TYPES) >= set(DEFAULT_TYPES)


def test_words_without_letters_or_digits_are_dropped() -> None:
    assert words_of("  pink & flo ") == ["pink", "flo"]
    assert words_of("- ! ?") == []
    assert words_of("a\x00b") == ["a", "b"]  # NUL cannot reach PostgreSQL


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "boa", "limit": "0"}, "limit"),
        ({"q": "boa", "limit": "101"}, "limit"),
        ({"q": "boa", "limit": "ten"}, "limit"),
        ({"q": "boa", "type": "nonsense"}, "type"),
        ({"q": "?!"}, "q"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(
    http: httpx.Client, params: dict[str, str], parameter: str
) -> None:
    response = http.get("/api/search", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert body["error"]


def test_search_is_documented_in_openapi(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    operation = spec["paths"]["/api/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "type", "limit"}
    assert "SearchResponse" in spec["components"]["schemas"]
    assert "SearchHit" in spec["components"]["schemas"]

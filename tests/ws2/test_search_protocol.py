"""ws/2 search protocol (ws2-api.md §1.2, §4, §7): paging rules, the depth cap, blank and repeated queries,
search-only resources; checked before any search runs."""

from __future__ import annotations

import pytest
from lxml import etree

from api.errors import BadRequest
from api.ws2.search import search_limit_offset
from tests.ws2.conftest import Getter

pytestmark = pytest.mark.db

BLANK = "You submitted a blank search query. You must include a non-blank 'query=' parameter with your search."


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (None, None, (25, 0)),
        ("1", "0", (1, 0)),
        ("100", "400", (100, 400)),
        ("0", None, (25, 0)),
        ("101", None, (25, 0)),
        ("-5", "-1", (25, 0)),
        ("ten", "a bit", (25, 0)),
        ("٣", "٣", (25, 0)),  # non-ASCII digits are not numbers here
        (" 5", "5 ", (25, 0)),
    ],
)
def test_limit_and_offset_fall_back_silently(limit: str | None, offset: str | None, expected: tuple[int, int]) -> None:
    assert search_limit_offset(limit, offset) == expected


@pytest.mark.parametrize(("limit", "offset", "total"), [("25", "476", 501), ("100", "450", 550), ("0", "480", 505)])
def test_more_than_500_results_is_a_400_with_the_normalised_depth(limit: str, offset: str, total: int) -> None:
    with pytest.raises(BadRequest) as info:
        search_limit_offset(limit, offset)
    assert info.value.message == f"Must retrieve at most 500 search results, not {total}."


def _error(response_text: str) -> str:
    return str(etree.fromstring(response_text.encode()).findtext("text"))


def test_depth_error_over_http_in_the_negotiated_format(ws2_get: Getter) -> None:
    response = ws2_get("ds01", "/ws/2/artist/?query=boa&limit=25&offset=476&fmt=json")
    assert response.status_code == 400
    assert response.json()["error"] == "Must retrieve at most 500 search results, not 501."
    response = ws2_get("ds01", "/ws/2/release?query=boa&offset=476")
    assert response.status_code == 400
    assert _error(response.text) == "Must retrieve at most 500 search results, not 501."


@pytest.mark.parametrize("path", ["/ws/2/artist?query=", "/ws/2/release/?query=%20%20", "/ws/2/tag?query="])
def test_blank_query_is_a_400(ws2_get: Getter, path: str) -> None:
    response = ws2_get("ds01", path)
    assert response.status_code == 400
    assert _error(response.text) == BLANK


def test_several_queries_are_a_400(ws2_get: Getter) -> None:
    response = ws2_get("ds01", "/ws/2/recording?query=a&query=b&fmt=json")
    assert response.status_code == 400
    assert response.json()["error"] == "Must specify at most 1 query argument"


@pytest.mark.parametrize("resource", ["annotation", "cdstub", "tag"])
def test_search_only_resources_without_query_match_no_request_kind(ws2_get: Getter, resource: str) -> None:
    response = ws2_get("ds01", f"/ws/2/{resource}")
    assert response.status_code == 400
    expected = f"The given parameters do not match any available query type for the {resource} resource."
    assert _error(response.text) == expected


def test_bad_format_is_406_before_the_search(ws2_get: Getter) -> None:
    response = ws2_get("ds01", "/ws/2/artist?query=boa&fmt=yaml")
    assert response.status_code == 406


@pytest.mark.parametrize("query", ["a " * 1100, "(" * 40 + "a" + ")" * 40, "x" * 10_001])
def test_too_complex_query_is_rejected_like_the_search_server(ws2_get: Getter, query: str) -> None:
    response = ws2_get("ds01", f"/ws/2/recording?query={query}&fmt=json")
    assert response.status_code == 400
    assert response.json()["error"] == "Search server could not complete query: Bad request"
    response = ws2_get("ds01", f"/ws/2/recording/?query={query}")
    assert response.status_code == 400
    assert _error(response.text) == "Search server could not complete query: Bad request"


def test_a_nul_character_in_the_query_is_a_separator(ws2_get: Getter) -> None:
    response = ws2_get("ds01", "/ws/2/artist?query=dis%00tance&fmt=json")
    assert response.status_code == 200
    assert response.json()["count"] >= 0

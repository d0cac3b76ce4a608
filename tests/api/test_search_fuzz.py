"""Random input never makes the search endpoints fail with a 5xx other than the engine's time limit (503):
random query strings (Lucene-ish and arbitrary text), and random bytes in ``query``, ``limit``, ``offset`` and
``dismax``, against the live server on ds01."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.db

CORES = ["artist", "release", "recording", "release-group", "label", "work", "tag", "annotation", "url"]
LUCENE_BITS = st.sampled_from(
    [
        "artist:",
        "release:(",
        ")",
        '"',
        "AND",
        "OR",
        "NOT",
        "+",
        "-",
        "*",
        "?",
        "~",
        "~2",
        "^3",
        "[1990 TO",
        "]",
        "{a TO b}",
        "\\",
        "/",
        ":",
        "&&",
        "||",
        "!",
        "boa",
        "love",
        "ハロー",
        "é",
        " ",
        "  ",
        "tnum:7",
        "qdur:(143)",
    ]
)
QUERIES = st.one_of(st.text(max_size=60), st.lists(LUCENE_BITS, max_size=12).map(" ".join))
RAW = st.binary(max_size=16).map(lambda b: b.decode("latin-1"))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _ok(response: httpx.Response) -> None:
    assert response.status_code in (200, 400, 503), (response.status_code, response.text[:300])
    if response.status_code == 503:
        assert "Traceback" not in response.text and "SELECT" not in response.text


@FUZZ
@given(core=st.sampled_from(CORES), query=QUERIES, fmt=st.sampled_from(["json", "xml"]))
def test_random_queries_never_fail(http: httpx.Client, core: str, query: str, fmt: str) -> None:
    _ok(http.get(f"/ws/2/{core}", params={"query": query, "fmt": fmt}))


@FUZZ
@given(query=RAW, limit=RAW, offset=RAW, dismax=RAW)
def test_random_bytes_in_every_parameter_never_fail(
    http: httpx.Client, query: str, limit: str, offset: str, dismax: str
) -> None:
    params = {"query": query, "limit": limit, "offset": offset, "dismax": dismax, "fmt": "json"}
    _ok(http.get("/ws/2/recording/", params=params))


@FUZZ
@given(q=QUERIES, types=st.lists(st.sampled_from(["artist", "release", "work", "x", ""]), max_size=3), limit=RAW)
def test_random_native_searches_never_fail(http: httpx.Client, q: str, types: list[str], limit: str) -> None:
    response = http.get("/api/search", params={"q": q, "type": types, "limit": limit})
    assert response.status_code in (200, 400, 503), (response.status_code, response.text[:300])

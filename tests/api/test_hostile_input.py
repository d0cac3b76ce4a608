"""Hostile request values never produce a server error: every endpoint answers them with a 4xx (or a 2xx).

NUL characters cannot travel to PostgreSQL in a text parameter, over-long values, stray percent-escapes and
non-UTF-8 bytes are what scanners and broken clients send; each must be a clear client error, never a 500.
"""

from __future__ import annotations

import httpx
import pytest

HOSTILE = ["%00", "a%00b", "%ff%fe", "%C0%AF", "x" * 5000, "%25", "'", "\\", "%E2%80%8B", "-1", "1e999"]

# (path, parameter names that take a value); the value is substituted as {v}.
TEMPLATES = [
    "/ws/2/artist/{v}",
    "/ws/2/artist/{v}?fmt=json",
    "/ws/2/release?artist={v}",
    "/ws/2/release?artist=89ad4ac3-39f7-470e-963a-56509c546377&limit={v}&offset={v}",
    "/ws/2/release?label=89ad4ac3-39f7-470e-963a-56509c546377&type={v}&status={v}",
    "/ws/2/url?resource={v}",
    "/ws/2/url?resource={v}&fmt=json",
    "/ws/2/isrc/{v}",
    "/ws/2/iswc/{v}",
    "/ws/2/discid/{v}",
    "/ws/2/discid/-?toc={v}",
    "/ws/2/recording/89ad4ac3-39f7-470e-963a-56509c546377?inc={v}",
    "/ws/2/artist?query={v}",
    "/ws/2/artist?query=artist:{v}&fmt=json",
    "/ws/2/genre/all?fmt={v}",
    "/ws/2/{v}",
    "/api/artist/{v}",
    "/api/release?country={v}",
    "/api/release?date__gte={v}",
    "/api/artist?name={v}",
    "/api/release?sort={v}",
    "/api/release?facet={v}",
    "/api/release?cursor={v}",
    "/api/recording?isrc={v}",
    "/api/resolve?isrc={v}",
    "/api/resolve?url={v}",
    "/api/resolve?barcode={v}&catno={v}&discid={v}&iswc={v}",
    "/api/changes?since={v}",
    "/api/search?q={v}",
    "/api/search?q=a&type={v}&limit={v}",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_hostile_values_get_a_client_error_not_a_server_error(http: httpx.Client, template: str) -> None:
    for value in HOSTILE:
        url = template.replace("{v}", value)
        response = http.get(url)
        assert response.status_code < 500, f"{url} -> {response.status_code}: {response.text[:300]}"


def test_hostile_resolve_batch_gets_a_client_error_not_a_server_error(http: httpx.Client) -> None:
    bodies: list[object] = [
        {"isrc": ["\x00"]},
        {"url": ["a\x00b", "https://open.spotify.com/track/\x00"]},
        {"barcode": [None, 1, {"x": 1}]},
        [],
        "x",
        {"isrc": "not a list"},
    ]
    for body in bodies:
        response = http.post("/api/resolve", json=body)
        assert response.status_code < 500, f"{body!r} -> {response.status_code}: {response.text[:300]}"
    response = http.post("/api/resolve", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_method_ws2_does_not_take_is_a_405_in_its_error_format(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/ws/2/artist?query=rock")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/xml")
    assert f"<text>{method} is not allowed on this endpoint.</text>" in response.text
    assert "GET" in response.headers["allow"]
    response = http.request(method, "/ws/2/artist?query=rock&fmt=json")
    assert (response.status_code, response.json()["error"]) == (405, f"{method} is not allowed on this endpoint.")


def test_other_http_errors_keep_their_own_answer(http: httpx.Client) -> None:
    assert http.post("/api/search?q=a").status_code == 405  # the native API: FastAPI's JSON
    assert http.get("/no/such/page").status_code == 404

"""``GET /api/<entity>?...`` over HTTP: JSON pages with ``Link``, CSV (streamed and paged), facets, 400s."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import psycopg
import pytest

from mirror.native.listspec import SPECS
from tests.api.native.conftest import column


def follow(http: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a list, following the ``Link: rel="next"`` headers."""
    response = http.get(path, params=params)
    items: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        if "next" not in response.links:
            assert response.json()["next"] is None
            return items
        assert response.json()["next"] in response.links["next"]["url"]
        response = http.get(response.links["next"]["url"])


@pytest.mark.parametrize("entity", sorted(SPECS))
def test_json_pages_follow_link_headers_to_every_row(
    http: httpx.Client, ds01: psycopg.Connection[Any], entity: str
) -> None:
    total = column(ds01, f"SELECT count(*) FROM musicbrainz.{SPECS[entity].table}")[0]
    items = follow(http, f"/api/{entity}", {"limit": 4, "sort": "-id"})
    assert len({item["id"] for item in items}) == total == len(items)


def test_release_filters_sort_and_facets(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    label = column(
        ds01,
        "SELECT l.gid::text FROM musicbrainz.label l JOIN musicbrainz.release_label rl ON rl.label = l.id "
        "GROUP BY l.gid ORDER BY count(*) DESC, l.gid LIMIT 1",
    )[0]
    expected = set(
        column(
            ds01,
            "SELECT r.gid::text FROM musicbrainz.release r JOIN musicbrainz.release_label rl "
            "ON rl.release = r.id JOIN musicbrainz.label l ON l.id = rl.label WHERE l.gid = %s",
            label,
        )
    )
    body = http.get("/api/release", params={"label": label, "sort": "date", "facet": "year,country"}).json()
    assert {i["id"] for i in body["items"]} == expected
    dates = [i["date"] for i in body["items"] if i["date"]]
    assert dates == sorted(dates)
    assert sum(f["count"] for f in body["facets"]["year"]) == len(expected)


def test_csv_streams_every_row_with_a_header(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    total = column(ds01, "SELECT count(*) FROM musicbrainz.recording")[0]
    with http.stream("GET", "/api/recording", params={"format": "csv"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed (chunked), not buffered
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total and list(rows[0]) == list(SPECS["recording"].item.model_fields)
    isrc_rows = [r for r in rows if r["isrcs"]]
    assert isrc_rows and all(len(code) == 12 for r in isrc_rows for code in r["isrcs"].split(";"))


def test_csv_by_accept_header_with_limit_is_one_page_with_a_link(http: httpx.Client) -> None:
    response = http.get("/api/artist", params={"limit": 2, "sort": "name"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 2
    following = http.get(response.links["next"]["url"], headers={"Accept": "text/csv"})
    assert following.status_code == 200 and following.text.splitlines()[1] not in response.text


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"date": "03/1999"}, "date"),
        ({"artist": "not-an-mbid"}, "artist"),
        ({"sort": "popularity"}, "sort"),
        ({"facet": "mood"}, "facet"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_json_400s(http: httpx.Client, params: dict[str, str], parameter: str) -> None:
    response = http.get("/api/release", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == parameter


def test_a_tampered_cursor_is_a_400(http: httpx.Client) -> None:
    cursor = http.get("/api/work", params={"limit": 1}).json()["next"]
    tampered = cursor[:5] + ("x" if cursor[5] != "x" else "y") + cursor[6:]
    response = http.get("/api/work", params={"limit": 1, "cursor": tampered})
    assert response.status_code == 400 and response.json()["parameter"] == "cursor"


def test_openapi_documents_every_list_with_its_filters(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    for entity, spec in SPECS.items():
        operation = schema["paths"][f"/api/{entity}"]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert set(spec.filters) <= names and {"sort", "limit", "cursor", "facet", "format"} <= names
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"items", "next", "facets"} <= set(page["properties"])

"""``GET`` and ``POST /api/resolve`` over HTTP with real ds01 identifiers."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from mirror.native.resolve import MAX_IDS
from tests.api.native.conftest import column


def test_get_resolves_repeated_ids_of_several_kinds(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    isrcs = column(ds01, "SELECT isrc FROM musicbrainz.isrc ORDER BY id LIMIT 2")
    url = column(
        ds01,
        "SELECT u.url FROM musicbrainz.url u JOIN musicbrainz.l_label_url l ON l.entity1 = u.id ORDER BY u.id LIMIT 1",
    )[0]
    label = column(
        ds01,
        "SELECT lb.gid::text FROM musicbrainz.url u JOIN musicbrainz.l_label_url l "
        "ON l.entity1 = u.id JOIN musicbrainz.label lb ON lb.id = l.entity0 WHERE u.url = %s",
        url,
    )
    response = http.get("/api/resolve", params=[("isrc", isrcs[0]), ("isrc", isrcs[1]), ("url", url)])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["kind"], r["id"]) for r in results] == [("isrc", isrcs[0]), ("isrc", isrcs[1]), ("url", url)]
    assert all(r["matches"] for r in results)
    assert {m["id"] for m in results[2]["matches"] if m["type"] == "label"} == set(label)


def test_post_resolves_a_batch(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    discids = column(ds01, "SELECT discid FROM musicbrainz.cdtoc ORDER BY id LIMIT 3")
    catnos = column(
        ds01,
        "SELECT DISTINCT catalog_number FROM musicbrainz.release_label "
        "WHERE catalog_number IS NOT NULL ORDER BY 1 LIMIT 3",
    )
    response = http.post("/api/resolve", json={"discid": discids, "catno": catnos, "isrc": ["XX-not-isrc"]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 7
    by_kind = {r["kind"]: r for r in results}
    assert by_kind["isrc"]["error"] and by_kind["isrc"]["matches"] == []
    assert all(r["matches"] for r in results if r["kind"] == "catno")


def test_batches_over_the_limit_and_unknown_kinds_are_400(http: httpx.Client) -> None:
    too_many = http.post("/api/resolve", json={"isrc": ["GBAAA9900303"] * (MAX_IDS + 1)})
    assert too_many.status_code == 400 and too_many.json()["parameter"] == "ids"
    assert http.post("/api/resolve", json={"isbn": ["1"]}).status_code == 400
    assert http.post("/api/resolve", json={}).status_code == 400
    unknown = http.get("/api/resolve", params={"asin": "B00005LA6G"})
    assert unknown.status_code == 400 and unknown.json()["parameter"] == "asin"
    assert http.get("/api/resolve").status_code == 400


def test_openapi_documents_resolve(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/resolve"])
    assert {p["name"] for p in paths["/api/resolve"]["get"]["parameters"]} == {
        "isrc",
        "iswc",
        "barcode",
        "catno",
        "discid",
        "url",
    }

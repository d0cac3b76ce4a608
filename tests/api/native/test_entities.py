"""``GET /api/<entity>/<mbid>`` over HTTP: shapes, includes, merged MBIDs, 400s and 404s, OpenAPI."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

from mirror.native.common import TABLES
from mirror.native.entity import includes_of
from tests.api.native.conftest import column


@pytest.mark.parametrize("entity", sorted(TABLES))
def test_lookup_answers_every_entity_type(http: httpx.Client, ds01: psycopg.Connection[Any], entity: str) -> None:
    gid = column(ds01, f"SELECT gid::text FROM musicbrainz.{TABLES[entity]} ORDER BY id DESC LIMIT 1")[0]
    response = http.get(f"/api/{entity}/{gid}", params={"include": ",".join(sorted(includes_of(entity)))})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == gid and isinstance(body["links"], list) and isinstance(body["aliases"], list)


def test_release_lookup_has_tracks_labels_and_credit(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    gid, catno = ds01.execute(
        "SELECT r.gid::text, rl.catalog_number FROM musicbrainz.release r "
        "JOIN musicbrainz.release_label rl ON rl.release = r.id WHERE rl.catalog_number IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM musicbrainz.medium md WHERE md.release = r.id AND md.track_count > 0) "
        "ORDER BY r.id LIMIT 1"
    ).fetchone() or ("", "")
    body = http.get(f"/api/release/{gid}").json()
    assert catno in [label["catalog_number"] for label in body["labels"]]
    assert body["media"] and body["media"][0]["tracks"][0]["recording"]["id"]
    assert body["artist_credit"] and body["aliases"] is None


def test_include_accepts_repeated_parameters(http: httpx.Client, ds01: psycopg.Connection[Any]) -> None:
    gid = column(ds01, "SELECT gid::text FROM musicbrainz.artist ORDER BY id LIMIT 1")[0]
    body = http.get(f"/api/artist/{gid}", params=[("include", "tags"), ("include", "aliases")]).json()
    assert body["tags"] is not None and body["aliases"] is not None and body["relationships"] is None


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/api/artist/not-an-mbid", 400, "mbid"),
        ("/api/artist/1946a82a-f927-40c2-8235-38d64f50d043?include=bogus", 400, "include"),
        ("/api/release-group/00000000-0000-4000-8000-000000000000", 404, None),
        ("/api/label/00000000-0000-4000-8000-000000000000", 404, None),
    ],
)
def test_errors_are_json_with_status(http: httpx.Client, path: str, status: int, parameter: str | None) -> None:
    response = http.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["parameter"] == parameter and response.json()["error"]


def test_openapi_lists_every_lookup_with_its_model(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    for entity in TABLES:
        operation = schema["paths"][f"/api/{entity}/{{mbid}}"]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        assert name == "".join(part.capitalize() for part in entity.split("-"))
        assert "id" in schema["components"]["schemas"][name]["properties"]

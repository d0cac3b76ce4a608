"""ws/2 divergences from musicbrainz.org found by running the upstream test requests, checked against the
datasets by SQL."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from lxml import etree

from mirror.db import libpq_url
from tests.ws2.conftest import Getter
from tests.ws2.golden import schema_errors

pytestmark = pytest.mark.db

NS = {"mb": "http://musicbrainz.org/ns/mmd-2.0#"}
JSON = {"Accept": "application/json"}


def _row(imported_dataset: Callable[[str], str], dataset: str, query: str) -> tuple[object, ...]:
    with psycopg.connect(libpq_url(imported_dataset(dataset))) as conn:
        conn.execute("SET search_path = musicbrainz")
        row = conn.execute(query).fetchone()
    assert row is not None, f"{dataset} has no row for {query}"
    return tuple(row)


def test_recording_lookup_shows_the_track_credit_of_each_release(
    ws2_get: Getter, imported_dataset: Callable[[str], str]
) -> None:
    """A track credited differently from its recording keeps its own credit in ``inc=releases+media``."""
    gid, credited = _row(
        imported_dataset,
        "ds12",
        "SELECT r.gid::text, an.name FROM track t JOIN recording r ON r.id = t.recording "
        "JOIN artist_credit_name an ON an.artist_credit = t.artist_credit "
        "WHERE t.artist_credit <> r.artist_credit ORDER BY t.id LIMIT 1",
    )
    path = f"/ws/2/recording/{gid}?inc=releases+media+artist-credits"
    xml = ws2_get("ds12", path, None)
    assert schema_errors(xml.content) is None
    tracks = etree.fromstring(xml.content).findall(".//mb:track", NS)
    assert tracks and all(t.findall("mb:artist-credit/mb:name-credit", NS) for t in tracks)
    releases = ws2_get("ds12", path, JSON).json()["releases"]
    names = [c["name"] for r in releases for m in r["media"] for t in m["tracks"] for c in t["artist-credit"]]
    assert credited in names


def test_browse_by_an_unknown_key_matches_no_request_kind(ws2_get: Getter) -> None:
    """ws2-api.md §1.2: with no query and no browse key only the lookup definition is left, and a parameter it
    does not know (``artists`` for ``artist``) makes the request match none; without one it is a blank search."""
    unknown = ws2_get("ds01", "/ws/2/recording?artists=3088b672-fba9-4b4b-8ae0-dce13babfbb4", None)
    assert unknown.status_code == 400
    assert "do not match any available query type for the recording resource" in unknown.text
    bare = ws2_get("ds01", "/ws/2/recording?limit=5", None)
    assert bare.status_code == 400
    assert "blank search query" in bare.text

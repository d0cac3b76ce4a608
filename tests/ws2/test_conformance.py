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


def test_genre_list_is_in_name_order_paged_with_its_includes_in_json(
    ws2_get: Getter, imported_dataset: Callable[[str], str]
) -> None:
    """``/ws/2/genre/all`` lists genres by name in JSON too (not by MBID like a browse), honours limit and
    offset, and carries ``aliases`` and ``annotation`` (null: this schema has no genre annotations) by inc."""
    with psycopg.connect(libpq_url(imported_dataset("ds04"))) as conn:
        names = [r[0] for r in conn.execute('SELECT name FROM musicbrainz.genre ORDER BY name COLLATE "C"')]
    assert len(names) > 3
    body = ws2_get("ds04", "/ws/2/genre/all?limit=3&offset=1&inc=aliases+annotation", JSON).json()
    assert body["genre-count"] == len(names)
    assert body["genre-offset"] == 1
    assert [g["name"] for g in body["genres"]] == names[1:4]
    assert all(g["annotation"] is None and isinstance(g["aliases"], list) for g in body["genres"])
    xml = etree.fromstring(ws2_get("ds04", "/ws/2/genre/all?limit=2", None).content)
    assert [n.text for n in xml.findall("mb:genre-list/mb:genre/mb:name", NS)] == names[:2]
    assert ws2_get("ds04", "/ws/2/genre/all?inc=releases", None).status_code == 400


def test_json_annotation_is_null_when_asked_for_and_absent(
    ws2_get: Getter, imported_dataset: Callable[[str], str]
) -> None:
    """With ``inc=annotation`` the JSON object always has ``annotation``: its text, or null when there is none
    (MusicBrainz's annotation role); XML shows the element only when there is text."""
    (gid,) = _row(
        imported_dataset,
        "ds04",
        "SELECT a.gid::text FROM artist a WHERE NOT EXISTS "
        "(SELECT 1 FROM artist_annotation aa WHERE aa.artist = a.id) ORDER BY a.id LIMIT 1",
    )
    body = ws2_get("ds04", f"/ws/2/artist/{gid}?inc=annotation", JSON).json()
    assert "annotation" in body and body["annotation"] is None
    assert "annotation" not in ws2_get("ds04", f"/ws/2/artist/{gid}", JSON).json()
    xml = ws2_get("ds04", f"/ws/2/artist/{gid}?inc=annotation", None)
    assert etree.fromstring(xml.content).find(".//mb:annotation", NS) is None

"""Sub-lists of artist and label lookups (``inc=recordings|releases|release-groups|works``), ws2-api.md §2-§4:
the cap of 25 items with the total as the XML count, the ``type``/``status`` filters, ``various-artists`` and
the JSON shapes, against the live server on ds01."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

pytestmark = pytest.mark.db

NS = {"mb": "http://musicbrainz.org/ns/mmd-2.0#"}
CHEMICAL_BROTHERS = "1946a82a-f927-40c2-8235-38d64f50d043"  # 33 recordings in ds01
SEVEN_NIN_MATSURI = "802673f0-9b88-4e8a-bb5c-dd01d68b086f"  # one official release, one pseudo-release
BOA = "a16d1433-ba89-4f72-a47b-a370add0bb55"  # on a track of m-flo's "the Love Bug"
LOVE_BUG = "aff4a693-5970-4e2e-bd46-e2ee49c22de7"
PLANET_MU = "b4edce40-090f-4956-b82a-5d9d285da40b"  # label of two Distance releases


def _xml(http: httpx.Client, path: str) -> etree._Element:
    response = http.get(path)
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def test_artist_recordings_are_capped_at_25_with_the_total_as_count(http: httpx.Client) -> None:
    doc = _xml(http, f"/ws/2/artist/{CHEMICAL_BROTHERS}?inc=recordings")
    (lst,) = doc.findall("mb:artist/mb:recording-list", NS)
    assert lst.get("count") == "33"
    assert len(lst.findall("mb:recording", NS)) == 25


def test_artist_recordings_are_in_title_order(http: httpx.Client) -> None:
    body = http.get(f"/ws/2/artist/{CHEMICAL_BROTHERS}?inc=recordings&fmt=json").json()
    titles = [r["title"] for r in body["recordings"]]
    assert len(titles) == 25
    assert titles == sorted(titles)


def test_artist_releases_filter_by_status_and_type(http: httpx.Client) -> None:
    every = http.get(f"/ws/2/artist/{SEVEN_NIN_MATSURI}?inc=releases&fmt=json").json()
    assert {r["status"] for r in every["releases"]} == {"Official", "Pseudo-Release"}
    pseudo = http.get(f"/ws/2/artist/{SEVEN_NIN_MATSURI}?inc=releases&status=pseudo-release&fmt=json").json()
    assert [r["status"] for r in pseudo["releases"]] == ["Pseudo-Release"]
    albums = http.get(f"/ws/2/artist/{SEVEN_NIN_MATSURI}?inc=releases&type=album&fmt=json").json()
    assert albums["releases"] == []


def test_status_filter_without_releases_is_a_bad_request(http: httpx.Client) -> None:
    response = http.get(f"/ws/2/artist/{SEVEN_NIN_MATSURI}?inc=release-groups&status=official")
    assert response.status_code == 400
    assert "status is not a valid parameter unless releases are requested." in response.text


def test_various_artists_lists_releases_where_the_artist_is_only_on_tracks(http: httpx.Client) -> None:
    own = http.get(f"/ws/2/artist/{BOA}?inc=releases&fmt=json").json()
    assert LOVE_BUG not in {r["id"] for r in own["releases"]}
    various = http.get(f"/ws/2/artist/{BOA}?inc=releases+various-artists&fmt=json").json()
    assert [r["id"] for r in various["releases"]] == [LOVE_BUG]


def test_nested_releases_have_no_cover_art_or_asin_but_do_have_media_when_asked(http: httpx.Client) -> None:
    body = http.get(f"/ws/2/label/{PLANET_MU}?inc=releases+media&fmt=json").json()
    assert len(body["releases"]) == 2
    for release in body["releases"]:
        assert "asin" not in release and "cover-art-archive" not in release
        assert release["media"] and all("tracks" not in m for m in release["media"])


def test_sub_list_keys_are_absent_unless_asked_for(http: httpx.Client) -> None:
    body = http.get(f"/ws/2/artist/{BOA}?fmt=json").json()
    assert not {"recordings", "releases", "release-groups", "works"} & set(body)


def test_nested_release_groups_carry_tags_but_no_rating(http: httpx.Client) -> None:
    body = http.get(f"/ws/2/artist/{BOA}?inc=release-groups+tags+ratings&fmt=json").json()
    assert "rating" in body
    assert body["release-groups"]
    for group in body["release-groups"]:
        assert "tags" in group and "rating" not in group

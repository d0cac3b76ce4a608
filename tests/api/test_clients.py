"""musicbrainzngs 0.7.1 against a live server on ds01: the XML it parses must give the values MusicBrainz would.

The client talks plain HTTP to the uvicorn server of ``tests/api/conftest.py``; only the host changes, as for a
user pointing musicbrainzngs at a mirror (ws2-api.md §10.1). The MBIDs, ISRCs and disc IDs are real rows of
ds01.
"""

from __future__ import annotations

from typing import Any

import musicbrainzngs
import pytest

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("musicbrainzngs_on_live_server")]

DISTANCE = "472bc127-8861-45e8-bc9e-31e8dd32de7a"  # two aliases, four URL relationships, two releases
PLANET_MU = "b4edce40-090f-4956-b82a-5d9d285da40b"
SUMMER_REGGAE_WORK = "3c37b9fa-a6c1-37d2-9e90-657a116d337c"
UNITED_KINGDOM = "8a754a16-0027-3a29-b6d7-2b40ea0481ed"
LOVE_BUG = "aff4a693-5970-4e2e-bd46-e2ee49c22de7"  # m-flo, one CD of three tracks, BoA on a track
M_FLO = "22dd2db3-88ea-4428-a7a8-5cd3acf23175"
BOA = "a16d1433-ba89-4f72-a47b-a370add0bb55"
ASLEEP_FROM_DAY = "1344425c-47ea-4d7b-a759-c7f5ec0fa191"  # The Chemical Brothers, ISRC GBAAA9900301
FOR_BEGINNER_PIANO_DISC = "4Fzv46Cx17XbCG5hQ1xo6KmQojk-"  # on two releases of Plone's album
# What beets asks for on a release (ws2-api.md §10.2), within musicbrainzngs' own list of release includes.
BEETS_RELEASE_INCS = [
    "artists",
    "media",
    "recordings",
    "release-groups",
    "labels",
    "artist-credits",
    "aliases",
    "recording-level-rels",
    "work-rels",
    "work-level-rels",
    "artist-rels",
    "isrcs",
    "url-rels",
    "release-rels",
    "tags",
]
BEETS_RECORDING_INCS = ["artists", "aliases", "isrcs", "work-level-rels", "artist-rels"]


def test_artist_lookup_gives_aliases_and_url_relationships() -> None:
    artist = musicbrainzngs.get_artist_by_id(DISTANCE, includes=["aliases", "url-rels"])["artist"]
    assert artist["name"] == "Distance"
    assert artist["type"] == "Person"
    assert artist["disambiguation"] == "UK dubstep artist Greg Sanders"
    assert artist["alias-count"] == 2
    assert {a["alias"] for a in artist["alias-list"]} == {"DJ Distance", "Distance"}
    urls = {rel["type"]: rel["target"] for rel in artist["url-relation-list"]}
    assert urls["discogs"] == "http://www.discogs.com/artist/DJ+Distance"
    assert urls["wikipedia"] == "http://en.wikipedia.org/wiki/Distance_(musician)"
    assert len(urls) == 4
    assert all(rel["direction"] == "forward" for rel in artist["url-relation-list"])


def test_label_lookup_gives_area_country_and_life_span() -> None:
    label = musicbrainzngs.get_label_by_id(PLANET_MU)["label"]
    assert label["name"] == "Planet Mu"
    assert label["type"] == "Original Production"
    assert label["country"] == "GB"
    assert label["area"]["id"] == UNITED_KINGDOM
    assert label["area"]["iso-3166-1-code-list"] == ["GB"]
    assert label["life-span"] == {"begin": "1995"}


def test_label_lookup_with_releases_lists_them() -> None:
    label = musicbrainzngs.get_label_by_id(PLANET_MU, includes=["releases"])["label"]
    assert label["release-count"] == 2
    assert {r["title"] for r in label["release-list"]} == {"My Demons", "Repercussions"}


def test_work_lookup_gives_title_type_and_language() -> None:
    work = musicbrainzngs.get_work_by_id(SUMMER_REGGAE_WORK)["work"]
    assert work == {"id": SUMMER_REGGAE_WORK, "title": "サマーれげぇ!レインボー", "type": "Song", "language": "jpn"}


def test_area_lookup_gives_type_and_iso_codes() -> None:
    area = musicbrainzngs.get_area_by_id(UNITED_KINGDOM)["area"]
    assert area["name"] == "United Kingdom"
    assert area["type"] == "Country"
    assert area["iso-3166-1-code-list"] == ["GB"]


def test_browse_artists_by_release_includes_the_track_artists() -> None:
    page = musicbrainzngs.browse_artists(release=LOVE_BUG)
    ids = [a["id"] for a in page["artist-list"]]
    assert page["artist-count"] == len(ids) == 3
    assert {M_FLO, BOA} <= set(ids)


def test_browse_artists_pages_with_limit_and_offset() -> None:
    first = musicbrainzngs.browse_artists(release=LOVE_BUG, limit=2)
    rest = musicbrainzngs.browse_artists(release=LOVE_BUG, limit=2, offset=2)
    assert first["artist-count"] == rest["artist-count"] == 3
    ids = [a["id"] for a in first["artist-list"] + rest["artist-list"]]
    assert len(ids) == len(set(ids)) == 3


def _names(credit: list[Any]) -> list[str]:
    return [c["artist"]["name"] if isinstance(c, dict) else c for c in credit]


def test_release_lookup_with_the_beets_includes() -> None:
    release = musicbrainzngs.get_release_by_id(LOVE_BUG, includes=BEETS_RELEASE_INCS)["release"]
    assert release["title"] == "the Love Bug"
    assert release["status"] == "Official"
    assert release["date"] == "2004-03-17"
    assert release["country"] == "JP"
    assert release["barcode"] == "4988064451180"
    assert release["artist-credit-phrase"] == "m-flo"
    assert release["release-group"]["primary-type"] == "Single"
    assert release["label-info-list"][0]["catalog-number"] == "RZCD-45118"
    assert release["label-info-list"][0]["label"]["name"] == "rhythm zone"
    (medium,) = release["medium-list"]
    assert medium["format"] == "CD"
    assert medium["track-count"] == 3
    first = medium["track-list"][0]
    assert first["number"] == "1"
    assert first["length"] == "243000"
    assert _names(first["artist-credit"]) == ["m-flo", "♥", "BoA"]
    recording = first["recording"]
    assert recording["title"] == "the Love Bug"
    assert recording["work-relation-list"][0]["work"]["title"] == "the Love Bug"
    vocal = [r for r in recording["artist-relation-list"] if r["type"] == "vocal"]
    assert vocal[0]["artist"]["id"] == BOA
    assert vocal[0]["attribute-list"] == ["guest"]
    amazon = [r for r in release["url-relation-list"] if r["type"] == "amazon asin"]
    assert amazon[0]["target"] == "http://www.amazon.co.jp/gp/product/B0001FAD2O"


def test_recording_lookup_with_the_beets_includes() -> None:
    recording = musicbrainzngs.get_recording_by_id(ASLEEP_FROM_DAY, includes=BEETS_RECORDING_INCS)["recording"]
    assert recording["title"] == "Asleep From Day"
    assert recording["length"] == "287386"
    assert recording["artist-credit-phrase"] == "The Chemical Brothers"
    assert recording["isrc-list"] == ["GBAAA9900301"]


def test_recordings_by_isrc() -> None:
    found = musicbrainzngs.get_recordings_by_isrc("GBAAA9900301")["isrc"]
    assert found["id"] == "GBAAA9900301"
    assert [r["id"] for r in found["recording-list"]] == [ASLEEP_FROM_DAY]


def test_releases_by_disc_id_give_the_toc_and_both_releases() -> None:
    disc = musicbrainzngs.get_releases_by_discid(FOR_BEGINNER_PIANO_DISC)["disc"]
    assert disc["id"] == FOR_BEGINNER_PIANO_DISC
    assert disc["sectors"] == "177766"
    assert disc["offset-count"] == 10
    assert disc["offset-list"][:3] == [150, 20190, 37441]
    assert disc["release-count"] == 2
    assert {r["title"] for r in disc["release-list"]} == {"For Beginner Piano"}


def test_browse_releases_by_artist_with_status_filter() -> None:
    every = musicbrainzngs.browse_releases(artist=DISTANCE)
    assert every["release-count"] == 2
    assert [r["title"] for r in every["release-list"]] == ["My Demons", "Repercussions"]
    official = musicbrainzngs.browse_releases(artist=DISTANCE, release_status=["official"])
    assert [(r["title"], r["status"]) for r in official["release-list"]] == [("My Demons", "Official")]


def test_unknown_mbid_raises_a_404_response_error() -> None:
    with pytest.raises(musicbrainzngs.ResponseError) as caught:
        musicbrainzngs.get_artist_by_id("00000000-0000-0000-0000-000000000000")
    caught.value.cause.close()  # the HTTPError holds the response's socket
    assert caught.value.cause.code == 404


def test_malformed_mbid_raises_a_400_response_error() -> None:
    with pytest.raises(musicbrainzngs.ResponseError) as caught:
        musicbrainzngs.get_artist_by_id("not-an-mbid")
    caught.value.cause.close()  # the HTTPError holds the response's socket
    assert caught.value.cause.code == 400

"""Real clients' searches against the live server on ds01 (ws2-api.md §10): musicbrainzngs' ``search_*``
functions parsing our XML (``ext:score`` included), and the exact requests beets and Picard send, returning the
expected entity with the fields they read."""

from __future__ import annotations

import httpx
import musicbrainzngs
import pytest

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("musicbrainzngs_on_live_server")]

DISTANCE = "472bc127-8861-45e8-bc9e-31e8dd32de7a"
LOVE_AND_HONESTY = "757a1723-3769-4298-89cd-48d31177852a"  # BoA; also a release group of that title
ASLEEP_FROM_DAY = "1344425c-47ea-4d7b-a759-c7f5ec0fa191"  # The Chemical Brothers, track 7 of 11 on "Surrender"
SURRENDER = "91d36d01-a898-426d-bc28-35ee5b7a7b6b"  # barcode 724384761028, catalogue number ASW47610-2
PLANET_MU = "b4edce40-090f-4956-b82a-5d9d285da40b"


def test_musicbrainzngs_search_artists_parses_scores_and_counts() -> None:
    result = musicbrainzngs.search_artists(artist="Distance", limit=5)
    assert result["artist-count"] >= 1
    best = result["artist-list"][0]
    assert best["id"] == DISTANCE
    assert best["ext:score"] == "100"
    assert best["name"] == "Distance"
    assert {a["alias"] for a in best["alias-list"]} == {"DJ Distance", "Distance"}


def test_musicbrainzngs_search_releases_with_fields_and_strict() -> None:
    for strict in (False, True):
        result = musicbrainzngs.search_releases(release="LOVE & HONESTY", artist="BoA", strict=strict)
        hits = {r["id"]: r for r in result["release-list"]}
        assert LOVE_AND_HONESTY in hits, strict
        hit = hits[LOVE_AND_HONESTY]
        assert hit["artist-credit"][0]["artist"]["name"] == "BoA"
        assert hit["release-group"]["primary-type"] == "Album"
        assert hit["medium-count"] == len(hit["medium-list"]) >= 1
        assert 0 <= int(hit["ext:score"]) <= 100


def test_musicbrainzngs_search_recordings_release_groups_labels() -> None:
    recordings = musicbrainzngs.search_recordings(recording="Asleep From Day", artist="The Chemical Brothers")
    recording = next(r for r in recordings["recording-list"] if r["id"] == ASLEEP_FROM_DAY)
    assert recording["isrc-list"] == ["GBAAA9900301"]
    assert SURRENDER in {r["id"] for r in recording["release-list"]}
    groups = musicbrainzngs.search_release_groups(releasegroup="LOVE & HONESTY")
    assert any(g["title"] == "LOVE & HONESTY" for g in groups["release-group-list"])
    labels = musicbrainzngs.search_labels(label="Planet Mu")
    assert labels["label-list"][0]["id"] == PLANET_MU


@pytest.mark.parametrize(
    ("function", "fields", "key"),
    [
        (musicbrainzngs.search_areas, {"area": "Japan"}, "area-list"),
        (musicbrainzngs.search_events, {"event": "Cool Festival"}, "event-list"),
        (musicbrainzngs.search_instruments, {"instrument": "piano"}, "instrument-list"),
        (musicbrainzngs.search_places, {"place": "A Test Place"}, "place-list"),
        (musicbrainzngs.search_series, {"series": "Bach-Werke-Verzeichnis"}, "series-list"),
        (musicbrainzngs.search_works, {"work": "Asseswaving"}, "work-list"),
    ],
)
def test_musicbrainzngs_search_other_entities(function: object, fields: dict[str, str], key: str) -> None:
    assert callable(function)
    result = function(limit=3, **fields)
    assert result[key], key
    assert result[key][0]["ext:score"] == "100"


def test_beets_album_candidates(http: httpx.Client) -> None:
    query = r"release:(love \& honesty) artist:(boa)"
    response = http.get("/ws/2/release", params={"query": query, "limit": "5", "fmt": "json"})
    assert response.status_code == 200
    releases = response.json()["releases"]
    assert 1 <= len(releases) <= 5
    assert LOVE_AND_HONESTY in [r["id"] for r in releases]


def test_beets_album_candidates_with_extra_tags(http: httpx.Client) -> None:
    query = r"release:(surrender) artist:(the chemical brothers) barcode:(724384761028) catno:(asw47610\-2)"
    response = http.get("/ws/2/release", params={"query": query, "limit": "5", "fmt": "json"})
    assert response.json()["releases"][0]["id"] == SURRENDER


def test_beets_singleton_candidates(http: httpx.Client) -> None:
    query = "artist:(the chemical brothers) recording:(asleep from day) alias:(asleep from day)"
    response = http.get("/ws/2/recording", params={"query": query, "limit": "5", "fmt": "json"})
    recordings = response.json()["recordings"]
    assert recordings[0]["id"] == ASLEEP_FROM_DAY


def test_picard_cluster_lookup(http: httpx.Client) -> None:
    query = (
        r"artist:(The Chemical Brothers) release:(Surrender) tracks:(11) barcode:(724384761028) "
        r"catno:(ASW47610\-2)"
    )
    response = http.get("/ws/2/release", params={"query": query, "limit": "50"}, headers={"Accept": "application/json"})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    best = response.json()["releases"][0]
    assert best["id"] == SURRENDER
    assert best["score"] == 100
    for key in ("title", "artist-credit", "release-group", "media", "label-info"):
        assert key in best, key
    assert best["label-info"][0]["catalog-number"] == "ASW47610-2"


def test_picard_file_lookup(http: httpx.Client) -> None:
    query = (
        "track:(Asleep From Day) artist:(The Chemical Brothers) release:(Surrender) tnum:(7) tracks:(11) "
        "qdur:(143) isrc:(GBAAA9900301)"
    )
    response = http.get(
        "/ws/2/recording", params={"query": query, "limit": "25"}, headers={"Accept": "application/json"}
    )
    best = response.json()["recordings"][0]
    assert best["id"] == ASLEEP_FROM_DAY
    release = next(r for r in best["releases"] if r["id"] == SURRENDER)
    medium = release["media"][0]
    assert (medium["position"], medium["track-count"], medium["track-offset"]) == (1, 11, 6)
    assert medium["track"][0]["number"] == "7"
    assert release["release-group"]["id"]


def test_picard_search_dialog_with_dismax(http: httpx.Client) -> None:
    params = {"query": "asleep from day", "dismax": "true", "limit": "25"}
    response = http.get("/ws/2/recording", params=params, headers={"Accept": "application/json"})
    assert response.json()["recordings"][0]["id"] == ASLEEP_FROM_DAY

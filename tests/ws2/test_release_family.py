"""The release family against real clients' requests: beets 2.x and Picard 3 (JSON) and musicbrainzngs (XML).

The requests are exactly what the clients send (``docs/ws2-api.md`` §10); the assertions check the fields they
read (beets indexes many keys directly, so a missing key is a crash there). musicbrainzngs runs against a live
uvicorn server on a free port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import musicbrainzngs
import pytest
import uvicorn

from api.main import create_app
from mirror.settings import Settings
from tests.ws2.conftest import Getter

pytestmark = pytest.mark.db

BEETS_RELEASE_INCS = (
    "artists+media+recordings+release-groups+labels+artist-credits+aliases+recording-level-rels+work-rels"
    "+work-level-rels+artist-rels+isrcs+url-rels+release-rels+genres+tags"
)
_PICARD_ALWAYS = "aliases annotation artist-credits artists collections discids isrcs labels media recordings"
_PICARD_RELS = "release-groups artist-rels label-rels recording-rels release-group-level-rels release-rels"
_PICARD_MORE = "series-rels url-rels work-rels recording-level-rels work-level-rels genres tags"
PICARD_RELEASE_INCS = "+".join(sorted(f"{_PICARD_ALWAYS} {_PICARD_RELS} {_PICARD_MORE}".split()))
LOVE_BUG = "aff4a693-5970-4e2e-bd46-e2ee49c22de7"  # m-flo, "the Love Bug", one CD, three tracks
PLONE = "4f5a6b97-a09b-4893-80d1-eae1f3bfa221"  # Plone, "For Beginner Piano", ten tracks
MY_DEMONS = "adcf7b48-086e-48ee-b420-1001f88d672f"  # Distance, twelve recordings
AERIAL_TOC = "1 9 189343 150 6614 32287 54041 61236 88129 92729 115276 153877"
JSON = {"Accept": "application/json"}


def _check_beets_release(release: dict[str, Any]) -> None:
    for key in ("id", "media", "artist-credit", "asin", "status", "disambiguation", "release-group", "label-info"):
        assert key in release, key
    assert set(release["text-representation"]) >= {"script", "language"}
    assert "genres" in release and "tags" in release
    group = release["release-group"]
    for key in ("id", "primary-type", "secondary-types", "first-release-date", "disambiguation", "genres"):
        assert key in group, key
    for info in release["label-info"]:
        assert "catalog-number" in info and "label" in info
    for credit in release["artist-credit"]:
        assert {"name", "joinphrase"} <= set(credit)
        assert {"id", "name", "sort-name"} <= set(credit["artist"])
    for medium in release["media"]:
        assert {"position", "track-count", "title", "format"} <= set(medium)
        for track in medium["tracks"]:
            assert {"id", "number", "position", "title", "length", "artist-credit", "recording"} <= set(track)
            recording = track["recording"]
            for key in ("id", "title", "length", "disambiguation", "video", "artist-credit", "aliases"):
                assert key in recording, key


def test_beets_release_lookup_has_every_key_beets_indexes(ws2_get: Getter) -> None:
    response = ws2_get("ds01", f"/ws/2/release/{PLONE}?inc={BEETS_RELEASE_INCS.replace('+', '%2B')}&fmt=json", None)
    assert response.status_code == 200
    release = response.json()
    _check_beets_release(release)
    assert release["id"] == PLONE
    tracks = release["media"][0]["tracks"]
    assert [t["position"] for t in tracks] == list(range(1, 11))
    assert tracks[0]["recording"]["title"] == "On My Bus"
    assert release["artist-credit"][0]["artist"]["name"] == "Plone"
    assert all("relations" in t["recording"] for t in tracks)


def test_beets_recording_lookup_returns_isrcs_and_aliases(ws2_get: Getter) -> None:
    incs = "artists%2Baliases%2Bisrcs%2Bwork-level-rels%2Bartist-rels"
    path = f"/ws/2/recording/162630d9-36d2-4a8d-ade1-1c77440b34e7?inc={incs}&fmt=json"
    recording = ws2_get("ds01", path, None).json()
    for key in ("id", "title", "length", "disambiguation", "video", "artist-credit", "aliases", "isrcs"):
        assert key in recording, key
    assert recording["title"] == "サマーれげぇ!レインボー"
    assert recording["length"] == 296026


def test_beets_missing_plugin_browses_release_groups_by_type(ws2_get: Getter) -> None:
    path = "/ws/2/release-group?artist=472bc127-8861-45e8-bc9e-31e8dd32de7a&type=album|ep&fmt=json"
    body = ws2_get("ds01", path, None).json()
    assert body["release-group-count"] == len(body["release-groups"])
    assert all(g["primary-type"] in ("Album", "EP") for g in body["release-groups"])


def test_picard_release_lookup_accepts_collections_anonymously(ws2_get: Getter) -> None:
    response = ws2_get("ds01", f"/ws/2/release/{LOVE_BUG}?inc={PICARD_RELEASE_INCS}", JSON)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    release = response.json()
    assert release["collections"] == []
    assert release["title"] == "the Love Bug"
    assert release["date"] == "2004-03-17" and release["country"] == "JP"
    assert release["release-events"][0]["area"]["iso-3166-1-codes"] == ["JP"]
    assert release["label-info"][0]["label"]["name"] == "rhythm zone"
    assert release["cover-art-archive"]["count"] == 1 and release["cover-art-archive"]["front"] is True
    medium = release["media"][0]
    assert medium["track-count"] == 3 and len(medium["tracks"]) == 3
    first = medium["tracks"][0]["recording"]
    # Picard fetches track relationships separately when "relations" is missing on the first recording.
    assert isinstance(first["relations"], list) and first["relations"]
    assert {r["type"] for r in first["relations"]} >= {"producer", "vocal"}


def test_picard_pages_recordings_of_a_release(ws2_get: Getter) -> None:
    incs = "artist-rels%2Blabel-rels%2Brecording-rels%2Brelease-rels%2Burl-rels%2Bwork-rels%2Bwork-level-rels"
    first = ws2_get("ds01", f"/ws/2/recording?release={MY_DEMONS}&limit=5&offset=0&inc={incs}", JSON).json()
    second = ws2_get("ds01", f"/ws/2/recording?release={MY_DEMONS}&limit=100&offset=5&inc={incs}", JSON).json()
    assert first["recording-count"] == second["recording-count"] == 12
    assert (first["recording-offset"], second["recording-offset"]) == (0, 5)
    ids = [r["id"] for r in first["recordings"]] + [r["id"] for r in second["recordings"]]
    assert len(ids) == len(set(ids)) == 12


def test_picard_toc_lookup_finds_releases_by_durations(ws2_get: Getter) -> None:
    path = f"/ws/2/discid/?toc={AERIAL_TOC.replace(' ', '+')}&cdstubs=no&inc=artist-credits+labels"
    body = ws2_get("ds06", path, JSON).json()
    assert body["release-count"] == 2
    assert {r["title"] for r in body["releases"]} == {"Aerial"}


def test_unknown_release_is_404_and_bad_mbid_is_400(ws2_get: Getter) -> None:
    assert ws2_get("ds01", "/ws/2/release/00000000-0000-0000-0000-000000000000?fmt=json", None).status_code == 404
    assert ws2_get("ds01", "/ws/2/release/not-an-mbid?fmt=json", None).status_code == 400
    assert ws2_get("ds01", "/ws/2/isrc/nonsense", None).status_code == 400
    assert ws2_get("ds01", "/ws/2/discid/nonsense", None).status_code == 400


# --- musicbrainzngs against a live server ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(imported_dataset: Callable[[str], str]) -> Iterator[Callable[[str], str]]:
    """``live_server("ds01")`` -> ``host:port`` of a uvicorn server on that dataset (one per dataset)."""
    servers: dict[str, tuple[uvicorn.Server, threading.Thread, str]] = {}

    def start(dataset: str) -> str:
        if dataset not in servers:
            port = _free_port()
            app = create_app(Settings(pool_size=2), imported_dataset(dataset))
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            deadline = time.monotonic() + 30
            while not server.started:
                assert time.monotonic() < deadline, "live server did not start"
                time.sleep(0.05)
            servers[dataset] = (server, thread, f"127.0.0.1:{port}")
        return servers[dataset][2]

    yield start
    for server, thread, _ in servers.values():
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def ngs(live_server: Callable[[str], str]) -> Callable[[str], None]:
    def use(dataset: str) -> None:
        musicbrainzngs.set_useragent("mbmirror-tests", "0.1", "tests@example.invalid")
        musicbrainzngs.set_rate_limit(False)
        musicbrainzngs.set_hostname(live_server(dataset))

    return use


def test_musicbrainzngs_release_lookup_parses_tracks_and_labels(ngs: Callable[[str], None]) -> None:
    ngs("ds01")
    result = musicbrainzngs.get_release_by_id(
        LOVE_BUG, includes=["artists", "recordings", "labels", "release-groups", "isrcs", "media"]
    )
    release = result["release"]
    assert release["title"] == "the Love Bug"
    assert release["release-group"]["type"] == "Single"
    assert release["label-info-list"][0]["catalog-number"] == "RZCD-45118"
    medium = release["medium-list"][0]
    assert medium["track-count"] == 3
    assert medium["track-list"][0]["recording"]["title"] == "the Love Bug"
    assert release["artist-credit"][0]["artist"]["name"] == "m-flo"


def test_musicbrainzngs_browse_releases_by_artist_pages(ngs: Callable[[str], None]) -> None:
    ngs("ds01")
    result = musicbrainzngs.browse_releases(artist="3088b672-fba9-4b4b-8ae0-dce13babfbb4", limit=2, offset=2)
    assert result["release-count"] == 3
    assert [r["id"] for r in result["release-list"]] == ["fbe4eb72-0f24-3875-942e-f581589713d4"]


def test_musicbrainzngs_recording_lookup_and_browse(ngs: Callable[[str], None]) -> None:
    ngs("ds01")
    recording = musicbrainzngs.get_recording_by_id(
        "162630d9-36d2-4a8d-ade1-1c77440b34e7", includes=["releases", "isrcs", "artist-credits"]
    )["recording"]
    assert recording["length"] == "296026"
    assert recording["release-count"] == len(recording["release-list"]) == 2
    browsed = musicbrainzngs.browse_recordings(release=MY_DEMONS, limit=100)
    assert browsed["recording-count"] == 12 and len(browsed["recording-list"]) == 12


def test_musicbrainzngs_isrc_and_discid_lookups(ngs: Callable[[str], None]) -> None:
    ngs("ds01")
    isrc = musicbrainzngs.get_recordings_by_isrc("GBAAA9900301")
    assert isrc["isrc"]["id"] == "GBAAA9900301"
    assert [r["title"] for r in isrc["isrc"]["recording-list"]] == ["Asleep From Day"]
    disc = musicbrainzngs.get_releases_by_discid("T.epJ9O5SoDjPqAJuOJfAI9O8Nk-", includes=["artist-credits"])
    assert disc["disc"]["sectors"] == "256486"
    assert disc["disc"]["release-list"][0]["title"] == "LOVE & HONESTY"
    with pytest.raises(musicbrainzngs.ResponseError):
        musicbrainzngs.get_releases_by_discid("aaaaaaaaaaaaaaaaaaaaaaaaaaa-")

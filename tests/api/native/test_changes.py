"""``/api/changes`` after real packets applied by ``mirror.sync``, and what only a writable mirror can show:
merged MBIDs over HTTP and list cursors that stay stable while rows are committed between pages.

The module imports ds01 into a database of its own, gives it replication sequence 100 (as a dump made with
replication would), applies packets 101 and 102 written by ``mirror.tools.packets`` and serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from mirror.db import libpq_url
from mirror.settings import Settings
from mirror.sync import sync
from mirror.tools.packets import update, write_packet
from tests.api.conftest import DUMP_SEQUENCE, replicating_copy, running_server


@pytest.fixture(scope="module")
def mirror_url(pg_server: Any, samples: Path) -> Iterator[str]:
    with replicating_copy(pg_server, samples, "native_changes") as url:
        yield url


@pytest.fixture(scope="module")
def changed(mirror_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[int, set[tuple[str, str]]]:
    """Apply packets 101 (an artist renamed) and 102 (a release and a label renamed); the expected feed.

    Rows of packets are whole rows; the key and ``gid`` (which the sync records) are enough for an update."""
    with psycopg.connect(libpq_url(mirror_url)) as conn:
        artist = conn.execute("SELECT id, gid::text, name FROM musicbrainz.artist ORDER BY id LIMIT 1").fetchone()
        release = conn.execute("SELECT id, gid::text, name FROM musicbrainz.release ORDER BY id LIMIT 1").fetchone()
        label = conn.execute("SELECT id, gid::text, name FROM musicbrainz.label ORDER BY id LIMIT 1").fetchone()
    assert artist and release and label
    directory = tmp_path_factory.mktemp("packets")
    write_packet(
        directory,
        101,
        [update("musicbrainz.artist", {"id": artist[0], "gid": artist[1], "name": artist[2]}, {"name": "X"}, xid=1)],
    )
    write_packet(
        directory,
        102,
        [
            update(
                "musicbrainz.release", {"id": release[0], "gid": release[1], "name": release[2]}, {"name": "Y"}, xid=2
            ),
            update("musicbrainz.label", {"id": label[0], "gid": label[1], "name": label[2]}, {"name": "Z"}, xid=3),
        ],
    )
    sync(Settings(database_url=None, _env_file=None), mirror_url, directory)  # type: ignore[call-arg]
    return {101: {("artist", artist[1])}, 102: {("release", release[1]), ("label", label[1])}}


@pytest.fixture(scope="module")
def client(mirror_url: str, changed: Any) -> Iterator[httpx.Client]:
    with running_server(mirror_url) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def feed(client: httpx.Client, since: int, limit: int) -> list[tuple[int, str, str]]:
    response = client.get("/api/changes", params={"since": since, "limit": limit})
    out: list[tuple[int, str, str]] = []
    while True:
        assert response.status_code == 200, response.text
        out += [(c["sequence"], c["type"], c["id"]) for c in response.json()["changes"]]
        if "next" not in response.links:
            return out
        response = client.get(response.links["next"]["url"])


def test_changes_list_the_entities_of_each_packet_after_since(client: httpx.Client, changed: Any) -> None:
    expected = [(seq, kind, gid) for seq in (101, 102) for kind, gid in sorted(changed[seq])]
    assert feed(client, DUMP_SEQUENCE, 1) == expected
    assert feed(client, 101, 1000) == [c for c in expected if c[0] == 102]
    assert feed(client, 102, 10) == []
    body = client.get("/api/changes", params={"since": 101}).json()
    assert body["current"] == 102 and body["oldest"] == DUMP_SEQUENCE


def test_a_since_older_than_the_feed_is_410_and_says_to_resync(client: httpx.Client) -> None:
    response = client.get("/api/changes", params={"since": DUMP_SEQUENCE - 1})
    assert response.status_code == 410 and "re-sync" in response.json()["error"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"since": 500}, "since"),
        ({"since": "x"}, "since"),
        ({"since": 100, "limit": 0}, "limit"),
        ({"since": 100, "cursor": "AAAA"}, "cursor"),
        ({}, "since"),
    ],
)
def test_bad_changes_requests_are_400(client: httpx.Client, params: dict[str, Any], parameter: str) -> None:
    response = client.get("/api/changes", params=params)
    assert response.status_code == 400 and response.json()["parameter"] == parameter


def test_a_merged_mbid_answers_the_current_entity_with_content_location(client: httpx.Client, mirror_url: str) -> None:
    old = "5c0b5d1e-0000-4000-8000-00000000beef"
    with psycopg.connect(libpq_url(mirror_url), autocommit=True) as conn:
        row = conn.execute("SELECT id, gid::text FROM musicbrainz.label ORDER BY id DESC LIMIT 1").fetchone()
        assert row
        conn.execute("INSERT INTO musicbrainz.label_gid_redirect (gid, new_id) VALUES (%s, %s)", (old, row[0]))
    response = client.get(f"/api/label/{old}")
    assert response.status_code == 200 and response.json()["id"] == row[1]
    assert response.headers["content-location"] == f"/api/label/{row[1]}"


def test_list_cursors_stay_stable_while_rows_are_committed_between_pages(client: httpx.Client, mirror_url: str) -> None:
    before = feed_list(client, None)
    first = client.get("/api/recording", params={"sort": "title", "limit": 10})
    with psycopg.connect(libpq_url(mirror_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO musicbrainz.recording (id, gid, name, artist_credit, comment, edits_pending, video) "
            "SELECT 990000 + n, gen_random_uuid(), '!first ' || n, (SELECT min(id) FROM musicbrainz.artist_credit), "
            "'', 0, false FROM generate_series(1, 5) n"
        )
    rest = feed_list(client, first.links["next"]["url"])
    assert [i["id"] for i in first.json()["items"]] + rest == before


def feed_list(client: httpx.Client, url: str | None) -> list[str]:
    response = client.get(url or "/api/recording", params=None if url else {"sort": "title", "limit": 10})
    ids: list[str] = []
    while True:
        ids += [i["id"] for i in response.json()["items"]]
        if "next" not in response.links:
            return ids
        response = client.get(response.links["next"]["url"])

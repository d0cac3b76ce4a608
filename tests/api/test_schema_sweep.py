"""Every ws/2 resource, looked up and browsed with every inc it accepts, answers valid MMD (ws2-api.md §6.1: the
RELAX NG schema fixes the element order), against the live server on ds01; plus the divergences such sweeps
found, each checked against the dataset by SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from lxml import etree

from api.ws2.registry import load_registry
from mirror.db import libpq_url
from tests.ws2.golden import schema_errors

pytestmark = pytest.mark.db

NS = {"mb": "http://musicbrainz.org/ns/mmd-2.0#"}
PER_TYPE = 4  # entities looked up per resource, and linked entities browsed per browse key
AUTHENTICATED = {"user-tags", "user-genres", "user-ratings", "user-collections"}
REGISTRY = load_registry()
MBID_RESOURCES = sorted(name for name, resource in REGISTRY.items() if resource.table)


def _browse_keys(name: str) -> list[str]:
    """The browse keys of ``name`` that are MBID-keyed resources (collections need an editor)."""
    return sorted(key for key in REGISTRY[name].linked if key in MBID_RESOURCES and key != "collection")


BROWSABLE = [name for name in MBID_RESOURCES if _browse_keys(name)]


@pytest.fixture(scope="module")
def db(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with psycopg.connect(libpq_url(imported_dataset("ds01"))) as conn:
        conn.execute("SET search_path = musicbrainz")
        yield conn


def _gids(db: psycopg.Connection[tuple[Any, ...]], table: str) -> list[str]:
    return [str(row[0]) for row in db.execute(f"SELECT gid FROM {table} ORDER BY id LIMIT {PER_TYPE}")]


def _incs(incs: frozenset[str]) -> str:
    return "+".join(sorted(incs - AUTHENTICATED))


def _valid(http: httpx.Client, path: str) -> etree._Element:
    response = http.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    assert schema_errors(response.content) is None, (path, schema_errors(response.content))
    return etree.fromstring(response.content)


@pytest.mark.parametrize("name", MBID_RESOURCES)
def test_lookup_with_every_inc_is_valid_mmd(
    name: str, http: httpx.Client, db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    resource = REGISTRY[name]
    gids = _gids(db, resource.table)
    if not gids:
        pytest.skip(f"ds01 has no {name}")
    for gid in gids:
        doc = _valid(http, f"/ws/2/{name}/{gid}?inc={_incs(resource.lookup_incs)}")
        assert doc[0].get("id") == gid


@pytest.mark.parametrize("name", BROWSABLE)
def test_browse_with_every_inc_is_valid_mmd(
    name: str, http: httpx.Client, db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    resource = REGISTRY[name]
    for linked in _browse_keys(name):
        for gid in _gids(db, REGISTRY[linked].table):
            _valid(http, f"/ws/2/{name}?{linked}={gid}&inc={_incs(resource.browse_incs)}")


def test_genre_lookup_by_mbid_finds_the_genre(http: httpx.Client, db: psycopg.Connection[tuple[Any, ...]]) -> None:
    gid, name = db.execute("SELECT gid::text, name FROM genre ORDER BY id LIMIT 1").fetchone() or ("", "")
    doc = _valid(http, f"/ws/2/genre/{gid}?inc=aliases")
    assert doc.findtext("mb:genre/mb:name", namespaces=NS) == name
    assert http.get(f"/ws/2/genre/{gid}", params={"fmt": "json"}).json()["name"] == name


def test_event_life_span_in_xml_has_no_ended_but_json_does(
    http: httpx.Client, db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    row = db.execute(
        "SELECT gid::text, cancelled FROM event WHERE ended AND end_date_year IS NOT NULL LIMIT 1"
    ).fetchone()
    assert row is not None, "ds01 has an ended event"
    gid, cancelled = row
    event = _valid(http, f"/ws/2/event/{gid}").find("mb:event", NS)
    assert event is not None
    assert event.find("mb:life-span/mb:end", NS) is not None
    assert event.find("mb:life-span/mb:ended", NS) is None  # the MMD event life-span has begin and end only
    assert (event.findtext("mb:cancelled", namespaces=NS) == "true") is cancelled
    assert http.get(f"/ws/2/event/{gid}", params={"fmt": "json"}).json()["life-span"]["ended"] is True


def test_release_label_shows_its_code_and_disambiguation(
    http: httpx.Client, db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    row = db.execute(
        "SELECT r.gid::text, l.label_code, l.comment FROM release r JOIN release_label rl ON rl.release = r.id "
        "JOIN label l ON l.id = rl.label WHERE l.label_code IS NOT NULL AND l.comment <> '' LIMIT 1"
    ).fetchone()
    assert row is not None, "ds01 has a release label with a code and a disambiguation"
    gid, code, comment = row
    label = _valid(http, f"/ws/2/release/{gid}?inc=labels").find(".//mb:label-info/mb:label", NS)
    assert label is not None
    assert label.findtext("mb:label-code", namespaces=NS) == str(code)
    assert label.findtext("mb:disambiguation", namespaces=NS) == comment

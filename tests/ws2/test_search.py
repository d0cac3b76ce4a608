"""ws/2 search end to end: every core answers a fielded query in XML and JSON with the expected entity.

XML must validate against the MMD schema; both formats list the same hits with the same scores, the best at 100.
Relevance itself is the engine's (tests/mirror/search/); here the expected entity only has to be among the hits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from lxml import etree

from api.ws2.render import NS
from api.ws2.search import KINDS
from api.ws2.search_hits import EXT_NS
from mirror.db import libpq_url
from mirror.search.catalog import CATALOG
from tests.ws2.conftest import Getter
from tests.ws2.golden import schema_errors

pytestmark = pytest.mark.db

# core -> (dataset, query, the MBID (or tag name) the hits must include)
CASES = {
    "artist": ("ds01", "artist:distance", "472bc127-8861-45e8-bc9e-31e8dd32de7a"),
    "release": ("ds01", "release:(love honesty) AND artist:boa", "757a1723-3769-4298-89cd-48d31177852a"),
    "release-group": ("ds01", "releasegroup:(for beginner piano)", "202cad78-a2e1-3fa7-b8bc-77c1f737e3da"),
    "recording": ("ds01", "recording:(racing the tide)", "e186e921-9d7e-4cd9-b499-4030a1e78960"),
    "label": ("ds01", "label:(hospital records)", "8562598d-60d1-4bd6-8b85-4d709e951770"),
    "work": ("ds01", "work:asseswaving", "f5cdd40d-6dc3-358b-8d7d-22dd9d8f87a8"),
    "area": ("ds01", "area:japan", "2db42837-c832-3c27-b4a3-08198f75693c"),
    "place": ("ds01", 'place:"a test place"', "df9269dd-0470-4ea2-97e8-c11e46080edd"),
    "event": ("ds01", 'event:"cool festival"', "eb668bdc-a928-49a1-beb7-8e37db2a5b65"),
    "instrument": ("ds01", "instrument:piano", "b3eac5f9-7859-4416-ac39-7154e2e8d348"),
    "series": ("ds01", "series:(bach werke verzeichnis)", "d977f7fd-96c9-4e3e-83b5-eb484a9e6582"),
    "url": ("ds01", 'url:"http://www.mop2001.com/bag.html"', "2665145a-4474-4c57-97d1-c0299048177a"),
    "tag": ("ds01", "tag:house", "house"),
    "annotation": ("ds04", "text:(artist annotation)", "472bc127-8861-45e8-bc9e-31e8dd32de7a"),
}


def _xml_key(core: str, hit: etree._Element) -> str:
    if core == "tag":
        return str(hit.findtext(f"{{{NS}}}name"))
    if core == "annotation":
        return str(hit.findtext(f"{{{NS}}}entity"))
    return str(hit.get("id"))


def _json_key(core: str, hit: dict[str, object]) -> str:
    return str(hit[{"tag": "name", "annotation": "entity"}.get(core, "id")])


@pytest.mark.parametrize("core", sorted(CASES))
def test_every_core_finds_its_entity_in_xml_and_json(ws2_get: Getter, core: str) -> None:
    dataset, query, expected = CASES[core]
    xml = ws2_get(dataset, f"/ws/2/{core}/?query={quote(query)}&limit=10")
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"] == "application/xml; charset=utf-8"
    assert schema_errors(xml.content) is None, schema_errors(xml.content)
    root = etree.fromstring(xml.content)
    (lst,) = list(root)
    assert lst.tag == f"{{{NS}}}{KINDS[core].list_tag}"
    assert lst.get("offset") == "0"
    xml_hits = [(_xml_key(core, hit), int(hit.get(f"{{{EXT_NS}}}score", "-1"))) for hit in lst]
    assert expected in [key for key, _ in xml_hits]
    assert int(lst.get("count", "0")) >= len(xml_hits)
    assert xml_hits[0][1] == 100
    assert all(0 <= score <= 100 for _, score in xml_hits)

    response = ws2_get(dataset, f"/ws/2/{core}?query={quote(query)}&limit=10", {"Accept": "application/json"})
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert (doc["count"], doc["offset"]) == (int(lst.get("count", "0")), 0)
    assert [(_json_key(core, hit), hit["score"]) for hit in doc[KINDS[core].plural]] == xml_hits


def test_offset_pages_through_the_same_ranking(ws2_get: Getter) -> None:
    everything = ws2_get("ds01", "/ws/2/recording?query=recording:*&limit=10&fmt=json").json()
    assert everything["count"] > 10
    page = ws2_get("ds01", "/ws/2/recording?query=recording:*&limit=5&offset=5&fmt=json").json()
    assert page["offset"] == 5
    assert page["count"] == everything["count"]
    assert [r["id"] for r in page["recordings"]] == [r["id"] for r in everything["recordings"][5:10]]


def test_search_wins_over_a_browse_key_and_ignores_inc(ws2_get: Getter) -> None:
    url = "/ws/2/artist?query=artist:distance&release=757a1723-3769-4298-89cd-48d31177852a&inc=nonsense&fmt=json"
    response = ws2_get("ds01", url)
    assert response.status_code == 200
    assert "artists" in response.json() and "created" in response.json()


def test_dismax_searches_operators_and_fields_as_words(ws2_get: Getter) -> None:
    plain = ws2_get("ds01", "/ws/2/artist?query=distance&dismax=true&fmt=json").json()
    assert plain["artists"][0]["id"] == "472bc127-8861-45e8-bc9e-31e8dd32de7a"
    fielded = ws2_get("ds01", "/ws/2/artist?query=nonsensefield:distance&dismax=true&fmt=json")
    assert fielded.status_code == 200


def test_a_query_that_does_not_parse_is_searched_as_text(ws2_get: Getter) -> None:
    response = ws2_get("ds01", f"/ws/2/artist?query={quote('distance AND (')}&fmt=json")
    assert response.status_code == 200
    assert "472bc127-8861-45e8-bc9e-31e8dd32de7a" in [a["id"] for a in response.json()["artists"]]


def test_release_hits_carry_what_taggers_read(ws2_get: Getter) -> None:
    query = quote("release:(love honesty) AND artist:boa")
    doc = ws2_get("ds01", f"/ws/2/release?query={query}&fmt=json").json()
    hit = next(r for r in doc["releases"] if r["id"] == "757a1723-3769-4298-89cd-48d31177852a")
    assert hit["title"] == "LOVE & HONESTY"
    assert hit["artist-credit"][0]["artist"]["name"] == "BoA"
    assert hit["release-group"]["primary-type"] == "Album"
    assert (hit["date"], hit["country"]) == ("2004-01-15", "JP")
    assert hit["media"] and all({"format", "track-count"} <= set(m) for m in hit["media"])
    assert hit["track-count"] == sum(m["track-count"] for m in hit["media"])
    assert isinstance(hit["score"], int)


@pytest.mark.parametrize("core", sorted(c for c in CASES if "mbid" in CATALOG[c].synonyms))
def test_mbid_field_finds_the_entity_with_that_mbid(ws2_get: Getter, core: str) -> None:
    dataset, _, mbid = CASES[core]
    doc = ws2_get(dataset, f"/ws/2/{core}?query=mbid:{mbid}&fmt=json").json()
    assert [hit["id"] for hit in doc[KINDS[core].plural]] == [mbid]


def _database(imported_dataset: Callable[[str], str], dataset: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(libpq_url(imported_dataset(dataset)))


@pytest.mark.parametrize("core", ["release", "release-group", "recording"])
def test_hits_show_their_artist_credit_mbid(ws2_get: Getter, imported_dataset: Callable[[str], str], core: str) -> None:
    table = core.replace("-", "_")
    with _database(imported_dataset, "ds04") as conn:
        expected = dict(
            conn.execute(
                f"SELECT x.gid::text, ac.gid::text FROM musicbrainz.{table} x"  # type: ignore[arg-type]
                " JOIN musicbrainz.artist_credit ac ON ac.id = x.artist_credit"
            ).fetchall()
        )
    doc = ws2_get("ds04", f"/ws/2/{core}?query=*:*&limit=100&fmt=json").json()
    hits = doc[KINDS[core].plural]
    assert hits and {hit["id"]: hit["artist-credit-id"] for hit in hits} == {h["id"]: expected[h["id"]] for h in hits}
    assert list(hits[0]).index("artist-credit-id") == list(hits[0]).index("artist-credit") + 1
    root = etree.fromstring(ws2_get("ds04", f"/ws/2/{core}?query=*:*&limit=100").content)
    assert schema_errors(etree.tostring(root)) is None
    credits = {hit.get("id"): hit.find(f"{{{NS}}}artist-credit").get("id") for hit in root[0]}  # type: ignore[union-attr]
    assert credits == {h["id"]: expected[h["id"]] for h in hits}


def test_release_hits_count_disc_ids_and_show_the_asin(ws2_get: Getter, imported_dataset: Callable[[str], str]) -> None:
    with _database(imported_dataset, "ds04") as conn:
        discs = dict(
            conn.execute(
                "SELECT m.gid::text, count(c.id) FROM musicbrainz.medium m"
                " LEFT JOIN musicbrainz.medium_cdtoc c ON c.medium = m.id GROUP BY m.gid"
            ).fetchall()
        )
        asins = dict(
            conn.execute(
                "SELECT r.gid::text, nullif(rm.amazon_asin, '') FROM musicbrainz.release r"
                " LEFT JOIN musicbrainz.release_meta rm ON rm.id = r.id"
            ).fetchall()
        )
    assert any(discs.values()) and any(asins.values())  # the dataset has both
    hits = ws2_get("ds04", "/ws/2/release?query=*:*&limit=100&fmt=json").json()["releases"]
    assert {m["id"]: m["disc-count"] for h in hits for m in h["media"]} == {
        m["id"]: discs[m["id"]] for h in hits for m in h["media"]
    }
    assert {h["id"]: h.get("asin") for h in hits} == {h["id"]: asins[h["id"]] for h in hits}
    root = etree.fromstring(ws2_get("ds04", "/ws/2/release?query=*:*&limit=100").content)
    assert schema_errors(etree.tostring(root)) is None
    shown = {
        medium.get("id"): int(medium.find(f"{{{NS}}}disc-list").get("count"))  # type: ignore[union-attr, arg-type]
        for medium in root.iter(f"{{{NS}}}medium")
    }
    assert shown == {m["id"]: discs[m["id"]] for h in hits for m in h["media"]}
    assert {h.get("id"): h.findtext(f"{{{NS}}}asin") for h in root[0]} == {h["id"]: asins[h["id"]] for h in hits}


def test_place_hit_coordinates_are_strings_in_json_as_in_xml(ws2_get: Getter) -> None:
    dataset, query, mbid = CASES["place"]
    root = etree.fromstring(ws2_get(dataset, f"/ws/2/place?query={quote(query)}").content)
    place = next(hit for hit in root[0] if hit.get("id") == mbid)
    xml = {axis: place.findtext(f"{{{NS}}}coordinates/{{{NS}}}{axis}") for axis in ("latitude", "longitude")}
    assert all(xml.values())  # the place has coordinates
    hits = ws2_get(dataset, f"/ws/2/place?query={quote(query)}&fmt=json").json()["places"]
    assert next(hit for hit in hits if hit["id"] == mbid)["coordinates"] == xml


def test_area_hits_show_the_areas_they_are_part_of(ws2_get: Getter, imported_dataset: Callable[[str], str]) -> None:
    with _database(imported_dataset, "ds02") as conn:
        rows = conn.execute(
            "SELECT c.gid::text, p.gid::text FROM musicbrainz.l_area_area l"
            " JOIN musicbrainz.link k ON k.id = l.link JOIN musicbrainz.link_type lt ON lt.id = k.link_type"
            " JOIN musicbrainz.area c ON c.id = l.entity1 JOIN musicbrainz.area p ON p.id = l.entity0"
            " WHERE lt.name = 'part of' ORDER BY l.id"
        ).fetchall()
    parents: dict[str, list[str]] = {}
    for child, parent in rows:
        parents.setdefault(child, []).append(parent)
    assert parents  # the dataset has some
    hits = ws2_get("ds02", "/ws/2/area?query=*:*&limit=100&fmt=json").json()["areas"]
    shown = {h["id"]: [r["target"] for r in h["relation-list"][0]["relations"]] for h in hits if "relation-list" in h}
    assert shown and shown == {h["id"]: parents[h["id"]] for h in hits if h["id"] in parents}
    assert all(r["direction"] == "backward" for h in hits for r in h.get("relation-list", [{}])[0].get("relations", []))
    root = etree.fromstring(ws2_get("ds02", "/ws/2/area?query=*:*&limit=100").content)
    assert schema_errors(etree.tostring(root)) is None
    xml = {
        hit.get("id"): [t.text for t in hit.iterfind(f"{{{NS}}}relation-list/{{{NS}}}relation/{{{NS}}}target")]
        for hit in root[0]
    }
    assert {k: v for k, v in xml.items() if v} == shown

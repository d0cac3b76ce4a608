"""Search hit rendering for every core, from rows chosen by plain SQL (independent of the search engine).

Each page is rendered with ``render_hits`` as the endpoint renders the engine's hits: XML must validate against
the MMD schema and carry ``ext:score``, ``count``, ``offset`` and ``created``; JSON must have the search
envelope and an integer ``score`` on every hit, in rank order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lxml import etree
from psycopg.rows import dict_row

from api.ws2.registry import Ctx, load_registry
from api.ws2.render import NS
from api.ws2.search import KINDS, render_hits
from api.ws2.search_hits import EXT_NS
from mirror.db import libpq_url
from tests.ws2.golden import schema_errors

pytestmark = pytest.mark.db

TOTAL = 42
OFFSET = 3
# core -> SQL giving (id, the MBID or key the hit shows) of a few rows of ds01 (ds04 for annotations)
ROWS = {
    "artist": "SELECT id, gid::text AS key FROM musicbrainz.artist ORDER BY id DESC LIMIT 4",
    "release": "SELECT id, gid::text AS key FROM musicbrainz.release ORDER BY id LIMIT 4",
    "release-group": "SELECT id, gid::text AS key FROM musicbrainz.release_group ORDER BY id LIMIT 4",
    "recording": "SELECT id, gid::text AS key FROM musicbrainz.recording ORDER BY id LIMIT 6",
    "label": "SELECT id, gid::text AS key FROM musicbrainz.label ORDER BY id LIMIT 3",
    "area": "SELECT id, gid::text AS key FROM musicbrainz.area ORDER BY id LIMIT 3",
    "place": "SELECT id, gid::text AS key FROM musicbrainz.place ORDER BY id LIMIT 3",
    # (events with a time or cancelled: the lookup shape MusicBrainz serves is newer than the MMD schema)
    "event": "SELECT id, gid::text AS key FROM musicbrainz.event WHERE time IS NULL AND NOT cancelled LIMIT 3",
    "instrument": "SELECT id, gid::text AS key FROM musicbrainz.instrument ORDER BY id LIMIT 3",
    "series": "SELECT id, gid::text AS key FROM musicbrainz.series ORDER BY id LIMIT 3",
    "work": "SELECT id, gid::text AS key FROM musicbrainz.work ORDER BY id LIMIT 3",
    "url": "SELECT id, gid::text AS key FROM musicbrainz.url ORDER BY id LIMIT 3",
    "tag": "SELECT id, name AS key FROM musicbrainz.tag ORDER BY id LIMIT 3",
    "annotation": "SELECT a.id, e.gid::text AS key FROM musicbrainz.annotation a "
    "JOIN musicbrainz.artist_annotation x ON x.annotation = a.id JOIN musicbrainz.artist e ON e.id = x.artist",
}


async def _render(url: str, core: str, fmt: str, rows_sql: str) -> tuple[list[str], bytes]:
    async with await psycopg.AsyncConnection.connect(libpq_url(url), row_factory=dict_row) as conn:
        rows = await (await conn.execute(rows_sql)).fetchall()
        assert rows, f"no {core} rows in the dataset"
        ctx = Ctx(conn, load_registry(), core, fmt)
        hits = [(row["id"], 100 - 10 * n) for n, row in enumerate(rows)]
        response = await render_hits(ctx, KINDS[core], TOTAL, OFFSET, hits)
        return [str(row["key"]) for row in rows], bytes(response.body)


def render(imported_dataset: Callable[[str], str], core: str, fmt: str) -> tuple[list[str], bytes]:
    dataset = "ds04" if core == "annotation" else "ds01"
    return asyncio.run(_render(imported_dataset(dataset), core, fmt, ROWS[core]))


def _hit_key(core: str, hit: etree._Element) -> str:
    if core == "tag":
        return str(hit.findtext(f"{{{NS}}}name"))
    if core == "annotation":
        return str(hit.findtext(f"{{{NS}}}entity"))
    return str(hit.get("id"))


@pytest.mark.parametrize("core", sorted(ROWS))
def test_xml_hits_validate_and_carry_scores_in_rank_order(imported_dataset: Callable[[str], str], core: str) -> None:
    keys, body = render(imported_dataset, core, "xml")
    assert schema_errors(body) is None, schema_errors(body)
    root = etree.fromstring(body)
    assert root.get("created", "").endswith("Z")
    assert root.nsmap.get("ext") == EXT_NS
    (lst,) = list(root)
    assert lst.tag == f"{{{NS}}}{KINDS[core].list_tag}"
    assert (lst.get("count"), lst.get("offset")) == (str(TOTAL), str(OFFSET))
    assert [_hit_key(core, hit) for hit in lst] == keys
    assert [hit.get(f"{{{EXT_NS}}}score") for hit in lst] == [str(100 - 10 * n) for n in range(len(keys))]


@pytest.mark.parametrize("core", sorted(ROWS))
def test_json_hits_have_the_search_envelope_and_integer_scores(
    imported_dataset: Callable[[str], str], core: str
) -> None:
    keys, body = render(imported_dataset, core, "json")
    doc = json.loads(body)
    plural = KINDS[core].plural
    assert list(doc) == ["created", "count", "offset", plural]
    assert (doc["count"], doc["offset"]) == (TOTAL, OFFSET)
    hits: list[dict[str, Any]] = doc[plural]
    field = {"tag": "name", "annotation": "entity"}.get(core, "id")
    assert [hit[field] for hit in hits] == keys
    assert [hit["score"] for hit in hits] == [100 - 10 * n for n in range(len(keys))]
    for hit in hits:
        assert all("begin" not in a and "begin-date" in a for a in hit.get("aliases", []))


CDSTUB_ROWS = """
INSERT INTO musicbrainz.release_raw (id, title, artist, added, last_modified, lookup_count, modify_count, source,
                                     barcode, comment)
VALUES (7, 'Doo-lang Doo-lang', 'The Emergency', now(), now(), 0, 0, 0, '700261200910', 'CD Baby id:emergency2')
ON CONFLICT DO NOTHING;
INSERT INTO musicbrainz.cdtoc_raw (id, release, discid, track_count, leadout_offset, track_offset)
VALUES (70, 7, 'zsXyqGWvw0zF024A_saTokxIMzo-', 3, 20000, '{150,5000,10000}')
ON CONFLICT DO NOTHING;
INSERT INTO musicbrainz.track_raw (id, release, title, artist, sequence)
VALUES (1, 7, 'One', NULL, 1), (2, 7, 'Two', NULL, 2), (3, 7, 'Three', NULL, 3)
ON CONFLICT DO NOTHING;
"""


async def _render_cdstub(url: str, fmt: str) -> bytes:
    async with await psycopg.AsyncConnection.connect(libpq_url(url), row_factory=dict_row) as conn:
        await conn.execute(CDSTUB_ROWS)
        ctx = Ctx(conn, load_registry(), "cdstub", fmt)
        response = await render_hits(ctx, KINDS["cdstub"], 1, 0, [(7, 100), (8, 50)])
        return bytes(response.body)


def test_cdstub_hits_show_disc_id_title_artist_barcode_and_track_count(empty_db: str, samples: Path) -> None:
    del samples  # the MMD schema comes from the samples (skipped with a reason without them)
    body = asyncio.run(_render_cdstub(empty_db, "xml"))
    assert schema_errors(body) is None, schema_errors(body)
    (stub,) = etree.fromstring(body)[0]
    assert stub.get("id") == "zsXyqGWvw0zF024A_saTokxIMzo-"
    assert stub.get(f"{{{EXT_NS}}}score") == "100"
    assert [(etree.QName(c).localname, c.text) for c in stub][:4] == [
        ("title", "Doo-lang Doo-lang"),
        ("artist", "The Emergency"),
        ("barcode", "700261200910"),
        ("disambiguation", "CD Baby id:emergency2"),
    ]
    assert stub.find(f"{{{NS}}}track-list").get("count") == "3"
    doc = json.loads(asyncio.run(_render_cdstub(empty_db, "json")))
    assert doc["cdstubs"] == [
        {
            "id": "zsXyqGWvw0zF024A_saTokxIMzo-",
            "score": 100,
            "count": 3,
            "title": "Doo-lang Doo-lang",
            "artist": "The Emergency",
            "barcode": "700261200910",
            "disambiguation": "CD Baby id:emergency2",
        }
    ]

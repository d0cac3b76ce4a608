"""The ``artist`` resource: lookup (with the recording, release, release-group and work sub-lists) and browse.

Sub-lists of a lookup (``inc=recordings|releases|release-groups|works``) hold at most ``MAX_SUBLIST`` items in
browse order; their XML ``count`` is the total. ``type``/``status`` filter the releases and release groups;
``various-artists`` lists the releases where the artist only appears on tracks. The items come from the release
family's loaders (``api.ws2.release_load``) and the work resource's browse, decorated only with what MusicBrainz
shows on nested items: artist credits, media, disc IDs, tags and genres (no ratings).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

from api.ws2.area import json_area, xml_area
from api.ws2.common import (
    JsonObj,
    apply_extras,
    json_extras,
    json_life_span,
    load_extras,
    with_extras,
    xml_aliases,
    xml_annotation,
    xml_life_span,
    xml_relations,
    xml_tags_genres_rating,
)
from api.ws2.params import RELS
from api.ws2.recording import recording_json, recording_xml
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.release import release_json, release_xml
from api.ws2.release_group import release_group_json, release_group_xml
from api.ws2.release_load import as_list, recording_entities, release_entities, release_group_entities
from api.ws2.render import Element, container, el, sub
from api.ws2.work import to_json as work_json
from api.ws2.work import to_xml as work_xml
from mirror.errors import NotFound
from mirror.queries import area as area_q
from mirror.queries import artist as q
from mirror.queries.release_browse import browse_recordings, browse_release_groups, browse_releases

BASE = (
    frozenset({"aliases", "annotation", "tags", "user-tags", "genres", "user-genres", "ratings", "user-ratings"}) | RELS
)
LOOKUP_INCS = BASE | {"recordings", "releases", "release-groups", "works"}
MAX_SUBLIST = 25
# What nested sub-list items are decorated with, when the request asks for it.
NESTED_INCS = frozenset({"artist-credits", "artists", "media", "discids", "tags", "genres"})
SUBLISTS = ("recordings", "releases", "release-groups", "works")  # entity keys, in MMD element order


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    """Artists as relationship targets: their ``country`` is that of their area or of an area containing it."""
    return await q.related_artists(ctx.conn, await ctx.ref(), ids)


async def _areas(ctx: Ctx, rows: list[Entity]) -> None:
    area_ids = {r[k] for r in rows for k in ("area_id", "begin_area_id", "end_area_id") if r[k] is not None}
    found = await area_q.areas(ctx.conn, sorted(area_ids)) if area_ids else {}
    for r in rows:
        for key in ("area", "begin_area", "end_area"):
            r[key] = found.get(r[f"{key}_id"]) if r[f"{key}_id"] is not None else None


async def _complete(ctx: Ctx, rows: list[Entity]) -> None:
    await asyncio.gather(_areas(ctx, rows), load_extras(ctx, "artist", rows))  # one round trip


async def load(ctx: Ctx, row_id: int) -> Entity:
    found, extras = await with_extras(ctx, "artist", [row_id], q.artists(ctx.conn, [row_id]))  # one round trip
    if row_id not in found:
        raise NotFound("artist", str(row_id))
    artist = found[row_id]
    await asyncio.gather(
        _areas(ctx, [artist]), apply_extras(ctx, "artist", [artist], extras), _attach_sublists(ctx, artist)
    )
    return artist


def nested(ctx: Ctx) -> Ctx:
    """The request as seen by the items of a sub-list."""
    return ctx.with_incs(ctx.incs & NESTED_INCS)


async def release_sublist(ctx: Ctx, by: str, row_id: int) -> tuple[list[Entity], int]:
    """The first releases linked through ``by`` (a release browse key), filtered by ``type``/``status``."""
    page = await browse_releases(ctx.conn, by, row_id, MAX_SUBLIST, 0, statuses=ctx.statuses, types=ctx.types)
    found = await release_entities(nested(ctx), page.ids, meta=False, toplevel=False)
    return as_list(found, page.ids), page.count


async def _attach_sublists(ctx: Ctx, artist: Entity) -> None:
    """The sub-lists ``ctx.incs`` asks for, loaded together."""
    row_id = artist["_id"]

    async def recordings() -> None:
        page = await browse_recordings(ctx.conn, "artist", row_id, MAX_SUBLIST, 0)
        recordings = as_list(await recording_entities(nested(ctx), page.ids, toplevel=False), page.ids)
        for rec in recordings:  # MusicBrainz does not load first release dates for this list
            rec["_row"] = dataclasses.replace(rec["_row"], first_release_date=None)
        artist["recordings"] = (recordings, page.count)

    async def releases() -> None:
        by = "track_artist" if ctx.has("various-artists") else "artist"
        artist["releases"] = await release_sublist(ctx, by, row_id)

    async def release_groups() -> None:
        rg_page = await browse_release_groups(ctx.conn, "artist", row_id, MAX_SUBLIST, 0, types=ctx.types)
        groups = await release_group_entities(nested(ctx), rg_page.ids, toplevel=False)
        artist["release-groups"] = (as_list(groups, rg_page.ids), rg_page.count)

    async def works() -> None:
        work = ctx.registry["work"]
        assert work.browse is not None
        found = await work.browse(ctx.with_incs(frozenset()), "artist", row_id, MAX_SUBLIST, 0)
        artist["works"] = (found.items, found.count)

    wanted = {"recordings": recordings, "releases": releases, "release-groups": release_groups, "works": works}
    await asyncio.gather(*(load() for inc, load in wanted.items() if ctx.has(inc)))


async def browse(ctx: Ctx, key: str, row_id: int, limit: int, offset: int) -> Page:
    rows, total = await q.browse(ctx.conn, key, row_id, limit, offset)
    await _complete(ctx, rows)
    return Page(rows, total, offset)


def to_xml(ctx: Ctx, a: Entity, full: bool) -> Element:
    node = el("artist", {"id": a["id"], "type": a["type"], "type-id": a["type_id"]})
    sub(node, "name", a["name"])
    sub(node, "sort-name", a["sort_name"])
    if full:
        sub(node, "gender", a["gender"], {"id": a["gender_id"]})
        sub(node, "country", a["country"])
        for key in ("area", "begin_area", "end_area"):
            if a.get(key):
                node.append(xml_area(key.replace("_", "-"), a[key]))
    xml_annotation(node, a)
    sub(node, "disambiguation", a["comment"])
    if full:
        if a["ipis"]:
            sub(node, "ipi", a["ipis"][0])
            lst = container(node, "ipi-list")
            for ipi in a["ipis"]:
                sub(lst, "ipi", ipi)
        if a["isnis"]:
            lst = container(node, "isni-list")
            for isni in a["isnis"]:
                sub(lst, "isni", isni)
        xml_life_span(node, a)
    xml_aliases(node, a)
    xml_sublists(ctx, node, a)
    xml_relations(ctx, node, a)
    xml_tags_genres_rating(node, a)
    return node


def to_json(ctx: Ctx, a: Entity, full: bool) -> JsonObj:
    obj: JsonObj = {
        "id": a["id"],
        "name": a["name"],
        "sort-name": a["sort_name"],
        "disambiguation": a["comment"] or "",
        "type": a["type"],
        "type-id": a["type_id"],
    }
    if not full:  # a relationship target
        obj["country"] = a["country"]
    else:
        obj.update(
            {
                "gender": a["gender"],
                "gender-id": a["gender_id"],
                "country": a["country"],
                "area": json_area(a["area"]) if a.get("area") else None,
                "begin-area": json_area(a["begin_area"]) if a.get("begin_area") else None,
                "end-area": json_area(a["end_area"]) if a.get("end_area") else None,
                "ipis": list(a["ipis"]),
                "isnis": list(a["isnis"]),
                "life-span": json_life_span(a),
            }
        )
    json_sublists(ctx, obj, a)
    return json_extras(ctx, obj, a)


_XML = {
    "recordings": ("recording-list", recording_xml),
    "releases": ("release-list", release_xml),
    "release-groups": ("release-group-list", release_group_xml),
    "works": ("work-list", work_xml),
}
_JSON = {
    "recordings": recording_json,
    "releases": release_json,
    "release-groups": release_group_json,
    "works": work_json,
}


def xml_sublists(ctx: Ctx, node: Element, e: Entity) -> None:
    """``<recording-list count>``, ``<release-list count>``... of the sub-lists loaded on ``e``."""
    for key in SUBLISTS:
        if key in e:
            items, count = e[key]
            tag, to_xml = _XML[key]
            lst = container(node, tag, {"count": str(count)})
            for item in items:
                lst.append(to_xml(ctx, item, False))


def json_sublists(ctx: Ctx, obj: dict[str, Any], e: Entity) -> None:
    """The ``recordings``, ``releases``... arrays of the sub-lists loaded on ``e``."""
    for key in SUBLISTS:
        if key in e:
            obj[key] = [_JSON[key](ctx, item, False) for item in e[key][0]]


RESOURCE = Resource(
    name="artist",
    plural="artists",
    table="artist",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=LOOKUP_INCS,
    browse_incs=BASE,
    linked=("area", "recording", "release", "release-group", "work", "collection"),
    load=load,
    browse=browse,
    fetch=fetch,
)

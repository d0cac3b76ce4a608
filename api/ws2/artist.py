"""The ``artist`` resource: lookup (with sub-lists when the release family provides them) and browse."""

from __future__ import annotations

from collections.abc import Sequence

from api.ws2.area import json_area, xml_area
from api.ws2.common import (
    JsonObj,
    json_extras,
    json_life_span,
    load_extras,
    xml_aliases,
    xml_annotation,
    xml_life_span,
    xml_relations,
    xml_tags_genres_rating,
)
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.render import Element, container, el, sub
from mirror.errors import NotFound
from mirror.queries import area as area_q
from mirror.queries import artist as q

BASE = (
    frozenset({"aliases", "annotation", "tags", "user-tags", "genres", "user-genres", "ratings", "user-ratings"}) | RELS
)
LOOKUP_INCS = BASE | {"recordings", "releases", "release-groups", "works"}


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.artists(ctx.conn, ids)


async def _complete(ctx: Ctx, rows: list[Entity]) -> None:
    area_ids = {r[k] for r in rows for k in ("area_id", "begin_area_id", "end_area_id") if r[k] is not None}
    found = await area_q.areas(ctx.conn, sorted(area_ids)) if area_ids else {}
    for r in rows:
        for key in ("area", "begin_area", "end_area"):
            r[key] = found.get(r[f"{key}_id"]) if r[f"{key}_id"] is not None else None
    await load_extras(ctx, "artist", rows)


async def load(ctx: Ctx, row_id: int) -> Entity:
    found = await q.artists(ctx.conn, [row_id])
    if row_id not in found:
        raise NotFound("artist", str(row_id))
    await _complete(ctx, [found[row_id]])
    return found[row_id]


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
    for key in ("recordings", "releases", "release-groups", "works"):
        if key in a:
            node.append(a[key])
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
    if full:
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
    return json_extras(ctx, obj, a)


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

"""The ``label`` resource; a lookup with ``releases`` lists at most 25 of the label's releases (``type`` and
``status`` filter them, ``media``/``discids`` add their media), as the artist sub-lists do."""

from __future__ import annotations

from api.ws2 import common as c
from api.ws2.area import json_area, xml_area
from api.ws2.artist import json_sublists, release_sublist, xml_sublists
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.render import Element, container, el, sub
from api.ws2.simple import RATED_INCS, handlers


def to_xml(ctx: Ctx, e: Entity, full: bool) -> Element:
    node = el("label", {"id": e["id"], "type": e["type"], "type-id": e["type_id"]})
    sub(node, "name", e["name"])
    sub(node, "sort-name", e["name"])
    if full:
        sub(node, "label-code", e["label_code"])
        if e["ipis"]:
            sub(node, "ipi", e["ipis"][0])
            lst = container(node, "ipi-list")
            for ipi in e["ipis"]:
                sub(lst, "ipi", ipi)
        if e["isnis"]:
            lst = container(node, "isni-list")
            for isni in e["isnis"]:
                sub(lst, "isni", isni)
    c.xml_annotation(node, e)
    sub(node, "disambiguation", e["comment"])
    if full:
        sub(node, "country", e["country"])
        if e.get("area"):
            node.append(xml_area("area", e["area"]))
        c.xml_life_span(node, e)
    c.xml_aliases(node, e)
    xml_sublists(ctx, node, e)
    c.xml_relations(ctx, node, e)
    c.xml_tags_genres_rating(node, e)
    return node


def to_json(ctx: Ctx, e: Entity, full: bool) -> c.JsonObj:
    obj: c.JsonObj = {
        "id": e["id"],
        "name": e["name"],
        "sort-name": e["name"],
        "disambiguation": e["comment"] or "",
        "type": e["type"],
        "type-id": e["type_id"],
        "label-code": e["label_code"],
    }
    if full:
        obj.update(
            {
                "country": e["country"],
                "area": json_area(e["area"]) if e.get("area") else None,
                "life-span": c.json_life_span(e),
                "ipis": list(e["ipis"]),
                "isnis": list(e["isnis"]),
            }
        )
    json_sublists(ctx, obj, e)
    return c.json_extras(ctx, obj, e)


_fetch, _load_label, _browse = handlers("label")


async def _load(ctx: Ctx, row_id: int) -> Entity:
    label = await _load_label(ctx, row_id)
    if ctx.has("releases"):
        label["releases"] = await release_sublist(ctx, "label", row_id)
    return label


RESOURCE = Resource(
    name="label",
    plural="labels",
    table="label",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=RATED_INCS | {"releases"},
    browse_incs=RATED_INCS,
    linked=("area", "release", "collection"),
    load=_load,
    browse=_browse,
    fetch=_fetch,
)

"""The ``instrument`` resource."""

from __future__ import annotations

from api.ws2 import common as c
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.render import Element, el, sub
from api.ws2.simple import BASE_INCS, handlers


def to_xml(ctx: Ctx, e: Entity, full: bool) -> Element:
    node = el("instrument", {"id": e["id"], "type": e["type"], "type-id": e["type_id"]})
    sub(node, "name", e["name"])
    c.xml_annotation(node, e)
    sub(node, "disambiguation", e["comment"])
    sub(node, "description", e["description"])
    c.xml_aliases(node, e)
    c.xml_relations(ctx, node, e)
    c.xml_tags_genres_rating(node, e)
    return node


def to_json(ctx: Ctx, e: Entity, full: bool) -> c.JsonObj:
    obj: c.JsonObj = {
        "id": e["id"],
        "name": e["name"],
        "disambiguation": e["comment"] or "",
        "type": e["type"],
        "type-id": e["type_id"],
        "description": e["description"] or "",
    }
    return c.json_extras(ctx, obj, e)


_fetch, _load, _browse = handlers("instrument")
RESOURCE = Resource(
    name="instrument",
    plural="instruments",
    table="instrument",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=BASE_INCS,
    browse_incs=BASE_INCS,
    linked=("collection",),
    load=_load,
    browse=_browse,
    fetch=_fetch,
)

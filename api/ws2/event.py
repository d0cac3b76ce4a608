"""The ``event`` resource."""

from __future__ import annotations

from api.ws2 import common as c
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.render import Element, el, sub
from api.ws2.simple import RATED_INCS, handlers


def to_xml(ctx: Ctx, e: Entity, full: bool) -> Element:
    node = el("event", {"id": e["id"], "type": e["type"], "type-id": e["type_id"]})
    sub(node, "name", e["name"])
    sub(node, "disambiguation", e["comment"])
    if e["cancelled"]:
        sub(node, "cancelled", "true")
    c.xml_life_span(node, e, ended=False)  # the MMD event life-span has no <ended>
    sub(node, "time", e["time"])
    sub(node, "setlist", e["setlist"])
    c.xml_annotation(node, e)
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
        "time": e["time"] or "",
        "setlist": e["setlist"] or "",
        "cancelled": bool(e["cancelled"]),
        "life-span": c.json_life_span(e),
    }
    return c.json_extras(ctx, obj, e)


_fetch, _load, _browse = handlers("event")
RESOURCE = Resource(
    name="event",
    plural="events",
    table="event",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=RATED_INCS,
    browse_incs=RATED_INCS,
    linked=("area", "artist", "collection", "event", "place", "series"),
    load=_load,
    browse=_browse,
    fetch=_fetch,
)

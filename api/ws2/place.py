"""The ``place`` resource."""

from __future__ import annotations

from api.ws2 import common as c
from api.ws2.area import json_area, xml_area
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.render import Element, container, el, sub
from api.ws2.simple import RATED_INCS, handlers


def coordinate(value: float) -> str:
    """A latitude or longitude as MusicBrainz writes it in XML (and the search server in JSON too)."""
    return repr(value) if value != int(value) else str(int(value))


def to_xml(ctx: Ctx, e: Entity, full: bool) -> Element:
    node = el("place", {"id": e["id"], "type": e["type"], "type-id": e["type_id"]})
    sub(node, "name", e["name"])
    sub(node, "disambiguation", e["comment"])
    sub(node, "address", e["address"])
    if e["latitude"] is not None:
        coords = container(node, "coordinates")
        sub(coords, "latitude", coordinate(e["latitude"]))
        sub(coords, "longitude", coordinate(e["longitude"]))
    c.xml_annotation(node, e)
    if e.get("area"):
        node.append(xml_area("area", e["area"]))
    c.xml_life_span(node, e)
    c.xml_aliases(node, e)
    c.xml_relations(ctx, node, e)
    c.xml_tags_genres_rating(node, e)
    return node


def to_json(ctx: Ctx, e: Entity, full: bool) -> c.JsonObj:
    coords = None
    if e["latitude"] is not None:
        coords = {"latitude": e["latitude"], "longitude": e["longitude"]}
    obj: c.JsonObj = {
        "id": e["id"],
        "name": e["name"],
        "disambiguation": e["comment"] or "",
        "type": e["type"],
        "type-id": e["type_id"],
        "address": e["address"] or "",
        "coordinates": coords,
        # A nested place (a relationship target) shows its area's type and no life-span, as MusicBrainz's.
        "area": json_area(e["area"], full=not full) if e.get("area") else None,
    }
    if full:
        obj["life-span"] = c.json_life_span(e)
    return c.json_extras(ctx, obj, e)


_fetch, _load, _browse = handlers("place")
RESOURCE = Resource(
    name="place",
    plural="places",
    table="place",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=RATED_INCS,
    browse_incs=RATED_INCS,
    linked=("area", "collection"),
    load=_load,
    browse=_browse,
    fetch=_fetch,
)

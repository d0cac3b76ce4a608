"""The ``work`` resource (also the work shape nested in relationships)."""

from __future__ import annotations

from api.ws2 import common as c
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.render import Element, container, el, sub
from api.ws2.simple import RATED_INCS, handlers


def to_xml(ctx: Ctx, e: Entity, full: bool) -> Element:
    node = el("work", {"id": e["id"], "type": e["type"], "type-id": e["type_id"]})
    sub(node, "title", e["name"])
    languages = list(e["languages"])
    if languages:
        sub(node, "language", languages[0] if len(languages) == 1 else "mul")
    if languages:
        lst = container(node, "language-list")
        for language in languages:
            sub(lst, "language", language)
    if e["iswcs"]:
        sub(node, "iswc", e["iswcs"][0])
        lst = container(node, "iswc-list")
        for iswc in e["iswcs"]:
            sub(lst, "iswc", iswc)
    if e.get("attributes"):
        lst = container(node, "attribute-list")
        for a in e["attributes"]:
            sub(lst, "attribute", a["value"], {"type": a["type"], "type-id": a["type_id"], "value-id": a["value_id"]})
    c.xml_annotation(node, e)
    sub(node, "disambiguation", e["comment"])
    c.xml_aliases(node, e)
    c.xml_relations(ctx, node, e)
    c.xml_tags_genres_rating(node, e)
    return node


def to_json(ctx: Ctx, e: Entity, full: bool) -> c.JsonObj:
    languages = list(e["languages"])
    obj: c.JsonObj = {
        "id": e["id"],
        "title": e["name"],
        "disambiguation": e["comment"] or "",
        "type": e["type"],
        "type-id": e["type_id"],
        "language": languages[0] if len(languages) == 1 else ("mul" if languages else None),
        "languages": languages,
        "iswcs": list(e["iswcs"]),
        "attributes": [
            {"type": a["type"], "type-id": a["type_id"], "value": a["value"], "value-id": a["value_id"]}
            for a in e.get("attributes", [])
        ],
    }
    return c.json_extras(ctx, obj, e)


_fetch, _load, _browse = handlers("work")
RESOURCE = Resource(
    name="work",
    plural="works",
    table="work",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=RATED_INCS,
    browse_incs=RATED_INCS,
    linked=("artist", "collection"),
    load=_load,
    browse=_browse,
    fetch=_fetch,
)

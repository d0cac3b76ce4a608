"""The ``area`` resource, and the area shape nested in other entities (artist, label, place, ...)."""

from __future__ import annotations

from collections.abc import Sequence

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
from mirror.queries import area as q

INCS = (
    frozenset({"aliases", "annotation", "tags", "user-tags", "genres", "user-genres", "ratings", "user-ratings"}) | RELS
)


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.areas(ctx.conn, ids)


async def load(ctx: Ctx, row_id: int) -> Entity:
    found = await q.areas(ctx.conn, [row_id])
    if row_id not in found:
        raise NotFound("area", str(row_id))
    await load_extras(ctx, "area", [found[row_id]])
    return found[row_id]


async def browse(ctx: Ctx, key: str, row_id: int, limit: int, offset: int) -> Page:
    return Page([], 0, offset)  # only browsable by collection, which a mirror never holds


def xml_area(tag: str, a: Entity, *, full: bool = False) -> Element:
    """``<area id>`` (or ``begin-area`` / ``end-area``) with name, sort-name and ISO codes."""
    attrs: dict[str, str | None] = {"id": a["id"]}
    if full:
        attrs = {"id": a["id"], "type": a["type"], "type-id": a["type_id"]}
    node = el(tag, attrs)
    sub(node, "name", a["name"])
    sub(node, "sort-name", a["name"])
    if full:
        sub(node, "disambiguation", a["comment"])
    for key, list_tag, item_tag in (
        ("iso1", "iso-3166-1-code-list", "iso-3166-1-code"),
        ("iso2", "iso-3166-2-code-list", "iso-3166-2-code"),
        ("iso3", "iso-3166-3-code-list", "iso-3166-3-code"),
    ):
        if a[key]:
            lst = container(node, list_tag)
            for code in a[key]:
                sub(lst, item_tag, code)
    return node


def to_xml(ctx: Ctx, a: Entity, full: bool) -> Element:
    node = xml_area("area", a, full=True)
    if full:
        # annotation sits after the name elements in the schema; move it before the code lists
        pass
    xml_annotation(node, a)
    xml_life_span(node, a)
    xml_aliases(node, a)
    xml_relations(ctx, node, a)
    xml_tags_genres_rating(node, a)
    return node


def json_area(a: Entity, *, full: bool = False) -> JsonObj:
    """The area object; nested areas (in artists, labels, places) carry no type, as MusicBrainz's."""
    obj: JsonObj = {
        "id": a["id"],
        "name": a["name"],
        "sort-name": a["name"],
        "disambiguation": a["comment"] or "",
        "type": a["type"] if full else None,
        "type-id": a["type_id"] if full else None,
    }
    if a["iso1"]:
        obj["iso-3166-1-codes"] = list(a["iso1"])
    if a["iso2"]:
        obj["iso-3166-2-codes"] = list(a["iso2"])
    if a["iso3"]:
        obj["iso-3166-3-codes"] = list(a["iso3"])
    return obj


def to_json(ctx: Ctx, a: Entity, full: bool) -> JsonObj:
    obj = json_area(a, full=True)
    if full:
        obj["life-span"] = json_life_span(a)
    return json_extras(ctx, obj, a)


RESOURCE = Resource(
    name="area",
    plural="areas",
    table="area",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=INCS,
    browse_incs=INCS,
    linked=("collection",),
    load=load,
    browse=browse,
    fetch=fetch,
)

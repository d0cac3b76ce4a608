"""The ``genre`` resource: lookup, browse by collection, and ``/ws/2/genre/all`` (XML, JSON or text)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import Response

from api.ws2.common import JsonObj, json_extras, load_extras, xml_aliases, xml_annotation
from api.ws2.params import limit_offset
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.render import Element, el, sub, text_response
from mirror.errors import NotFound
from mirror.queries import genre as q

INCS = frozenset({"aliases", "annotation"})


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.genres(ctx.conn, ids)


async def load(ctx: Ctx, row_id: int) -> Entity:
    found = await q.genres(ctx.conn, [row_id])
    if row_id not in found:
        raise NotFound("genre", str(row_id))
    await load_extras(ctx, "genre", [found[row_id]])
    return found[row_id]


async def browse(ctx: Ctx, key: str, row_id: int, limit: int, offset: int) -> Page:
    return Page([], 0, offset)  # only browsable by collection, which a mirror never holds


async def genre_all(ctx: Ctx) -> Response:
    """Every genre by name: ``<genre-list count>`` / ``{"genre-count", "genre-offset", "genres"}`` (both in name
    order, with the aliases and annotation ``inc`` asks for) / names."""
    from api.ws2.routes import render_page

    if ctx.fmt == "txt":
        rows, _ = await q.all_genres(ctx.conn)
        return text_response("\n".join(row["name"] for row in rows))
    limit, offset = limit_offset(ctx.params.get("limit"), ctx.params.get("offset"))
    rows, total = await q.all_genres(ctx.conn, limit, offset)
    await load_extras(ctx, "genre", rows)
    return render_page(ctx, RESOURCE, Page(rows, total, offset), by_mbid=False)


def to_xml(ctx: Ctx, g: Entity, full: bool) -> Element:
    node = el("genre", {"id": g["id"]})
    sub(node, "name", g["name"])
    xml_annotation(node, g)
    sub(node, "disambiguation", g["comment"])
    xml_aliases(node, g)
    return node


def to_json(ctx: Ctx, g: Entity, full: bool) -> JsonObj:
    obj: JsonObj = {"id": g["id"], "name": g["name"], "disambiguation": g["comment"] or ""}
    return json_extras(ctx, obj, g)


RESOURCE = Resource(
    name="genre",
    plural="genres",
    table="genre",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=INCS,
    browse_incs=INCS,
    linked=("collection",),
    load=load,
    browse=browse,
    fetch=fetch,
)

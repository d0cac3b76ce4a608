"""The ``url`` resource: lookup by MBID, and by text with ``?resource=`` (one or several)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import Response

from api.ws2.common import JsonObj, json_extras, load_extras, xml_relations
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.render import Element, el, sub
from mirror.errors import NotFound
from mirror.queries import url as q


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.urls(ctx.conn, ids)


async def load(ctx: Ctx, row_id: int) -> Entity:
    found = await q.urls(ctx.conn, [row_id])
    if row_id not in found:
        raise NotFound("url", str(row_id))
    await load_extras(ctx, "url", [found[row_id]])
    return found[row_id]


async def by_resource(ctx: Ctx, resources: Sequence[str]) -> Response:
    """``?resource=<url>``: one value answers like a lookup (404 when unknown), several as a list."""
    from api.ws2.routes import render_entity, render_page

    rows = await q.by_resource(ctx.conn, resources)
    await load_extras(ctx, "url", rows)
    if len(resources) == 1:
        if not rows:
            raise NotFound("url", resources[0])
        return render_entity(ctx, RESOURCE, rows[0])
    return render_page(ctx, RESOURCE, Page(rows, len(rows), 0))


def to_xml(ctx: Ctx, u: Entity, full: bool) -> Element:
    node = el("url", {"id": u["id"]})
    sub(node, "resource", u["resource"])
    xml_relations(ctx, node, u)
    return node


def to_json(ctx: Ctx, u: Entity, full: bool) -> JsonObj:
    return json_extras(ctx, {"id": u["id"], "resource": u["resource"]}, u)


RESOURCE = Resource(
    name="url",
    plural="urls",
    table="url",
    to_xml=to_xml,
    to_json=to_json,
    lookup_incs=RELS,
    browse_incs=RELS,
    linked=(),
    load=load,
    fetch=fetch,
)

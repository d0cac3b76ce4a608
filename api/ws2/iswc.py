"""The ``iswc`` resource: ``/ws/2/iswc/<iswc>`` answers ``<work-list>`` / ``{"work-count", "work-offset", "works"}``.

The works are loaded and rendered by the ``work`` resource.
"""

from __future__ import annotations

from typing import Any

from api.errors import BadRequest
from api.ws2.common import load_extras
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.release_load import as_list
from api.ws2.render import Element, el
from mirror.errors import NotFound
from mirror.queries.iswc import normalize_iswc, works_by_iswc

ISWC_INCS = frozenset({"aliases", "tags", "user-tags", "ratings", "user-ratings", "artist-credits", "artists"}) | RELS


async def load_iswc(ctx: Ctx, key: str) -> Entity:
    iswc = normalize_iswc(key)
    if iswc is None:
        raise BadRequest("Invalid iswc.")
    ids = await works_by_iswc(ctx.conn, iswc)
    if not ids:
        raise NotFound("iswc", key)
    work = ctx.registry.get("work")
    if work is None or work.fetch is None:
        raise NotFound("iswc", key)
    found = await work.fetch(ctx, ids)
    works = as_list(found, ids)
    await load_extras(ctx, "work", works)
    return {"id": iswc, "works": works}


def iswc_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    work = ctx.registry["work"]
    lst = el("work-list", {"count": str(len(e["works"]))})
    for w in e["works"]:
        lst.append(work.to_xml(ctx, w, True))
    return lst


def iswc_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    work = ctx.registry["work"]
    works = sorted((work.to_json(ctx, w, True) for w in e["works"]), key=lambda w: str(w["id"]))
    return {"work-count": len(works), "work-offset": 0, "works": works}


RESOURCE = Resource(
    name="iswc",
    plural="iswcs",
    table="",
    to_xml=iswc_xml,
    to_json=iswc_json,
    lookup_incs=ISWC_INCS,
    load_key=load_iswc,
)

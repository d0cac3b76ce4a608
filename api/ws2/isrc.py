"""The ``isrc`` resource: ``/ws/2/isrc/<isrc>`` answers ``<isrc id><recording-list>`` / ``{"isrc", "recordings"}``."""

from __future__ import annotations

from typing import Any

from api.errors import BadRequest
from api.ws2.params import RELS
from api.ws2.recording import recording_json, recording_xml
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.release_load import as_list, recording_entities
from api.ws2.render import Element, el
from mirror.errors import NotFound
from mirror.queries.isrc import is_isrc, recordings_by_isrc

_COMMON = frozenset({"aliases", "tags", "user-tags", "ratings", "user-ratings", "artist-credits"})
ISRC_INCS = _COMMON | RELS | {"artists", "releases", "puids", "isrcs"}


async def load_isrc(ctx: Ctx, key: str) -> Entity:
    if not is_isrc(key):
        raise BadRequest("Invalid isrc.")
    ids = await recordings_by_isrc(ctx.conn, key)
    if not ids:
        raise NotFound("isrc", key)
    found = await recording_entities(ctx, ids)
    recordings = as_list(found, ids)
    if ctx.has("releases"):
        from api.ws2.recording import _attach_releases

        await _attach_releases(ctx, recordings)
    return {"id": key, "recordings": recordings}


def isrc_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    node = el("isrc", {"id": e["id"]})
    lst = el("recording-list", {"count": str(len(e["recordings"]))})
    for rec in e["recordings"]:
        lst.append(recording_xml(ctx, rec, True))
    node.append(lst)
    return node


def isrc_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    return {"isrc": e["id"], "recordings": [recording_json(ctx, rec, True) for rec in e["recordings"]]}


RESOURCE = Resource(
    name="isrc",
    plural="isrcs",
    table="",
    to_xml=isrc_xml,
    to_json=isrc_json,
    lookup_incs=ISRC_INCS,
    load_key=load_isrc,
)

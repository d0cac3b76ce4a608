"""The ``discid`` resource: releases by disc ID, CD stubs, and the fuzzy lookup by TOC.

Resolution order (MusicBrainz's): media carrying the disc ID → ``<disc>`` with its releases; else a CD stub
(unless ``cdstubs=no``) → ``<cdstub>``; else, with ``toc=``, releases whose durations match → ``<release-list>``
(at most 25); else 404. A malformed disc ID without ``toc`` is a 400. ``media`` and ``discids`` are forced on.
"""

from __future__ import annotations

from typing import Any

from api.errors import BadRequest
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Resource
from api.ws2.release import release_json, release_xml
from api.ws2.release_load import as_list, release_entities
from api.ws2.render import Element, container, el, sub
from api.ws2.tracklist import disc_json, disc_xml
from mirror.errors import NotFound
from mirror.queries.discid import DISCID_RE, CdStub, find_cdstub, find_disc, fuzzy_releases, parse_toc

MAX_FUZZY = 25
DISCID_INCS = RELS | {
    "artists", "labels", "recordings", "release-groups", "artist-credits", "tags", "user-tags", "genres",
    "user-genres", "aliases", "puids", "isrcs", "cdstubs", "media", "discids",
}  # fmt: skip


async def _releases(ctx: Ctx, ids: list[int]) -> list[Entity]:
    forced = ctx.with_incs(ctx.incs | {"media", "discids"})
    found = await release_entities(forced, ids)
    return as_list(found, ids)


async def load_key(ctx: Ctx, key: str) -> Entity:
    toc_text = ctx.params.get("toc")
    toc = parse_toc(toc_text) if toc_text else None
    if toc_text is None and not DISCID_RE.match(key):
        raise BadRequest("Invalid discid.")
    if DISCID_RE.match(key):
        disc = await find_disc(ctx.conn, key)
        if disc is not None:
            return {"kind": "disc", "disc": disc.disc, "releases": await _releases(ctx, disc.release_ids)}
        if ctx.params.get("cdstubs", "yes") != "no":
            stub = await find_cdstub(ctx.conn, key)
            if stub is not None:
                return {"kind": "cdstub", "cdstub": stub}
    if toc is not None:
        matches = await fuzzy_releases(ctx.conn, toc, all_formats=ctx.params.get("media-format") == "all")
        ids = [release_id for release_id, _ in matches[:MAX_FUZZY]]
        return {"kind": "toc", "releases": await _releases(ctx, ids), "count": len(matches)}
    raise NotFound("discid", key)


def _cdstub_xml(stub: CdStub) -> Element:
    node = el("cdstub", {"id": stub.discid})
    sub(node, "title", stub.title)
    sub(node, "artist", stub.artist)
    sub(node, "barcode", stub.barcode)
    sub(node, "disambiguation", stub.comment)
    tracks = container(node, "track-list", {"count": str(len(stub.tracks))})
    for track in stub.tracks:
        t = container(tracks, "track")
        sub(t, "title", track.title)
        sub(t, "artist", track.artist)
        sub(t, "length", track.length)
    return node


def discid_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    if e["kind"] == "cdstub":
        return _cdstub_xml(e["cdstub"])
    releases = el("release-list", {"count": str(e.get("count", len(e["releases"])))})
    for release in e["releases"]:
        releases.append(release_xml(ctx, release, True))
    if e["kind"] == "toc":
        return releases
    node = disc_xml(e["disc"])
    node.append(releases)
    return node


def discid_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    if e["kind"] == "cdstub":
        stub: CdStub = e["cdstub"]
        return {
            "id": stub.discid,
            "title": stub.title,
            "artist": stub.artist,
            "barcode": stub.barcode,
            "disambiguation": stub.comment,
            "track-count": len(stub.tracks),
            "tracks": [{"title": t.title, "artist": t.artist, "length": t.length} for t in stub.tracks],
        }
    releases = sorted((release_json(ctx, r, True) for r in e["releases"]), key=lambda r: str(r["id"]))
    if e["kind"] == "toc":
        return {"release-count": e["count"], "release-offset": 0, "releases": releases}
    obj = disc_json(e["disc"])
    obj["releases"] = releases
    return obj


RESOURCE = Resource(
    name="discid",
    plural="discids",
    table="",
    to_xml=discid_xml,
    to_json=discid_json,
    lookup_incs=DISCID_INCS,
    load_key=load_key,
)

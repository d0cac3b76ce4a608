"""The ``recording`` resource: lookup, browse, and the XML/JSON recording serializers.

A recording lookup with ``releases`` lists at most 25 releases (filtered by ``status``/``type``); with
``media`` each listed release shows only the medium and track that hold the recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.ws2.artist_credit import credit_json, credit_xml
from api.ws2.common import json_extras, xml_aliases, xml_annotation, xml_relations, xml_tags_genres_rating
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.release_load import as_list, recording_entities, release_entities
from api.ws2.render import Element, container, el, sub
from mirror.queries.recording import Recording
from mirror.queries.release_browse import browse_recordings, browse_releases

MAX_SUBLIST = 25
_COMMON = frozenset({"aliases", "tags", "genres", "ratings", "user-tags", "user-genres", "user-ratings", "annotation"})
LOOKUP_INCS = (
    _COMMON
    | RELS
    | {
        "artists",
        "releases",
        "artist-credits",
        "puids",
        "isrcs",
        "release-groups",
        "work-level-rels",
        "media",
        "discids",
    }
)
BROWSE_INCS = _COMMON | RELS | {"artist-credits", "puids", "isrcs", "work-level-rels"}


def _xml(ctx: Ctx, e: Entity, toplevel: bool) -> Element:
    from api.ws2.release import release_xml

    r: Recording = e["_row"]
    node = el("recording", {"id": r.gid})
    sub(node, "title", r.name)
    sub(node, "length", r.length)
    if toplevel:
        xml_annotation(node, e)
    sub(node, "disambiguation", r.comment)
    if r.video:
        sub(node, "video", True)
    if e.get("artist_credit") is not None:
        node.append(credit_xml(e["artist_credit"]))
    if not e.get("_related"):
        sub(node, "first-release-date", r.first_release_date)
    if "releases" in e:
        releases, count = e["releases"]
        lst = container(node, "release-list", {"count": str(count)})
        for release in releases:
            lst.append(release_xml(ctx, release, False))
    if e.get("aliases"):
        xml_aliases(node, e)
    if e.get("isrcs"):
        isrcs = container(node, "isrc-list", {"count": str(len(e["isrcs"]))})
        for code in e["isrcs"]:
            container(isrcs, "isrc", {"id": code})
    xml_relations(ctx, node, e)
    xml_tags_genres_rating(node, e)
    return node


def recording_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    """The ``<recording>`` element (``full``: a lookup or browse item)."""
    return _xml(ctx, e, full)


def recording_xml_nested(ctx: Ctx, e: Entity) -> Element:
    """A recording inside a track."""
    return _xml(ctx, e, False)


def recording_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    """The JSON recording object."""
    from api.ws2.release import release_json

    r: Recording = e["_row"]
    obj: dict[str, Any] = {
        "id": r.gid,
        "title": r.name,
        "length": r.length,
        "disambiguation": r.comment,
        "video": r.video,
    }
    if r.first_release_date is not None and not e.get("_related"):
        obj["first-release-date"] = r.first_release_date
    if e.get("artist_credit") is not None:
        obj["artist-credit"] = credit_json(ctx, e["artist_credit"], tags=full)
    if "isrcs" in e:
        obj["isrcs"] = list(e["isrcs"])
    if "releases" in e:
        obj["releases"] = [release_json(ctx, rel, False) for rel in e["releases"][0]]
    return json_extras(ctx, obj, e)


def recording_json_nested(ctx: Ctx, e: Entity) -> dict[str, Any]:
    return recording_json(ctx, e, False)


async def _attach_releases(ctx: Ctx, recordings: Sequence[Entity]) -> None:
    """``releases``: (release entities in browse order, total count) of each recording, at most 25."""
    release_incs = ctx.incs & {"artist-credits", "artists", "release-groups", "media", "discids"}
    for e in recordings:
        page = await browse_releases(
            ctx.conn, "recording", e["_id"], MAX_SUBLIST, 0, statuses=ctx.statuses, types=ctx.types
        )
        found = await release_entities(
            ctx.with_incs(release_incs), page.ids, meta=False, toplevel=False, media_tracks=True
        )
        releases = as_list(found, page.ids)
        for release in releases:
            _only_this_recording(release, e["_id"])
            group = release.get("release_group")
            if group is not None:
                group["releases"] = ([], 0)  # MusicBrainz shows "releases": [] on these nested groups
        e["releases"] = (releases, page.count)


def _only_this_recording(release: Entity, recording_id: int) -> None:
    """Keep only the media and tracks of ``release`` that hold the recording."""
    media = release.get("media")
    if media is None:
        return
    kept = []
    for medium in media:
        if medium.tracks is None:
            kept.append(medium)
            continue
        medium.tracks = [t for t in medium.tracks if t.recording == recording_id]
        medium.pregap = medium.pregap if medium.pregap and medium.pregap.recording == recording_id else None
        medium.data_tracks = [t for t in medium.data_tracks if t.recording == recording_id]
        if medium.tracks or medium.pregap or medium.data_tracks:
            kept.append(medium)
    release["media"] = kept
    release.pop("recordings", None)


async def load(ctx: Ctx, row_id: int) -> Entity:
    entities = await recording_entities(ctx, [row_id])
    if ctx.has("releases"):
        await _attach_releases(ctx, list(entities.values()))
    return entities[row_id]


async def browse(ctx: Ctx, linked: str, linked_id: int, limit: int, offset: int) -> Page:
    page = await browse_recordings(ctx.conn, linked, linked_id, limit, offset)
    entities = await recording_entities(ctx, page.ids)
    return Page(as_list(entities, page.ids), page.count, offset)


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    """Recordings as relationship targets (shown without their first release date)."""
    found = await recording_entities(ctx, ids, toplevel=False)
    for e in found.values():
        e["_related"] = True
    return found


RESOURCE = Resource(
    name="recording",
    plural="recordings",
    table="recording",
    to_xml=recording_xml,
    to_json=recording_json,
    lookup_incs=LOOKUP_INCS,
    browse_incs=BROWSE_INCS,
    linked=("artist", "release", "work", "collection"),
    load=load,
    browse=browse,
    fetch=fetch,
)

"""The ``release`` resource: lookup, browse, and the XML/JSON release serializers.

``release_xml`` / ``release_json`` render a release entity from ``api.ws2.release_load``; ``full`` False is the
nested shape used for relationship targets. Element order follows the MMD 2.0 schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.ws2.artist_credit import credit_json, credit_xml
from api.ws2.common import (
    json_extras,
    xml_aliases,
    xml_annotation,
    xml_relations,
    xml_tags_genres_rating,
)
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.release_load import as_list, release_entities
from api.ws2.render import Element, container, el, sub
from api.ws2.tracklist import media_json, media_xml
from mirror.queries.release import EventArea, LabelInfo, Release
from mirror.queries.release_browse import browse_releases

_COMMON = frozenset({"aliases", "tags", "genres", "ratings", "user-tags", "user-genres", "user-ratings"})
_SHARED = frozenset(
    {"artist-credits", "labels", "recordings", "release-groups", "media", "discids", "isrcs", "annotation"}
    | {"recording-level-rels", "release-group-level-rels", "work-level-rels"}
)
LOOKUP_INCS = _COMMON | _SHARED | RELS | {"artists", "collections", "user-collections"}
BROWSE_INCS = _COMMON | _SHARED | RELS


# --- XML ---------------------------------------------------------------------------------------------------


def _area_xml(area: EventArea) -> Element:
    node = el(
        "area",
        {
            "id": area.gid,
            "type": area.type.name if area.type else None,
            "type-id": area.type.gid if area.type else None,
        },
    )
    sub(node, "name", area.name)
    sub(node, "sort-name", area.name)
    sub(node, "disambiguation", area.comment)
    if area.iso_3166_1:
        codes = container(node, "iso-3166-1-code-list")
        for code in area.iso_3166_1:
            sub(codes, "iso-3166-1-code", code)
    return node


def _events_xml(node: Element, r: Release) -> None:
    if not r.events:
        return
    first = r.events[0]
    sub(node, "date", first.date)
    if first.area is not None and first.area.iso_3166_1:
        sub(node, "country", first.area.iso_3166_1[0])
    events = container(node, "release-event-list", {"count": str(len(r.events))})
    for event in r.events:
        ev = container(events, "release-event")
        sub(ev, "date", event.date)
        if event.area is not None:
            ev.append(_area_xml(event.area))


def _label_info_xml(items: Sequence[LabelInfo]) -> Element:
    node = el("label-info-list", {"count": str(len(items))})
    for item in items:
        info = container(node, "label-info")
        sub(info, "catalog-number", item.catalog_number)
        if item.label is not None:
            lab = item.label
            label = container(
                info,
                "label",
                {
                    "id": lab.gid,
                    "type": lab.type.name if lab.type else None,
                    "type-id": lab.type.gid if lab.type else None,
                },
            )
            sub(label, "name", lab.name)
            sub(label, "sort-name", lab.name)
            sub(label, "label-code", lab.label_code)
            sub(label, "disambiguation", lab.comment)
    return node


def release_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    """The ``<release>`` element."""
    from api.ws2.recording import recording_xml_nested
    from api.ws2.release_group import release_group_xml

    r: Release = e["_row"]
    node = el("release", {"id": r.gid})
    related = e.get("_related", False)  # a relationship target: MusicBrainz loads fewer fields
    sub(node, "title", r.name)
    if r.status is not None and not related:
        sub(node, "status", r.status.name, {"id": r.status.gid})
    sub(node, "quality", r.quality)
    xml_annotation(node, e)
    sub(node, "disambiguation", r.comment)
    if r.packaging is not None:
        sub(node, "packaging", r.packaging.name, {"id": r.packaging.gid})
    if r.language or r.script:
        text = container(node, "text-representation")
        sub(text, "language", r.language)
        sub(text, "script", r.script)
    if e.get("artist_credit") is not None:
        node.append(credit_xml(e["artist_credit"], types=not related))
    if e.get("aliases"):
        xml_aliases(node, e)
    if e.get("release_group") is not None:
        node.append(release_group_xml(ctx, e["release_group"], False))
    _events_xml(node, r)
    sub(node, "barcode", r.barcode, keep_empty=r.barcode is not None)
    if e.get("_meta"):
        sub(node, "asin", r.asin)
        caa = container(node, "cover-art-archive")
        sub(caa, "artwork", r.cover_art.artwork)
        sub(caa, "count", str(r.cover_art.count))
        sub(caa, "front", r.cover_art.front)
        sub(caa, "back", r.cover_art.back)
        if r.cover_art.darkened:
            sub(caa, "darkened", True)
    if e.get("label_info") is not None:
        node.append(_label_info_xml(e["label_info"]))
    if e.get("media") is not None:
        node.append(media_xml(ctx, e, e["media"], recording_xml_nested))
    xml_relations(ctx, node, e)
    xml_tags_genres_rating(node, e)
    if e.get("collections"):
        container(node, "collection-list")
    return node


# --- JSON --------------------------------------------------------------------------------------------------


def _area_json(area: EventArea | None) -> dict[str, Any] | None:
    if area is None:
        return None
    return {
        "id": area.gid,
        "name": area.name,
        "sort-name": area.name,
        "disambiguation": area.comment,
        "iso-3166-1-codes": list(area.iso_3166_1),
        "type": area.type.name if area.type else None,
        "type-id": area.type.gid if area.type else None,
    }


def _label_info_json(items: Sequence[LabelInfo]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        label = None
        if item.label is not None:
            lab = item.label
            label = {
                "id": lab.gid,
                "name": lab.name,
                "sort-name": lab.name,
                "disambiguation": lab.comment,
                "type": lab.type.name if lab.type else None,
                "type-id": lab.type.gid if lab.type else None,
                "label-code": lab.label_code,
            }
        out.append({"catalog-number": item.catalog_number, "label": label})
    return out


def release_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    """The JSON release object."""
    from api.ws2.recording import recording_json_nested
    from api.ws2.release_group import release_group_json

    r: Release = e["_row"]
    status = None if e.get("_related") else r.status
    obj: dict[str, Any] = {
        "id": r.gid,
        "title": r.name,
        "status": status.name if status else None,
        "status-id": status.gid if status else None,
        "quality": r.quality,
        "packaging": r.packaging.name if r.packaging else None,
        "packaging-id": r.packaging.gid if r.packaging else None,
        "barcode": r.barcode,
        "disambiguation": r.comment,
        "text-representation": {"language": r.language, "script": r.script},
    }
    if e.get("_meta"):
        obj["asin"] = r.asin
        caa = r.cover_art
        obj["cover-art-archive"] = {
            "artwork": caa.artwork,
            "count": caa.count,
            "front": caa.front,
            "back": caa.back,
            "darkened": caa.darkened,
        }
    if r.events:
        first = r.events[0]
        obj["date"] = first.date or ""
        obj["country"] = first.area.iso_3166_1[0] if first.area and first.area.iso_3166_1 else None
        obj["release-events"] = [{"date": ev.date or "", "area": _area_json(ev.area)} for ev in r.events]
    shown: set[int] | None = None  # artists whose tags the release's own credit shows
    if e.get("artist_credit") is not None:
        shown = set() if full else None
        obj["artist-credit"] = credit_json(ctx, e["artist_credit"], seen=shown)
    if "release_group" in e and e["release_group"] is not None:
        group = e["release_group"]
        obj["release-group"] = release_group_json(ctx, group, False)
        if shown is not None and group.get("artist_credit") is not None:
            obj["release-group"]["artist-credit"] = credit_json(ctx, group["artist_credit"], seen=set(shown))
    if e.get("label_info") is not None:
        obj["label-info"] = _label_info_json(e["label_info"])
    if e.get("media") is not None:
        obj["media"] = media_json(ctx, e, e["media"], recording_json_nested, None if shown is None else set(shown))
    if "collections" in e:
        obj["collections"] = []
    return json_extras(ctx, obj, e)


# --- handlers ----------------------------------------------------------------------------------------------


async def load(ctx: Ctx, row_id: int) -> Entity:
    return (await release_entities(ctx, [row_id]))[row_id]


async def load_gid(ctx: Ctx, gid: str) -> Entity | None:
    return next(iter((await release_entities(ctx, (), gid=gid)).values()), None)


async def browse(ctx: Ctx, linked: str, linked_id: int, limit: int, offset: int) -> Page:
    page = await browse_releases(ctx.conn, linked, linked_id, limit, offset, statuses=ctx.statuses, types=ctx.types)
    ids = page.ids
    if ctx.has("recordings"):
        ids = await _limit_by_tracks(ctx, ids)
    entities = await release_entities(ctx, ids)
    return Page(as_list(entities, ids), page.count, offset)


WS_TRACK_LIMIT = 500


async def _limit_by_tracks(ctx: Ctx, ids: list[int]) -> list[int]:
    """Cut a page of releases once the running track total passes ``WS_TRACK_LIMIT`` (keep at least one)."""
    from mirror.queries.medium import load_media

    media = await load_media(ctx.conn, ids)
    kept: list[int] = []
    total = 0
    for rid in ids:
        if kept and total > WS_TRACK_LIMIT:
            break
        kept.append(rid)
        total += sum(m.track_count for m in media.get(rid, []))
    return kept


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    """Releases as relationship targets."""
    found = await release_entities(ctx, ids, meta=False, toplevel=False)
    for e in found.values():
        e["_related"] = True
    return found


RESOURCE = Resource(
    name="release",
    plural="releases",
    table="release",
    to_xml=release_xml,
    to_json=release_json,
    lookup_incs=LOOKUP_INCS,
    browse_incs=BROWSE_INCS,
    linked=("artist", "track_artist", "label", "recording", "release-group", "track", "area", "collection"),
    load=load,
    load_gid=load_gid,
    browse=browse,
    fetch=fetch,
    type_always=True,
    status_always=True,
)

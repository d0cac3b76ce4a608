"""Search hits of the other cores: the plain entities (artist, label, area, place, event, instrument, series,
work, url) and the search-only cores (annotation, tag, cdstub).

Entity hits are the lookup entities with their aliases and tags (events also show their artists and places,
works their artists, URLs what they are linked to, areas the areas they are part of), rendered by the resource's
own serializers. The search-only cores have their own small shapes:

- ``<annotation type="artist"><entity>MBID</entity><name>…</name><text>…</text></annotation>``;
- ``<tag><name>rock</name></tag>``;
- ``<cdstub id="<disc id>"><title/><artist/><barcode/><disambiguation/><track-list count="N"/></cdstub>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.ws2.common import load_extras
from api.ws2.params import ENTITY_TYPES
from api.ws2.place import coordinate
from api.ws2.registry import Ctx, Entity
from api.ws2.render import NS, Element, container, el, sub
from api.ws2.search_hits import ALIASES_TAGS, HitKind, JsonObj, Load, search_aliases
from mirror.queries import area as area_q
from mirror.queries import artist as artist_q
from mirror.queries import search_hits as q

# Extra incs per core: the relationships a hit shows besides its aliases and tags.
EXTRA_INCS = {
    "event": frozenset({"artist-rels", "place-rels"}),
    "work": frozenset({"artist-rels"}),
    "url": frozenset(f"{t}-rels" for t in ENTITY_TYPES if t != "url"),
}


def _incs(core: str) -> frozenset[str]:
    return ALIASES_TAGS | EXTRA_INCS.get(core, frozenset())


async def _load_artists(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await artist_q.artists(ctx.conn, ids)
    rows = list(found.values())
    area_ids = sorted({r[k] for r in rows for k in ("area_id", "begin_area_id", "end_area_id") if r[k] is not None})
    areas = await area_q.areas(ctx.conn, area_ids) if area_ids else {}
    for r in rows:
        for key in ("area", "begin_area", "end_area"):
            r[key] = areas.get(r[f"{key}_id"]) if r[f"{key}_id"] is not None else None
    await load_extras(ctx.with_incs(_incs("artist")), "artist", rows)
    return found


def _fetched(core: str) -> Load:
    """The loader of a core whose resource ``fetch`` returns complete entities (areas, attributes)."""

    async def load(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
        fetch = ctx.registry[core].fetch
        assert fetch is not None
        return await fetch(ctx.with_incs(_incs(core)), ids)

    return load


def _with_extras(core: str) -> Load:
    """The loader of a core whose resource ``fetch`` returns the bare rows (area, url)."""

    async def load(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
        fetch = ctx.registry[core].fetch
        assert fetch is not None
        found = await fetch(ctx, ids)
        await load_extras(ctx.with_incs(_incs(core)), core.replace("-", "_"), list(found.values()))
        return found

    return load


async def _load_areas(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await _with_extras("area")(ctx, ids)
    parents = await q.area_parents(ctx.conn, list(found))
    for area_id, e in found.items():
        e["_parents"] = parents.get(area_id, [])
    return found


def _parent_xml(node: Element, e: Entity) -> None:
    """The areas an area hit is part of, as the search server shows them: a ``relation-list`` of backward
    "part of" relationships, each with the parent's id, type, name and sort name (after the aliases)."""
    if not e.get("_parents"):
        return
    rels = el("relation-list", {"target-type": "area"})
    for parent in e["_parents"]:
        rel = container(rels, "relation", {"type": "part of", "type-id": q.PART_OF})
        sub(rel, "target", parent.gid)
        sub(rel, "direction", "backward")
        area = container(rel, "area", {"id": parent.gid, "type": parent.type})
        sub(area, "name", parent.name)
        sub(area, "sort-name", parent.name)
    after = {f"{{{NS}}}{tag}" for tag in ("tag-list", "genre-list", "rating")}
    index = next((i for i, item in enumerate(node) if item.tag in after), len(node))
    node.insert(index, rels)


def _parent_json(obj: JsonObj, e: Entity) -> JsonObj:
    """The same in the search server's JSON shape: ``relation-list: [{relations: [...]}]``."""
    if e.get("_parents"):
        relations = [
            {
                "type": "part of",
                "type-id": q.PART_OF,
                "target": parent.gid,
                "direction": "backward",
                "area": {"id": parent.gid, "type": parent.type, "name": parent.name, "sort-name": parent.name},
            }
            for parent in e["_parents"]
        ]
        obj["relation-list"] = [{"relations": relations}]
    return obj


def _entity_kind(core: str, plural: str, load: Load) -> HitKind:
    def to_xml(ctx: Ctx, e: Entity) -> Element:
        node = ctx.registry[core].to_xml(ctx.with_incs(_incs(core)), e, True)
        if core == "area":
            _parent_xml(node, e)
        return node

    def to_json(ctx: Ctx, e: Entity) -> JsonObj:
        obj = dict(search_aliases(ctx.registry[core].to_json(ctx.with_incs(_incs(core)), e, True)))
        if isinstance(obj.get("coordinates"), dict):  # a place: the search server writes them as strings
            obj["coordinates"] = {axis: coordinate(value) for axis, value in obj["coordinates"].items()}
        return _parent_json(obj, e) if core == "area" else obj

    return HitKind(core, plural, load, to_xml, to_json)


# --- annotation, tag, cdstub -------------------------------------------------------------------------------


async def _load_annotations(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.annotation_rows(ctx.conn, ids)


def _annotation_xml(ctx: Ctx, e: Entity) -> Element:
    node = el("annotation", {"type": e["entity_type"]})
    sub(node, "entity", e["entity"])
    sub(node, "name", e["name"])
    sub(node, "text", e["text"] or "", keep_empty=True)
    return node


def _annotation_json(ctx: Ctx, e: Entity) -> JsonObj:
    return {"type": e["entity_type"], "entity": e["entity"], "name": e["name"], "text": e["text"] or ""}


async def _load_tags(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await q.tag_rows(ctx.conn, ids)


def _tag_xml(ctx: Ctx, e: Entity) -> Element:
    node = el("tag")
    sub(node, "name", e["name"], keep_empty=True)
    return node


def _tag_json(ctx: Ctx, e: Entity) -> JsonObj:
    return {"name": e["name"]}


async def _load_cdstubs(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await q.cdstub_rows(ctx.conn, ids)
    return {k: v for k, v in found.items() if v["discid"] is not None}


def _cdstub_xml(ctx: Ctx, e: Entity) -> Element:
    node = el("cdstub", {"id": e["discid"]})
    sub(node, "title", e["title"] or "", keep_empty=True)
    sub(node, "artist", e["artist"])
    sub(node, "barcode", e["barcode"])
    sub(node, "disambiguation", e["comment"])
    container(node, "track-list", {"count": str(e["track_count"])})
    return node


def _cdstub_json(ctx: Ctx, e: Entity) -> JsonObj:
    return {
        "id": e["discid"],
        "count": e["track_count"],
        "title": e["title"] or "",
        "artist": e["artist"] or "",
        "barcode": e["barcode"] or "",
        "disambiguation": e["comment"] or "",
    }


KINDS = (
    _entity_kind("artist", "artists", _load_artists),
    _entity_kind("label", "labels", _fetched("label")),
    _entity_kind("area", "areas", _load_areas),
    _entity_kind("place", "places", _fetched("place")),
    _entity_kind("event", "events", _fetched("event")),
    _entity_kind("instrument", "instruments", _fetched("instrument")),
    _entity_kind("series", "series", _fetched("series")),
    _entity_kind("work", "works", _fetched("work")),
    _entity_kind("url", "urls", _with_extras("url")),
    HitKind("annotation", "annotations", _load_annotations, _annotation_xml, _annotation_json),
    HitKind("tag", "tags", _load_tags, _tag_xml, _tag_json),
    HitKind("cdstub", "cdstubs", _load_cdstubs, _cdstub_xml, _cdstub_json),
)

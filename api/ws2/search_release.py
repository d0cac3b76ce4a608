"""Search hits of the release family: release, release-group and recording.

The hits are the lookup entities of ``api.ws2.release_load``, loaded for the whole page, with what the search
server shows on them (``shared/musicbrainz/responses/mb-solr-search-output/``):

- release: artist credit (with the artists' aliases), release group, events, ASIN, label info, media (format,
  how many disc IDs and track count, no tracks) with the release's total ``track-count``, tags;
- release-group: artist credit, the first ``MAX_NESTED`` releases (title, status...) with the group's release
  ``count``, tags;
- recording: artist credit, the releases holding it (at most ``MAX_NESTED`` tracks) each with its release
  group, the medium and track of the recording and the release's total ``track-count``, ISRCs, tags. In JSON a
  medium's tracks are under ``track`` (not ``tracks``), as the search server writes them.

Each hit's own artist credit carries its MBID (XML ``<artist-credit id>``, JSON ``artist-credit-id``), which
lookups do not show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from api.ws2.recording import recording_json, recording_xml
from api.ws2.registry import Ctx, Entity
from api.ws2.release import release_json, release_xml
from api.ws2.release_group import release_group_json, release_group_xml
from api.ws2.release_load import as_list, recording_entities, release_entities, release_group_entities
from api.ws2.render import NS, Element, el
from api.ws2.search_hits import MAX_NESTED, HitKind, JsonObj, child, insert_child, search_aliases
from mirror.queries import search_hits as q
from mirror.queries.medium import Medium, load_media

RELEASE_INCS = frozenset({"artist-credits", "release-groups", "labels", "media", "tags", "aliases"})
GROUP_INCS = frozenset({"artist-credits", "tags", "aliases"})
RECORDING_INCS = frozenset({"artist-credits", "isrcs", "tags", "aliases"})


def _track_total(media: Sequence[Medium]) -> int:
    return sum(m.track_count for m in media)


def _add_track_count(node: Element, e: Entity) -> None:
    """``<track-count>`` (the release's total) as the first child of its ``<medium-list>``."""
    media = child(node, "medium-list")
    if media is not None and "_track_total" in e:
        insert_child(media, 0, "track-count", e["_track_total"])


async def _credit_ids(ctx: Ctx, entities: Iterable[Entity]) -> None:
    """``_credit_gid``: the MBID of each hit's own artist credit."""
    hits = list(entities)
    gids = await q.credit_gids(ctx.conn, [e["_row"].artist_credit for e in hits])
    for e in hits:
        e["_credit_gid"] = gids.get(e["_row"].artist_credit)


def _credit_id_xml(node: Element, e: Entity) -> None:
    credit = child(node, "artist-credit")
    if credit is not None and e.get("_credit_gid"):
        credit.set("id", e["_credit_gid"])


def _credit_id_json(obj: JsonObj, e: Entity) -> JsonObj:
    """``obj`` with ``artist-credit-id`` right after its ``artist-credit``, as the search server orders them."""
    if "artist-credit" not in obj or not e.get("_credit_gid"):
        return obj
    out: JsonObj = {}
    for key, value in obj.items():
        out[key] = value
        if key == "artist-credit":
            out["artist-credit-id"] = e["_credit_gid"]
    return out


# The elements of a release that follow its ASIN (MMD order).
_AFTER_ASIN = frozenset(
    f"{{{NS}}}{tag}"
    for tag in ("cover-art-archive", "label-info-list", "medium-list", "relation-list", "tag-list", "genre-list")
)


def _asin_xml(node: Element, asin: str | None) -> None:
    if asin is None:
        return
    index = next((i for i, item in enumerate(node) if item.tag in _AFTER_ASIN), len(node))
    insert_child(node, index, "asin", asin)


def _clean_credits(entities: Iterable[Entity]) -> None:
    """Credited artists show their aliases (when they have some) but not their tags, which belong to the hit."""
    for e in entities:
        for nc in e.get("artist_credit") or []:
            artist = nc["artist"]
            artist.pop("tags", None)
            if not artist.get("aliases"):
                artist.pop("aliases", None)


# --- release -----------------------------------------------------------------------------------------------


async def load_releases(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await release_entities(ctx.with_incs(RELEASE_INCS), ids, meta=False)
    media_ids = [m.id for e in found.values() for m in e.get("media") or []]
    discs = await q.disc_counts(ctx.conn, media_ids)
    for e in found.values():
        e["_track_total"] = _track_total(e.get("media") or [])
        e["_disc_counts"] = [discs.get(m.id, 0) for m in e.get("media") or []]
    await _credit_ids(ctx, found.values())
    _clean_credits(found.values())
    return found


def release_hit_xml(ctx: Ctx, e: Entity) -> Element:
    node = release_xml(ctx.with_incs(RELEASE_INCS), e, True)
    _credit_id_xml(node, e)
    _asin_xml(node, e["_row"].asin)
    _add_track_count(node, e)
    media = child(node, "medium-list")
    shown = media.findall(f"{{{NS}}}medium") if media is not None else []
    for medium, count in zip(shown, e["_disc_counts"], strict=True):
        tracks = child(medium, "track-list")
        index = list(medium).index(tracks) if tracks is not None else len(medium)
        medium.insert(index, el("disc-list", {"count": str(count)}))
    return node


def release_hit_json(ctx: Ctx, e: Entity) -> JsonObj:
    obj = _credit_id_json(release_json(ctx.with_incs(RELEASE_INCS), e, True), e)
    if e["_row"].asin is not None:
        obj["asin"] = e["_row"].asin
    media = e.get("media") or []
    obj["count"] = len(media)
    obj["track-count"] = e["_track_total"]
    for count, item in zip(e["_disc_counts"], obj.get("media", []), strict=True):
        item["disc-count"] = count
    return dict(search_aliases(obj))


# --- release group -----------------------------------------------------------------------------------------


async def load_groups(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await release_group_entities(ctx.with_incs(GROUP_INCS), ids)
    release_ids, counts = await q.group_releases(ctx.conn, ids, MAX_NESTED)
    wanted = sorted({r for rs in release_ids.values() for r in rs})
    releases = await release_entities(ctx.with_incs(frozenset()), wanted, meta=False, toplevel=False)
    for gid, e in found.items():
        e["releases"] = (as_list(releases, release_ids.get(gid, [])), counts.get(gid, 0))
    await _credit_ids(ctx, found.values())
    _clean_credits(found.values())
    return found


def group_hit_xml(ctx: Ctx, e: Entity) -> Element:
    node = release_group_xml(ctx.with_incs(GROUP_INCS), e, True)
    _credit_id_xml(node, e)
    return node


def group_hit_json(ctx: Ctx, e: Entity) -> JsonObj:
    obj = _credit_id_json(release_group_json(ctx.with_incs(GROUP_INCS), e, True), e)
    obj["count"] = e["releases"][1]
    return dict(search_aliases(obj))


# --- recording ---------------------------------------------------------------------------------------------


async def load_recordings(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    found = await recording_entities(ctx.with_incs(RECORDING_INCS), ids)
    tracks = await q.recording_tracks(ctx.conn, ids, MAX_NESTED)
    release_ids = sorted({t.release for ts in tracks.values() for t in ts})
    releases = await release_entities(ctx.with_incs(frozenset({"release-groups"})), release_ids, meta=False)
    media = await load_media(ctx.conn, release_ids)
    media_by_id = {m.id: m for ms in media.values() for m in ms}
    for rec_id, e in found.items():
        shown: dict[int, Entity] = {}
        for t in tracks.get(rec_id, []):
            release = releases.get(t.release)
            medium = media_by_id.get(t.medium)
            if release is None or medium is None:
                continue
            if t.release not in shown:
                shown[t.release] = {**release, "media": [], "_track_total": _track_total(media[t.release])}
            shown_media: list[Medium] = shown[t.release]["media"]
            if shown_media and shown_media[-1].id == medium.id:
                assert shown_media[-1].tracks is not None
                shown_media[-1].tracks.append(t.track)
            else:
                shown_media.append(dataclasses.replace(medium, tracks=[t.track], discs=None))
        if shown:
            e["releases"] = (list(shown.values()), len(shown))
    await _credit_ids(ctx, found.values())
    _clean_credits(found.values())
    return found


def recording_hit_xml(ctx: Ctx, e: Entity) -> Element:
    node = recording_xml(ctx.with_incs(RECORDING_INCS), e, True)
    _credit_id_xml(node, e)
    release_list = child(node, "release-list")
    if release_list is not None:
        for release_node, release in zip(release_list, e["releases"][0], strict=True):
            _add_track_count(release_node, release)
    return node


def recording_hit_json(ctx: Ctx, e: Entity) -> JsonObj:
    obj = _credit_id_json(recording_json(ctx.with_incs(RECORDING_INCS), e, True), e)
    for item, release in zip(obj.get("releases", []), e.get("releases", ([], 0))[0], strict=True):
        item["track-count"] = release["_track_total"]
        for medium in item.get("media", []):
            _search_medium(medium)
    return dict(search_aliases(obj))


def _search_medium(medium: dict[str, Any]) -> None:
    """A medium inside a recording hit: its tracks under ``track``, without their recording."""
    tracks = medium.pop("tracks", [])
    medium["track"] = [{k: v for k, v in t.items() if k != "recording"} for t in tracks]
    medium.setdefault("track-offset", 0)


KINDS = (
    HitKind("release", "releases", load_releases, release_hit_xml, release_hit_json),
    HitKind("release-group", "release-groups", load_groups, group_hit_xml, group_hit_json),
    HitKind("recording", "recordings", load_recordings, recording_hit_xml, recording_hit_json),
)

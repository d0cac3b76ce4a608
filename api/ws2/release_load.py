"""Assemble release-family entities for a request: which queries run depends on ``ctx.incs``.

``release_entities(ctx, ids, meta=...)`` builds release entity dicts for a lookup, a browse page or a nested
release list, loading every piece for all the releases at once: artist credits (release, track and recording
credits in one query), release groups, label info, media with tracks and disc IDs, recordings, and the shared
extras (aliases, tags, genres, ratings, relationships) of each entity type. ``recording_entities`` and
``release_group_entities`` do the same for recordings and release groups.

Entity keys: ``_id``, ``id``, ``title`` plus ``_row`` (the query layer's dataclass) and, when loaded,
``artist_credit`` (a ``Credit``), ``release_group``, ``label_info``, ``media`` (``Medium`` list),
``recordings`` (row id -> recording entity), ``isrcs``, ``releases``, ``collections``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from api.ws2.artist_credit import Credit, load_credits
from api.ws2.common import TARGET_INCS, Extras, apply_extras, fetch_extras, rels_of, with_extras
from api.ws2.registry import Ctx, Entity
from mirror.queries.medium import all_tracks, load_media
from mirror.queries.recording import load_recordings, load_recordings_and_isrcs
from mirror.queries.release import load_label_info, load_releases
from mirror.queries.release_group import load_release_groups

EXTRA_INCS = frozenset({"aliases", "annotation", "tags", "genres", "ratings"})
RELEASE_GROUP_NESTED_INCS = frozenset({"aliases", "tags", "genres", "ratings", "artist-credits"})
RECORDING_NESTED_INCS = frozenset({"aliases", "tags", "genres", "ratings", "artist-credits", "isrcs"})


def wants_credits(ctx: Ctx) -> bool:
    return ctx.has("artist-credits", "artists")


async def release_entities(
    ctx: Ctx,
    ids: Sequence[int],
    *,
    meta: bool = True,
    toplevel: bool = True,
    media_tracks: bool = False,
    gid: str | None = None,
) -> dict[int, Entity]:
    """Release entities for these row ids (in no particular order), decorated as ``ctx.incs`` asks.

    ``meta``: include ASIN and cover-art summary (lookups, browses, disc IDs); ``toplevel``: also label info,
    annotation and collections; ``media_tracks``: load the tracks of the media even without ``recordings``
    (the releases of a recording lookup show the track of that recording); ``gid``: instead of ``ids``, the
    release of this MBID (lower case), resolved in the first statement; a merged MBID gives the release it was
    merged into with nothing else loaded (the lookup redirects).
    """
    extra_incs = ctx.incs & (EXTRA_INCS if toplevel else EXTRA_INCS - {"annotation"})
    extras_ctx = ctx.with_incs(extra_incs | rels_of(ctx) | (ctx.incs & TARGET_INCS))
    loaded_extras: Extras | None = None
    ref = await ctx.ref()
    if gid is None:  # the extras go with the rows (an MBID is resolved by the rows' statement)
        wanted = sorted(set(ids))
        rows, loaded_extras = await with_extras(extras_ctx, "release", wanted, load_releases(ctx.conn, ref, wanted))
    else:
        rows = await load_releases(ctx.conn, ref, ids, gid=gid)
    entities: dict[int, Entity] = {
        rid: {"_id": rid, "id": r.gid, "title": r.name, "_row": r, "_meta": meta} for rid, r in rows.items()
    }
    if not entities or (gid is not None and any(r.gid != gid for r in rows.values())):
        return entities
    releases = list(entities.values())
    want_credits = wants_credits(ctx)
    credits: dict[int, Credit] = {}  # of the releases, their tracks and recordings, as they load
    rg_incs = ctx.incs & RELEASE_GROUP_NESTED_INCS
    if ctx.has("release-group-level-rels"):
        rg_incs |= rels_of(ctx)

    # Independent branches run together: their statements at each depth are sent as one (``fetch_many``), and
    # each credit loads beside the next queries of its branch rather than after everything.
    async def own_credits() -> None:
        credits.update(await load_credits(ctx, [r.artist_credit for r in rows.values()]))

    async def groups() -> None:
        # the credits of the release groups load with them when their incs ask (same artist incs)
        found = await release_group_entities(
            ctx.with_incs(rg_incs), [r.release_group for r in rows.values()], toplevel=False
        )
        for e in releases:
            e["release_group"] = found.get(e["_row"].release_group)

    async def labels() -> None:
        label_info = await load_label_info(ctx.conn, ref, entities)
        for e in releases:
            e["label_info"] = label_info[e["_id"]]

    async def media_and_recordings() -> None:
        with_tracks = ctx.has("recordings")
        media = await load_media(ctx.conn, entities, tracks=with_tracks or media_tracks, discids=ctx.has("discids"))
        for e in releases:
            e["media"] = media[e["_id"]]
        tracks = [t for ms in media.values() for t in all_tracks(ms)]
        rec_incs = ctx.incs & RECORDING_NESTED_INCS
        if ctx.has("recording-level-rels"):
            rec_incs |= rels_of(ctx)
            if ctx.has("work-level-rels"):
                rec_incs |= {"work-level-rels"}

        async def track_credits() -> None:  # also the tracks a recording lookup shows without ``recordings``
            credits.update(await load_credits(ctx, [t.artist_credit for t in tracks]))

        async def recordings() -> None:
            found = await recording_entities(
                ctx.with_incs(rec_incs), [t.recording for t in tracks], credits=want_credits, toplevel=False
            )
            for rec in found.values():
                if "artist_credit" in rec:
                    credits[rec["_row"].artist_credit] = rec["artist_credit"]
            for e in releases:
                e["recordings"] = found

        parts = [track_credits()] if want_credits and tracks else []
        if with_tracks:
            parts.append(recordings())
        await asyncio.gather(*parts)

    async def extras() -> None:
        found = loaded_extras or await fetch_extras(extras_ctx, "release", list(entities))
        await apply_extras(extras_ctx, "release", releases, found)

    branches = [extras()]
    if want_credits:
        branches.append(own_credits())
    if ctx.has("release-groups"):
        branches.append(groups())
    if toplevel and ctx.has("labels"):
        branches.append(labels())
    if ctx.has("media", "discids", "recordings"):
        branches.append(media_and_recordings())
    await asyncio.gather(*branches)
    if want_credits:
        for e in releases:
            e["artist_credit"] = credits.get(e["_row"].artist_credit, [])
            e["credits"] = credits
    if toplevel and ctx.has("collections"):
        for e in releases:
            e["collections"] = []
    return entities


async def release_group_entities(
    ctx: Ctx, ids: Iterable[int], *, toplevel: bool = True, credits: bool = True
) -> dict[int, Entity]:
    """Release group entities for these row ids (artist credits when ``artist-credits``/``artists``)."""
    wanted = sorted(set(ids))
    extra_incs = ctx.incs & (EXTRA_INCS if toplevel else EXTRA_INCS - {"annotation"})
    extras_ctx = ctx.with_incs(extra_incs | rels_of(ctx) | (ctx.incs & TARGET_INCS))
    rows, found = await with_extras(
        extras_ctx, "release_group", wanted, load_release_groups(ctx.conn, await ctx.ref(), wanted)
    )
    entities: dict[int, Entity] = {
        rid: {"_id": rid, "id": g.gid, "title": g.name, "_row": g} for rid, g in rows.items()
    }
    if not entities:
        return entities
    groups = list(entities.values())
    extras = apply_extras(extras_ctx, "release_group", groups, found)
    if credits and wants_credits(ctx):
        await asyncio.gather(extras, _attach_credits(ctx, groups))
    else:
        await extras
    return entities


async def recording_entities(
    ctx: Ctx, ids: Iterable[int], *, credits: bool | None = None, toplevel: bool = True
) -> dict[int, Entity]:
    """Recording entities for these row ids, with ISRCs, credits, extras and work-level relationships.

    ``credits``: load the artist credits (None: when ``ctx.incs`` asks for them).
    """
    wanted = sorted(set(ids))
    extra_incs = ctx.incs & (EXTRA_INCS if toplevel else EXTRA_INCS - {"annotation"})
    # (with ``work-level-rels`` the works they are linked to load with their own relationships)
    extras_ctx = ctx.with_incs(extra_incs | rels_of(ctx) | (ctx.incs & (TARGET_INCS | {"work-level-rels"})))
    isrcs: dict[int, list[str]] | None = None
    if ctx.has("isrcs"):
        (rows, isrcs), found = await with_extras(
            extras_ctx, "recording", wanted, load_recordings_and_isrcs(ctx.conn, wanted)
        )
    else:
        rows, found = await with_extras(extras_ctx, "recording", wanted, load_recordings(ctx.conn, wanted))
    entities: dict[int, Entity] = {
        rid: {"_id": rid, "id": r.gid, "title": r.name, "_row": r} for rid, r in rows.items()
    }
    if not entities:
        return entities
    recs = list(entities.values())
    if isrcs is not None:
        for e in recs:
            e["isrcs"] = isrcs[e["_id"]]
    extras = apply_extras(extras_ctx, "recording", recs, found)
    if credits if credits is not None else wants_credits(ctx):
        await asyncio.gather(extras, _attach_credits(ctx, recs))
    else:
        await extras
    return entities


async def _attach_credits(ctx: Ctx, entities: Sequence[Entity]) -> None:
    """``artist_credit`` of each entity (its ``_row.artist_credit``)."""
    found = await load_credits(ctx, [e["_row"].artist_credit for e in entities])
    for e in entities:
        e["artist_credit"] = found.get(e["_row"].artist_credit, [])


def recording_credit(release: Entity, recording: Entity) -> Credit | None:
    """The credit of a recording inside a release, when credits were loaded."""
    credits: dict[int, Credit] | None = release.get("credits")
    if credits is None:
        return None
    return credits.get(recording["_row"].artist_credit, [])


def sort_by_gid(entities: Iterable[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: str(e["id"]))


def as_list(entities: dict[int, Entity], ids: Sequence[int]) -> list[Entity]:
    """The entities in the order of ``ids`` (ids without an entity are skipped)."""
    return [entities[i] for i in ids if i in entities]


Json = dict[str, Any]

"""Building blocks for the resources whose rows come from ``mirror.queries.entities`` (event, instrument,
label, place, series, work): fetch / load / browse handlers bound to an entity type, and the area loader."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from api.ws2.common import apply_extras, load_extras, with_extras
from api.ws2.params import RELS
from api.ws2.registry import Browse, Ctx, Entity, Fetch, LoadOne, Page
from mirror.errors import NotFound
from mirror.queries import area as area_q
from mirror.queries import entities as q

BASE_INCS = frozenset({"aliases", "annotation", "tags", "user-tags", "genres", "user-genres"}) | RELS
RATED_INCS = BASE_INCS | {"ratings", "user-ratings"}


async def attach_areas(ctx: Ctx, rows: Sequence[Entity]) -> None:
    """Replace ``area_id`` by the loaded ``area`` entity (or None)."""
    ids = sorted({r["area_id"] for r in rows if r.get("area_id") is not None})
    found = await area_q.areas(ctx.conn, ids) if ids else {}
    for r in rows:
        if "area_id" in r:
            r["area"] = found.get(r["area_id"])


async def _complete(ctx: Ctx, entity_type: str, rows: list[Entity]) -> None:
    # (work rows come with their ``attributes``); areas and extras load together
    await asyncio.gather(attach_areas(ctx, rows), load_extras(ctx, entity_type, rows))


async def _rows(ctx: Ctx, entity_type: str, ids: Sequence[int]) -> dict[int, Entity]:
    """The rows with their extras (sent together) and areas."""
    wanted = sorted(set(ids))
    found, extras = await with_extras(ctx, entity_type, wanted, q.rows(ctx.conn, await ctx.ref(), entity_type, wanted))
    rows = list(found.values())
    await asyncio.gather(attach_areas(ctx, rows), apply_extras(ctx, entity_type, rows, extras))
    return found


def handlers(entity_type: str) -> tuple[Fetch, LoadOne, Browse]:
    """``fetch``, ``load`` and ``browse`` for one entity type."""

    async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
        return await _rows(ctx, entity_type, ids)

    async def load(ctx: Ctx, row_id: int) -> Entity:
        found = await _rows(ctx, entity_type, [row_id])
        if row_id not in found:
            raise NotFound(entity_type, str(row_id))
        return found[row_id]

    async def browse(ctx: Ctx, key: str, row_id: int, limit: int, offset: int) -> Page:
        rows, total = await q.browse(ctx.conn, await ctx.ref(), entity_type, key, row_id, limit, offset)
        await _complete(ctx, entity_type, rows)
        return Page(rows, total, offset)

    return fetch, load, browse

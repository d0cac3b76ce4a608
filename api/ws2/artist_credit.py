"""Artist credits (``artist-credit``) of releases, release groups, recordings and tracks, in XML and JSON.

``await load_credits(ctx, ids)`` loads the credits and, as ``ctx.incs`` asks, the aliases, tags, genres and
ratings of the credited artists (each artist loaded once however often it is credited). ``credit_xml`` and
``credit_json`` render one credit; other resources (e.g. artist lookups with releases) may import them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from api.ws2.common import json_extras, xml_aliases, xml_tags_genres_rating
from api.ws2.registry import Ctx, Entity
from api.ws2.render import Element, container, el, sub
from mirror.queries.artist_credit import load_artist_credits_with
from mirror.queries.common import CREDITED_ARTISTS

Credit = list[Entity]
"""One artist credit: name-credit dicts ``{"name", "joinphrase", "artist": Entity}`` in order."""

# The incs that decorate the credited artists themselves.
ARTIST_INCS = frozenset({"aliases", "tags", "genres", "ratings"})


async def load_credits(ctx: Ctx, ids: Iterable[int]) -> dict[int, Credit]:
    """The artist credits with these ids, credited artists decorated as ``ctx.incs`` asks.

    The credits and the aliases, tags and ratings of their artists are loaded in one statement (the extras
    select the artists through the credits), so a credit costs no round trip of its own when it loads beside
    other queries. Within a request each credit is loaded once (``ctx.memo``): a release's tracks and
    recordings mostly share its own credit, which is then not loaded again.
    """
    incs = ctx.incs & ARTIST_INCS
    memo: dict[int, asyncio.Future[dict[int, Credit]]] = ctx.memo.setdefault(("credits", incs), {})
    missing = sorted({i for i in ids if i not in memo})
    if missing:
        future: asyncio.Future[dict[int, Credit]] = asyncio.get_running_loop().create_future()
        for i in missing:
            memo[i] = future
        try:
            future.set_result(await _load_credits(ctx.with_incs(incs), missing))
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: only the callers that wait on it see it
            raise
    credits: dict[int, Credit] = {}
    for i in set(ids):
        found = await memo[i]
        if i in found:
            credits[i] = found[i]
    return credits


async def _load_credits(ctx: Ctx, ids: list[int]) -> dict[int, Credit]:
    from api.ws2.common import DICT_ROWS, apply_extras, extras_statements

    statements, kinds = extras_statements(ctx, "artist", ids, CREDITED_ARTISTS)
    found, extras = await load_artist_credits_with(
        ctx.conn, await ctx.ref(), ids, statements, [k in DICT_ROWS for k in kinds]
    )
    artists: dict[int, Entity] = {}
    credits: dict[int, Credit] = {}
    for ac_id, names in found.items():
        credit: Credit = []
        for nc in names:
            a = nc.artist
            artist = artists.get(a.id)
            if artist is None:
                artist = {
                    "_id": a.id,
                    "id": a.gid,
                    "name": a.name,
                    "sort_name": a.sort_name,
                    "comment": a.comment,
                    "type": a.type_name,
                    "type_id": a.type_gid,
                    "country": a.country,
                }
                artists[a.id] = artist
            credit.append({"name": nc.name, "joinphrase": nc.join_phrase, "artist": artist})
        credits[ac_id] = credit
    if artists:
        await apply_extras(ctx, "artist", list(artists.values()), (kinds, extras))
    return credits


def credit_xml(credit: Credit, *, aliases: bool = True, types: bool = True) -> Element:
    """``<artist-credit>`` with one ``<name-credit>`` per credited artist; ``types`` False leaves out the
    artists' type (MusicBrainz does not load it for the credit of a release shown as a relationship target)."""
    node = el("artist-credit")
    for nc in credit:
        artist = nc["artist"]
        name_credit = container(node, "name-credit", {"joinphrase": nc["joinphrase"] or None})
        if nc["name"] != artist["name"]:
            sub(name_credit, "name", nc["name"])
        attrs = {"id": artist["id"], "type": artist["type"] if types else None}
        attrs["type-id"] = artist["type_id"] if types else None
        a = container(name_credit, "artist", attrs)
        sub(a, "name", artist["name"])
        sub(a, "sort-name", artist["sort_name"])
        sub(a, "disambiguation", artist["comment"])
        if aliases and artist.get("aliases"):
            xml_aliases(a, artist)
        xml_tags_genres_rating(a, artist)
    return node


def credit_json(ctx: Ctx, credit: Credit, *, tags: bool = True, seen: set[int] | None = None) -> list[dict[str, Any]]:
    """The JSON ``artist-credit`` array; ``tags`` False leaves out the artists' tags and genres.

    With ``seen`` (row ids of artists already shown with their tags), an artist shows its tags only if it is
    not in ``seen``, and is then added: inside a release MusicBrainz shows the tags of a credited artist once
    per part (the release's own credit, its release group, its tracklist) and not again in a part where the
    release's own credit already showed them.
    """
    out: list[dict[str, Any]] = []
    for nc in credit:
        artist = nc["artist"]
        if seen is not None:
            tags = artist["_id"] not in seen
            seen.add(artist["_id"])
        obj: dict[str, Any] = {
            "id": artist["id"],
            "name": artist["name"],
            "sort-name": artist["sort_name"],
            "disambiguation": artist["comment"],
            "type": artist["type"],
            "type-id": artist["type_id"],
            "country": artist["country"],
        }
        keys = ("aliases", "tags", "genres") if tags else ("aliases",)
        extras = {k: artist[k] for k in keys if k in artist}
        json_extras(ctx, obj, extras)
        out.append({"name": nc["name"], "joinphrase": nc["joinphrase"], "artist": obj})
    return out

"""The ``release-group`` resource: lookup, browse, and the XML/JSON release-group serializers.

A lookup with ``releases`` lists at most 25 releases, filtered by ``status``/``type``. Browsing by artist
accepts ``release-group-status=website-default`` (only groups with an official release) or ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.errors import BadRequest
from api.ws2.artist_credit import credit_json, credit_xml
from api.ws2.common import json_extras, xml_aliases, xml_annotation, xml_relations, xml_tags_genres_rating
from api.ws2.params import RELS
from api.ws2.registry import Ctx, Entity, Page, Resource
from api.ws2.release_load import as_list, release_entities, release_group_entities
from api.ws2.render import Element, container, el, sub
from mirror.queries.release_browse import browse_release_groups, browse_releases
from mirror.queries.release_group import ReleaseGroup

MAX_SUBLIST = 25
_COMMON = frozenset({"aliases", "tags", "genres", "ratings", "user-tags", "user-genres", "user-ratings", "annotation"})
LOOKUP_INCS = _COMMON | RELS | {"artists", "releases", "artist-credits", "media", "discids"}
BROWSE_INCS = _COMMON | RELS | {"artist-credits"}


def release_group_xml(ctx: Ctx, e: Entity, full: bool = True) -> Element:
    """The ``<release-group>`` element."""
    from api.ws2.release import release_xml

    g: ReleaseGroup = e["_row"]
    legacy = g.legacy_type
    node = el(
        "release-group",
        {"id": g.gid, "type": legacy.name if legacy else None, "type-id": legacy.gid if legacy else None},
    )
    sub(node, "title", g.name)
    if full:
        xml_annotation(node, e)
    sub(node, "disambiguation", g.comment)
    sub(node, "first-release-date", g.first_release_date)
    if g.primary_type is not None:
        sub(node, "primary-type", g.primary_type.name, {"id": g.primary_type.gid})
    if g.secondary_types:
        lst = container(node, "secondary-type-list")
        for t in g.secondary_types:
            sub(lst, "secondary-type", t.name, {"id": t.gid})
    if e.get("artist_credit") is not None:
        node.append(credit_xml(e["artist_credit"]))
    if "releases" in e and full:
        releases, count = e["releases"]
        lst = container(node, "release-list", {"count": str(count)})
        for release in releases:
            lst.append(release_xml(ctx, release, False))
    if e.get("aliases"):
        xml_aliases(node, e)
    xml_relations(ctx, node, e)
    xml_tags_genres_rating(node, e)
    return node


def release_group_json(ctx: Ctx, e: Entity, full: bool = True) -> dict[str, Any]:
    """The JSON release-group object."""
    from api.ws2.release import release_json

    g: ReleaseGroup = e["_row"]
    obj: dict[str, Any] = {
        "id": g.gid,
        "title": g.name,
        "primary-type": g.primary_type.name if g.primary_type else None,
        "primary-type-id": g.primary_type.gid if g.primary_type else None,
        "secondary-types": [t.name for t in g.secondary_types],
        "secondary-type-ids": [t.gid for t in g.secondary_types],
        "first-release-date": g.first_release_date or "",
        "disambiguation": g.comment,
    }
    if e.get("artist_credit") is not None:
        obj["artist-credit"] = credit_json(ctx, e["artist_credit"], tags=full)
    if "releases" in e:
        obj["releases"] = [release_json(ctx, rel, False) for rel in e["releases"][0]]
    return json_extras(ctx, obj, e)


async def load(ctx: Ctx, row_id: int) -> Entity:
    entities = await release_group_entities(ctx, [row_id])
    e = entities[row_id]
    if ctx.has("releases"):
        page = await browse_releases(
            ctx.conn, "release-group", row_id, MAX_SUBLIST, 0, statuses=ctx.statuses, types=ctx.types
        )
        release_incs = ctx.incs & {"artist-credits", "artists", "media", "discids", "tags", "genres", "ratings"}
        found = await release_entities(ctx.with_incs(release_incs), page.ids, meta=False, toplevel=False)
        e["releases"] = (as_list(found, page.ids), page.count)
    return e


async def browse(ctx: Ctx, linked: str, linked_id: int, limit: int, offset: int) -> Page:
    status = ctx.params.get("release-group-status")
    if status is not None and status not in ("website-default", "all"):
        raise BadRequest(f"{status} is not a valid release-group-status.")
    page = await browse_release_groups(
        ctx.conn,
        linked,
        linked_id,
        limit,
        offset,
        types=ctx.types,
        official_only=linked == "artist" and status == "website-default",
    )
    entities = await release_group_entities(ctx, page.ids)
    return Page(as_list(entities, page.ids), page.count, offset)


async def fetch(ctx: Ctx, ids: Sequence[int]) -> dict[int, Entity]:
    return await release_group_entities(ctx, ids, toplevel=False)


RESOURCE = Resource(
    name="release-group",
    plural="release-groups",
    table="release_group",
    to_xml=release_group_xml,
    to_json=release_group_json,
    lookup_incs=LOOKUP_INCS,
    browse_incs=BROWSE_INCS,
    linked=("artist", "release", "collection"),
    load=load,
    browse=browse,
    fetch=fetch,
    type_always=True,
)

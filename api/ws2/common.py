"""Loaders and serializers shared by every resource: aliases, annotation, tags, genres, rating, life-span and
relationships.

``await load_extras(ctx, "artist", entities)`` attaches what ``ctx.incs`` asks for to each entity dict
(``aliases``, ``annotation``, ``tags``, ``genres``, ``rating``, ``relations``); a key is present exactly when
its inc was requested. The ``xml_*`` helpers append the matching MMD elements (each resource calls them in its
schema order) and ``json_extras`` adds the matching JSON keys.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from api.ws2.params import ENTITY_TYPES
from api.ws2.registry import Ctx, Entity, Fetch
from api.ws2.render import Element, container, sub
from mirror.queries import common as q
from mirror.queries.pipeline import Statement, fetch_many
from mirror.queries.relationships import link_rows_query, parse_link_rows

JsonObj = dict[str, Any]
T = TypeVar("T")
DICT_ROWS = frozenset({"annotation", "ratings"})  # the extras whose rows are dicts (the others are tuples)

# The incs of a request that also decorate relationship targets (releases and recordings show their credits).
TARGET_INCS = frozenset({"artist-credits"})


def db_type(name: str) -> str:
    """``release-group`` -> ``release_group``."""
    return name.replace("-", "_")


def rels_of(ctx: Ctx) -> frozenset[str]:
    """The ``*-rels`` incs of the request."""
    return frozenset(inc for inc in ctx.incs if inc.endswith("-rels") and not inc.endswith("-level-rels"))


def rel_incs(ctx: Ctx) -> list[str]:
    """Target entity types (database spelling) of the ``*-rels`` incs in the request."""
    return [db_type(t) for t in ENTITY_TYPES if f"{t}-rels" in ctx.incs]


Extras = tuple[list[str], list[list[Any]]]
"""What each statement of ``extras_statements`` loaded, and its rows (``fetch_extras``)."""


async def load_extras(ctx: Ctx, entity_type: str, entities: Sequence[Entity]) -> None:
    """Attach aliases, annotation, tags, genres, rating and relations as ``ctx.incs`` asks.

    The queries depend only on the entities' ids, so they are sent together (one round trip); the targets of
    the relationships follow. Loaders that know the ids before the rows send them with the rows instead
    (``with_extras``).
    """
    if entities:
        found = await fetch_extras(ctx, entity_type, [e["_id"] for e in entities])
        await apply_extras(ctx, entity_type, entities, found)


async def fetch_extras(ctx: Ctx, entity_type: str, ids: list[int]) -> Extras:
    """The rows of the extras of ``entity_type`` rows ``ids``, for ``apply_extras``."""
    statements, kinds = extras_statements(ctx, entity_type, ids)
    if not statements:
        return kinds, []
    return kinds, await fetch_many(ctx.conn, statements, dicts=[kind in DICT_ROWS for kind in kinds])


async def with_extras(ctx: Ctx, entity_type: str, ids: list[int], rows: Awaitable[T]) -> tuple[T, Extras]:
    """``rows`` (the loading of the entities ``ids``) and their extras, in the same round trip."""
    return await asyncio.gather(rows, fetch_extras(ctx, entity_type, ids))


def extras_statements(
    ctx: Ctx, entity_type: str, ids: list[int], source: str = q.BY_IDS
) -> tuple[list[Statement], list[str]]:
    """The statements ``load_extras`` sends (rows given by ``ids`` as ``source`` reads them, see
    ``mirror.queries.common.CREDITED_ARTISTS``) and what each one loads, for ``apply_extras``."""
    statements: list[Statement] = []
    kinds: list[str] = []
    if ctx.has("aliases") and entity_type in q.ALIASED:
        statements.append((q.alias_rows_query(entity_type, source), (ids,)))
        kinds.append("aliases")
    if ctx.has("annotation") and entity_type in q.ANNOTATED and source == q.BY_IDS:
        statements.append((q.annotation_query(entity_type), (ids,)))
        kinds.append("annotation")
    if ctx.has("tags", "genres") and entity_type in q.TAGGED:
        statements.append((q.tag_rows_query(entity_type, source), (ids,)))
        kinds.append("tags")
    if ctx.has("ratings") and entity_type in q.RATED:
        statements.append((q.ratings_query(entity_type, source), (ids,)))
        kinds.append("ratings")
    targets = rel_incs(ctx)
    if targets and source == q.BY_IDS:
        statements.append((link_rows_query(entity_type, targets), {"ids": ids}))
        kinds.append("relations")
    return statements, kinds


async def apply_extras(ctx: Ctx, entity_type: str, entities: Sequence[Entity], extras: Extras) -> None:
    """Attach the rows of ``extras_statements`` to ``entities`` (and load the relationship targets)."""
    kinds, results = extras
    ref = await ctx.ref() if results else None
    for kind, rows in zip(kinds, results, strict=True):
        if kind == "aliases":
            assert ref is not None
            found = q.parse_alias_rows(ref, entity_type, rows)
            for e in entities:
                e["aliases"] = found.get(e["_id"], [])
        elif kind == "annotation":
            texts = q.parse_annotations(rows)
            for e in entities:
                e["annotation"] = texts.get(e["_id"])  # JSON: null when the entity has none
        elif kind == "tags":
            assert ref is not None
            found = q.parse_tag_rows(ref, rows)
            for e in entities:
                tag_rows = found.get(e["_id"], [])
                if ctx.has("tags"):
                    e["tags"] = tag_rows
                if ctx.has("genres"):
                    e["genres"] = [r for r in tag_rows if r["genre_id"] is not None]
        elif kind == "ratings":
            found_ratings = q.parse_ratings(rows)
            for e in entities:
                e["rating"] = found_ratings.get(e["_id"], (None, 0))
        else:
            assert ref is not None
            await attach_relations(ctx, entities, parse_link_rows(ref, rows))
    if ctx.has("annotation") and entity_type not in q.ANNOTATED:  # no annotation table: none to show
        for e in entities:
            e.setdefault("annotation", None)


async def attach_relations(ctx: Ctx, entities: Sequence[Entity], found: dict[int, list[Entity]]) -> None:
    """Load the targets of the relationships ``found`` (per source row id) and attach them, sorted."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for rels in found.values():
        for rel in rels:
            wanted[rel["target_type"]].add(rel["target"])
    loaded: dict[str, dict[int, Entity]] = {}
    nested = ctx.with_incs(ctx.incs & TARGET_INCS)
    # ``work-level-rels`` (on a recording's extras): its works show their own relationships, loaded with them
    works = ctx.with_incs(rels_of(ctx)) if ctx.has("work-level-rels") else nested

    async def fetch(target_type: str, fetch: Fetch, ids: list[int]) -> None:
        loaded[target_type] = await fetch(works if target_type == "work" else nested, ids)

    # (a related artist comes with the country of its area or of the nearest area containing it)
    fetches = []
    for target_type, target_ids in wanted.items():
        resource = ctx.registry.entity_type(target_type)
        if resource is None or resource.fetch is None:
            continue  # a resource not served (yet): its relationships are left out
        fetches.append(fetch(target_type, resource.fetch, sorted(target_ids)))
    await asyncio.gather(*fetches)  # the targets of each type load together (``fetch_many``)
    for e in entities:
        rels = []
        for rel in found.get(e["_id"], []):
            target = loaded.get(rel["target_type"], {}).get(rel["target"])
            if target is None:
                continue
            rel["target_entity"] = target
            rels.append(rel)
        source_name = _sort_name(e)
        rels.sort(key=lambda rel: _relation_sort_key(source_name, rel))
        e["relations"] = rels


def _sort_name(e: Entity) -> str:
    return str(e.get("name") or e.get("title") or e.get("resource") or "")


def _relation_sort_key(source_name: str, rel: Entity) -> tuple[Any, ...]:
    """Type, order, dates, then the names of both ends in link-table order (``entity0`` first): for a
    relationship between two entities of the same type a backward one compares by its target first, a forward
    one by its source, as MusicBrainz orders them."""
    target = rel["target_entity"]
    target_name = _sort_name(target)
    ends = (source_name, target_name) if rel["direction"] == "forward" else (target_name, source_name)
    return (
        rel["target_type"],
        rel["type"],
        rel["link_order"] or 0,
        rel["begin"] or "",
        rel["end"] or "",
        *ends,
        target.get("_id", 0),
    )


# --- XML --------------------------------------------------------------------------------------------------


def xml_life_span(parent: Element, e: Entity, *, ended: bool = True) -> None:
    """``<life-span>`` with begin, end and ended (only ``true``, and only when ``ended``); omitted when empty."""
    if e.get("begin") is None and e.get("end") is None and not (ended and e.get("ended")):
        return
    span = container(parent, "life-span")
    sub(span, "begin", e.get("begin"))
    sub(span, "end", e.get("end"))
    if ended and e.get("ended"):
        sub(span, "ended", "true")


def xml_aliases(parent: Element, e: Entity) -> None:
    if "aliases" not in e:
        return
    lst = container(parent, "alias-list", {"count": str(len(e["aliases"]))})
    for a in e["aliases"]:
        alias = sub(
            lst,
            "alias",
            a["name"],
            {
                "locale": a["locale"],
                "sort-name": a["sort_name"],
                "type": a["type"],
                "type-id": a["type_id"],
                "primary": "primary" if a["primary_for_locale"] else None,
                "begin-date": a["begin"],
                "end-date": a["end"],
            },
        )
        del alias  # attributes only


def xml_annotation(parent: Element, e: Entity) -> None:
    if e.get("annotation"):
        ann = container(parent, "annotation")
        sub(ann, "text", e["annotation"])


def xml_tags_genres_rating(parent: Element, e: Entity) -> None:
    """``tag-list``, ``genre-list`` and ``rating`` in schema order (lists omitted when empty)."""
    if e.get("tags"):
        lst = container(parent, "tag-list")
        for t in e["tags"]:
            tag = container(lst, "tag", {"count": str(t["count"])})
            sub(tag, "name", t["name"])
    if e.get("genres"):
        lst = container(parent, "genre-list")
        for g in e["genres"]:
            genre = container(lst, "genre", {"count": str(g["count"]), "id": g["genre_id"]})
            sub(genre, "name", g["name"])
            sub(genre, "disambiguation", g["genre_comment"])
    if "rating" in e:
        value, votes = e["rating"]
        if votes:
            sub(parent, "rating", _rating_text(value), {"votes-count": str(votes)}, keep_empty=True)


def _rating_value(value: int | None) -> float | int | None:
    if value is None:
        return None
    scaled = round(value / 20, 2)
    return int(scaled) if scaled == int(scaled) else scaled


def _rating_text(value: int | None) -> str:
    scaled = _rating_value(value)
    return "" if scaled is None else str(scaled)


def xml_relations(ctx: Ctx, parent: Element, e: Entity) -> None:
    """One ``relation-list target-type=…`` per target type, in target-type order."""
    if not e.get("relations"):
        return
    lists: dict[str, Element] = {}
    for rel in e["relations"]:
        target_type = rel["target_type"].replace("_", "-")
        if target_type not in lists:
            lists[target_type] = container(parent, "relation-list", {"target-type": target_type})
        lists[target_type].append(xml_relation(ctx, rel))


def xml_relation(ctx: Ctx, rel: Entity) -> Element:
    from api.ws2.render import el

    node = el("relation", {"type": rel["type"], "type-id": rel["type_id"]})
    target = rel["target_entity"]
    if rel["target_type"] == "url":
        sub(node, "target", target["resource"], {"id": target["id"]})
    else:
        sub(node, "target", target["id"])
    if rel["orderable"] and rel["link_order"]:
        sub(node, "ordering-key", rel["link_order"])
    sub(node, "direction", rel["direction"])
    if rel["attributes"]:
        attrs = container(node, "attribute-list")
        for a in rel["attributes"]:
            sub(
                attrs,
                "attribute",
                a["name"],
                {"type-id": a["type_id"], "value": a["value"], "credited-as": a["credited_as"]},
            )
    sub(node, "begin", rel["begin"])
    sub(node, "end", rel["end"])
    if rel["ended"]:
        sub(node, "ended", "true")
    if rel["target_type"] != "url":
        resource = ctx.registry.entity_type(rel["target_type"])
        if resource is not None:
            target_node = resource.to_xml(ctx.with_incs(frozenset()), target, False)
            if rel["target_type"] == "artist" and target.get("country"):
                _insert_after(target_node, "sort-name", "country", target["country"])
            node.append(target_node)
    sub(node, "source-credit", rel["source_credit"])
    sub(node, "target-credit", rel["target_credit"])
    return node


def _insert_after(node: Element, after: str, tag: str, text: str) -> None:
    """Insert ``<tag>text</tag>`` right after the first ``<after>`` child (at the end when absent)."""
    from api.ws2.render import el

    child = el(tag)
    child.text = text
    names = [c.tag.rsplit("}", 1)[-1] if isinstance(c.tag, str) else "" for c in node]
    node.insert(names.index(after) + 1 if after in names else len(node), child)


# --- JSON -------------------------------------------------------------------------------------------------


def json_life_span(e: Entity) -> JsonObj:
    return {"begin": e.get("begin"), "end": e.get("end"), "ended": bool(e.get("ended"))}


def json_alias(a: Entity) -> JsonObj:
    return {
        "name": a["name"],
        "sort-name": a["sort_name"],
        "locale": a["locale"],
        "primary": True if a["primary_for_locale"] else None,
        "type": a["type"],
        "type-id": a["type_id"],
        "begin": a["begin"],
        "end": a["end"],
        "ended": bool(a["ended"]),
    }


def json_extras(ctx: Ctx, obj: JsonObj, e: Entity) -> JsonObj:
    """Add the inc-driven keys present on ``e`` to ``obj`` and return it."""
    if "aliases" in e:
        obj["aliases"] = [json_alias(a) for a in e["aliases"]]
    if "annotation" in e:
        obj["annotation"] = e["annotation"]
    if "tags" in e:
        obj["tags"] = [{"name": t["name"], "count": t["count"]} for t in e["tags"]]
    if "genres" in e:
        obj["genres"] = [
            {"id": g["genre_id"], "name": g["name"], "count": g["count"], "disambiguation": g["genre_comment"]}
            for g in e["genres"]
        ]
    if "rating" in e:
        value, votes = e["rating"]
        obj["rating"] = {"value": _rating_value(value), "votes-count": votes}
    if "relations" in e:
        obj["relations"] = [json_relation(ctx, rel) for rel in e["relations"]]
    return obj


def json_relation(ctx: Ctx, rel: Entity) -> JsonObj:
    target_type = rel["target_type"].replace("_", "-")
    obj: JsonObj = {
        "type": rel["type"],
        "type-id": rel["type_id"],
        "target-type": target_type,
        "direction": rel["direction"],
        "begin": rel["begin"],
        "end": rel["end"],
        "ended": bool(rel["ended"]),
        "attributes": [a["name"] for a in rel["attributes"]],
        "attribute-values": {a["name"]: a["value"] for a in rel["attributes"] if a["value"] is not None},
        "attribute-ids": {a["name"]: a["type_id"] for a in rel["attributes"]},
        "source-credit": rel["source_credit"] or "",
        "target-credit": rel["target_credit"] or "",
    }
    credits = {a["name"]: a["credited_as"] for a in rel["attributes"] if a["credited_as"]}
    if credits:
        obj["attribute-credits"] = credits
    if rel["orderable"] and rel["link_order"]:
        obj["ordering-key"] = rel["link_order"]
    target = rel["target_entity"]
    if target_type == "url":
        obj["url"] = {"id": target["id"], "resource": target["resource"]}
    else:
        resource = ctx.registry.entity_type(target_type)
        if resource is not None:
            obj[target_type] = resource.to_json(ctx.with_incs(frozenset()), target, False)
            if target_type == "artist":
                obj[target_type]["country"] = target.get("country")
    return obj

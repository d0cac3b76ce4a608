"""Native mixed search: ``GET /api/search?q=…&type=…&limit=…`` (JSON, for app backends and type-ahead boxes).

The words of ``q`` must all match (in each type's default fields, with the engine's folding and typo
tolerance); the last word also matches as a prefix unless ``q`` ends with a space, so "pink flo" finds Pink
Floyd while the user types. Each requested type is searched with the same query; the hits are merged by the
engine's raw score, which is comparable across types, and the best ``limit`` are returned, each with a short
description (type, artist credit, country or area, date) to tell namesakes apart. ``score`` is 0-100 relative
to the best hit of the merged list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from mirror.errors import InvalidQuery
from mirror.queries.search_summaries import SUMMARY_TYPES, Summary, summaries
from mirror.search import SearchOptions, search
from mirror.search.lucene_ast import BoolQuery, Clause, Node, Term

router = APIRouter(prefix="/api", tags=["search"])

TYPES = tuple(t.replace("_", "-") for t in SUMMARY_TYPES)
DEFAULT_TYPES = ("artist", "release-group", "release", "recording", "label", "work")
MAX_QUERY_LENGTH = 500


class SearchHit(BaseModel):
    """One entity found."""

    type: str = Field(description="Entity type: artist, release, release-group, recording, label, work…")
    id: str = Field(description="MBID")
    name: str = Field(description="Name, or title for releases, release groups, recordings and works")
    disambiguation: str = Field(description='MusicBrainz disambiguation comment ("" when none)')
    description: str = Field(description="Short description: type, artist credit, country or area, date, length")
    score: int = Field(ge=0, le=100, description="Relevance, 100 for the best hit of the response")


class SearchResponse(BaseModel):
    """The best hits over all requested types, best first."""

    query: str
    types: list[str] = Field(description="The entity types searched")
    hits: list[SearchHit]


def parse_types(values: list[str] | None) -> tuple[str, ...]:
    """``type`` repeated and/or comma-separated; the main types when absent."""
    if not values:
        return DEFAULT_TYPES
    wanted: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower().replace("_", "-")
            if not name:
                continue
            if name not in TYPES:
                raise InvalidQuery("type", f"unknown type {name!r}; one of {', '.join(TYPES)}")
            if name not in wanted:
                wanted.append(name)
    if not wanted:
        raise InvalidQuery("type", "no type given")
    return tuple(wanted)


def words_of(q: str) -> list[str]:
    """The words of ``q`` that can match something (at least one letter or digit)."""
    return [w for w in q.replace("\x00", " ").split() if any(c.isalnum() for c in w)]


def type_ahead_query(q: str) -> Node:
    """Every word a required term of the default fields; the last one also a prefix while being typed."""
    words = words_of(q)
    if not words:
        raise InvalidQuery("q", "give at least one word")
    typing = not q[-1:].isspace()
    last = len(words) - 1
    clauses = tuple(Clause("must", Term(None, w, prefix=typing and n == last)) for n, w in enumerate(words))
    return BoolQuery(clauses)


def describe(entity_type: str, s: Summary) -> str:
    """``Album by BoA, 2004-01-15``, ``Person, United Kingdom``, ``by The Chemical Brothers, 4:30``…"""
    parts: list[str | None] = []
    by = f"by {s.credit}" if s.credit else None
    if entity_type == "release":
        parts = [by, s.date, s.area, s.type]
    elif entity_type == "release-group":
        parts = [f"{s.type} {by}" if s.type and by else s.type or by, s.date[:4] if s.date else None]
    elif entity_type == "recording":
        length = f"{s.length // 60000}:{s.length // 1000 % 60:02d}" if s.length else None
        parts = [by, length]
    else:
        parts = [s.type, s.area, s.date if entity_type == "event" else None]
    return ", ".join(p for p in parts if p)


@router.get(
    "/search",
    response_model=SearchResponse,
    summary="Search entities of several types at once (type-ahead)",
    responses={400: {"description": "Bad parameter: JSON {error, parameter}"}},
)
async def native_search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="The text typed")],
    type: Annotated[
        list[str] | None,
        Query(description=f"Entity types (repeat or comma-separate): {', '.join(TYPES)}; default the main ones"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Number of hits (1-100)")] = 10,
) -> SearchResponse:
    types = parse_types(type)
    node = type_ahead_query(q)
    options = SearchOptions(timeout_ms=request.app.state.settings.search_timeout_ms)
    async with request.app.state.pool.connection() as conn:
        found: list[tuple[float, str, int]] = []
        for name in types:
            result = await search(conn, name, node, limit=limit, offset=0, options=options)
            found.extend((hit.raw, name, hit.id) for hit in result.hits)
        found.sort(key=lambda f: -f[0])
        best = found[:limit]
        wanted: dict[str, list[int]] = defaultdict(list)
        for _, name, row_id in best:
            wanted[name].append(row_id)
        loaded = {name: await summaries(conn, name.replace("-", "_"), ids) for name, ids in wanted.items()}
    top = best[0][0] if best and best[0][0] > 0 else 1.0
    hits = []
    for raw, name, row_id in best:
        s = loaded[name].get(row_id)
        if s is None:
            continue  # removed between the search and the load
        score = max(0, min(100, int(raw / top * 100)))
        hits.append(
            SearchHit(
                type=name, id=s.gid, name=s.name, disambiguation=s.comment, description=describe(name, s), score=score
            )
        )
    return SearchResponse(query=q, types=list(types), hits=hits)

"""The extension point of ws/2: what a resource module declares, and the registry built from those modules.

See the package docstring (``api/ws2/__init__.py``) for how a resource module plugs in.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection

from api.ws2.render import Element
from mirror.queries.reference import Reference, load_reference

Entity = dict[str, Any]
"""One entity as the query layer returns it: ``_id`` (internal row id), ``id`` (MBID) and its fields, plus
the keys the shared loaders attach when their inc was asked for (``aliases``, ``annotation``, ``tags``,
``genres``, ``rating``, ``relations``)."""

Conn = AsyncConnection[dict[str, Any]]

_REFERENCE = "reference"  # ``Ctx.memo`` key of reference tables loaded for a context built without them


@dataclass(frozen=True)
class Ctx:
    """Everything a handler or serializer needs for one request."""

    conn: Conn
    registry: Registry
    resource: str
    fmt: str  # "xml" or "json"
    incs: frozenset[str] = frozenset()
    types: tuple[str, ...] = ()  # lower-case release-group type filter (``type=``)
    statuses: tuple[str, ...] = ()  # lower-case release status filter (``status=``)
    params: Mapping[str, str] = field(default_factory=dict)  # the query string (last value per key)
    # loads shared by every part of one request (``with_incs`` copies share it), e.g. artist credits by id
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    # the reference tables of the request's transaction (``mirror.queries.reference.ReferenceCache.current``)
    reference: Reference | None = field(default=None, compare=False, repr=False)

    async def ref(self) -> Reference:
        """The request's reference tables: those of its transaction (``ReferenceCache.current``), or for a context
        built without them (tests, tools), loaded once for it and its ``with_incs`` copies."""
        if self.reference is not None:
            return self.reference
        future: asyncio.Future[Reference] | None = self.memo.get(_REFERENCE)
        if future is None:
            future = self.memo[_REFERENCE] = asyncio.get_running_loop().create_future()
            try:
                future.set_result(await load_reference(self.conn, (0, None)))
            except BaseException as exc:
                del self.memo[_REFERENCE]
                future.set_exception(exc)
                future.exception()  # retrieved: only the callers that wait on it see it
                raise
        return await future

    def has(self, *incs: str) -> bool:
        """True when any of ``incs`` was requested."""
        return not self.incs.isdisjoint(incs)

    def with_incs(self, incs: frozenset[str]) -> Ctx:
        """The same request with another inc set (for nested entities)."""
        return Ctx(
            self.conn,
            self.registry,
            self.resource,
            self.fmt,
            incs,
            self.types,
            self.statuses,
            self.params,
            self.memo,
            self.reference,
        )


@dataclass(frozen=True)
class Page:
    """One browse page: the items in the data layer's order, the total count and the offset asked for."""

    items: list[Entity]
    count: int
    offset: int


LoadOne = Callable[[Ctx, int], Awaitable[Entity]]
"""``load(ctx, row_id)``: the entity with internal id ``row_id`` and what ``ctx.incs`` asks for."""
LoadGid = Callable[[Ctx, str], Awaitable[Entity | None]]
"""``load_gid(ctx, mbid)``: ``load`` by a lower-case MBID, resolved in the first statement (following merges: the
entity's ``id`` then differs and nothing but its basic fields need be loaded); None when unknown."""
LoadKey = Callable[[Ctx, str], Awaitable[Entity]]
"""``load_key(ctx, key)``: a lookup by a non-MBID key (isrc, iswc, discid); raises ``BadRequest`` / ``NotFound``."""
Browse = Callable[[Ctx, str, int, int, int], Awaitable[Page]]
"""``browse(ctx, linked_key, linked_row_id, limit, offset)``: one page of entities linked to another."""
Fetch = Callable[[Ctx, Sequence[int]], Awaitable[dict[int, Entity]]]
"""``fetch(ctx, row_ids)``: the basic fields of several entities (relationship targets, nested lists)."""
ToXml = Callable[[Ctx, Entity, bool], Element]
"""``to_xml(ctx, entity, full)``: the entity element; ``full`` False gives the reduced nested shape."""
ToJson = Callable[[Ctx, Entity, bool], dict[str, Any]]
"""``to_json(ctx, entity, full)``: the entity object; ``full`` False gives the reduced nested shape."""


@dataclass(frozen=True)
class Resource:
    """One ws/2 resource (``/ws/2/<name>``)."""

    name: str  # path segment and XML element name: "artist", "release-group"
    plural: str  # JSON list key: "artists", "release-groups"
    table: str  # MusicBrainz table holding ``gid`` (with ``<table>_gid_redirect``); "" when not MBID-keyed
    to_xml: ToXml
    to_json: ToJson
    lookup_incs: frozenset[str] = frozenset()
    browse_incs: frozenset[str] = frozenset()
    linked: tuple[str, ...] = ()  # browse keys, in the order we prefer when several are given
    load: LoadOne | None = None
    load_gid: LoadGid | None = None  # a lookup by MBID in one statement fewer than resolving it, then ``load``
    load_key: LoadKey | None = None
    browse: Browse | None = None
    fetch: Fetch | None = None
    type_always: bool = False  # ``type=`` valid without releases/release-groups (release, release-group)
    status_always: bool = False  # ``status=`` valid without releases (release)

    @property
    def list_tag(self) -> str:
        return f"{self.name}-list"


# Modules under api/ws2/ that may define ``RESOURCE`` (or ``RESOURCES``); absent ones are simply not served.
RESOURCE_MODULES = (
    "area",
    "artist",
    "event",
    "genre",
    "instrument",
    "label",
    "place",
    "series",
    "url",
    "work",
    "release",
    "release_group",
    "recording",
    "artist_credit",
    "discid",
    "isrc",
    "iswc",
)

# Which MusicBrainz table a browse key refers to.
LINKED_TABLES = {
    "area": "area",
    "artist": "artist",
    "track_artist": "artist",
    "collection": "editor_collection",
    "event": "event",
    "label": "label",
    "place": "place",
    "recording": "recording",
    "release": "release",
    "release-group": "release_group",
    "series": "series",
    "track": "track",
    "work": "work",
}


class Registry(Mapping[str, Resource]):
    """The resources this server answers, by name."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._by_name = {resource.name: resource for resource in resources}

    def __getitem__(self, name: str) -> Resource:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def entity_type(self, entity_type: str) -> Resource | None:
        """The resource of a MusicBrainz entity type name (``release_group`` or ``release-group``)."""
        return self._by_name.get(entity_type.replace("_", "-"))


def _module_resources(module: Any) -> list[Resource]:
    found: list[Resource] = []
    if isinstance(getattr(module, "RESOURCE", None), Resource):
        found.append(module.RESOURCE)
    found.extend(r for r in getattr(module, "RESOURCES", ()) if isinstance(r, Resource))
    return found


def load_registry(modules: Sequence[str] = RESOURCE_MODULES) -> Registry:
    """Import ``api.ws2.<module>`` for each name and collect the resources they declare.

    A module that does not exist yet is skipped; an error inside an existing module propagates.
    """
    resources: list[Resource] = []
    for name in modules:
        qualified = f"api.ws2.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name == qualified:
                continue
            raise
        resources.extend(_module_resources(module))
    return Registry(resources)

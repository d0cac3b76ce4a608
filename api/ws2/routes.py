"""The ws/2 router: match a request to its kind (lookup, browse, search), validate, run, serialize.

Every path exists with and without a trailing slash. The resource handlers come from the app's ``Registry``
(``request.app.state.ws2_registry``); the pool from ``request.app.state.pool``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from psycopg_pool import AsyncConnectionPool

from api.errors import BadRequest, Unauthorized, reject_nul
from api.ws2 import params as p
from api.ws2.negotiate import negotiate
from api.ws2.registry import LINKED_TABLES, Conn, Ctx, Entity, Page, Registry, Resource
from api.ws2.render import container, json_response, metadata, xml_response
from api.ws2.search import KINDS, SEARCH_ONLY, run_search, search_limit_offset
from mirror.errors import NotFound
from mirror.queries.common import resolve_gid
from mirror.queries.reference import Reference, ReferenceCache
from mirror.search import SearchOptions


class PlainRoute(APIRoute):
    """A route whose handler calls its endpoint with the request and the path parameters, as they are.

    ws/2 parses and validates its own parameters (MusicBrainz's rules and messages), so FastAPI's dependency
    solving and parameter validation, which cost 0.1 ms of CPU per request, are skipped; the app-wide check for
    NUL characters (``api.errors.reject_nul``) runs first, as for every other route. The routes stay in the
    OpenAPI schema.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            await reject_nul(request)
            response: Response = await endpoint(request, **request.path_params)
            return response

        return handler


router = APIRouter(route_class=PlainRoute)

BLANK_SEARCH = "You submitted a blank search query. You must include a non-blank 'query=' parameter with your search."
AUTH_ONLY = frozenset({"collection", "rating"})
# The parameters a lookup definition accepts (ws2-api.md §1.2); any other makes a request match no definition.
LOOKUP_PARAMS = frozenset({"fmt", "inc", "limit", "offset", "type", "status"})


def no_match(resource: str) -> BadRequest:
    return BadRequest(f"The given parameters do not match any available query type for the {resource} resource.")


@asynccontextmanager
async def connection(request: Request) -> AsyncIterator[tuple[Conn, Reference]]:
    """A pooled connection in a read-only transaction (the pool sets read-only and the statement timeout), and
    the reference tables as of that transaction."""
    pool: AsyncConnectionPool[Conn] = request.app.state.pool
    cache: ReferenceCache = request.app.state.reference
    async with pool.connection() as conn:
        yield conn, await cache.current(conn)


def _single(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    return values[-1] if values else None


def _params(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items()}


@router.get("/ws/2/{resource}")
@router.get("/ws/2/{resource}/")
async def ws2_collection_path(request: Request, resource: str) -> Response:
    return await _dispatch(request, resource, None)


@router.get("/ws/2/{resource}/{key}")
@router.get("/ws/2/{resource}/{key}/")
async def ws2_entity_path(request: Request, resource: str, key: str) -> Response:
    return await _dispatch(request, resource, key)


async def _dispatch(request: Request, name: str, key: str | None) -> Response:
    text_ok = name == "genre" and key == "all"
    fmt = negotiate(_single(request, "fmt"), request.headers.get("accept"), text=text_ok)
    request.state.ws2_format = fmt
    registry: Registry = request.app.state.ws2_registry
    query = request.query_params.getlist("query")
    if len(query) > 1:
        raise BadRequest("Must specify at most 1 query argument")
    if name in AUTH_ONLY:
        raise Unauthorized()
    if query and query[0].strip() and key in (None, "") and name in KINDS:
        return await _search(request, name, fmt, query[0])
    if name in SEARCH_ONLY:
        if name == "tag" and "id" in request.query_params and "entity" in request.query_params:
            raise Unauthorized()
        if query and key in (None, ""):
            raise BadRequest(BLANK_SEARCH)
        raise no_match(name)
    if name == "genre" and key == "all":
        from api.ws2.genre import INCS, genre_all

        incs = p.validate_incs(name, INCS, p.split_incs(request.query_params.getlist("inc")))
        async with connection(request) as (conn, ref):
            return await genre_all(Ctx(conn, registry, name, fmt, incs, params=_params(request), reference=ref))
    resource = registry.get(name)
    if resource is None:
        raise NotFound("resource", name)
    if key is None or key == "":
        if name == "url" and "resource" in request.query_params:
            from api.ws2.url import by_resource

            incs = _incs(request, resource, resource.browse_incs)
            async with connection(request) as (conn, ref):
                ctx = Ctx(conn, registry, name, fmt, incs, params=_params(request), reference=ref)
                return await by_resource(ctx, request.query_params.getlist("resource"))
        linked = next((k for k in resource.linked if k in request.query_params), None)
        if linked is not None and resource.browse is not None:
            return await _browse(request, resource, fmt, linked)
        if resource.load_key is not None and "query" not in request.query_params:
            return await _lookup(request, resource, fmt, "")
        # With no query and no browse key only the lookup definition can match, and only when every parameter
        # is one it knows; it then reaches the search action, which finds the query blank.
        known = set(request.query_params) <= LOOKUP_PARAMS
        if "query" in request.query_params or (resource.load is not None and known):
            raise BadRequest(BLANK_SEARCH)
        raise no_match(name)
    return await _lookup(request, resource, fmt, key)


async def _search(request: Request, core: str, fmt: str, text: str) -> Response:
    """A search: paging and depth checked before any work; ``inc`` and browse keys are ignored (§1.2)."""
    limit, offset = search_limit_offset(_single(request, "limit"), _single(request, "offset"))
    dismax = (_single(request, "dismax") or "").lower() == "true"
    registry: Registry = request.app.state.ws2_registry
    async with connection(request) as (conn, ref):
        ctx = Ctx(conn, registry, core, fmt, params=_params(request), reference=ref)
        options = SearchOptions(timeout_ms=request.app.state.settings.search_timeout_ms)
        return await run_search(ctx, core, text, limit=limit, offset=offset, dismax=dismax, options=options)


def _incs(request: Request, resource: Resource, allowed: frozenset[str]) -> frozenset[str]:
    names = p.split_incs(request.query_params.getlist("inc"))
    return p.validate_incs(resource.name, allowed, names)


def _filters(request: Request, resource: Resource, incs: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    types = p.release_types(
        _single(request, "type"),
        allowed=resource.type_always or "releases" in incs or "release-groups" in incs,
    )
    statuses = p.release_statuses(_single(request, "status"), allowed=resource.status_always or "releases" in incs)
    return types, statuses


async def _lookup(request: Request, resource: Resource, fmt: str, key: str) -> Response:
    incs = _incs(request, resource, resource.lookup_incs)
    types, statuses = _filters(request, resource, incs)
    registry: Registry = request.app.state.ws2_registry
    async with connection(request) as (conn, ref):
        ctx = Ctx(conn, registry, resource.name, fmt, incs, types, statuses, _params(request), reference=ref)
        if resource.load_key is not None:
            entity = await resource.load_key(ctx, key)
            return render_entity(ctx, resource, entity)
        if resource.load is None:
            raise no_match(resource.name)
        if not p.is_mbid(key):
            raise BadRequest("Invalid mbid.")
        if resource.load_gid is not None:
            loaded = await resource.load_gid(ctx, key.lower())
            if loaded is None:
                raise NotFound(resource.name, key)
            if loaded["id"] != key.lower():
                return _redirect(request, resource, loaded["id"])
            return render_entity(ctx, resource, loaded)
        found = await resolve_gid(conn, resource.table, key.lower())
        if found is None:
            raise NotFound(resource.name, key)
        row_id, gid = found
        if gid != key.lower():
            return _redirect(request, resource, gid)
        entity = await resource.load(ctx, row_id)
        return render_entity(ctx, resource, entity)


def _redirect(request: Request, resource: Resource, gid: str) -> Response:
    location = f"/ws/2/{resource.name}/{gid}"
    if request.query_params:
        location += "?" + urlencode(list(request.query_params.multi_items()))
    return RedirectResponse(location, status_code=301, headers={"Vary": "Accept"})


async def _browse(request: Request, resource: Resource, fmt: str, linked: str) -> Response:
    assert resource.browse is not None
    incs = _incs(request, resource, resource.browse_incs)
    types, statuses = _filters(request, resource, incs)
    limit, offset = p.limit_offset(_single(request, "limit"), _single(request, "offset"))
    value = request.query_params[linked]
    if not p.is_mbid(value):
        raise BadRequest("Invalid mbid.")
    registry: Registry = request.app.state.ws2_registry
    async with connection(request) as (conn, ref):
        found = await resolve_gid(conn, LINKED_TABLES[linked], value.lower())
        if found is None:
            raise NotFound(linked, value)
        ctx = Ctx(conn, registry, resource.name, fmt, incs, types, statuses, _params(request), reference=ref)
        page = await resource.browse(ctx, linked, found[0], limit, offset)
        return render_page(ctx, resource, page)


def render_entity(ctx: Ctx, resource: Resource, entity: Entity) -> Response:
    """A lookup response: the entity under ``<metadata>``, or the bare JSON object."""
    if ctx.fmt == "json":
        return json_response(resource.to_json(ctx, entity, True))
    return xml_response(metadata(resource.to_xml(ctx, entity, True)))


def render_page(ctx: Ctx, resource: Resource, page: Page, *, by_mbid: bool = True) -> Response:
    """A browse response: ``<X-list count offset>`` or ``{"X-count", "X-offset", "Xs"}`` (sorted by MBID unless
    ``by_mbid`` is false: then in the page's own order, in both formats)."""
    if ctx.fmt == "json":
        items = [resource.to_json(ctx, e, True) for e in page.items]
        if by_mbid:
            items.sort(key=_json_id)
        body: dict[str, Any] = {
            f"{resource.name}-count": page.count,
            f"{resource.name}-offset": page.offset,
            resource.plural: items,
        }
        return json_response(body)
    root = metadata()
    attrs: dict[str, str | None] = {"count": str(page.count)}
    if page.offset:
        attrs["offset"] = str(page.offset)
    lst = container(root, resource.list_tag, attrs)
    for e in page.items:
        lst.append(resource.to_xml(ctx, e, True))
    return xml_response(root)


def _json_id(obj: dict[str, Any]) -> str:
    return str(obj.get("id", ""))

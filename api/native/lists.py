"""``GET /api/<entity>?<filters>``: filtered, sorted, faceted lists with keyset pages, in JSON or CSV.

One explicit path per entity type whose OpenAPI entry lists every filter (``name``, ``name__gte``,
``name__lte``) with its meaning. Every query parameter is parsed by the data layer (``mirror.native.lists``),
so an unknown filter, sort or facet, a bad value, limit or cursor is a JSON 400 before anything is sent.

JSON pages carry ``next`` and a ``Link: <...>; rel="next"`` header. CSV (``format=csv`` or ``Accept: text/csv``)
without ``limit`` streams every matching row through a server-side cursor (memory stays flat); with ``limit`` it
is one page like JSON, with the same ``Link`` header.
"""

# No ``from __future__ import annotations``: FastAPI evaluates the generated signatures' annotations.

import csv
import inspect
import io
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from api.native.deps import connection, split_list
from mirror.errors import InvalidQuery
from mirror.native.list_models import Page
from mirror.native.lists import DEFAULT_LIMIT, MAX_LIMIT, ListQuery, list_query
from mirror.native.listspec import SPECS, Spec
from mirror.native.models import Model

router = APIRouter(prefix="/api", tags=["lists"])
CONTROL = ("sort", "limit", "cursor", "facet", "format")
CSV_TYPE = "text/csv; charset=utf-8"
CSV_BATCH = 500


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        if fmt not in ("json", "csv"):
            raise InvalidQuery("format", "json or csv")
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _next_link(request: Request, cursor: str) -> str:
    return f'<{request.url.include_query_params(cursor=cursor)}>; rel="next"'


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_lines(fields: list[str], items: Iterator[Model]) -> Iterator[str]:
    """CSV text (header first) of ``items``, in chunks of ``CSV_BATCH`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for count, item in enumerate(items, 1):
        writer.writerow([_csv_value(getattr(item, name)) for name in fields])
        if count % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _stream(request: Request, query: ListQuery) -> Iterator[str]:
    with connection(request) as conn:
        yield from csv_lines(list(query.item.model_fields), (item for item, _ in query.stream(conn)))


def _parse(request: Request, entity: str) -> ListQuery:
    params = request.query_params
    filters = {key: params.getlist(key) for key in params if key not in CONTROL}
    try:
        limit = int(params["limit"]) if "limit" in params else None
    except ValueError:
        raise InvalidQuery("limit", f"must be a number between 1 and {MAX_LIMIT}") from None
    return list_query(
        entity,
        filters,
        sort=params.get("sort"),
        limit=limit,
        cursor=params.get("cursor"),
        facets=split_list(params.getlist("facet")),
    )


def _list(entity: str) -> Callable[..., Response]:
    def endpoint(request: Request, **_documented: Any) -> Response:
        query = _parse(request, entity)
        if _wants_csv(request, request.query_params.get("format")) and query.limit is None:
            return StreamingResponse(_stream(request, query), media_type=CSV_TYPE)
        with connection(request) as conn:
            page = query.page(conn)
        headers = {"Link": _next_link(request, page.next)} if page.next else {}
        if _wants_csv(request, request.query_params.get("format")):
            body = "".join(csv_lines(list(query.item.model_fields), iter(page.items)))
            return Response(body, media_type=CSV_TYPE, headers=headers)
        return JSONResponse(page.model_dump(mode="json"), headers=headers)

    endpoint.__name__ = f"list_{entity.replace('-', '_')}"
    endpoint.__doc__ = f"List {entity} entities: filters, sort, facets, keyset pages; JSON or CSV."
    endpoint.__signature__ = _signature(SPECS[entity])  # type: ignore[attr-defined]
    return endpoint


def _signature(spec: Spec) -> inspect.Signature:
    """The documented parameters of a list endpoint (the endpoint itself reads ``request.query_params``)."""
    kw = inspect.Parameter.KEYWORD_ONLY
    text = str | None
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(
            "sort",
            kw,
            default=None,
            annotation=Annotated[
                text,
                Query(
                    description=(
                        f"one of {', '.join(spec.sorts)}; prefix - for descending (default id: creation order)"
                    )
                ),
            ],
        ),
        inspect.Parameter(
            "limit",
            kw,
            default=None,
            annotation=Annotated[
                int | None,
                Query(
                    description=(
                        f"page size, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT}; CSV without limit streams every row)"
                    )
                ),
            ],
        ),
        inspect.Parameter(
            "cursor",
            kw,
            default=None,
            annotation=Annotated[text, Query(description="the next value of the previous page")],
        ),
        inspect.Parameter(
            "facet",
            kw,
            default=None,
            annotation=Annotated[
                list[str] | None,
                Query(description=(f"counts by {', '.join(spec.facets) or '(none)'}; repeated or comma-separated")),
            ],
        ),
        inspect.Parameter(
            "format",
            kw,
            default=None,
            annotation=Annotated[text, Query(description="json (default) or csv; Accept: text/csv works too")],
        ),
    ]
    for name, filt in spec.filters.items():
        keys = [name, f"{name}__gte", f"{name}__lte"] if filt.kind in ("int", "date") else [name]
        for key in keys:
            doc = filt.doc + ("" if key == name else f" ({key.rsplit('__', 1)[1]})")
            params.append(
                inspect.Parameter(
                    f"filter_{key}",
                    kw,
                    default=None,
                    annotation=Annotated[list[str] | None, Query(alias=key, description=doc)],
                )
            )
    return inspect.Signature(params, return_annotation=Response)


for _entity, _spec in SPECS.items():
    router.add_api_route(
        f"/{_entity}",
        _list(_entity),
        methods=["GET"],
        response_model=Page[_spec.item],  # type: ignore[name-defined]
        summary=f"List {_entity} entities",
        responses={
            200: {"content": {"text/csv": {}}, "description": "a page (JSON) or the rows (CSV)"},
            400: {"description": "unknown filter, sort or facet; bad value, limit or cursor"},
        },
    )

"""API-level errors and their one mapping to HTTP responses.

    ApiError                 an error answered in MusicBrainz's ws/2 error format
    ├── BadRequest           400 (invalid MBID, bad inc, bad limit, no matching request kind, ...)
    ├── Unauthorized         401 (``user-*`` incs, collections, tags and ratings of a user)
    ├── NotAcceptable        406 (bad ``fmt`` or unsatisfiable ``Accept``; its body is always XML)
    └── NotImplementedYet    501 (request kinds the mirror does not serve, e.g. search without an engine)

``mirror.errors.NotFound`` raised by the data layer becomes 404 ``Not Found``. Route code raises; the exception
handlers installed by ``install_handlers`` render the body in the negotiated format (``request.state.ws2_format``,
XML when negotiation itself failed).

Under ``/api/`` (the native API) every error is JSON ``{"error": message, "parameter": name or null}``:
``mirror.errors.InvalidQuery`` and FastAPI's own parameter validation become 400, ``NotFound`` 404 and
``mirror.errors.ChangesExpired`` 410 Gone.

Search (``mirror.errors.SearchError``): a query the engine refuses (``QueryTooComplex``, ``QuerySyntaxError``) is a
400 (ws/2: ``Search server could not complete query: Bad request``, as MusicBrainz answers), any other search
failure (the engine's time limit) a 503 whose message names no internals.

A method a ws/2 resource does not take (``POST /ws/2/artist``) is a 405 in the ws/2 format with MusicBrainz's
message (``POST is not allowed on this endpoint.``), in JSON when ``fmt=json`` or ``Accept`` asks for it.

Input PostgreSQL cannot hold (a NUL character in a parameter or a JSON body) is a 400 everywhere: ``reject_nul``
refuses it in the path and query string before any route runs (search text excepted: there it separates words),
and ``psycopg.DataError`` from the data layer (the same fault reaching the database some other way) is mapped to
400 rather than a server error.
"""

from __future__ import annotations

import psycopg
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.ws2.render import error_response
from mirror.errors import ChangesExpired, InvalidQuery, NotFound, QuerySyntaxError, QueryTooComplex, SearchError

NOT_ACCEPTABLE_MESSAGE = (
    "Invalid format. Either set an Accept header (recognized mime types are application/json and "
    "application/xml), or include a fmt= argument in the query string (valid values for fmt are json and xml)."
)
UNAUTHORIZED_MESSAGE = "You are not authorized to access this resource."


class ApiError(Exception):
    """An error with an HTTP status and MusicBrainz's exact message."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    """400: the request is malformed."""

    status = 400


class Unauthorized(ApiError):
    """401: the request needs credentials a mirror cannot check."""

    status = 401

    def __init__(self, message: str = UNAUTHORIZED_MESSAGE) -> None:
        super().__init__(message)


class NotAcceptable(ApiError):
    """406: no output format matches ``fmt`` / ``Accept``."""

    status = 406

    def __init__(self, message: str = NOT_ACCEPTABLE_MESSAGE) -> None:
        super().__init__(message)


class NotImplementedYet(ApiError):
    """501: a request kind this mirror does not serve."""

    status = 501

    def __init__(self, message: str = "This hasn't been implemented yet.") -> None:
        super().__init__(message)


def _format_of(request: Request, exc: Exception) -> str:
    if isinstance(exc, NotAcceptable):
        return "xml"
    fmt = getattr(request.state, "ws2_format", "xml")
    return fmt if fmt in ("xml", "json") else "xml"


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, _format_of(request, exc))


def _native(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def native_error(status: int, message: str, parameter: str | None = None) -> JSONResponse:
    """The body of every native API error."""
    return JSONResponse({"error": message, "parameter": parameter}, status_code=status)


async def _not_found(request: Request, exc: Exception) -> Response:
    if _native(request):
        return native_error(404, str(exc))
    return error_response(404, "Not Found", _format_of(request, exc))


async def _invalid_query(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidQuery)
    return native_error(400, str(exc), exc.parameter)


async def _changes_expired(request: Request, exc: Exception) -> Response:
    return native_error(410, str(exc), "since")


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _native(request):
        return await request_validation_exception_handler(request, exc)
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "body", "path")]
    parameter = ".".join(location) or None
    return native_error(400, f"{parameter or 'request'}: {first.get('msg', 'invalid')}", parameter)


SEARCH_REJECTED = "Search server could not complete query: Bad request"
SEARCH_UNAVAILABLE = "Search server could not complete query: the search took too long, try a narrower query"


async def _search_error(request: Request, exc: Exception) -> Response:
    rejected = isinstance(exc, QueryTooComplex | QuerySyntaxError)
    status = 400 if rejected else 503
    if _native(request):
        return native_error(status, str(exc) if rejected else SEARCH_UNAVAILABLE, "q" if rejected else None)
    return error_response(status, SEARCH_REJECTED if rejected else SEARCH_UNAVAILABLE, _format_of(request, exc))


SEARCH_TEXT_PARAMETERS = frozenset({"query", "q"})
NUL_MESSAGE = "Invalid request: NUL characters are not allowed in a request."
BAD_DATA_MESSAGE = "Invalid request: a value in it cannot be stored or compared by the database."


async def reject_nul(request: Request) -> None:
    """Dependency of every route: refuse a NUL character anywhere in the path or the query string."""
    scope = request.scope
    if "\x00" not in scope["path"] and b"%00" not in scope["query_string"] and b"\x00" not in scope["query_string"]:
        return  # (the common case, without parsing the URL: a NUL in the query string is %00 or a raw NUL byte)
    where = "path" if "\x00" in request.url.path else None
    for key, value in request.query_params.multi_items():
        if key in SEARCH_TEXT_PARAMETERS:
            continue  # search text: the search routes read a NUL as a word separator
        if where is None and ("\x00" in key or "\x00" in value):
            where = key.replace("\x00", "")
    if where is None:
        return
    if _native(request):
        raise InvalidQuery(where, "NUL characters are not allowed")
    if request.query_params.get("fmt") == "json":
        request.state.ws2_format = "json"
    raise BadRequest(NUL_MESSAGE)


async def _data_error(request: Request, exc: Exception) -> Response:
    if _native(request):
        return native_error(400, BAD_DATA_MESSAGE)
    return error_response(400, BAD_DATA_MESSAGE, _format_of(request, exc))


def _requested_format(request: Request) -> str:
    """The format a request asks for, before (or without) the ws/2 negotiation: ``fmt``, then ``Accept``."""
    fmt = request.query_params.get("fmt")
    if fmt in ("xml", "json"):
        return fmt
    return "json" if "application/json" in request.headers.get("accept", "") else "xml"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 405 or not request.url.path.startswith("/ws/2/"):
        return await http_exception_handler(request, exc)
    response = error_response(405, f"{request.method} is not allowed on this endpoint.", _requested_format(request))
    response.headers.update(exc.headers or {})
    return response


def install_handlers(app: FastAPI) -> None:
    """Map every API and data-layer error to its ws/2 or native response, in one place."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(InvalidQuery, _invalid_query)
    app.add_exception_handler(ChangesExpired, _changes_expired)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(SearchError, _search_error)
    app.add_exception_handler(psycopg.DataError, _data_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

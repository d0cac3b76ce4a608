"""API-level errors and their one mapping to HTTP responses.

    ApiError                 an error answered in MusicBrainz's ws/2 error format
    ├── BadRequest           400 (invalid MBID, bad inc, bad limit, no matching request kind, ...)
    ├── Unauthorized         401 (``user-*`` incs, collections, tags and ratings of a user)
    ├── NotAcceptable        406 (bad ``fmt`` or unsatisfiable ``Accept``; its body is always XML)
    └── NotImplementedYet    501 (request kinds the mirror does not serve, e.g. search without an engine)

``mirror.errors.NotFound`` raised by the data layer becomes 404 ``Not Found``. Route code raises; the exception
handlers installed by ``install_handlers`` render the body in the negotiated format (``request.state.ws2_format``,
XML when negotiation itself failed).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.ws2.render import error_response
from mirror.errors import NotFound

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


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "Not Found", _format_of(request, exc))


def install_handlers(app: FastAPI) -> None:
    """Map every API and data-layer error to its ws/2 response, in one place."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotFound, _not_found)

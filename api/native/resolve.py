"""``GET /api/resolve`` and ``POST /api/resolve``: identifiers from other services -> MusicBrainz entities.

GET takes each kind as a repeatable query parameter (``?isrc=A&isrc=B&url=...``); POST takes the same kinds as
JSON arrays (``{"isrc": [...], "url": [...]}``), up to ``MAX_IDS`` ids in all (more is a 400). Results come back
in request order (kinds in the order of ``KINDS``, then ids in the order given), one per id.
"""

# No ``from __future__ import annotations``: FastAPI evaluates the generated signature's annotations.

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field, create_model

from api.native.deps import connection
from mirror.errors import InvalidQuery
from mirror.native.models import Model
from mirror.native.resolve import KINDS, MAX_IDS, Resolved, resolve

router = APIRouter(prefix="/api", tags=["resolve"])

DOCS = {
    "isrc": "ISRC -> recordings",
    "iswc": "ISWC -> works",
    "barcode": "barcode (EAN/UPC) -> releases",
    "catno": "label catalogue number -> releases (via: the label)",
    "discid": "MusicBrainz disc ID -> releases",
    "url": "URL or spotify: URI -> the entities it is linked to (via: relationship type)",
}

ResolveRequest = create_model(  # type: ignore[call-overload]
    "ResolveRequest",
    __base__=Model,
    **{kind: (list[str], Field(default=[], description=DOCS[kind])) for kind in KINDS},
)


def _pairs(values: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(kind, value) for kind in KINDS for value in values.get(kind, [])]


def _run(request: Request, pairs: list[tuple[str, str]]) -> Resolved:
    if len(pairs) > MAX_IDS:  # refused before any work
        raise InvalidQuery("ids", f"{len(pairs)} ids; at most {MAX_IDS} per request")
    with connection(request) as conn:
        return resolve(conn, pairs)


def get_resolve(request: Request, **_documented: Any) -> Resolved:
    """Resolve identifiers given as query parameters (each kind repeatable)."""
    unknown = [key for key in request.query_params if key not in KINDS]
    if unknown:
        raise InvalidQuery(unknown[0], f"unknown kind of id; one of {', '.join(KINDS)}")
    return _run(request, _pairs({kind: request.query_params.getlist(kind) for kind in KINDS}))


get_resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    + [
        inspect.Parameter(
            kind,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[list[str] | None, Query(description=DOCS[kind])],
        )
        for kind in KINDS
    ],
    return_annotation=Resolved,
)


def post_resolve(request: Request, body: ResolveRequest) -> Resolved:  # type: ignore[valid-type]
    """Resolve a batch of up to 1,000 identifiers given as JSON arrays per kind."""
    return _run(request, _pairs(body.model_dump()))  # type: ignore[attr-defined]


router.add_api_route("/resolve", get_resolve, methods=["GET"], response_model=Resolved, summary="Resolve ids")
router.add_api_route(
    "/resolve", post_resolve, methods=["POST"], response_model=Resolved, summary="Resolve a batch of ids"
)

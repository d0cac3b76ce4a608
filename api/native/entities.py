"""``GET /api/<entity>/<mbid>``: one entity with its common joins, ``include=`` for more.

One explicit path and response model per entity type (so the OpenAPI schema is complete). A merged MBID
answers the entity it was merged into (status 200, ``id`` is the current MBID) with a ``Content-Location``
header naming the current URL.
"""

# No ``from __future__ import annotations``: the endpoints are built in a closure, and FastAPI must evaluate
# their annotations (which use the closure's ``includes``) at registration.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.native.deps import connection, split_list
from mirror.errors import NotFound
from mirror.native import get_entity, includes_of
from mirror.native.entity import LOADERS
from mirror.native.models import Entity

router = APIRouter(prefix="/api", tags=["entities"])


def _lookup(entity: str) -> Callable[..., Any]:
    includes = ", ".join(sorted(includes_of(entity)))

    def lookup(
        request: Request,
        response: Response,
        mbid: str,
        include: Annotated[list[str], Query(description=f"any of: {includes} (repeated or comma-separated)")] = [],  # noqa: B006
    ) -> Entity:
        with connection(request) as conn:
            found = get_entity(conn, entity, mbid, split_list(include))
        if found is None:
            raise NotFound(entity, mbid)
        if found.id != mbid.lower():
            response.headers["Content-Location"] = f"/api/{entity}/{found.id}"
        return found

    lookup.__name__ = f"get_{entity.replace('-', '_')}"
    lookup.__doc__ = f"One {entity} by MBID (a merged MBID answers the current {entity})."
    return lookup


for _entity, (_loader, _model) in LOADERS.items():
    router.add_api_route(
        f"/{_entity}/{{mbid}}",
        _lookup(_entity),
        methods=["GET"],
        response_model=_model,
        response_model_exclude_none=False,
        summary=f"Look up a {_entity}",
        responses={400: {"description": "malformed MBID or unknown include"}, 404: {"description": "no such MBID"}},
    )

"""``GET /api/changes?since=<replication sequence>``: the entities changed by the packets after ``since``.

Keyset pages (``next`` and ``Link: rel="next"``). A ``since`` older than the feed keeps is 410 Gone with a message
saying to re-sync from scratch; see ``mirror.native.changes`` for the retention.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.native.deps import connection
from mirror.native.changes import DEFAULT_LIMIT, MAX_LIMIT, ChangesPage, changes

router = APIRouter(prefix="/api", tags=["changes"])


@router.get(
    "/changes",
    response_model=ChangesPage,
    summary="Entities changed since a replication sequence",
    responses={
        400: {"description": "bad since, limit or cursor; since ahead of the mirror"},
        410: {"description": "since is older than the changes this mirror keeps: re-sync from scratch"},
    },
)
def get_changes(
    request: Request,
    response: Response,
    since: Annotated[int, Query(description="replication sequence your copy is at (from /status)")],
    limit: Annotated[int, Query(description=f"1-{MAX_LIMIT}")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="next of the previous page")] = None,
) -> ChangesPage:
    """The entities (type, MBID, sequence) changed by the packets after ``since``, oldest first."""
    with connection(request) as conn:
        page = changes(conn, since, limit, cursor)
    if page.next:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=page.next)}>; rel="next"'
    return page

"""ws/2 search (``/ws/2/<core>?query=…``): parameters, the engine call and the response envelope.

Protocol (ws2-api.md §4, §7, §9): ``limit`` outside 1..100 or not a number → 25 and ``offset`` not a natural
number → 0, silently; ``limit + offset`` above ``MAX_SEARCH_RESULTS`` → 400; ``dismax=true`` parses the text
with ``parse_dismax`` (no operators, no fields), anything else with ``parse_lenient``; ``inc`` is ignored. The
engine's errors (``QueryTooComplex``, ``SearchTimeout``) are mapped to HTTP in ``api/errors.py``.

Envelope (§6): XML ``<metadata created=… xmlns:ext=…><X-list count offset>`` with ``ext:score`` on every hit;
JSON ``{"created", "count", "offset", "<plural>": [...]}`` with an integer ``score`` on every hit, in rank order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi.responses import Response
from lxml import etree

from api.errors import BadRequest
from api.ws2.registry import Ctx
from api.ws2.render import NS, json_response, xml_response
from api.ws2.search_hits import EXT_NS, HitKind, drop_empty_lists, with_score
from api.ws2.search_other import KINDS as OTHER_KINDS
from api.ws2.search_release import KINDS as RELEASE_KINDS
from mirror.search import SearchOptions, search
from mirror.search.catalog import CATALOG
from mirror.search.lucene import Node, parse_dismax, parse_lenient

MAX_SEARCH_RESULTS = 500
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
KINDS: dict[str, HitKind] = {kind.core: kind for kind in (*RELEASE_KINDS, *OTHER_KINDS)}
SEARCH_ONLY = frozenset({"annotation", "cdstub", "tag"})


def _natural(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def search_limit_offset(limit: str | None, offset: str | None) -> tuple[int, int]:
    """Search paging: limit outside 1..100 (or not a number) -> 25; offset not a natural number -> 0; then
    the depth cap (``limit + offset`` at most ``MAX_SEARCH_RESULTS``, else 400)."""
    lim = _natural(limit)
    if lim is None or not 1 <= lim <= MAX_LIMIT:
        lim = DEFAULT_LIMIT
    off = _natural(offset)
    if off is None:
        off = 0
    if lim + off > MAX_SEARCH_RESULTS:
        raise BadRequest(f"Must retrieve at most {MAX_SEARCH_RESULTS} search results, not {lim + off}.")
    return lim, off


def parse_query(core: str, text: str, dismax: bool) -> Node:
    """The query tree of ``text``: ``parse_dismax`` with ``dismax=true``, else ``parse_lenient`` (which never
    raises a syntax error: what does not parse is searched as text, and a ``name:`` that is not a field of the
    core is text too, as edismax does)."""
    text = text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL: a separator, as any control character
    if dismax:
        return parse_dismax(text)
    return parse_lenient(text, fields=CATALOG[core].query_names)


async def run_search(
    ctx: Ctx, core: str, text: str, *, limit: int, offset: int, dismax: bool, options: SearchOptions
) -> Response:
    """Parse, search and render one page of ``core``."""
    node = parse_query(core, text, dismax)
    result = await search(ctx.conn, core, node, limit=limit, offset=offset, options=options)
    hits = [(hit.id, hit.score) for hit in result.hits]
    return await render_hits(ctx, KINDS[core], result.total, offset, hits)


def created_now() -> str:
    """The ``created`` timestamp of a search response (UTC, milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def render_hits(ctx: Ctx, kind: HitKind, total: int, offset: int, hits: Sequence[tuple[int, int]]) -> Response:
    """The search response for ``hits`` (row id, score) in rank order; ``total`` is the ``count``.

    A hit whose row vanished between the search and the load (a sync in between) is left out.
    """
    found = await kind.load(ctx, [row_id for row_id, _ in hits])
    shown = [(found[row_id], score) for row_id, score in hits if row_id in found]
    for e, _ in shown:
        drop_empty_lists(e)
    created = created_now()
    if ctx.fmt == "json":
        body = {
            "created": created,
            "count": total,
            "offset": offset,
            kind.plural: [with_score(kind.to_json(ctx, e), score) for e, score in shown],
        }
        return json_response(body)
    root = etree.Element(f"{{{NS}}}metadata", nsmap={None: NS, "ext": EXT_NS})  # type: ignore[dict-item]
    root.set("created", created)
    lst = etree.SubElement(root, f"{{{NS}}}{kind.list_tag}", {"count": str(total), "offset": str(offset)})
    for e, score in shown:
        node = kind.to_xml(ctx, e)
        lst.append(node)
        node.set(f"{{{EXT_NS}}}score", str(score))
    return xml_response(root)

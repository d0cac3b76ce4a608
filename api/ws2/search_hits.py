"""The shape of a ws/2 search hit: what each search core declares (``HitKind``) and the helpers its renderers
share.

A core's ``load(ctx, row_ids)`` loads every hit of a page at once (a fixed number of round trips whatever the
page size) and returns ``{row_id: entity}``; ``to_xml`` / ``to_json`` render one hit without its score, which
the envelope (``api.ws2.search``) adds: ``ext:score`` in XML, an integer ``score`` right after ``id`` in JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from api.ws2.registry import Ctx, Entity
from api.ws2.render import NS, Element, el

EXT_NS = "http://musicbrainz.org/ns/ext#-2.0"
JsonObj = dict[str, Any]

# Nested lists a hit shows (the releases of a recording or of a release group) hold at most this many items.
MAX_NESTED = 25

# What the hits of the plain entity cores show, as incs of the lookup serializers.
ALIASES_TAGS = frozenset({"aliases", "tags"})

Load = Callable[[Ctx, Sequence[int]], Awaitable[dict[int, Entity]]]
HitXml = Callable[[Ctx, Entity], Element]
HitJson = Callable[[Ctx, Entity], JsonObj]


@dataclass(frozen=True)
class HitKind:
    """One search core: the element of its list (``<artist-list>``), its JSON key and its hit renderers."""

    core: str  # "artist", "release-group", "annotation"...
    plural: str  # "artists", "release-groups", "annotations"...
    load: Load
    to_xml: HitXml
    to_json: HitJson

    @property
    def list_tag(self) -> str:
        return f"{self.core}-list"


def search_aliases(value: Any) -> Any:
    """JSON aliases as the search server writes them: ``begin-date``/``end-date`` instead of the lookups'
    ``begin``/``end``/``ended``, at every depth (the aliases of credited artists too)."""
    if isinstance(value, list):
        return [search_aliases(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: JsonObj = {}
    for key, item in value.items():
        if key == "aliases" and isinstance(item, list):
            out[key] = [_search_alias(a) for a in item]
        else:
            out[key] = search_aliases(item)
    return out


def _search_alias(alias: JsonObj) -> JsonObj:
    out = {k: v for k, v in alias.items() if k not in ("begin", "end", "ended")}
    out["begin-date"] = alias.get("begin")
    out["end-date"] = alias.get("end")
    return out


def drop_empty_lists(e: Entity) -> None:
    """Leave out the alias and tag lists of a hit that has none (the search server omits them)."""
    for key in ("aliases", "tags"):
        if key in e and not e[key]:
            del e[key]


def with_score(obj: JsonObj, score: int) -> JsonObj:
    """``obj`` with ``score`` right after its ``id`` (first when it has none)."""
    out: JsonObj = {}
    if "id" in obj:
        out["id"] = obj["id"]
    out["score"] = score
    out.update((k, v) for k, v in obj.items() if k != "id")
    return out


def insert_child(parent: Element, index: int, tag: str, text: object) -> None:
    """Insert ``<tag>text</tag>`` as the child at ``index``."""
    node = el(tag)
    node.text = str(text)
    parent.insert(index, node)


def child(parent: Element, tag: str) -> Element | None:
    """The first MMD child named ``tag``."""
    return parent.find(f"{{{NS}}}{tag}")

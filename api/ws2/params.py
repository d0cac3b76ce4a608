"""Parameter rules of ws/2: ``inc`` parsing and validation, ``type``/``status`` filters, ``limit``/``offset``.

The rules and messages are MusicBrainz's (``docs/ws2-api.md`` §2-§4).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from api.errors import BadRequest, Unauthorized

ENTITY_TYPES = (
    "area",
    "artist",
    "event",
    "genre",
    "instrument",
    "label",
    "place",
    "recording",
    "release",
    "release-group",
    "series",
    "url",
    "work",
)
RELS = frozenset(f"{entity}-rels" for entity in ENTITY_TYPES)
TAGS_GENRES = frozenset({"tags", "user-tags", "genres", "user-genres"})
RATINGS = frozenset({"ratings", "user-ratings"})
AUTH_INCS = ("user-tags", "user-genres", "user-ratings", "user-collections")

# An inc in a value list becomes valid only when its key is present (MusicBrainz's ``%extra_inc``).
EXTRA_INC: dict[str, tuple[str, ...]] = {
    "recordings": ("artist-credits", "puids", "isrcs"),
    "releases": ("artist-credits", "discids", "media", "various-artists"),
    "release-groups": ("artist-credits",),
    "works": ("artist-credits",),
}

PRIMARY_TYPES = ("album", "single", "ep", "broadcast", "other")
SECONDARY_TYPES = (
    "audiobook",
    "audio drama",
    "compilation",
    "dj-mix",
    "demo",
    "field recording",
    "interview",
    "live",
    "mixtape/street",
    "remix",
    "soundtrack",
    "spokenword",
)
STATUSES = ("official", "promotion", "bootleg", "pseudo-release", "withdrawn", "expunged", "cancelled")

_SPLIT = re.compile(r"[+ ]+")
LIMIT_MESSAGE = "The 'limit' and 'offset' parameters must be positive integers"


def split_incs(values: Sequence[str]) -> list[str]:
    """The inc names of the (decoded) ``inc`` parameter values; several parameters are an error."""
    if len(values) > 1:
        raise BadRequest("Inc arguments must be combined with a space (+ or %20), but you provided multiple parameters")
    if not values:
        return []
    incs = []
    for item in _SPLIT.split(values[0]):
        if not item:
            continue
        incs.append("media" if item == "mediums" else item)
    return incs


def validate_incs(resource: str, allowed: frozenset[str], incs: Sequence[str]) -> frozenset[str]:
    """Check ``incs`` against a request definition's ``allowed`` set and the extra-inc rules.

    Returns the effective set: ``artists`` counts as ``artist-credits`` and ``discids`` implies ``media``.
    """
    given = set(incs)
    for inc in incs:
        if inc in allowed:
            continue
        enablers = [key for key, extra in EXTRA_INC.items() if inc in extra and key in allowed]
        if inc == "various-artists" and resource != "artist":
            enablers = []
        if not enablers:
            raise BadRequest(f"{inc} is not a valid inc parameter for the {resource} resource.")
        if not any(key in given for key in enablers):
            raise BadRequest(
                f"{inc} is not a valid option for the inc parameter for the {resource} resource unless you "
                f"specify one of the following other inc parameters: {', '.join(enablers)}"
            )
    for inc in AUTH_INCS:
        if inc in given:
            raise Unauthorized()
    if "artists" in given:
        given.add("artist-credits")
    if "discids" in given:
        given.add("media")
    return frozenset(given)


def _filter_values(value: str) -> list[str]:
    values = []
    for item in value.split("|"):
        item = item.strip().lower()
        if not item:
            continue
        if item.startswith(("sa-", "va-")):
            item = item[3:]
        values.append(item)
    return values


def release_types(value: str | None, *, allowed: bool) -> tuple[str, ...]:
    """The ``type`` filter: release-group primary and secondary type names."""
    if value is None:
        return ()
    if not allowed:
        raise BadRequest("type is not a valid parameter unless releases or release-groups are requested.")
    values = _filter_values(value)
    for item in values:
        if item not in PRIMARY_TYPES and item not in SECONDARY_TYPES and item != "nat":
            raise BadRequest(f"{item} is not a recognized release-group type.")
    return tuple(values)


def release_statuses(value: str | None, *, allowed: bool) -> tuple[str, ...]:
    """The ``status`` filter: release status names."""
    if value is None:
        return ()
    if not allowed:
        raise BadRequest("status is not a valid parameter unless releases are requested.")
    values = _filter_values(value)
    for item in values:
        if item not in STATUSES:
            raise BadRequest(f"{item} is not a recognized release status.")
    return tuple(values)


def _natural(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise BadRequest(LIMIT_MESSAGE)
    return int(value)


def limit_offset(limit: str | None, offset: str | None) -> tuple[int, int]:
    """Browse paging: limit 0 or missing -> 25, above 100 -> 100; offset missing -> 0."""
    lim = _natural(limit, 25)
    off = _natural(offset, 0)
    if lim == 0:
        lim = 25
    return min(lim, 100), off


_MBID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_mbid(value: str) -> bool:
    return bool(_MBID.match(value))

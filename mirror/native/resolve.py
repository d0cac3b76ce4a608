"""Cross-ID resolution: ISRCs, ISWCs, barcodes, catalogue numbers, disc IDs and external URLs -> MusicBrainz
entities, set-based (one statement per kind of id, however many ids).

``resolve(conn, [("isrc", "GBAAA9900303"), ("url", "spotify:album:...")])`` returns one ``ResolveResult`` per
input, in input order: the normalised input's matches (entity type, MBID, name or title, and ``via``: the
label of a catalogue number, the relationship type of a URL), or an ``error`` when the input is malformed (a
malformed id does not fail the batch). More than ``MAX_IDS`` ids, or an unknown kind, is ``InvalidQuery``.

Normalisation: ISRCs upper-cased without hyphens or spaces; ISWCs to ``T-123.456.789-0``; barcodes without
spaces, also tried with a leading zero added (UPC-A as EAN-13) or removed; catalogue numbers as given and
upper-cased; URLs as in ``mirror.native.urls``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache

from psycopg import sql
from psycopg.rows import tuple_row

from mirror.errors import InvalidQuery
from mirror.native.common import Conn
from mirror.native.models import Model
from mirror.native.urls import candidates as url_candidates
from mirror.schema.entities import RELATABLE_TYPES
from mirror.schema.musicbrainz import metadata

MAX_IDS = 1000
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")
_ISWC = re.compile(r"^T-?(\d{3})\.?(\d{3})\.?(\d{3})-?(\d)$")
_DISCID = re.compile(r"^[A-Za-z0-9._-]{28}$")


class ResolveMatch(Model):
    type: str
    id: str
    name: str
    via: str | None = None


class ResolveResult(Model):
    kind: str
    id: str
    matches: list[ResolveMatch]
    error: str | None = None


class Resolved(Model):
    results: list[ResolveResult]


def _isrc(value: str) -> list[str]:
    code = re.sub(r"[\s-]", "", value).upper()
    if not _ISRC.match(code):
        raise ValueError("not an ISRC (CC-XXX-YY-NNNNN)")
    return [code]


def _iswc(value: str) -> list[str]:
    match = _ISWC.match(re.sub(r"\s", "", value).upper())
    if not match:
        raise ValueError("not an ISWC (T-123.456.789-0)")
    return [f"T-{match[1]}.{match[2]}.{match[3]}-{match[4]}"]


def _barcode(value: str) -> list[str]:
    code = re.sub(r"[\s-]", "", value)
    if not code:
        raise ValueError("empty barcode")
    out = [code]
    if code.isdigit() and len(code) == 12:
        out.append("0" + code)
    if code.isdigit() and len(code) == 13 and code.startswith("0"):
        out.append(code[1:])
    return out


def _catno(value: str) -> list[str]:
    code = value.strip()
    if not code:
        raise ValueError("empty catalogue number")
    return list(dict.fromkeys((code, code.upper())))


def _discid(value: str) -> list[str]:
    code = value.strip()
    if not _DISCID.match(code):
        raise ValueError("not a disc ID (28 characters)")
    return [code]


def _url(value: str) -> list[str]:
    found = url_candidates(value)
    if not found:
        raise ValueError("not an http(s) URL or spotify: URI")
    return found


_UNNEST = "unnest(%(idx)s::int[], %(val)s::text[]) AS c(idx, v)"
QUERIES: dict[str, str] = {
    "isrc": f"SELECT c.idx, 'recording', r.gid::text, r.name, NULL FROM {_UNNEST} "
    "JOIN musicbrainz.isrc i ON i.isrc = c.v JOIN musicbrainz.recording r ON r.id = i.recording",
    "iswc": f"SELECT c.idx, 'work', w.gid::text, w.name, NULL FROM {_UNNEST} "
    "JOIN musicbrainz.iswc i ON i.iswc = c.v JOIN musicbrainz.work w ON w.id = i.work",
    "barcode": f"SELECT c.idx, 'release', r.gid::text, r.name, NULL FROM {_UNNEST} "
    "JOIN musicbrainz.release r ON r.barcode = c.v",
    "catno": f"SELECT c.idx, 'release', r.gid::text, r.name, l.name FROM {_UNNEST} "
    "JOIN musicbrainz.release_label rl ON rl.catalog_number = c.v JOIN musicbrainz.release r ON r.id = rl.release "
    "LEFT JOIN musicbrainz.label l ON l.id = rl.label",
    "discid": f"SELECT c.idx, 'release', r.gid::text, r.name, NULL FROM {_UNNEST} "
    "JOIN musicbrainz.cdtoc t ON t.discid = c.v JOIN musicbrainz.medium_cdtoc mc ON mc.cdtoc = t.id "
    "JOIN musicbrainz.medium md ON md.id = mc.medium JOIN musicbrainz.release r ON r.id = md.release",
}
NORMALISERS: dict[str, Callable[[str], list[str]]] = {
    "isrc": _isrc,
    "iswc": _iswc,
    "barcode": _barcode,
    "catno": _catno,
    "discid": _discid,
    "url": _url,
}
KINDS = tuple(NORMALISERS)


@cache
def url_query() -> str:
    """The entities of every url relationship whose URL is one of ``%(val)s``, for every entity type."""
    parts = []
    for target in RELATABLE_TYPES:
        first, second = sorted((target, "url"))
        if target == "url" or f"musicbrainz.l_{first}_{second}" not in metadata.tables:
            continue
        own, url_side = ("entity0", "entity1") if first == target else ("entity1", "entity0")
        parts.append(
            sql.SQL(
                "SELECT c.idx, {name}, e.gid::text, e.name, lt.name FROM " + _UNNEST + " "
                "JOIN musicbrainz.url u ON u.url = c.v JOIN {lt} l ON l.{url_side} = u.id "
                "JOIN {et} e ON e.id = l.{own} JOIN musicbrainz.link ln ON ln.id = l.link "
                "JOIN musicbrainz.link_type lt ON lt.id = ln.link_type"
            ).format(
                name=sql.Literal(target.replace("_", "-")),
                lt=sql.Identifier("musicbrainz", f"l_{first}_{second}"),
                et=sql.Identifier("musicbrainz", target),
                own=sql.Identifier(own),
                url_side=sql.Identifier(url_side),
            )
        )
    return sql.SQL(" UNION ALL ").join(parts).as_string()


def resolve(conn: Conn, ids: Sequence[tuple[str, str]]) -> Resolved:
    """Resolve ``(kind, id)`` pairs (kinds: ``KINDS``) to MusicBrainz entities, in input order."""
    if not ids:
        raise InvalidQuery("ids", f"give at least one of {', '.join(KINDS)}")
    if len(ids) > MAX_IDS:
        raise InvalidQuery("ids", f"{len(ids)} ids; at most {MAX_IDS} per request")
    errors: dict[int, str] = {}
    lookups: dict[str, tuple[list[int], list[str]]] = defaultdict(lambda: ([], []))
    for index, (kind, value) in enumerate(ids):
        if kind not in NORMALISERS:
            raise InvalidQuery(kind, f"unknown kind of id; one of {', '.join(KINDS)}")
        try:
            forms = NORMALISERS[kind](value)
        except ValueError as exc:
            errors[index] = str(exc)
            continue
        indexes, values = lookups[kind]
        indexes += [index] * len(forms)
        values += forms
    found: dict[int, dict[tuple[str, str], ResolveMatch]] = defaultdict(dict)
    with conn.cursor(row_factory=tuple_row) as cur:
        for kind, (indexes, values) in lookups.items():
            query = url_query() if kind == "url" else QUERIES[kind]
            for index, type_, gid, name, via in cur.execute(query, {"idx": indexes, "val": values}).fetchall():
                found[index].setdefault((type_, gid), ResolveMatch(type=type_, id=gid, name=name, via=via))
    results = []
    for index, (kind, value) in enumerate(ids):
        matches = sorted(found[index].values(), key=lambda m: (m.type, m.name, m.id))
        results.append(ResolveResult(kind=kind, id=value, matches=matches, error=errors.get(index)))
    return Resolved(results=results)

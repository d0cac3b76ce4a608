"""Output format negotiation: ``fmt`` first, then ``Accept``; XML by default; 406 otherwise."""

from __future__ import annotations

from api.errors import NotAcceptable

_MIME = {"application/xml": "xml", "application/json": "json", "text/plain": "txt"}
TEXT_NOT_ACCEPTABLE = (
    "Invalid format. Either set an Accept header (recognized mime types are application/json, application/xml "
    "and text/plain), or include a fmt= argument in the query string (valid values for fmt are json, xml "
    "and txt)."
)


def _parse_accept(accept: str) -> list[tuple[str, float, int]]:
    entries = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        mime = pieces[0].lower()
        if not mime:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        entries.append((mime, quality, position))
    return entries


def negotiate(fmt: str | None, accept: str | None, *, text: bool = False) -> str:
    """``"xml"``, ``"json"`` (or ``"txt"`` when ``text``) for a request; raises ``NotAcceptable``."""
    offered = ["xml", "json", "txt"] if text else ["xml", "json"]
    message = TEXT_NOT_ACCEPTABLE if text else None
    if fmt is not None:
        if fmt in offered:
            return fmt
        raise NotAcceptable(message) if message else NotAcceptable()
    if accept is None or accept.strip() in ("", "*/*"):
        return "xml"
    best: tuple[float, int, int] | None = None
    chosen = None
    for mime, quality, position in _parse_accept(accept):
        if quality <= 0:
            continue
        for candidate_mime, candidate in _MIME.items():
            if candidate not in offered:
                continue
            major = candidate_mime.split("/")[0]
            if mime not in (candidate_mime, "*/*", f"{major}/*"):
                continue
            specificity = 2 if mime == candidate_mime else 0
            rank = (quality, specificity, -position)
            if best is None or rank > best:
                best, chosen = rank, candidate
            break
    if chosen is None:
        raise NotAcceptable(message) if message else NotAcceptable()
    return chosen

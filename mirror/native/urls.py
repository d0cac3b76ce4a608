"""URL normalisation for cross-ID resolution: one input URL -> the spellings MusicBrainz may store it under.

MusicBrainz keeps the URLs of url relationships mostly in a canonical form per service (``https``, a fixed host,
no tracking parameters, numeric ids without slugs), but older entries differ (``http://www.discogs.com/...``).
``candidates(text)`` maps an input (a URL, a ``spotify:`` URI, a URL without scheme) to its canonical form for
known services and returns every variant worth looking up exactly: both schemes, with and without ``www.``, with
and without a trailing slash. Exact lookups keep the url index usable (no scan of the url table).

Services with a canonical form: Spotify (``open.spotify.com/intl-xx/...`` and ``spotify:type:id``), Discogs
(locale prefix and slug removed), Apple Music / iTunes (slug removed; the storefront given and ``us``), Deezer
(locale removed), Wikidata (``/entity/Q..`` and ``/wiki/Q..``), YouTube (``youtu.be``, ``m.``, ``watch?v=``),
Bandcamp (sub-domain kept), SoundCloud, Tidal, Beatport, Wikipedia (mobile hosts).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

MAX_URL_LENGTH = 2048
_SPOTIFY_URI = re.compile(r"^spotify:(track|album|artist|playlist|show|episode):([A-Za-z0-9]+)$", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.I)
_SPOTIFY = re.compile(r"^/(?:intl-[a-z-]+/)?(track|album|artist|playlist|show|episode)/([A-Za-z0-9]+)")
_DISCOGS = re.compile(r"^/(?:[a-z]{2}/)?(artist|release|master|label)/(\d+(?=-|/|$)|[^/]+)")
_APPLE = re.compile(r"^/([a-z]{2})/(album|artist|song|music-video|playlist|label)/(?:[^/]+/)?((?:id)?\d+|pl\.[\w-]+)")
_DEEZER = re.compile(r"^/(?:[a-z]{2}/)?(album|artist|track|playlist|label)/(\d+)")
_WIKIDATA = re.compile(r"^/(?:wiki|entity)/(Q\d+)", re.I)
_TIDAL = re.compile(r"^/(?:browse/)?(album|artist|track|video)/(\d+)")


def _service(host: str, path: str, query: str) -> tuple[str, str] | list[tuple[str, str]] | None:
    """(host, path) of the canonical form for a known service, or None to keep the URL as given."""
    if host == "open.spotify.com" and (match := _SPOTIFY.match(path)):
        return host, f"/{match[1]}/{match[2]}"
    if host == "discogs.com" and (match := _DISCOGS.match(path)):
        return "www.discogs.com", f"/{match[1]}/{match[2]}"
    if host in ("music.apple.com", "itunes.apple.com") and (match := _APPLE.match(path)):
        ident = match[3].removeprefix("id")
        return [("music.apple.com", f"/{cc}/{match[2]}/{ident}") for cc in dict.fromkeys((match[1], "us"))]
    if host == "deezer.com" and (match := _DEEZER.match(path)):
        return "www.deezer.com", f"/{match[1]}/{match[2]}"
    if host == "wikidata.org" and (match := _WIKIDATA.match(path)):
        return "www.wikidata.org", f"/wiki/{match[1].upper()}"
    if host == "youtu.be" and path.strip("/"):
        return "www.youtube.com", f"/watch?v={path.strip('/').split('/')[0]}"
    if host == "youtube.com" and path == "/watch" and (video := parse_qs(query).get("v")):
        return "www.youtube.com", f"/watch?v={video[0]}"
    if host == "tidal.com" and (match := _TIDAL.match(path)):
        return "tidal.com", f"/{match[1]}/{match[2]}"
    return None


def _bare(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    if ".m.wikipedia.org" in host:
        return host.replace(".m.wikipedia.org", ".wikipedia.org")
    return host


def canonical(text: str) -> list[str]:
    """The canonical URL(s) of ``text`` (``https``, normal host, known service forms); empty if not a URL."""
    text = text.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        return []
    if match := _SPOTIFY_URI.match(text):
        return [f"https://open.spotify.com/{match[1].lower()}/{match[2]}"]
    if "://" not in text:
        if _SCHEME.match(text):  # mailto:, tel:, urn: ...
            return []
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return []
    host = _bare(parts.hostname)
    known = _service(host, parts.path, parts.query)
    if known is None:
        query = f"?{parts.query}" if parts.query else ""
        return [f"https://{host}{parts.path or '/'}{query}"]
    return [f"https://{h}{p}" for h, p in (known if isinstance(known, list) else [known])]


def candidates(text: str) -> list[str]:
    """Every spelling of ``text`` to look up exactly: canonical forms x scheme x ``www.`` x trailing slash."""
    out: dict[str, None] = {}
    for url in canonical(text):
        parts = urlsplit(url)
        host = parts.hostname or ""
        rest = url[len(f"https://{host}") :]
        hosts = [host, host[4:]] if host.startswith("www.") else [host, f"www.{host}"]
        if "?" in rest or rest == "/":
            paths = [rest]
        else:
            paths = [rest, rest.rstrip("/")] if rest.endswith("/") and rest != "/" else [rest, rest + "/"]
        for scheme in ("https", "http"):
            for h in hosts:
                for p in paths:
                    out[f"{scheme}://{h}{p if p else '/'}"] = None
    return list(out)

"""Media of releases, with their tracks and disc IDs, loaded for many releases in one round trip.

``load_media(conn, release_ids, tracks=..., discids=...)`` returns, per release, its media in position order.
Tracks are split the way ws/2 shows them: the pregap (position 0), the ordinary tracks, and data tracks.
``track_count`` is the number of ordinary tracks (what ws/2 calls ``track-count``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mirror.queries.pipeline import Statement, fetch_many
from mirror.queries.release import Conn, Named


@dataclass(slots=True, frozen=True)
class Disc:
    """A CD TOC attached to a medium (``cdtoc``): disc ID, lead-out (sectors) and track offsets."""

    discid: str
    sectors: int
    offsets: tuple[int, ...]


@dataclass(slots=True, frozen=True)
class Track:
    id: int
    gid: str
    position: int
    number: str
    name: str
    length: int | None
    artist_credit: int
    recording: int
    is_data_track: bool


@dataclass(slots=True)
class Medium:
    id: int
    gid: str
    release: int
    position: int
    name: str
    format: Named | None
    format_has_discids: bool
    track_count: int
    tracks: list[Track] | None = None  # None: not loaded
    pregap: Track | None = None
    data_tracks: list[Track] = field(default_factory=list)
    discs: list[Disc] | None = None  # None: not loaded


_MEDIA_SQL = """
SELECT m.id, m.gid::text, m.release, m.position, m.name, mf.name, mf.gid::text, coalesce(mf.has_discids, false),
       (SELECT count(*) FROM musicbrainz.track t WHERE t.medium = m.id AND t.position > 0 AND NOT t.is_data_track)
FROM musicbrainz.medium m
LEFT JOIN musicbrainz.medium_format mf ON mf.id = m.format
WHERE m.release = ANY(%s)
ORDER BY m.release, m.position, m.id
"""

_TRACKS_SQL = """
SELECT t.medium, t.id, t.gid::text, t.position, t.number, t.name, t.length, t.artist_credit, t.recording,
       t.is_data_track
FROM musicbrainz.track t
WHERE t.medium IN (SELECT id FROM musicbrainz.medium WHERE release = ANY(%s))
ORDER BY t.medium, t.position, t.id
"""

_DISCS_SQL = """
SELECT mc.medium, c.discid, c.leadout_offset, c.track_offset
FROM musicbrainz.medium_cdtoc mc
JOIN musicbrainz.cdtoc c ON c.id = mc.cdtoc
WHERE mc.medium IN (SELECT id FROM musicbrainz.medium WHERE release = ANY(%s))
ORDER BY mc.medium, c.discid
"""


def _track(row: Sequence[object]) -> Track:
    return Track(*row[1:])  # type: ignore[arg-type]


async def load_media(
    conn: Conn, release_ids: Iterable[int], *, tracks: bool = False, discids: bool = False
) -> dict[int, list[Medium]]:
    """The media of these releases (position order), optionally with tracks and disc IDs."""
    wanted = sorted(set(release_ids))
    result: dict[int, list[Medium]] = {i: [] for i in wanted}
    if not wanted:
        return result
    by_id: dict[int, Medium] = {}
    statements: list[Statement] = [(_MEDIA_SQL, (wanted,))]
    if tracks:
        statements.append((_TRACKS_SQL, (wanted,)))
    if discids:
        statements.append((_DISCS_SQL, (wanted,)))
    results = await fetch_many(conn, statements)
    for mid, gid, rel, pos, name, fname, fgid, has_discids, count in results[0]:
        fmt = Named(fname, fgid) if fname is not None else None
        medium = Medium(mid, gid, rel, pos, name, fmt, has_discids, count)
        result[rel].append(medium)
        by_id[mid] = medium
    if tracks:
        for medium in by_id.values():
            medium.tracks = []
        for row in results[1]:
            track = _track(row)
            medium = by_id[row[0]]
            if track.position == 0 and not track.is_data_track:
                medium.pregap = track
            elif track.is_data_track:
                medium.data_tracks.append(track)
            else:
                assert medium.tracks is not None
                medium.tracks.append(track)
    if discids:
        for medium in by_id.values():
            medium.discs = []
        for mid, discid, leadout, offsets in results[-1]:
            discs = by_id[mid].discs
            assert discs is not None
            discs.append(Disc(discid, leadout, tuple(offsets)))
    return result


def all_tracks(media: Iterable[Medium]) -> list[Track]:
    """Every loaded track of these media: pregaps, ordinary tracks and data tracks."""
    out: list[Track] = []
    for medium in media:
        if medium.pregap is not None:
            out.append(medium.pregap)
        out.extend(medium.tracks or ())
        out.extend(medium.data_tracks)
    return out

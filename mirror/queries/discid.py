"""Disc ID lookups: the CD TOC of a disc ID and its releases, CD stubs, and the fuzzy lookup by TOC.

The fuzzy lookup follows MusicBrainz's duration index: a medium's audio track durations are folded into six
sums (``medium_index.toc``, stored here as the text of the ``cube`` literal) and a TOC matches a medium with
the same number of audio tracks when every sum is within ``fuzzy`` ms per folded track; matches are ordered
by Euclidean distance. The cube is parsed and compared here, so no ``cube`` extension is needed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg.rows import tuple_row

from mirror.queries.medium import Disc
from mirror.queries.release import Conn

DISCID_RE = re.compile(r"^[A-Za-z0-9._]{27}-$")
CUBE_DIMENSIONS = 6
FUZZY_MS = 10_000
SECTORS_PER_SECOND = 75


@dataclass(frozen=True, slots=True)
class Toc:
    """A parsed ``toc=`` value: first and last track numbers, lead-out and track start offsets (sectors)."""

    first_track: int
    last_track: int
    leadout: int
    offsets: tuple[int, ...]

    @property
    def durations_ms(self) -> list[int]:
        ends = (*self.offsets[1:], self.leadout)
        return [(end - start) * 1000 // SECTORS_PER_SECOND for start, end in zip(self.offsets, ends, strict=True)]


def parse_toc(text: str) -> Toc | None:
    """The TOC in ``1 9 189343 150 6614 …`` form (spaces or ``+``), or None when it is not well formed."""
    try:
        numbers = [int(part) for part in re.split(r"[ +]+", text.strip())]
    except ValueError:
        return None
    if len(numbers) < 4:
        return None
    first, last, leadout, *offsets = numbers
    if not 1 <= first <= last <= 99 or len(offsets) != last - first + 1:
        return None
    if any(b <= a for a, b in itertools.pairwise(offsets)) or offsets[-1] >= leadout or offsets[0] < 0:
        return None
    return Toc(first, last, leadout, tuple(offsets))


def fold_durations(durations: Sequence[int]) -> tuple[list[int], list[int]]:
    """MusicBrainz's six duration sums of a track list, and how many tracks went into each sum."""
    sums = [0] * CUBE_DIMENSIONS
    counts = [0] * CUBE_DIMENSIONS
    n = len(durations)
    for i, duration in enumerate(durations):
        dest = i if n < CUBE_DIMENSIONS else CUBE_DIMENSIONS * i // n
        sums[dest] += duration
        counts[dest] += 1
    return sums, counts


def _parse_cube(text: str) -> list[float]:
    return [float(part) for part in text.strip().strip("()").split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class DiscRecord:
    """A ``cdtoc`` row and the releases (row ids) whose media carry it."""

    disc: Disc
    release_ids: list[int]


async def find_disc(conn: Conn, discid: str) -> DiscRecord | None:
    """The CD TOC with this disc ID and the releases that have it; None when no medium has it."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT c.discid, c.leadout_offset, c.track_offset,"
            " array_agg(DISTINCT m.release) FILTER (WHERE m.release IS NOT NULL)"
            " FROM musicbrainz.cdtoc c"
            " LEFT JOIN musicbrainz.medium_cdtoc mc ON mc.cdtoc = c.id"
            " LEFT JOIN musicbrainz.medium m ON m.id = mc.medium"
            " WHERE c.discid = %s GROUP BY c.id ORDER BY c.id LIMIT 1",
            (discid,),
        )
        row = await cur.fetchone()
    if row is None or not row[3]:
        return None
    return DiscRecord(Disc(row[0], row[1], tuple(row[2])), sorted(row[3]))


@dataclass(frozen=True, slots=True)
class StubTrack:
    title: str
    artist: str | None
    length: int


@dataclass(frozen=True, slots=True)
class CdStub:
    """A CD stub (``release_raw`` + ``track_raw`` + ``cdtoc_raw``)."""

    discid: str
    title: str
    artist: str | None
    barcode: str | None
    comment: str
    sectors: int
    offsets: tuple[int, ...]
    tracks: list[StubTrack]


async def find_cdstub(conn: Conn, discid: str) -> CdStub | None:
    """The CD stub submitted for this disc ID, or None."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT c.release, c.discid, c.leadout_offset, c.track_offset, r.title, r.artist, r.barcode, r.comment"
            " FROM musicbrainz.cdtoc_raw c JOIN musicbrainz.release_raw r ON r.id = c.release"
            " WHERE c.discid = %s ORDER BY c.id LIMIT 1",
            (discid,),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        stub_id, disc, leadout, offsets, title, artist, barcode, comment = row
        await cur.execute(
            "SELECT title, artist FROM musicbrainz.track_raw WHERE release = %s ORDER BY sequence, id",
            (stub_id,),
        )
        track_rows = await cur.fetchall()
    ends = (*offsets[1:], leadout)
    lengths = [(end - start) * 1000 // SECTORS_PER_SECOND for start, end in zip(offsets, ends, strict=True)]
    tracks = [StubTrack(t, a or None, lengths[i] if i < len(lengths) else 0) for i, (t, a) in enumerate(track_rows)]
    return CdStub(disc, title, artist or None, barcode or None, comment or "", leadout, tuple(offsets), tracks)


async def fuzzy_releases(
    conn: Conn, toc: Toc, *, all_formats: bool = False, fuzzy: int = FUZZY_MS
) -> list[tuple[int, float]]:
    """``(release row id, distance)`` of media whose durations match ``toc``, best first, one per release."""
    durations = toc.durations_ms
    sums, counts = fold_durations(durations)
    n = len(durations)
    format_filter = "" if all_formats else " AND coalesce(mf.has_discids, false)"
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(
            "SELECT m.id, m.release, mi.toc FROM musicbrainz.medium_index mi"
            " JOIN musicbrainz.medium m ON m.id = mi.medium"
            " LEFT JOIN musicbrainz.medium_format mf ON mf.id = m.format"
            " WHERE m.track_count >= %(n)s AND mi.toc IS NOT NULL"
            + format_filter
            + " AND (SELECT count(*) FROM musicbrainz.track t WHERE t.medium = m.id"
            " AND t.position > 0 AND NOT t.is_data_track) = %(n)s",
            {"n": n},
        )
        rows = await cur.fetchall()
    best: dict[int, tuple[float, int]] = {}
    for medium_id, release_id, cube in rows:
        point = _parse_cube(cube)
        if len(point) != CUBE_DIMENSIONS:
            continue
        if any(abs(point[i] - sums[i]) > fuzzy * counts[i] for i in range(CUBE_DIMENSIONS)):
            continue
        distance = math.dist(point, sums)
        key = (distance, medium_id)
        if release_id not in best or key < best[release_id]:
            best[release_id] = key
    ranked = sorted(best.items(), key=lambda item: item[1])
    return [(release_id, key[0]) for release_id, key in ranked]

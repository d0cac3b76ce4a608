"""Artist credits: the ``artist-credit`` of releases, release groups, recordings and tracks.

``load_artist_credits(conn, ids)`` loads many credits in one query and returns, per ``artist_credit.id``, the
ordered name credits with the credited artist's basic fields (the nested-artist shape of ws/2: name, sort name,
disambiguation, type, and the country code of its area or of the country containing it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg.rows import tuple_row

from mirror.queries.pipeline import Statement, fetch_many
from mirror.queries.release import Conn

if TYPE_CHECKING:
    from mirror.queries.reference import Reference


@dataclass(slots=True, frozen=True)
class CreditedArtist:
    """The artist of one name credit, in the reduced shape ws/2 nests inside an artist credit."""

    id: int
    gid: str
    name: str
    sort_name: str
    comment: str
    type_name: str | None
    type_gid: str | None
    country: str | None


@dataclass(slots=True, frozen=True)
class NameCredit:
    """One ``artist_credit_name`` row: the credited name, its join phrase and the artist."""

    name: str
    join_phrase: str
    artist: CreditedArtist


ArtistCredits = dict[int, list[NameCredit]]

# The country of an artist is the ISO code of its area, or of the nearest area containing it ("part of"
# relationships, followed upwards; MusicBrainz keeps this in a materialised table that is not dumped).
# ``COUNTRY_CTES`` needs a CTE ``credited`` with an ``area`` column ahead of it.
COUNTRY_CTES = """
up(start, area, depth) AS (
    SELECT DISTINCT area, area, 0 FROM credited WHERE area IS NOT NULL
    UNION ALL
    SELECT up.start, l.entity0, up.depth + 1
    FROM up
    JOIN musicbrainz.l_area_area l ON l.entity1 = up.area
    JOIN musicbrainz.link k ON k.id = l.link
    JOIN musicbrainz.link_type lt ON lt.id = k.link_type
    WHERE lt.gid = 'de7cc874-8b1b-3a05-8272-f3834c968fb7' AND up.depth < 10
), country AS (
    SELECT DISTINCT ON (up.start) up.start, iso.code
    FROM up JOIN musicbrainz.iso_3166_1 iso ON iso.area = up.area
    ORDER BY up.start, up.depth, iso.code
)"""

_CREDITS_SQL = (
    """
WITH RECURSIVE credited AS (
    SELECT acn.artist_credit, acn.position, acn.name AS credited_name, acn.join_phrase,
           a.id, a.gid, a.name, a.sort_name, a.comment, a.type, a.area
    FROM musicbrainz.artist_credit_name acn
    JOIN musicbrainz.artist a ON a.id = acn.artist
    WHERE acn.artist_credit = ANY(%s)
),"""
    + COUNTRY_CTES
    + """
SELECT c.artist_credit, c.credited_name, c.join_phrase,
       c.id, c.gid::text, c.name, c.sort_name, c.comment, c.type, country.code
FROM credited c
LEFT JOIN country ON country.start = c.area
ORDER BY c.artist_credit, c.position
"""
)

_COUNTRIES_SQL = (
    "WITH RECURSIVE credited AS (SELECT id, area FROM musicbrainz.artist WHERE id = ANY(%s)),"
    + COUNTRY_CTES
    + " SELECT c.id, country.code FROM credited c LEFT JOIN country ON country.start = c.area"
)


async def artist_countries(conn: Conn, ids: Iterable[int]) -> dict[int, str | None]:
    """The country code of each artist (its area's, or that of the nearest area containing it)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_COUNTRIES_SQL, (wanted,))
        return {aid: code for aid, code in await cur.fetchall()}


async def load_artist_credits(conn: Conn, ref: Reference, ids: Iterable[int]) -> ArtistCredits:
    """The name credits of every artist credit in ``ids``, in credit order (missing ids are absent)."""
    credits, _ = await load_artist_credits_with(conn, ref, ids, [])
    return credits


async def load_artist_credits_with(
    conn: Conn, ref: Reference, ids: Iterable[int], statements: Sequence[Statement], dicts: Sequence[bool] = ()
) -> tuple[ArtistCredits, list[list[Any]]]:
    """``load_artist_credits`` and the rows of other ``statements`` sent with it, in one round trip (e.g. the
    aliases of the credited artists, selected through ``mirror.queries.common.CREDITED_ARTISTS``); ``dicts``:
    per statement, its rows as dicts rather than tuples."""
    wanted = sorted(set(ids))
    result: ArtistCredits = {}
    if not wanted:
        return result, [[] for _ in statements]
    flags = list(dicts) or [False] * len(statements)
    rows, *others = await fetch_many(conn, [(_CREDITS_SQL, (wanted,)), *statements], dicts=[False, *flags])
    for row in rows:
        (ac, name, join, aid, gid, aname, sort_name, comment, type_row, country) = row
        artist_type = ref.artist_types.get(type_row) if type_row is not None else None
        artist = CreditedArtist(
            id=aid,
            gid=gid,
            name=aname,
            sort_name=sort_name,
            comment=comment,
            type_name=artist_type.name if artist_type else None,
            type_gid=artist_type.gid if artist_type else None,
            country=country,
        )
        result.setdefault(ac, []).append(NameCredit(name, join, artist))
    return result, others


def credited_artist_ids(credits: ArtistCredits) -> set[int]:
    """Row ids of every artist named in ``credits`` (to load their aliases, tags or ratings)."""
    return {nc.artist.id for names in credits.values() for nc in names}

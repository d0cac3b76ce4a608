"""Artist credits: the ``artist-credit`` of releases, release groups, recordings and tracks.

``load_artist_credits(conn, ids)`` loads many credits in one query and returns, per ``artist_credit.id``, the
ordered name credits with the credited artist's basic fields (the nested-artist shape of ws/2: name, sort name,
disambiguation, type, and the country code of its area).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from psycopg.rows import tuple_row

from mirror.queries.release import Conn


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

_CREDITS_SQL = """
SELECT acn.artist_credit, acn.name, acn.join_phrase,
       a.id, a.gid::text, a.name, a.sort_name, a.comment, at.name, at.gid::text,
       (SELECT iso.code FROM musicbrainz.iso_3166_1 iso WHERE iso.area = a.area ORDER BY iso.code LIMIT 1)
FROM musicbrainz.artist_credit_name acn
JOIN musicbrainz.artist a ON a.id = acn.artist
LEFT JOIN musicbrainz.artist_type at ON at.id = a.type
WHERE acn.artist_credit = ANY(%s)
ORDER BY acn.artist_credit, acn.position
"""


async def load_artist_credits(conn: Conn, ids: Iterable[int]) -> ArtistCredits:
    """The name credits of every artist credit in ``ids``, in credit order (missing ids are absent)."""
    wanted = sorted(set(ids))
    result: ArtistCredits = {}
    if not wanted:
        return result
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_CREDITS_SQL, (wanted,))
        for row in await cur.fetchall():
            (ac, name, join, aid, gid, aname, sort_name, comment, tname, tgid, country) = row
            artist = CreditedArtist(
                id=aid,
                gid=gid,
                name=aname,
                sort_name=sort_name,
                comment=comment,
                type_name=tname,
                type_gid=tgid,
                country=country,
            )
            result.setdefault(ac, []).append(NameCredit(name, join, artist))
    return result


def credited_artist_ids(credits: ArtistCredits) -> set[int]:
    """Row ids of every artist named in ``credits`` (to load their aliases, tags or ratings)."""
    return {nc.artist.id for names in credits.values() for nc in names}

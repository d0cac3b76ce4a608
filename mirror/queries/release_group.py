"""Release groups: basic rows with primary and secondary types and the first release date.

The first release date comes from ``release_group_meta`` (derived archive); without it, it is computed from
the release events of the group's releases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mirror.queries.pipeline import fetch_many

if TYPE_CHECKING:
    from mirror.queries.reference import Reference
from mirror.queries.release import Conn, Named, format_partial_date

# Which secondary type names the XML ``type`` attribute of an Album shows instead (MusicBrainz's order).
ALBUM_FALLBACK_ORDER = ("Compilation", "Remix", "Soundtrack", "Live", "Spokenword", "Interview")


@dataclass(slots=True)
class ReleaseGroup:
    id: int
    gid: str
    name: str
    comment: str
    artist_credit: int
    primary_type: Named | None
    first_release_date: str | None
    secondary_types: list[Named] = field(default_factory=list)

    @property
    def legacy_type(self) -> Named | None:
        """The single ``type`` of the XML element: the primary type, or a telling secondary type."""
        if self.primary_type is not None and self.primary_type.name == "Album":
            by_name = {t.name: t for t in self.secondary_types}
            for name in ALBUM_FALLBACK_ORDER:
                if name in by_name:
                    return by_name[name]
            return self.primary_type
        if self.primary_type is not None:
            return self.primary_type
        return self.secondary_types[0] if self.secondary_types else None


_RELEASE_GROUPS_SQL = """
SELECT rg.id, rg.gid::text, rg.name, rg.comment, rg.artist_credit, rg.type,
       CASE WHEN rm.id IS NOT NULL THEN rm.first_release_date_year ELSE fd.y END,
       CASE WHEN rm.id IS NOT NULL THEN rm.first_release_date_month ELSE fd.m END,
       CASE WHEN rm.id IS NOT NULL THEN rm.first_release_date_day ELSE fd.d END
FROM musicbrainz.release_group rg
LEFT JOIN musicbrainz.release_group_meta rm ON rm.id = rg.id
LEFT JOIN LATERAL (
    SELECT e.date_year AS y, e.date_month AS m, e.date_day AS d
    FROM musicbrainz.release r
    JOIN (SELECT release, date_year, date_month, date_day FROM musicbrainz.release_country
          UNION ALL
          SELECT release, date_year, date_month, date_day FROM musicbrainz.release_unknown_country) e
      ON e.release = r.id
    WHERE rm.id IS NULL AND r.release_group = rg.id AND e.date_year IS NOT NULL
    ORDER BY e.date_year, e.date_month NULLS LAST, e.date_day NULLS LAST
    LIMIT 1
) fd ON true
WHERE rg.id = ANY(%s)
"""

_SECONDARY_SQL = """
SELECT j.release_group, st.name, st.gid::text
FROM musicbrainz.release_group_secondary_type_join j
JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type
WHERE j.release_group = ANY(%s)
ORDER BY j.release_group, st.child_order, st.name
"""


async def load_release_groups(conn: Conn, ref: Reference, ids: Iterable[int]) -> dict[int, ReleaseGroup]:
    """The release groups with these row ids, with their types (the primary one named from ``ref``) and first
    release date."""
    wanted = sorted(set(ids))
    result: dict[int, ReleaseGroup] = {}
    if not wanted:
        return result
    groups, secondary = await fetch_many(conn, [(_RELEASE_GROUPS_SQL, (wanted,)), (_SECONDARY_SQL, (wanted,))])
    for rid, gid, name, comment, ac, type_row, year, month, day in groups:
        primary = ref.primary_types.get(type_row) if type_row is not None else None
        result[rid] = ReleaseGroup(rid, gid, name, comment, ac, primary, format_partial_date(year, month, day))
    for rid, sname, sgid in secondary:
        result[rid].secondary_types.append(Named(sname, sgid))
    return result

"""The curated tables of ``mbmirror export``: flat, joined, named for people rather than for the schema.

Each table is one or more SELECT statements with the same columns, streamed in order into the table's files.
All of them read only core data (``mbdump.tar.bz2``, CC0). Conventions:

- ``mbid`` and ``*_mbid`` columns are MusicBrainz identifiers (UUIDs) as strings;
- a MusicBrainz date is partial (a year, a year and a month, or a full date), so it is exported as a string
  ``<name>`` (``"1999"``, ``"1999-03"``, ``"1999-03-27"``) plus integers ``<name>_year``, ``<name>_month``,
  ``<name>_day`` (int16, null where unknown), never as a date32 that would invent a month or a day;
- names of types, statuses, formats and languages are resolved (``type = "Person"``), countries are ISO 3166-1
  alpha-2 codes; lists (ISRCs, secondary types, countries, relationship attributes) are Arrow list columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from mirror.schema.entities import RELATABLE_TYPES
from mirror.schema.musicbrainz import metadata

Statement = sql.SQL | sql.Composed


@dataclass(frozen=True)
class Curated:
    """One curated table: its name, what it holds, and the statements that produce its rows."""

    name: str
    description: str
    statements: tuple[Statement, ...]


def _date(alias: str, prefix: str, out: str) -> str:
    """``<out>`` (partial ISO string), ``<out>_year``, ``<out>_month``, ``<out>_day`` from a partial date."""
    y, m, d = (f"{alias}.{prefix}_{part}" for part in ("year", "month", "day"))
    return (
        f"CASE WHEN {y} IS NOT NULL THEN concat_ws('-', lpad({y}::text, 4, '0'), lpad({m}::text, 2, '0'), "
        f"lpad({d}::text, 2, '0')) END AS {out}, {y} AS {out}_year, {m} AS {out}_month, {d} AS {out}_day"
    )


def _country(area: str) -> str:
    return f"(SELECT min(i.code) FROM musicbrainz.iso_3166_1 i WHERE i.area = {area})"


def _artist_mbids(credit: str) -> str:
    return (
        "ARRAY(SELECT a.gid::text FROM musicbrainz.artist_credit_name acn JOIN musicbrainz.artist a "
        f"ON a.id = acn.artist WHERE acn.artist_credit = {credit} ORDER BY acn.position)"
    )


ARTISTS = f"""
SELECT a.gid AS mbid, a.name, a.sort_name, t.name AS type, g.name AS gender, ar.name AS area,
       {_country("a.area")} AS country, ba.name AS begin_area, ea.name AS end_area,
       {_date("a", "begin_date", "begin_date")}, {_date("a", "end_date", "end_date")}, a.ended,
       a.comment AS disambiguation, a.last_updated
FROM musicbrainz.artist a
LEFT JOIN musicbrainz.artist_type t ON t.id = a.type
LEFT JOIN musicbrainz.gender g ON g.id = a.gender
LEFT JOIN musicbrainz.area ar ON ar.id = a.area
LEFT JOIN musicbrainz.area ba ON ba.id = a.begin_area
LEFT JOIN musicbrainz.area ea ON ea.id = a.end_area
"""

RELEASE_GROUPS = f"""
SELECT rg.gid AS mbid, rg.name, ac.name AS artist_credit, {_artist_mbids("rg.artist_credit")} AS artist_mbids,
       pt.name AS primary_type,
       ARRAY(SELECT st.name FROM musicbrainz.release_group_secondary_type_join j
             JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type
             WHERE j.release_group = rg.id ORDER BY st.child_order, st.name) AS secondary_types,
       {_date("ev", "date", "first_release_date")},
       (SELECT count(*) FROM musicbrainz.release r WHERE r.release_group = rg.id) AS release_count,
       rg.comment AS disambiguation, rg.last_updated
FROM musicbrainz.release_group rg
JOIN musicbrainz.artist_credit ac ON ac.id = rg.artist_credit
LEFT JOIN musicbrainz.release_group_primary_type pt ON pt.id = rg.type
LEFT JOIN LATERAL (
    SELECT e.date_year, e.date_month, e.date_day FROM musicbrainz.release r
    JOIN (SELECT release, date_year, date_month, date_day FROM musicbrainz.release_country
          UNION ALL SELECT release, date_year, date_month, date_day FROM musicbrainz.release_unknown_country) e
      ON e.release = r.id
    WHERE r.release_group = rg.id AND e.date_year IS NOT NULL
    ORDER BY e.date_year, e.date_month NULLS FIRST, e.date_day NULLS FIRST LIMIT 1
) ev ON true
"""

# Release events: dated appearances of a release in a country (or with no country: release_unknown_country).
_EVENTS = f"""
    SELECT rc.release, rc.date_year, rc.date_month, rc.date_day, {_country("rc.country")} AS country, rc.country AS area
    FROM musicbrainz.release_country rc
    UNION ALL
    SELECT ru.release, ru.date_year, ru.date_month, ru.date_day, NULL, NULL FROM musicbrainz.release_unknown_country ru
"""

RELEASES = f"""
SELECT r.gid AS mbid, r.name, ac.name AS artist_credit, {_artist_mbids("r.artist_credit")} AS artist_mbids,
       rg.gid AS release_group_mbid, s.name AS status, p.name AS packaging, l.iso_code_3 AS language,
       sc.iso_code AS script, r.barcode, {_date("ev", "date", "date")}, ev.country,
       ARRAY(SELECT e.country FROM ({_EVENTS}) e WHERE e.release = r.id AND e.country IS NOT NULL
             ORDER BY e.date_year, e.date_month, e.date_day, e.country) AS countries,
       ARRAY(SELECT lb.name FROM musicbrainz.release_label rl JOIN musicbrainz.label lb ON lb.id = rl.label
             WHERE rl.release = r.id ORDER BY rl.id) AS labels,
       ARRAY(SELECT rl.catalog_number FROM musicbrainz.release_label rl
             WHERE rl.release = r.id AND rl.catalog_number IS NOT NULL ORDER BY rl.id) AS catalog_numbers,
       (SELECT count(*) FROM musicbrainz.medium m WHERE m.release = r.id) AS medium_count,
       (SELECT coalesce(sum(m.track_count), 0) FROM musicbrainz.medium m WHERE m.release = r.id)::bigint
           AS track_count,
       r.comment AS disambiguation, r.quality, r.last_updated
FROM musicbrainz.release r
JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit
JOIN musicbrainz.release_group rg ON rg.id = r.release_group
LEFT JOIN musicbrainz.release_status s ON s.id = r.status
LEFT JOIN musicbrainz.release_packaging p ON p.id = r.packaging
LEFT JOIN musicbrainz.language l ON l.id = r.language
LEFT JOIN musicbrainz.script sc ON sc.id = r.script
LEFT JOIN LATERAL (
    SELECT e.date_year, e.date_month, e.date_day, e.country FROM ({_EVENTS}) e WHERE e.release = r.id
    ORDER BY e.date_year, e.date_month, e.date_day, e.country LIMIT 1
) ev ON true
"""

RELEASE_EVENTS = f"""
SELECT r.gid AS release_mbid, e.country, a.name AS country_name, {_date("e", "date", "date")}
FROM ({_EVENTS}) e
JOIN musicbrainz.release r ON r.id = e.release
LEFT JOIN musicbrainz.area a ON a.id = e.area
"""

RECORDINGS = f"""
SELECT rec.gid AS mbid, rec.name, ac.name AS artist_credit, {_artist_mbids("rec.artist_credit")} AS artist_mbids,
       rec.length AS length_ms, rec.video,
       ARRAY(SELECT i.isrc::text FROM musicbrainz.isrc i WHERE i.recording = rec.id ORDER BY i.isrc) AS isrcs,
       rec.comment AS disambiguation, rec.last_updated
FROM musicbrainz.recording rec
JOIN musicbrainz.artist_credit ac ON ac.id = rec.artist_credit
"""

TRACKS = """
SELECT t.gid AS mbid, r.gid AS release_mbid, m.position AS medium_position, f.name AS medium_format,
       m.name AS medium_name, t.position, t.number, t.name, ac.name AS artist_credit,
       rec.gid AS recording_mbid, t.length AS length_ms, t.is_data_track, t.last_updated
FROM musicbrainz.track t
JOIN musicbrainz.medium m ON m.id = t.medium
JOIN musicbrainz.release r ON r.id = m.release
JOIN musicbrainz.recording rec ON rec.id = t.recording
JOIN musicbrainz.artist_credit ac ON ac.id = t.artist_credit
LEFT JOIN musicbrainz.medium_format f ON f.id = m.format
"""

LABELS = f"""
SELECT lb.gid AS mbid, lb.name, t.name AS type, lb.label_code, ar.name AS area, {_country("lb.area")} AS country,
       {_date("lb", "begin_date", "begin_date")}, {_date("lb", "end_date", "end_date")}, lb.ended,
       (SELECT count(DISTINCT rl.release) FROM musicbrainz.release_label rl WHERE rl.label = lb.id) AS release_count,
       lb.comment AS disambiguation, lb.last_updated
FROM musicbrainz.label lb
LEFT JOIN musicbrainz.label_type t ON t.id = lb.type
LEFT JOIN musicbrainz.area ar ON ar.id = lb.area
"""

RELEASE_LABELS = """
SELECT r.gid AS release_mbid, lb.gid AS label_mbid, lb.name AS label_name, rl.catalog_number
FROM musicbrainz.release_label rl
JOIN musicbrainz.release r ON r.id = rl.release
LEFT JOIN musicbrainz.label lb ON lb.id = rl.label
"""


def _name_column(entity: str) -> str:
    return "url" if entity == "url" else "name"


def relationship_tables() -> list[tuple[str, str]]:
    """The (type0, type1) pairs that have an ``l_<type0>_<type1>`` table in the schema."""
    return [
        (type0, type1)
        for i, type0 in enumerate(RELATABLE_TYPES)
        for type1 in RELATABLE_TYPES[i:]
        if f"musicbrainz.l_{type0}_{type1}" in metadata.tables
    ]


_RELATIONSHIP = (
    "SELECT lt.name AS type, lt.gid AS type_mbid, {t0} AS entity0_type, e0.gid AS entity0_mbid, "
    "e0.{n0} AS entity0_name, {t1} AS entity1_type, e1.gid AS entity1_mbid, e1.{n1} AS entity1_name, "
    "lt.link_phrase, lt.reverse_link_phrase, "
    + _date("lk", "begin_date", "begin_date")
    + ", "
    + _date("lk", "end_date", "end_date")
    + ", lk.ended, "
    "ARRAY(SELECT at.name FROM musicbrainz.link_attribute la "
    "JOIN musicbrainz.link_attribute_type at ON at.id = la.attribute_type "
    "WHERE la.link = lk.id ORDER BY at.name) AS attributes, "
    "l.link_order, l.entity0_credit, l.entity1_credit, l.last_updated "
    "FROM {table} l "
    "JOIN musicbrainz.link lk ON lk.id = l.link "
    "JOIN musicbrainz.link_type lt ON lt.id = lk.link_type "
    "JOIN {table0} e0 ON e0.id = l.entity0 "
    "JOIN {table1} e1 ON e1.id = l.entity1"
)


def relationship_statements() -> tuple[Statement, ...]:
    """One statement per ``l_<type0>_<type1>`` table, all with the same columns."""
    template = sql.SQL(_RELATIONSHIP)
    return tuple(
        template.format(
            t0=sql.Literal(type0),
            t1=sql.Literal(type1),
            n0=sql.Identifier(_name_column(type0)),
            n1=sql.Identifier(_name_column(type1)),
            table=sql.Identifier("musicbrainz", f"l_{type0}_{type1}"),
            table0=sql.Identifier("musicbrainz", type0),
            table1=sql.Identifier("musicbrainz", type1),
        )
        for type0, type1 in relationship_tables()
    )


def curated_tables() -> dict[str, Curated]:
    """The curated tables, in export order."""

    def one(name: str, description: str, statement: str) -> Curated:
        return Curated(name, description, (sql.SQL(statement),))

    tables = [
        one("artists", "one row per artist, with type, gender, area, country and life-span", ARTISTS),
        one(
            "release_groups",
            "one row per release group (album, single, ...), with types and first release date",
            RELEASE_GROUPS,
        ),
        one(
            "releases",
            "one row per release, with its earliest date and country, all countries, labels and catalogue numbers",
            RELEASES,
        ),
        one("release_events", "one row per release event (a release's date in a country)", RELEASE_EVENTS),
        one("recordings", "one row per recording, with artist credit and ISRCs", RECORDINGS),
        one("tracks", "one row per track, with medium and track positions and the recording", TRACKS),
        one("labels", "one row per label, with type, area, country and label code", LABELS),
        one("release_labels", "one row per release/label pair, with the catalogue number", RELEASE_LABELS),
        Curated(
            "relationships",
            "one row per relationship, with its type name and the type and MBID of both entities",
            relationship_statements(),
        ),
    ]
    return {table.name: table for table in tables}

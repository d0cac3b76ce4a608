"""The remaining search cores (area, event, place, instrument, series, tag, url, annotation, cdstub), the
catalogue of every core by its ws/2 name and of every part by its name. See ``mirror.search.cores`` for the
conventions."""

from __future__ import annotations

from mirror.schema.entities import MAIN_ENTITIES, RELATABLE_TYPES
from mirror.schema.musicbrainz import metadata
from mirror.search.cores import (
    ARTIST,
    ARTIST_CREDIT,
    LABEL,
    MEDIUM,
    RECORDING,
    RELEASE,
    RELEASE_GROUP,
    WORK,
    Core,
    Part,
    _aliases,
    _area_of,
    _boosts,
    _by_gid,
    _kinds,
    _life,
    _tags,
    _type,
)

AREA = Core(
    name="area",
    table="area",
    lookups=_by_gid("aid", "area"),
    fields=_kinds(
        "aid=k area=t areaaccent=a sortname=t alias=t comment=t begin=d end=d ended=k type=k tag=t iso=k iso1=k "
        "iso2=k iso3=k"
    ),
    defaults=_boosts("alias^1.5 area^2 areaaccent^2.2 sortname^1.5 comment iso iso1 iso2 iso3"),
    synonyms={"mbid": "aid"},
    source=(
        "SELECT x.id, x.gid::text AS aid, x.name AS area, x.name AS areaaccent, x.name AS sortname, "
        + _aliases("area")
        + ", x.comment, "
        + _life()
        + ", "
        + _type("area")
        + ", "
        + _tags("area")
        + ", (SELECT array_agg(code) FROM {mb}.iso_3166_1 WHERE area = x.id) AS iso1, "
        "(SELECT array_agg(code) FROM {mb}.iso_3166_2 WHERE area = x.id) AS iso2, "
        "(SELECT array_agg(code) FROM {mb}.iso_3166_3 WHERE area = x.id) AS iso3, "
        "(SELECT array_agg(code) FROM (SELECT code FROM {mb}.iso_3166_1 WHERE area = x.id UNION ALL "
        "SELECT code FROM {mb}.iso_3166_2 WHERE area = x.id UNION ALL "
        "SELECT code FROM {mb}.iso_3166_3 WHERE area = x.id) c) AS iso FROM {mb}.area x WHERE {where}"
    ),
)

PLACE = Core(
    name="place",
    table="place",
    lookups=_by_gid("pid", "place"),
    fields=_kinds(
        "pid=k place=t placeaccent=a alias=t address=t area=t comment=t begin=d end=d ended=k lat=k long=k type=k"
    ),
    defaults=_boosts("alias^1.5 place^2 placeaccent^2.2 address area comment"),
    synonyms={"mbid": "pid"},
    source=(
        "SELECT x.id, x.gid::text AS pid, x.name AS place, x.name AS placeaccent, "
        + _aliases("place")
        + ", x.address, "
        + _area_of("x.area", "area")
        + ", x.comment, "
        + _life()
        + ", (x.coordinates[0])::text AS lat, (x.coordinates[1])::text AS long, "
        + _type("place")
        + " FROM {mb}.place x WHERE {where}"
    ),
)

EVENT = Core(
    name="event",
    table="event",
    lookups=_by_gid("eid", "event"),
    fields=_kinds(
        "eid=k event=t eventaccent=a alias=t comment=t begin=d end=d ended=k type=k tag=t arid=k artist=t pid=k "
        "place=t aid=k area=t"
    ),
    defaults=_boosts("alias^1.5 event^2 eventaccent^2.2 comment artist place area"),
    synonyms={"mbid": "eid"},
    source=(
        "SELECT x.id, x.gid::text AS eid, x.name AS event, x.name AS eventaccent, "
        + _aliases("event")
        + ", x.comment, "
        + _life()
        + ", "
        + _type("event")
        + ", "
        + _tags("event")
        + ", (SELECT array_agg(a.gid::text) FROM {mb}.l_artist_event l JOIN {mb}.artist a ON a.id = l.entity0"
        " WHERE l.entity1 = x.id) AS arid, (SELECT array_agg(a.name) FROM {mb}.l_artist_event l"
        " JOIN {mb}.artist a ON a.id = l.entity0 WHERE l.entity1 = x.id) AS artist,"
        " (SELECT array_agg(p.gid::text) FROM {mb}.l_event_place l JOIN {mb}.place p ON p.id = l.entity1"
        " WHERE l.entity0 = x.id) AS pid, (SELECT array_agg(p.name) FROM {mb}.l_event_place l"
        " JOIN {mb}.place p ON p.id = l.entity1 WHERE l.entity0 = x.id) AS place,"
        " (SELECT array_agg(a.gid::text) FROM {mb}.l_area_event l JOIN {mb}.area a ON a.id = l.entity0"
        " WHERE l.entity1 = x.id) AS aid, (SELECT array_agg(a.name) FROM {mb}.l_area_event l"
        " JOIN {mb}.area a ON a.id = l.entity0 WHERE l.entity1 = x.id) AS area FROM {mb}.event x WHERE {where}"
    ),
)

INSTRUMENT = Core(
    name="instrument",
    table="instrument",
    lookups=_by_gid("iid", "instrument"),
    fields=_kinds("iid=k instrument=t instrumentaccent=a alias=t comment=t description=t type=k tag=t"),
    defaults=_boosts("alias^1.5 instrument^2 instrumentaccent^2.2 comment description^0.5"),
    synonyms={"mbid": "iid"},
    source=(
        "SELECT x.id, x.gid::text AS iid, x.name AS instrument, x.name AS instrumentaccent, "
        + _aliases("instrument")
        + ", x.comment, x.description, "
        + _type("instrument")
        + ", "
        + _tags("instrument")
        + " FROM {mb}.instrument x WHERE {where}"
    ),
)

SERIES = Core(
    name="series",
    table="series",
    lookups=_by_gid("sid", "series"),
    fields=_kinds("sid=k series=t seriesaccent=a alias=t comment=t type=k tag=t"),
    defaults=_boosts("alias^1.5 series^2 seriesaccent^2.2 comment"),
    synonyms={"mbid": "sid"},
    source=(
        "SELECT x.id, x.gid::text AS sid, x.name AS series, x.name AS seriesaccent, "
        + _aliases("series")
        + ", x.comment, "
        + _type("series")
        + ", "
        + _tags("series")
        + " FROM {mb}.series x WHERE {where}"
    ),
)

TAG = Core(
    name="tag",
    table="tag",
    fields=_kinds("tag=t"),
    defaults=_boosts("tag"),
    source="SELECT x.id, x.name AS tag, x.ref_count AS pop FROM {mb}.tag x WHERE {where}",
)

_URL_LINKS = " UNION ALL ".join(
    f"SELECT l.entity1 AS url, l.link, '{t}' AS ttype, e.gid::text AS target FROM {{mb}}.l_{t}_url l"
    f" JOIN {{mb}}.{t} e ON e.id = l.entity0"
    for t in RELATABLE_TYPES
    if f"musicbrainz.l_{t}_url" in metadata.tables
)
URL = Core(
    name="url",
    table="url",
    lookups=_by_gid("uid", "url"),
    fields=_kinds("uid=k url=k relationtype=k targetid=k targettype=k"),
    defaults=_boosts("url"),
    synonyms={"mbid": "uid"},
    source=(
        "SELECT x.id, x.gid::text AS uid, x.url, lk.relationtype, lk.targetid, lk.targettype FROM {mb}.url x"
        " LEFT JOIN LATERAL (SELECT array_agg(lt.name) AS relationtype, array_agg(u.target) AS targetid,"
        " array_agg(u.ttype) AS targettype FROM (" + _URL_LINKS + ") u JOIN {mb}.link k ON k.id = u.link"
        " JOIN {mb}.link_type lt ON lt.id = k.link_type WHERE u.url = x.id) lk ON true WHERE {where}"
    ),
)

ANNOTATED = MAIN_ENTITIES  # every main entity type has annotations
# The latest annotation of each entity (older ones are history, not searchable).
_ANNOTATIONS = " UNION ALL ".join(
    f"SELECT j.annotation, '{t.replace('_', '-')}' AS type, e.gid::text AS entity, e.name FROM {{mb}}.{t}_annotation j"
    f" JOIN {{mb}}.{t} e ON e.id = j.{t} WHERE j.annotation = (SELECT max(annotation) FROM {{mb}}.{t}_annotation"
    f" WHERE {t} = j.{t})"
    for t in ANNOTATED
)
ANNOTATION = Core(
    name="annotation",
    table="annotation",
    fields=_kinds("id=k entity=k name=t text=t type=k"),
    defaults=_boosts("name text"),
    source=(
        "SELECT x.id, x.id::text AS id, a.entity, a.name, x.text, a.type FROM {mb}.annotation x"
        " JOIN (" + _ANNOTATIONS + ") a ON a.annotation = x.id WHERE x.text <> '' AND {where}"
    ),
)

CDSTUB = Core(
    name="cdstub",
    table="release_raw",
    fields=_kinds("id=k title=t artist=t barcode=c comment=t discid=k tracks=i added=d"),
    defaults=_boosts("title artist"),
    source=(
        "SELECT x.id, x.id::text AS id, x.title, x.artist, x.barcode, x.comment, c.discid, c.track_count AS tracks, "
        "to_char(x.added, 'YYYY-MM-DD') AS added, x.lookup_count AS pop FROM {mb}.release_raw x"
        " LEFT JOIN {mb}.cdtoc_raw c ON c.release = x.id WHERE {where}"
    ),
)

CATALOG: dict[str, Core] = {
    core.name: core
    for core in (
        ANNOTATION,
        AREA,
        ARTIST,
        CDSTUB,
        EVENT,
        INSTRUMENT,
        LABEL,
        PLACE,
        RECORDING,
        RELEASE,
        RELEASE_GROUP,
        SERIES,
        TAG,
        URL,
        WORK,
    )
}
CORES: tuple[str, ...] = tuple(CATALOG)

SHARED_PARTS: tuple[Part, ...] = (ARTIST_CREDIT, MEDIUM)
# Every table of search documents by its name (a core's own part is named after the core).
PARTS: dict[str, Part] = {**{core.name: core.own for core in CATALOG.values()}, **{p.name: p for p in SHARED_PARTS}}

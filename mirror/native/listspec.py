"""What each native list offers: its columns, filters, sorts and facets, as SQL expressions over alias ``e``.

Every expression here is a constant of the code (never built from input); values are always bound parameters.
Filter kinds: ``mbid`` (an MBID, template with ``%s``), ``ci`` (text, case-insensitive), ``text`` (exact),
``code`` (upper-cased code), ``int`` and ``date`` (partial ISO date; both also take ``__gte`` / ``__lte``),
``bool`` (true/false), ``exists`` (exact value, template with ``%s``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mirror.native import list_models as lm
from mirror.native.fragments import country_of, date_key, date_text, first_event
from mirror.native.models import Model


@dataclass(frozen=True)
class Filter:
    kind: str
    expr: str
    doc: str


@dataclass(frozen=True)
class Sort:
    expr: str
    numeric: bool  # numeric sorts may be NULL (sorted last); text sorts never are


@dataclass(frozen=True)
class Spec:
    table: str
    from_: str
    columns: dict[str, str]
    item: type[Model]
    filters: dict[str, Filter]
    sorts: dict[str, Sort]
    facets: dict[str, str] = field(default_factory=dict)


def _by_mbid(table: str, template: str) -> str:
    return template.replace("?", f"(SELECT id FROM musicbrainz.{table} WHERE gid = %s::uuid)")


_BY_ARTIST = _by_mbid(
    "artist", "e.artist_credit IN (SELECT artist_credit FROM musicbrainz.artist_credit_name WHERE artist = ?)"
)
_LIFE = {"begin": date_text("e.begin_date"), "end": date_text("e.end_date")}
_LIFE_FILTERS = {
    "begin": Filter("date", date_key("e.begin_date"), "begin date (partial ISO date)"),
    "end": Filter("date", date_key("e.end_date"), "end date (partial ISO date)"),
}
_BASE_SORTS = {"id": Sort("e.id", numeric=True)}
_NAME_SORT = {"name": Sort('e.name COLLATE "C"', numeric=False)}
_TITLE_SORT = {"title": Sort('e.name COLLATE "C"', numeric=False)}


def _typed(table: str, type_table: str) -> str:
    return f"FROM musicbrainz.{table} e LEFT JOIN musicbrainz.{type_table} t ON t.id = e.type "


ARTIST = Spec(
    table="artist",
    from_=_typed("artist", "artist_type")
    + "LEFT JOIN musicbrainz.gender g ON g.id = e.gender LEFT JOIN musicbrainz.area a ON a.id = e.area",
    columns={
        "id": "e.gid::text",
        "name": "e.name",
        "sort_name": "e.sort_name",
        "disambiguation": "e.comment",
        "type": "t.name",
        "gender": "g.name",
        "country": country_of("e.area"),
        "area": "a.name",
        **_LIFE,
    },
    item=lm.ArtistItem,
    filters={
        "name": Filter("ci", "e.name", "name (case-insensitive, exact)"),
        "type": Filter("ci", "t.name", "artist type, e.g. Person, Group"),
        "gender": Filter("ci", "g.name", "gender"),
        "country": Filter("code", country_of("e.area"), "ISO 3166-1 code of the artist's area"),
        "area": Filter("mbid", _by_mbid("area", "e.area = ?"), "MBID of the artist's area"),
        **_LIFE_FILTERS,
    },
    sorts={**_BASE_SORTS, **_NAME_SORT, "sort_name": Sort('e.sort_name COLLATE "C"', False)}
    | {"begin": Sort(date_key("e.begin_date"), True)},
    facets={"country": country_of("e.area"), "type": "t.name", "gender": "g.name"},
)

LABEL = Spec(
    table="label",
    from_=_typed("label", "label_type") + "LEFT JOIN musicbrainz.area a ON a.id = e.area",
    columns={
        "id": "e.gid::text",
        "name": "e.name",
        "disambiguation": "e.comment",
        "type": "t.name",
        "label_code": "e.label_code",
        "country": country_of("e.area"),
        "area": "a.name",
        **_LIFE,
    },
    item=lm.LabelItem,
    filters={
        "name": Filter("ci", "e.name", "name (case-insensitive, exact)"),
        "type": Filter("ci", "t.name", "label type"),
        "country": Filter("code", country_of("e.area"), "ISO 3166-1 code of the label's area"),
        "area": Filter("mbid", _by_mbid("area", "e.area = ?"), "MBID of the label's area"),
        "label_code": Filter("int", "e.label_code", "label code (LC number)"),
        **_LIFE_FILTERS,
    },
    sorts={
        **_BASE_SORTS,
        **_NAME_SORT,
        "label_code": Sort("e.label_code", True),
        "begin": Sort(date_key("e.begin_date"), True),
    },
    facets={"country": country_of("e.area"), "type": "t.name"},
)

AREA = Spec(
    table="area",
    from_=_typed("area", "area_type"),
    columns={
        "id": "e.gid::text",
        "name": "e.name",
        "disambiguation": "e.comment",
        "type": "t.name",
        "iso_3166_1": "ARRAY(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = e.id ORDER BY code)",
    },
    item=lm.AreaItem,
    filters={
        "name": Filter("ci", "e.name", "name (case-insensitive, exact)"),
        "type": Filter("ci", "t.name", "area type, e.g. Country, City"),
        "iso": Filter(
            "exists",
            "EXISTS (SELECT 1 FROM musicbrainz.iso_3166_1 WHERE area = e.id AND code = upper(%s))",
            "ISO 3166-1 code",
        ),
    },
    sorts={**_BASE_SORTS, **_NAME_SORT},
    facets={"type": "t.name"},
)

_WORK_LANGUAGES = (
    "ARRAY(SELECT l.iso_code_3 FROM musicbrainz.work_language wl JOIN musicbrainz.language l ON l.id = wl.language "
    "WHERE wl.work = e.id ORDER BY l.iso_code_3)"
)
WORK = Spec(
    table="work",
    from_=_typed("work", "work_type"),
    columns={
        "id": "e.gid::text",
        "title": "e.name",
        "disambiguation": "e.comment",
        "type": "t.name",
        "iswcs": "ARRAY(SELECT iswc FROM musicbrainz.iswc WHERE work = e.id ORDER BY iswc)",
        "languages": _WORK_LANGUAGES,
    },
    item=lm.WorkItem,
    filters={
        "title": Filter("ci", "e.name", "title (case-insensitive, exact)"),
        "type": Filter("ci", "t.name", "work type, e.g. Song"),
        "iswc": Filter("exists", "EXISTS (SELECT 1 FROM musicbrainz.iswc WHERE work = e.id AND iswc = %s)", "ISWC"),
        "language": Filter(
            "exists",
            "EXISTS (SELECT 1 FROM musicbrainz.work_language wl JOIN musicbrainz.language l ON l.id = wl.language "
            "WHERE wl.work = e.id AND l.iso_code_3 = lower(%s))",
            "ISO 639-3 language code",
        ),
    },
    sorts={**_BASE_SORTS, **_TITLE_SORT},
    facets={"type": "t.name"},
)

_RELEASE_DATE = "(ev.date_year * 10000 + coalesce(ev.date_month, 0) * 100 + coalesce(ev.date_day, 0))"
RELEASE = Spec(
    table="release",
    from_="FROM musicbrainz.release e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit "
    "JOIN musicbrainz.release_group rg ON rg.id = e.release_group "
    "LEFT JOIN musicbrainz.release_group_primary_type rgt ON rgt.id = rg.type "
    "LEFT JOIN musicbrainz.release_status s ON s.id = e.status "
    "LEFT JOIN musicbrainz.language l ON l.id = e.language " + first_event("e"),
    columns={
        "id": "e.gid::text",
        "title": "e.name",
        "disambiguation": "e.comment",
        "artist_credit": "ac.name",
        "release_group": "rg.gid::text",
        "type": "rgt.name",
        "status": "s.name",
        "date": date_text("ev.date"),
        "country": "ev.country",
        "barcode": "e.barcode",
        "language": "l.iso_code_3",
        "catalog_numbers": "ARRAY(SELECT catalog_number FROM musicbrainz.release_label WHERE release = e.id "
        'AND catalog_number IS NOT NULL ORDER BY catalog_number COLLATE "C")',
    },
    item=lm.ReleaseItem,
    filters={
        "artist": Filter("mbid", _BY_ARTIST, "MBID of a credited artist"),
        "release_group": Filter("mbid", _by_mbid("release_group", "e.release_group = ?"), "MBID of the release group"),
        "label": Filter(
            "mbid",
            _by_mbid("label", "EXISTS (SELECT 1 FROM musicbrainz.release_label WHERE release = e.id AND label = ?)"),
            "MBID of a label of the release",
        ),
        "catno": Filter(
            "exists",
            "EXISTS (SELECT 1 FROM musicbrainz.release_label WHERE release = e.id AND catalog_number = %s)",
            "catalogue number (exact)",
        ),
        "barcode": Filter("text", "e.barcode", "barcode (exact)"),
        "country": Filter("code", "ev.country", "country of the earliest release event (ISO 3166-1)"),
        "date": Filter("date", _RELEASE_DATE, "date of the earliest release event (partial ISO date)"),
        "year": Filter("int", "ev.date_year", "year of the earliest release event"),
        "status": Filter("ci", "s.name", "status, e.g. Official, Bootleg"),
        "type": Filter("ci", "rgt.name", "primary type of the release group, e.g. Album, Single"),
        "language": Filter("text", "l.iso_code_3", "ISO 639-3 language code"),
        "title": Filter("ci", "e.name", "title (case-insensitive, exact)"),
    },
    sorts={**_BASE_SORTS, **_TITLE_SORT, "date": Sort(_RELEASE_DATE, True)},
    facets={
        "country": "ev.country",
        "year": "ev.date_year",
        "status": "s.name",
        "type": "rgt.name",
        "language": "l.iso_code_3",
    },
)

_FIRST_RELEASE = (
    "LEFT JOIN LATERAL (SELECT ev.date_year, ev.date_month, ev.date_day FROM musicbrainz.release r "
    + first_event("r")
    + " WHERE r.release_group = e.id AND ev.date_year IS NOT NULL ORDER BY 1, 2 NULLS LAST, 3 NULLS LAST LIMIT 1) fr "
    "ON true"
)
RELEASE_GROUP = Spec(
    table="release_group",
    from_="FROM musicbrainz.release_group e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit "
    "LEFT JOIN musicbrainz.release_group_primary_type t ON t.id = e.type " + _FIRST_RELEASE,
    columns={
        "id": "e.gid::text",
        "title": "e.name",
        "disambiguation": "e.comment",
        "artist_credit": "ac.name",
        "type": "t.name",
        "secondary_types": "ARRAY(SELECT st.name FROM musicbrainz.release_group_secondary_type_join j "
        "JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type "
        "WHERE j.release_group = e.id ORDER BY st.name)",
        "first_release_date": date_text("fr.date"),
    },
    item=lm.ReleaseGroupItem,
    filters={
        "artist": Filter("mbid", _BY_ARTIST, "MBID of a credited artist"),
        "type": Filter("ci", "t.name", "primary type, e.g. Album"),
        "secondary_type": Filter(
            "exists",
            "EXISTS (SELECT 1 FROM musicbrainz.release_group_secondary_type_join j "
            "JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type "
            "WHERE j.release_group = e.id AND lower(st.name) = lower(%s))",
            "secondary type, e.g. Live, Compilation",
        ),
        "first_release_date": Filter("date", date_key("fr.date"), "first release date (partial ISO date)"),
        "title": Filter("ci", "e.name", "title (case-insensitive, exact)"),
    },
    sorts={**_BASE_SORTS, **_TITLE_SORT, "first_release_date": Sort(date_key("fr.date"), True)},
    facets={"type": "t.name", "year": "fr.date_year"},
)

RECORDING = Spec(
    table="recording",
    from_="FROM musicbrainz.recording e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit",
    columns={
        "id": "e.gid::text",
        "title": "e.name",
        "disambiguation": "e.comment",
        "artist_credit": "ac.name",
        "length": "e.length",
        "video": "e.video",
        "isrcs": "ARRAY(SELECT isrc FROM musicbrainz.isrc WHERE recording = e.id ORDER BY isrc)",
    },
    item=lm.RecordingItem,
    filters={
        "artist": Filter("mbid", _BY_ARTIST, "MBID of a credited artist"),
        "release": Filter(
            "mbid",
            _by_mbid(
                "release",
                "e.id IN (SELECT t.recording FROM musicbrainz.track t JOIN musicbrainz.medium md ON md.id = t.medium "
                "WHERE md.release = ?)",
            ),
            "MBID of a release the recording is on",
        ),
        "isrc": Filter(
            "exists", "EXISTS (SELECT 1 FROM musicbrainz.isrc WHERE recording = e.id AND isrc = upper(%s))", "ISRC"
        ),
        "length": Filter("int", "e.length", "length in milliseconds"),
        "video": Filter("bool", "e.video", "true for videos"),
        "title": Filter("ci", "e.name", "title (case-insensitive, exact)"),
    },
    sorts={**_BASE_SORTS, **_TITLE_SORT, "length": Sort("e.length", True)},
    facets={"video": "e.video::text"},
)

SPECS: dict[str, Spec] = {
    "area": AREA,
    "artist": ARTIST,
    "label": LABEL,
    "recording": RECORDING,
    "release": RELEASE,
    "release-group": RELEASE_GROUP,
    "work": WORK,
}

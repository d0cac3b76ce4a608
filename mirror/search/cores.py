"""The search cores: their fields (contract §9.2), default fields and boosts (§9.3), and the SQL of a document.

Each core's ``source`` is one SELECT over the MusicBrainz schema (``{mb}``) returning ``id``, optionally ``pop``
(popularity, used to break ties and, for artists, as a small boost) and one column per field, named after the
field: a scalar or an array, NULLs ignored. ``{where}`` restricts the rows (``TRUE`` for a full build, ``x.id =
ANY(%(ids)s)`` for the replication hook), where ``x`` is the core's main table. The field map follows sir's
(``metabrainz/sir sir/schema``): e.g. recording ``qdur`` = length // 2000, release ``catno`` from
``release_label``, a recording's ``release``, ``reid``, ``tnum``, ``tracks``, ``date``, ... from the releases
of its tracks.

Field kinds: ``text`` (words, case and diacritics folded, positions for phrases, plus the whole value for
exact-match ranking), ``accent`` (the same keeping diacritics), ``keyword`` (the whole value folded: ids,
codes, types), ``compact`` (a keyword without spaces: catalogue numbers, barcodes), ``int`` and ``date``
(keywords that also support ranges; a date is indexed as ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "accent", "keyword", "compact", "int", "date"]
_KINDS = {"t": "text", "a": "accent", "k": "keyword", "c": "compact", "i": "int", "d": "date"}


@dataclass(frozen=True)
class Core:
    """One search core."""

    name: str  # ws/2 name
    table: str  # the MusicBrainz table whose ids the hits are, and the search table's name
    fields: dict[str, Kind]
    defaults: dict[str, float]  # unfielded terms search these fields, with these boosts
    source: str
    synonyms: dict[str, str] = field(default_factory=dict)  # field name in a query -> indexed field
    pop_weight: float = 0.0  # score added per log10(1 + pop)

    def field_for(self, name: str) -> str | None:
        """The indexed field a query's field name means, or None for a field this core does not have."""
        name = self.synonyms.get(name, name)
        return name if name in self.fields else None

    @property
    def vocabulary_fields(self) -> list[str]:
        """Fields whose words the vocabulary counts: not the identifiers (unique, never misspelt or ranked)."""
        return [n for n, k in self.fields.items() if not (k == "keyword" and (n.endswith("id") or n == "entity"))]

    @property
    def typed(self) -> dict[str, Kind]:
        """The fields with a typed column for ranges."""
        return {n: k for n, k in self.fields.items() if k in ("int", "date")}


def _kinds(spec: str) -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for item in spec.split():
        name, kind = item.split("=")
        out[name] = _KINDS[kind]  # type: ignore[assignment]
    return out


def _boosts(spec: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in spec.split():
        name, _, boost = item.partition("^")
        out[name] = float(boost or 1.0)
    return out


def _date(prefix: str) -> str:
    return (
        f"NULLIF(concat_ws('-', lpad({prefix}_year::text, 4, '0'), lpad({prefix}_month::text, 2, '0'), "
        f"lpad({prefix}_day::text, 2, '0')), '')"
    )


def _credit(alias: str) -> str:
    return (
        " LEFT JOIN LATERAL (SELECT array_agg(a.name ORDER BY n.position) AS artistname,"
        " array_agg(n.name ORDER BY n.position) AS creditname, array_agg(a.gid::text ORDER BY n.position) AS arid"
        " FROM {mb}.artist_credit_name n JOIN {mb}.artist a ON a.id = n.artist"
        f" WHERE n.artist_credit = {alias}.artist_credit) cr ON true"
        f" LEFT JOIN {{mb}}.artist_credit ac ON ac.id = {alias}.artist_credit"
    )


def _aliases(entity: str, alias: str = "x") -> str:
    return (
        f"(SELECT array_agg(name) || array_agg(sort_name) FROM {{mb}}.{entity}_alias WHERE {entity} = {alias}.id)"
        " AS alias"
    )


def _tags(entity: str, alias: str = "x") -> str:
    return (
        f"(SELECT array_agg(t.name) FROM {{mb}}.{entity}_tag j JOIN {{mb}}.tag t ON t.id = j.tag"
        f" WHERE j.{entity} = {alias}.id AND j.count > 0) AS tag"
    )


def _life(alias: str = "x") -> str:
    return f"{_date(alias + '.begin_date')} AS begin, {_date(alias + '.end_date')} AS end, {alias}.ended::text AS ended"


def _type(entity: str, alias: str = "x") -> str:
    return f"(SELECT name FROM {{mb}}.{entity}_type WHERE id = {alias}.type) AS type"


def _area_of(column: str, name: str) -> str:
    return f"(SELECT name FROM {{mb}}.area WHERE id = {column}) AS {name}"


def _country_of(column: str) -> str:
    return f"(SELECT code FROM {{mb}}.iso_3166_1 WHERE area = {column} LIMIT 1) AS country"


_RELEASE_EVENTS = (
    " LEFT JOIN LATERAL (SELECT array_agg(i.code) AS country, array_agg(e.date) AS date FROM ("
    f"SELECT country, {_date('date')} AS date FROM {{mb}}.release_country WHERE release = {{r}}.id"
    f" UNION ALL SELECT NULL, {_date('date')} FROM {{mb}}.release_unknown_country WHERE release = {{r}}.id) e"
    " LEFT JOIN {mb}.iso_3166_1 i ON i.area = e.country) ev ON true"
)


def _events(alias: str) -> str:
    return _RELEASE_EVENTS.replace("{r}", alias)


def _secondary(rg: str) -> str:
    return (
        " LEFT JOIN LATERAL (SELECT array_agg(t.name) AS secondarytype FROM {mb}.release_group_secondary_type_join j"
        " JOIN {mb}.release_group_secondary_type t ON t.id = j.secondary_type"
        f" WHERE j.release_group = {rg}.id) st ON true"
    )


_CREDIT_COLUMNS = "ac.name AS artist, cr.artistname, cr.creditname, cr.arid"

ARTIST = Core(
    name="artist",
    table="artist",
    fields=_kinds(
        "arid=k artist=t artistaccent=a sortname=t alias=t primary_alias=t comment=t area=t beginarea=t "
        "endarea=t country=k begin=d end=d ended=k gender=k ipi=k isni=k tag=t type=k"
    ),
    defaults=_boosts("alias^1.75 primary_alias^2 artist^2 artistaccent^2.2 comment sortname^1.85"),
    synonyms={"mbid": "arid"},
    pop_weight=0.5,
    source=(
        "SELECT x.id, x.gid::text AS arid, x.name AS artist, x.name AS artistaccent, x.sort_name AS sortname, "
        + _aliases("artist")
        + ", (SELECT array_agg(name) FROM {mb}.artist_alias WHERE artist = x.id AND primary_for_locale)"
        " AS primary_alias, x.comment, "
        + _area_of("x.area", "area")
        + ", "
        + _area_of("x.begin_area", "beginarea")
        + ", "
        + _area_of("x.end_area", "endarea")
        + ", "
        + _country_of("x.area")
        + ", "
        + _life()
        + ", (SELECT name FROM {mb}.gender WHERE id = x.gender) AS gender, "
        "(SELECT array_agg(ipi) FROM {mb}.artist_ipi WHERE artist = x.id) AS ipi, "
        "(SELECT array_agg(isni) FROM {mb}.artist_isni WHERE artist = x.id) AS isni, "
        + _tags("artist")
        + ", "
        + _type("artist")
        + ", (SELECT coalesce(sum(ac.ref_count), 0) FROM {mb}.artist_credit_name n"
        " JOIN {mb}.artist_credit ac ON ac.id = n.artist_credit WHERE n.artist = x.id) AS pop"
        " FROM {mb}.artist x WHERE {where}"
    ),
)

RELEASE = Core(
    name="release",
    table="release",
    fields=_kinds(
        "reid=k release=t releaseaccent=a comment=t barcode=c asin=k quality=k status=k packaging=k lang=k "
        "script=k artist=t artistname=t creditname=t arid=k alias=t tag=t rgid=k primarytype=k secondarytype=k "
        "type=k country=k date=d label=t laid=k catno=c format=k mediums=i tracks=i tracksmedium=i discids=i "
        "discidsmedium=i mediumid=k"
    ),
    defaults=_boosts(
        "alias^1.2 artistname^1.2 barcode comment creditname^1.2 label release^1.5 releaseaccent^2 tag artist"
    ),
    synonyms={"mbid": "reid"},
    source=(
        "SELECT x.id, x.gid::text AS reid, x.name AS release, x.name AS releaseaccent, x.comment, x.barcode, "
        "x.quality::text AS quality, (SELECT name FROM {mb}.release_status WHERE id = x.status) AS status, "
        "(SELECT name FROM {mb}.release_packaging WHERE id = x.packaging) AS packaging, "
        "(SELECT iso_code_3 FROM {mb}.language WHERE id = x.language) AS lang, "
        "(SELECT iso_code FROM {mb}.script WHERE id = x.script) AS script, "
        "(SELECT amazon_asin FROM {mb}.release_meta WHERE id = x.id) AS asin, "
        + _CREDIT_COLUMNS
        + ", "
        + _aliases("release")
        + ", "
        + _tags("release")
        + ", rg.gid::text AS rgid, pt.name AS primarytype, st.secondarytype, "
        "array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, ev.country, ev.date, "
        "lab.label, lab.laid, lab.catno, med.format, med.mediums, med.tracks, med.tracksmedium, med.mediumid, "
        "med.discidsmedium, (SELECT sum(d) FROM unnest(med.discidsmedium) d) AS discids"
        " FROM {mb}.release x JOIN {mb}.release_group rg ON rg.id = x.release_group"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
        + _credit("x")
        + _secondary("rg")
        + _events("x")
        + " LEFT JOIN LATERAL (SELECT array_agg(l.name) AS label, array_agg(l.gid::text) AS laid,"
        " array_agg(rl.catalog_number) AS catno FROM {mb}.release_label rl LEFT JOIN {mb}.label l ON l.id = rl.label"
        " WHERE rl.release = x.id) lab ON true"
        " LEFT JOIN LATERAL (SELECT array_agg(mf.name) AS format, count(*) AS mediums, sum(m.track_count) AS tracks,"
        " array_agg(m.track_count) AS tracksmedium, array_agg(m.gid::text) AS mediumid,"
        " array_agg((SELECT count(*) FROM {mb}.medium_cdtoc mc WHERE mc.medium = m.id)) AS discidsmedium"
        " FROM {mb}.medium m LEFT JOIN {mb}.medium_format mf ON mf.id = m.format WHERE m.release = x.id) med ON true"
        " WHERE {where}"
    ),
)

RECORDING = Core(
    name="recording",
    table="recording",
    fields=_kinds(
        "rid=k recording=t recordingaccent=a comment=t dur=i qdur=i video=k isrc=k artist=t artistname=t "
        "creditname=t arid=k alias=t tag=t reid=k release=t rgid=k tid=k tnum=i number=k position=i tracks=i "
        "tracksrelease=i format=k status=k primarytype=k secondarytype=k type=k country=k date=d "
        "firstreleasedate=d"
    ),
    defaults=_boosts(
        "alias^1.2 artist artistname^1.75 creditname comment recording^2 recordingaccent^2.2 release status tag"
    ),
    synonyms={"mbid": "rid", "track": "recording"},
    source=(
        "SELECT x.id, x.gid::text AS rid, x.name AS recording, x.name AS recordingaccent, x.comment, "
        "x.length AS dur, x.length / 2000 AS qdur, x.video::text AS video, "
        "(SELECT array_agg(isrc) FROM {mb}.isrc WHERE recording = x.id) AS isrc, "
        + _CREDIT_COLUMNS
        + ", "
        + _aliases("recording")
        + ", "
        + _tags("recording")
        + ", rel.reid, rel.release, rel.rgid, rel.tid, rel.tnum, rel.number, rel.position, rel.tracks, "
        "rel.tracksrelease, rel.format, rel.status, rel.primarytype, rel.secondarytype, rel.type, rel.country, "
        "rel.date, (SELECT min(d) FROM unnest(rel.date) d) AS firstreleasedate, rel.pop"
        " FROM {mb}.recording x"
        + _credit("x")
        + " LEFT JOIN LATERAL (SELECT array_agg(r.gid::text) AS reid, array_agg(r.name) AS release,"
        " array_agg(rg.gid::text) AS rgid, array_agg(t.gid::text) AS tid, array_agg(t.position) AS tnum,"
        " array_agg(t.number) AS number, array_agg(m.position) AS position, array_agg(m.track_count) AS tracks,"
        " array_agg((SELECT sum(track_count) FROM {mb}.medium WHERE release = r.id)) AS tracksrelease,"
        " array_agg(mf.name) AS format, array_agg(rs.name) AS status, array_agg(pt.name) AS primarytype,"
        " array_agg(st.secondarytype) FILTER (WHERE st.secondarytype IS NOT NULL) AS secondarytype,"
        " array_agg(pt.name) || array_agg(st.secondarytype) FILTER (WHERE st.secondarytype IS NOT NULL) AS type,"
        " array_agg(ev.country) FILTER (WHERE ev.country IS NOT NULL) AS country,"
        " array_agg(ev.date) FILTER (WHERE ev.date IS NOT NULL) AS date, count(*) AS pop"
        " FROM {mb}.track t JOIN {mb}.medium m ON m.id = t.medium JOIN {mb}.release r ON r.id = m.release"
        " JOIN {mb}.release_group rg ON rg.id = r.release_group"
        " LEFT JOIN {mb}.medium_format mf ON mf.id = m.format LEFT JOIN {mb}.release_status rs ON rs.id = r.status"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
        " LEFT JOIN LATERAL (SELECT string_agg(t2.name, ' ') AS secondarytype"
        " FROM {mb}.release_group_secondary_type_join j JOIN {mb}.release_group_secondary_type t2"
        " ON t2.id = j.secondary_type WHERE j.release_group = rg.id) st ON true"
        " LEFT JOIN LATERAL (SELECT min(i.code) AS country, min(e.date) AS date FROM ("
        f"SELECT country, {_date('date')} AS date FROM {{mb}}.release_country WHERE release = r.id"
        f" UNION ALL SELECT NULL, {_date('date')} FROM {{mb}}.release_unknown_country WHERE release = r.id) e"
        " LEFT JOIN {mb}.iso_3166_1 i ON i.area = e.country) ev ON true"
        " WHERE t.recording = x.id) rel ON true"
        " WHERE {where}"
    ),
)

RELEASE_GROUP = Core(
    name="release-group",
    table="release_group",
    fields=_kinds(
        "rgid=k releasegroup=t releasegroupaccent=a comment=t artist=t artistname=t creditname=t arid=k alias=t "
        "tag=t primarytype=k secondarytype=k type=k reid=k release=t status=k releases=i firstreleasedate=d"
    ),
    defaults=_boosts(
        "alias^1.2 artistname^1.2 creditname^1.2 artist comment releasegroup^1.5 releasegroupaccent^2 tag"
    ),
    synonyms={"mbid": "rgid"},
    source=(
        "SELECT x.id, x.gid::text AS rgid, x.name AS releasegroup, x.name AS releasegroupaccent, x.comment, "
        + _CREDIT_COLUMNS
        + ", "
        + _aliases("release_group")
        + ", "
        + _tags("release_group")
        + ", pt.name AS primarytype, st.secondarytype, "
        "array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, rel.reid, rel.release, rel.status, "
        "rel.releases, rel.releases AS pop, "
        + _date("meta.first_release_date")
        + " AS firstreleasedate FROM {mb}.release_group x"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = x.type"
        " LEFT JOIN {mb}.release_group_meta meta ON meta.id = x.id"
        + _credit("x")
        + _secondary("x")
        + " LEFT JOIN LATERAL (SELECT array_agg(r.gid::text) AS reid, array_agg(r.name) AS release,"
        " array_agg(rs.name) AS status, count(*) AS releases FROM {mb}.release r"
        " LEFT JOIN {mb}.release_status rs ON rs.id = r.status WHERE r.release_group = x.id) rel ON true"
        " WHERE {where}"
    ),
)

LABEL = Core(
    name="label",
    table="label",
    fields=_kinds(
        "laid=k label=t labelaccent=a sortname=t alias=t comment=t area=t country=k begin=d end=d ended=k code=i "
        "ipi=k isni=k type=k tag=t release_count=i"
    ),
    defaults=_boosts("alias^1.5 label^2 labelaccent^2.2 sortname^1.5 comment"),
    synonyms={"mbid": "laid"},
    source=(
        "SELECT x.id, x.gid::text AS laid, x.name AS label, x.name AS labelaccent, x.name AS sortname, "
        + _aliases("label")
        + ", x.comment, "
        + _area_of("x.area", "area")
        + ", "
        + _country_of("x.area")
        + ", "
        + _life()
        + ", x.label_code AS code, "
        "(SELECT array_agg(ipi) FROM {mb}.label_ipi WHERE label = x.id) AS ipi, "
        "(SELECT array_agg(isni) FROM {mb}.label_isni WHERE label = x.id) AS isni, "
        + _type("label")
        + ", "
        + _tags("label")
        + ", rc.n AS release_count, rc.n AS pop FROM {mb}.label x"
        " LEFT JOIN LATERAL (SELECT count(DISTINCT release) AS n FROM {mb}.release_label WHERE label = x.id) rc"
        " ON true WHERE {where}"
    ),
)

WORK = Core(
    name="work",
    table="work",
    fields=_kinds(
        "wid=k work=t workaccent=a alias=t comment=t iswc=k lang=k type=k tag=t arid=k artist=t rid=k "
        "recording=t recording_count=i"
    ),
    defaults=_boosts("alias^1.5 work^2 workaccent^2.2 artist comment"),
    synonyms={"mbid": "wid"},
    source=(
        "SELECT x.id, x.gid::text AS wid, x.name AS work, x.name AS workaccent, "
        + _aliases("work")
        + ", x.comment, (SELECT array_agg(iswc) FROM {mb}.iswc WHERE work = x.id) AS iswc, "
        "(SELECT array_agg(l.iso_code_3) FROM {mb}.work_language wl JOIN {mb}.language l ON l.id = wl.language"
        " WHERE wl.work = x.id) AS lang, "
        + _type("work")
        + ", "
        + _tags("work")
        + ", (SELECT array_agg(a.gid::text) FROM {mb}.l_artist_work l JOIN {mb}.artist a ON a.id = l.entity0"
        " WHERE l.entity1 = x.id) AS arid, (SELECT array_agg(a.name) FROM {mb}.l_artist_work l"
        " JOIN {mb}.artist a ON a.id = l.entity0 WHERE l.entity1 = x.id) AS artist, rec.rid, rec.recording,"
        " rec.n AS recording_count, rec.n AS pop FROM {mb}.work x"
        " LEFT JOIN LATERAL (SELECT array_agg(r.gid::text ORDER BY l.id) AS rid,"
        " array_agg(r.name ORDER BY l.id) AS recording, count(*) AS n FROM {mb}.l_recording_work l"
        " JOIN {mb}.recording r ON r.id = l.entity0 WHERE l.entity1 = x.id) rec ON true"
        " WHERE {where}"
    ),
)

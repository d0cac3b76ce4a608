"""The search cores: their fields (contract §9.2), default fields and boosts (§9.3), and the SQL of a document.

Each core's ``source`` is one SELECT over the MusicBrainz schema (``{mb}``) returning ``id``, optionally ``pop``
(popularity, used to break ties and, for artists, as a small boost), the integer ``keys`` of its links and one
column per field, named after the field: a scalar or an array, NULLs ignored. ``{where}`` restricts the rows
(``TRUE`` for a full build, ``x.id = ANY(%(ids)s)`` for the replication hook), where ``x`` is the core's main
table. The field map follows sir's (``metabrainz/sir sir/schema``): e.g. recording ``qdur`` = length // 2000,
release ``catno`` from ``release_label``, a recording's ``release``, ``reid``, ``tracks``, ``date``, ... from the
releases of its tracks.

A document is not one flat list of everything an entity shows: what many entities share is indexed once, in a
*part* the core links to. An artist credit's names are the ``artist_credit`` part (a recording, a release and a
release group reach it through their credit); the release fields a recording shows are the ``medium`` part (a
recording reaches the mediums of its tracks). A query on such a field is answered through the link (see
``mirror.search.compile``), so the index holds each credit and each medium once instead of once per recording:
several times smaller and faster to build and to keep current, with the same matches.

Field kinds: ``text`` (words, case and diacritics folded, positions for phrases, plus the whole value for
exact-match ranking), ``accent`` (the same keeping diacritics), ``keyword`` (the whole value folded: ids,
codes, types), ``compact`` (a keyword without spaces: catalogue numbers, barcodes), ``int`` and ``date``
(keywords that also support ranges; a date is indexed as ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Kind = Literal["text", "accent", "keyword", "compact", "int", "date"]
_KINDS = {"t": "text", "a": "accent", "k": "keyword", "c": "compact", "i": "int", "d": "date"}


# Keyword fields with few distinct values (types, statuses, formats, flags): like the int and date fields they
# stay out of the GIN index (their posting lists are long and say little); a document's ``extra`` column holds
# them for matching and scoring, and a query made of nothing else reads the table in order until it has enough.
LOW_SELECTIVITY = frozenset(
    {
        "video",
        "status",
        "packaging",
        "lang",
        "script",
        "quality",
        "primarytype",
        "secondarytype",
        "type",
        "country",
        "format",
        "gender",
        "ended",
        "number",
    }
)


# Int fields whose values are nearly all distinct (a duration in milliseconds): the vocabulary does not count
# them (one row per value, for queries nobody makes), so their terms are scored like ranges.
UNCOUNTED = frozenset({"dur"})


@dataclass(frozen=True)
class ByMbid:
    """A field of MBIDs answered by the MusicBrainz tables instead of lexemes (``Part.lookups``): ``select`` is
    a SELECT of the part's ids (``id``) over ``{mb}`` joined from the row ``g`` whose MBID satisfies
    ``g.gid {match}``; ``one``: an MBID gives at most one id."""

    select: str
    one: bool = False


@dataclass(frozen=True)
class Part:
    """A table of search documents: a core's own (one per entity) or one a core reaches through a join
    (``artist_credit``: the credit's names, shared by recordings, releases and release groups; ``medium``: the
    release fields of a recording's mediums). Its rows: ``id``, ``doc`` (the indexed lexemes), ``extra`` (the
    lexemes kept out of the index: whole values and low-selectivity fields), ``pop``, the ``keys`` (integer
    columns copied from the source: a core row's artist credit) and one array per int or date field."""

    name: str  # the vocabulary's and the stats' name for it (a core's own part: the core's ws/2 name)
    table: str  # its table in the search schema
    fields: dict[str, Kind]
    source: str  # SELECT of id, optionally pop, the keys, and one column per field
    keys: tuple[str, ...] = ()
    # MBID fields with many distinct values (an entity's own MBID, a recording's track MBIDs, the release of a
    # medium...): the costliest lexemes of a GIN index (one entry each) and the least useful, since the
    # MusicBrainz tables' unique indexes on ``gid`` find them. Such a field has no lexemes: a query on it is
    # answered by its ``ByMbid``, through the core's link to the part when the part is a shared one.
    lookups: dict[str, ByMbid] = field(default_factory=dict)

    @property
    def vocabulary_fields(self) -> list[str]:
        """Fields whose lexemes the vocabulary counts: not the identifiers (unique, never misspelt or ranked),
        nor the int and date fields (counted from their typed columns, see ``mirror.search.build``)."""
        return [
            n
            for n, k in self.fields.items()
            if k not in ("int", "date") and not (k == "keyword" and (n.endswith("id") or n == "entity"))
        ]

    @property
    def typed(self) -> dict[str, Kind]:
        """The int and date fields: a typed column each, which serves their terms and ranges."""
        return {n: k for n, k in self.fields.items() if k in ("int", "date")}

    def indexed(self, name: str) -> bool:
        """Whether the field's lexemes are in ``doc`` (the GIN index) rather than ``extra``."""
        return self.fields[name] not in ("int", "date") and name not in LOW_SELECTIVITY


@dataclass(frozen=True)
class Link:
    """How a core's entity reaches the rows of a shared part.

    ``join`` makes the part's ``doc``, ``extra`` and typed columns available as alias ``alias`` beside a
    candidate row ``x`` of the core's own table (a LEFT JOIN; several part rows are folded into one, their
    documents and arrays concatenated); ``retrieve`` is a SELECT of the core's ids whose part rows (alias ``p``)
    satisfy ``{cond}``. ``{search}`` and ``{mb}`` stand for the schemas."""

    part: Part
    alias: str
    join: str
    retrieve: str
    many: bool = False  # an entity may have several part rows (their documents are concatenated)


@dataclass(frozen=True)
class Core:
    """One search core: its fields (its own and those of linked parts), defaults, and its own part's source."""

    name: str  # ws/2 name
    table: str  # the MusicBrainz table whose ids the hits are, and the search table's name
    fields: dict[str, Kind]  # the core's own fields (in its own documents)
    defaults: dict[str, float]  # unfielded terms search these fields, with these boosts
    source: str
    synonyms: dict[str, str] = field(default_factory=dict)  # field name in a query -> indexed field
    pop_weight: float = 0.0  # score added per log10(1 + pop)
    links: tuple[Link, ...] = ()
    keys: tuple[str, ...] = ()  # integer columns of the own part (the links' keys)
    lookups: dict[str, ByMbid] = field(default_factory=dict)  # the own part's (``Part.lookups``)

    @cached_property
    def own(self) -> Part:
        """The core's own documents as a part (made once: the compiler asks for it for every field of a query)."""
        return Part(self.name, self.table, self.fields, self.source, self.keys, self.lookups)

    @property
    def all_fields(self) -> dict[str, Kind]:
        """Every field a query may name: the core's own and those of its linked parts."""
        out = dict(self.fields)
        for link in self.links:
            out.update(link.part.fields)
        return out

    @property
    def query_names(self) -> frozenset[str]:
        """Every field name a query may use: the fields and their synonyms (``mbid``, recording ``track``)."""
        return frozenset(self.all_fields) | frozenset(self.synonyms)

    def field_for(self, name: str) -> str | None:
        """The indexed field a query's field name means, or None for a field this core does not have."""
        name = self.synonyms.get(name, name)
        return name if name in self.fields or any(name in link.part.fields for link in self.links) else None

    def kind(self, name: str) -> Kind:
        """The kind of one of the core's fields (own or linked)."""
        found = self.fields.get(name)
        if found is not None:
            return found
        return self.link_of(name).part.fields[name]  # type: ignore[union-attr]

    def link_of(self, name: str) -> Link | None:
        """The link whose part holds the field, None for one of the core's own fields."""
        if name in self.fields:
            return None
        for link in self.links:
            if name in link.part.fields:
                return link
        raise KeyError(name)

    def part_of(self, name: str) -> Part:
        """The part whose documents hold the field."""
        link = self.link_of(name)
        return self.own if link is None else link.part

    @property
    def vocabulary_fields(self) -> list[str]:
        return self.own.vocabulary_fields

    @property
    def typed(self) -> dict[str, Kind]:
        return self.own.typed


def _by_gid(name: str, table: str, column: str = "id") -> dict[str, ByMbid]:
    """``Part.lookups`` of an MBID field: the ``column`` of the ``table`` row with that ``gid``."""
    return {name: ByMbid(f"SELECT g.{column} AS id FROM {{mb}}.{table} g WHERE g.gid {{match}}", one=True)}


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


# The parts shared through links. A credit's names: the credit as a whole (``artist``), its artists' names and
# the names they are credited as, in credit order, and the artists' MBIDs.
ARTIST_CREDIT = Part(
    name="artist_credit",
    table="artist_credit",
    fields=_kinds("artist=t artistname=t creditname=t arid=k"),
    lookups={
        "arid": ByMbid(
            "SELECT n.artist_credit AS id FROM {mb}.artist g JOIN {mb}.artist_credit_name n ON n.artist = g.id"
            " WHERE g.gid {match}"
        )
    },
    source=(
        "SELECT x.id, x.name AS artist, cr.artistname, cr.creditname, cr.arid FROM {mb}.artist_credit x"
        " LEFT JOIN LATERAL (SELECT array_agg(a.name ORDER BY n.position) AS artistname,"
        " array_agg(n.name ORDER BY n.position) AS creditname, array_agg(a.gid::text ORDER BY n.position) AS arid"
        " FROM {mb}.artist_credit_name n JOIN {mb}.artist a ON a.id = n.artist WHERE n.artist_credit = x.id) cr"
        " ON true WHERE {where}"
    ),
)

# What a recording shows of each medium it is on: the medium's position, track count and format, and its
# release's fields (the first release event's country and date, the release's total track count).
MEDIUM = Part(
    name="medium",
    table="medium",
    lookups={
        "reid": ByMbid(
            "SELECT b.id AS id FROM {mb}.release g JOIN {mb}.medium b ON b.release = g.id WHERE g.gid {match}"
        ),
        "rgid": ByMbid(
            "SELECT b.id AS id FROM {mb}.release_group g JOIN {mb}.release r ON r.release_group = g.id"
            " JOIN {mb}.medium b ON b.release = r.id WHERE g.gid {match}"
        ),
    },
    fields=_kinds(
        "reid=k release=t rgid=k tracksrelease=i status=k primarytype=k secondarytype=k type=k country=k date=d "
        "position=i tracks=i format=k"
    ),
    source=(
        "SELECT x.id, r.gid::text AS reid, r.name AS release, rg.gid::text AS rgid, tr.tracks AS tracksrelease,"
        " rs.name AS status, pt.name AS primarytype, st.secondarytype,"
        " array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, ev.country, ev.date,"
        " x.position, x.track_count AS tracks, mf.name AS format FROM {mb}.medium x"
        " JOIN {mb}.release r ON r.id = x.release JOIN {mb}.release_group rg ON rg.id = r.release_group"
        " LEFT JOIN {mb}.release_status rs ON rs.id = r.status"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
        " LEFT JOIN {mb}.medium_format mf ON mf.id = x.format"
        " LEFT JOIN LATERAL (SELECT array_agg(t.name ORDER BY t.id) AS secondarytype"
        " FROM {mb}.release_group_secondary_type_join j JOIN {mb}.release_group_secondary_type t"
        " ON t.id = j.secondary_type WHERE j.release_group = rg.id) st ON true"
        " LEFT JOIN LATERAL (SELECT min(i.code) AS country, min(e.date) AS date FROM ("
        f"SELECT country, {_date('date')} AS date FROM {{mb}}.release_country WHERE release = r.id"
        f" UNION ALL SELECT NULL, {_date('date')} FROM {{mb}}.release_unknown_country WHERE release = r.id) e"
        " LEFT JOIN {mb}.iso_3166_1 i ON i.area = e.country) ev ON true"
        " LEFT JOIN LATERAL (SELECT sum(track_count) AS tracks FROM {mb}.medium WHERE release = r.id) tr ON true"
        " WHERE {where}"
    ),
)


def _credit_link(table: str) -> Link:
    """A core whose entities have an artist credit (kept in the own part's ``credit`` column)."""
    return Link(
        part=ARTIST_CREDIT,
        alias="c",
        join=" LEFT JOIN {search}.artist_credit c ON c.id = x.credit",
        retrieve=f"SELECT b.id FROM {{search}}.artist_credit p JOIN {{mb}}.{table} b ON b.artist_credit = p.id"
        " WHERE {cond}",
    )


def _folded(part: Part) -> str:
    """The aggregates folding several rows of a part into one: documents and typed arrays concatenated."""
    columns = [
        "coalesce({search}.tsvector_agg(p.doc), '') AS doc",
        "coalesce({search}.tsvector_agg(p.extra), '') AS extra",
    ]
    for name, kind in part.typed.items():
        column = ("n_" if kind == "int" else "d_") + name
        aggregate = "int_cat_agg" if kind == "int" else "text_cat_agg"
        columns.append(f"{{search}}.{aggregate}(p.{column}) AS {column}")
    return ", ".join(columns)


# A recording's mediums (through its tracks), their documents folded into one.
_MEDIUM_LINK = Link(
    part=MEDIUM,
    alias="m",
    join=f" LEFT JOIN LATERAL (SELECT {_folded(MEDIUM)} FROM {{mb}}.track t JOIN {{search}}.medium p"
    " ON p.id = t.medium WHERE t.recording = x.id) m ON true",
    retrieve="SELECT t.recording AS id FROM {search}.medium p JOIN {mb}.track t ON t.medium = p.id WHERE {cond}",
    many=True,
)


ARTIST = Core(
    name="artist",
    table="artist",
    lookups=_by_gid("arid", "artist"),
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
    lookups={
        **_by_gid("reid", "release"),
        **_by_gid("mediumid", "medium", "release"),
        "rgid": ByMbid(
            "SELECT b.id AS id FROM {mb}.release_group g JOIN {mb}.release b ON b.release_group = g.id"
            " WHERE g.gid {match}"
        ),
    },
    fields=_kinds(
        "reid=k release=t releaseaccent=a comment=t barcode=c asin=k quality=k status=k packaging=k lang=k "
        "script=k alias=t tag=t rgid=k primarytype=k secondarytype=k type=k country=k date=d label=t laid=k "
        "catno=c format=k mediums=i tracks=i tracksmedium=i discids=i discidsmedium=i mediumid=k"
    ),
    defaults=_boosts(
        "alias^1.2 artistname^1.2 barcode comment creditname^1.2 label release^1.5 releaseaccent^2 tag artist"
    ),
    synonyms={"mbid": "reid"},
    links=(_credit_link("release"),),
    keys=("credit",),
    source=(
        "SELECT x.id, x.gid::text AS reid, x.name AS release, x.name AS releaseaccent, x.comment, x.barcode, "
        "x.quality::text AS quality, (SELECT name FROM {mb}.release_status WHERE id = x.status) AS status, "
        "(SELECT name FROM {mb}.release_packaging WHERE id = x.packaging) AS packaging, "
        "(SELECT iso_code_3 FROM {mb}.language WHERE id = x.language) AS lang, "
        "(SELECT iso_code FROM {mb}.script WHERE id = x.script) AS script, "
        "(SELECT amazon_asin FROM {mb}.release_meta WHERE id = x.id) AS asin, "
        + _aliases("release")
        + ", "
        + _tags("release")
        + ", rg.gid::text AS rgid, pt.name AS primarytype, st.secondarytype, "
        "array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, ev.country, ev.date, "
        "lab.label, lab.laid, lab.catno, med.format, med.mediums, med.tracks, med.tracksmedium, med.mediumid, "
        "med.discidsmedium, (SELECT sum(d) FROM unnest(med.discidsmedium) d) AS discids, x.artist_credit AS credit"
        " FROM {mb}.release x JOIN {mb}.release_group rg ON rg.id = x.release_group"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
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

# A recording's own document: its own fields, its tracks' positions and numbers, and the date of its
# first release; the credit and the release fields are those of its linked parts.
RECORDING = Core(
    name="recording",
    table="recording",
    lookups={**_by_gid("rid", "recording"), **_by_gid("tid", "track", "recording")},
    fields=_kinds(
        "rid=k recording=t recordingaccent=a comment=t dur=i qdur=i video=k isrc=k alias=t tag=t tid=k tnum=i "
        "number=k firstreleasedate=d"
    ),
    defaults=_boosts(
        "alias^1.2 artist artistname^1.75 creditname comment recording^2 recordingaccent^2.2 release status tag"
    ),
    synonyms={"mbid": "rid", "track": "recording"},
    links=(_credit_link("recording"), _MEDIUM_LINK),
    keys=("credit",),
    source=(
        "SELECT x.id, x.gid::text AS rid, x.name AS recording, x.name AS recordingaccent, x.comment, "
        "x.length AS dur, x.length / 2000 AS qdur, x.video::text AS video, "
        "(SELECT array_agg(isrc ORDER BY isrc) FROM {mb}.isrc WHERE recording = x.id) AS isrc, "
        + _aliases("recording")
        + ", "
        + _tags("recording")
        + ", tr.tnum, tr.number, tr.firstreleasedate, coalesce(tr.pop, 0) AS pop, x.artist_credit AS credit"
        " FROM {mb}.recording x"
        " LEFT JOIN LATERAL (SELECT array_agg(t.position ORDER BY t.id) AS tnum,"
        " array_agg(t.number ORDER BY t.id) AS number, count(*) AS pop, min(ev.date) AS firstreleasedate"
        " FROM {mb}.track t JOIN {mb}.medium m ON m.id = t.medium"
        " LEFT JOIN LATERAL (SELECT min(e.date) AS date FROM ("
        f"SELECT {_date('date')} AS date FROM {{mb}}.release_country WHERE release = m.release UNION ALL"
        f" SELECT {_date('date')} FROM {{mb}}.release_unknown_country WHERE release = m.release) e) ev ON true"
        " WHERE t.recording = x.id) tr ON true"
        " WHERE {where}"
    ),
)

RELEASE_GROUP = Core(
    name="release-group",
    table="release_group",
    lookups={**_by_gid("rgid", "release_group"), **_by_gid("reid", "release", "release_group")},
    fields=_kinds(
        "rgid=k releasegroup=t releasegroupaccent=a comment=t alias=t tag=t primarytype=k secondarytype=k type=k "
        "reid=k release=t status=k releases=i firstreleasedate=d"
    ),
    defaults=_boosts(
        "alias^1.2 artistname^1.2 creditname^1.2 artist comment releasegroup^1.5 releasegroupaccent^2 tag"
    ),
    synonyms={"mbid": "rgid"},
    links=(_credit_link("release_group"),),
    keys=("credit",),
    source=(
        "SELECT x.id, x.gid::text AS rgid, x.name AS releasegroup, x.name AS releasegroupaccent, x.comment, "
        + _aliases("release_group")
        + ", "
        + _tags("release_group")
        + ", pt.name AS primarytype, st.secondarytype, "
        "array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, rel.reid, rel.release, rel.status, "
        "rel.releases, rel.releases AS pop, "
        + _date("meta.first_release_date")
        + " AS firstreleasedate, x.artist_credit AS credit FROM {mb}.release_group x"
        " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = x.type"
        " LEFT JOIN {mb}.release_group_meta meta ON meta.id = x.id"
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
    lookups=_by_gid("laid", "label"),
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
    lookups={
        **_by_gid("wid", "work"),
        "rid": ByMbid(
            "SELECT l.entity1 AS id FROM {mb}.recording g JOIN {mb}.l_recording_work l ON l.entity0 = g.id"
            " WHERE g.gid {match}"
        ),
    },
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

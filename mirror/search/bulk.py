"""Set-based forms of the big cores' source queries, for the full build.

A core's ``source`` (``mirror.search.cores``) computes each document's lists (credits, aliases, tags, the
releases of a recording, ...) with correlated subqueries: right for the few ids of a replication packet, but a
full build then runs them once per entity. The forms here compute each list for every key at once (one pass
over the table, grouped by the key) and join them by hash or merge joins: several times less work on the
server.

They must give exactly the same rows, including the order of every list (it sets the word positions). The
correlated forms read most lists through the index on their key, that is in the order of the rows' physical
position (``ctid``) within a key, so a list's rows are sorted by ``(key, ctid)`` here before they are
aggregated (an aggregate takes its rows in the order of its sorted input); a release's mediums come through
the ``(release, position)`` index. Tags and secondary types come out of the correlated forms in the order of
the small lookup table they are hashed against (``tag``, ``release_group_secondary_type``), so they are sorted
by that table's ``ctid``. A work's recordings are in relationship id order in both forms (the correlated
form's own order depended on its plan). Aggregates over no rows are NULL where they were NULL and 0 where a
``count`` gave 0. The test suite compares both forms row by row on the test datasets.
"""

from __future__ import annotations

from mirror.search.cores import _date, _life


def _list(key: str, select: str, source: str, order: str, aggregates: str, name: str) -> str:
    """LEFT JOIN of ``aggregates`` over ``source`` grouped by ``key`` (rows in ``key, order`` order) as ``name``."""
    return (
        f" LEFT JOIN (SELECT s.key, {aggregates} FROM (SELECT {key} AS key, {select} FROM {source}"
        f" ORDER BY {key}, {order}) s GROUP BY s.key) {name}"
    )


def _aliases(entity: str) -> str:
    return (
        _list(
            entity,
            "name, sort_name",
            f"{{mb}}.{entity}_alias",
            "ctid",
            "array_agg(s.name) || array_agg(s.sort_name) AS alias",
            "al",
        )
        + " ON al.key = x.id"
    )


def _tags(entity: str) -> str:
    return (
        _list(
            f"j.{entity}",
            "t.name",
            f"{{mb}}.{entity}_tag j JOIN {{mb}}.tag t ON t.id = j.tag WHERE j.count > 0",
            "t.ctid",
            "array_agg(s.name) AS tag",
            "tg",
        )
        + " ON tg.key = x.id"
    )


def _secondary(rg: str, aggregate: str) -> str:
    return (
        _list(
            "j.release_group",
            "t.name",
            "{mb}.release_group_secondary_type_join j JOIN {mb}.release_group_secondary_type t"
            " ON t.id = j.secondary_type",
            "t.ctid",
            f"{aggregate} AS secondarytype",
            "st",
        )
        + f" ON st.key = {rg}.id"
    )


_DATES = (
    f"SELECT release, {_date('date')} AS date FROM {{mb}}.release_country"
    f" UNION ALL SELECT release, {_date('date')} FROM {{mb}}.release_unknown_country"
)

RECORDING = (
    "SELECT x.id, x.gid::text AS rid, x.name AS recording, x.name AS recordingaccent, x.comment, "
    "x.length AS dur, x.length / 2000 AS qdur, x.video::text AS video, isrc.isrc, al.alias, tg.tag, tr.tnum,"
    " tr.number, tr.firstreleasedate, coalesce(tr.pop, 0) AS pop, x.artist_credit AS credit FROM {mb}.recording x"
    " LEFT JOIN (SELECT recording AS key, array_agg(isrc ORDER BY isrc) AS isrc FROM {mb}.isrc GROUP BY recording)"
    " isrc ON isrc.key = x.id"
    + _aliases("recording")
    + _tags("recording")
    + " LEFT JOIN (SELECT t.recording AS key, array_agg(t.position ORDER BY t.id) AS tnum,"
    " array_agg(t.number ORDER BY t.id) AS number, count(*) AS pop, min(ev.date) AS firstreleasedate"
    " FROM {mb}.track t JOIN {mb}.medium m ON m.id = t.medium"
    " LEFT JOIN (SELECT release, min(date) AS date FROM (" + _DATES + ") e GROUP BY release) ev"
    " ON ev.release = m.release GROUP BY t.recording) tr ON tr.key = x.id WHERE {where}"
)

ARTIST_CREDIT = (
    "SELECT x.id, x.name AS artist, cr.artistname, cr.creditname, cr.arid FROM {mb}.artist_credit x"
    " LEFT JOIN (SELECT n.artist_credit AS key, array_agg(a.name ORDER BY n.position) AS artistname,"
    " array_agg(n.name ORDER BY n.position) AS creditname, array_agg(a.gid::text ORDER BY n.position) AS arid"
    " FROM {mb}.artist_credit_name n JOIN {mb}.artist a ON a.id = n.artist GROUP BY n.artist_credit) cr"
    " ON cr.key = x.id WHERE {where}"
)

MEDIUM = (
    "SELECT x.id, r.gid::text AS reid, r.name AS release, rg.gid::text AS rgid, tr.tracks AS tracksrelease,"
    " rs.name AS status, pt.name AS primarytype, st.secondarytype,"
    " array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, ev.country, ev.date,"
    " x.position, x.track_count AS tracks, mf.name AS format FROM {mb}.medium x"
    " JOIN {mb}.release r ON r.id = x.release JOIN {mb}.release_group rg ON rg.id = r.release_group"
    " LEFT JOIN {mb}.release_status rs ON rs.id = r.status"
    " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
    " LEFT JOIN {mb}.medium_format mf ON mf.id = x.format"
    " LEFT JOIN (SELECT j.release_group AS key, array_agg(t.name ORDER BY t.id) AS secondarytype"
    " FROM {mb}.release_group_secondary_type_join j JOIN {mb}.release_group_secondary_type t"
    " ON t.id = j.secondary_type GROUP BY j.release_group) st ON st.key = rg.id"
    " LEFT JOIN (SELECT e.release, min(i.code) AS country, min(e.date) AS date FROM ("
    f"SELECT release, country, {_date('date')} AS date FROM {{mb}}.release_country"
    f" UNION ALL SELECT release, NULL, {_date('date')} FROM {{mb}}.release_unknown_country) e"
    " LEFT JOIN {mb}.iso_3166_1 i ON i.area = e.country GROUP BY e.release) ev ON ev.release = r.id"
    " LEFT JOIN (SELECT release, sum(track_count) AS tracks FROM {mb}.medium GROUP BY release) tr"
    " ON tr.release = r.id WHERE {where}"
)


def _lookup(table: str, column: str, key: str, name: str) -> tuple[str, str]:
    """A joined lookup row's column (``(SELECT column FROM table WHERE id = key)``): select and join."""
    return f"{name}.{column} AS {name}", f" LEFT JOIN {{mb}}.{table} {name} ON {name}.id = {key}"


def _codes(entity: str, table: str, name: str, order: str = "ctid") -> str:
    """An array of one column of a table keyed by the entity (``ipi``, ``isni``, ``iswc``)."""
    return (
        _list(entity, name, f"{{mb}}.{table}", order, f"array_agg(s.{name}) AS {name}", f"{name}_")
        + f" ON {name}_.key = x.id"
    )


def _ipi_isni(entity: str) -> str:
    """The entity's IPI and ISNI codes, in code order (the correlated forms read them through the primary key)."""
    return _codes(entity, f"{entity}_ipi", "ipi", "ipi") + _codes(entity, f"{entity}_isni", "isni", "isni")


_COUNTRY = (
    " LEFT JOIN (SELECT DISTINCT ON (area) area, code FROM {mb}.iso_3166_1 ORDER BY area, ctid) country"
    " ON country.area = x.area"
)
_AREA, _AREA_JOIN = _lookup("area", "name", "x.area", "area")
_TYPE = "type.name AS type"


def _type_join(entity: str) -> str:
    return f" LEFT JOIN {{mb}}.{entity}_type type ON type.id = x.type"


ARTIST = (
    "SELECT x.id, x.gid::text AS arid, x.name AS artist, x.name AS artistaccent, x.sort_name AS sortname, al.alias,"
    " pa.primary_alias, x.comment, " + _AREA + ", beginarea.name AS beginarea, endarea.name AS endarea,"
    " country.code AS country, "
    + _life()
    + ", gender.name AS gender, ipi_.ipi, isni_.isni, tg.tag, "
    + _TYPE
    + ", coalesce(pop.n, 0) AS pop FROM {mb}.artist x"
    + _aliases("artist")
    + _list(
        "artist",
        "name",
        "{mb}.artist_alias WHERE primary_for_locale",
        "ctid",
        "array_agg(s.name) AS primary_alias",
        "pa",
    )
    + " ON pa.key = x.id"
    + _AREA_JOIN
    + " LEFT JOIN {mb}.area beginarea ON beginarea.id = x.begin_area LEFT JOIN {mb}.area endarea"
    " ON endarea.id = x.end_area"
    + _COUNTRY
    + " LEFT JOIN {mb}.gender gender ON gender.id = x.gender"
    + _ipi_isni("artist")
    + _tags("artist")
    + _type_join("artist")
    + " LEFT JOIN (SELECT n.artist, sum(ac.ref_count) AS n FROM {mb}.artist_credit_name n"
    " JOIN {mb}.artist_credit ac ON ac.id = n.artist_credit GROUP BY n.artist) pop ON pop.artist = x.id"
    " WHERE {where}"
)

LABEL = (
    "SELECT x.id, x.gid::text AS laid, x.name AS label, x.name AS labelaccent, x.name AS sortname, al.alias,"
    " x.comment, " + _AREA + ", country.code AS country, " + _life() + ", x.label_code AS code, ipi_.ipi,"
    " isni_.isni, " + _TYPE + ", tg.tag, coalesce(rc.n, 0) AS release_count, coalesce(rc.n, 0) AS pop"
    " FROM {mb}.label x"
    + _aliases("label")
    + _AREA_JOIN
    + _COUNTRY
    + _ipi_isni("label")
    + _type_join("label")
    + _tags("label")
    + " LEFT JOIN (SELECT label, count(DISTINCT release) AS n FROM {mb}.release_label GROUP BY label) rc"
    " ON rc.label = x.id WHERE {where}"
)

_EVENTS = _list(
    "e.release",
    "i.code AS country, e.date",
    f"(SELECT release, country, {_date('date')} AS date, 0 AS part, ctid FROM {{mb}}.release_country"
    f" UNION ALL SELECT release, NULL, {_date('date')}, 1, ctid FROM {{mb}}.release_unknown_country) e"
    " LEFT JOIN {mb}.iso_3166_1 i ON i.area = e.country",
    "i.ctid, e.part, e.country, e.ctid",
    "array_agg(s.country) AS country, array_agg(s.date) AS date",
    "ev",
)

RELEASE = (
    "SELECT x.id, x.gid::text AS reid, x.name AS release, x.name AS releaseaccent, x.comment, x.barcode,"
    " x.quality::text AS quality, status.name AS status, packaging.name AS packaging, lang.iso_code_3 AS lang,"
    " script.iso_code AS script, meta.amazon_asin AS asin, al.alias, tg.tag, rg.gid::text AS rgid,"
    " pt.name AS primarytype, st.secondarytype,"
    " array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, ev.country, ev.date,"
    " lab.label, lab.laid, lab.catno, med.format, coalesce(med.mediums, 0) AS mediums, med.tracks,"
    " med.tracksmedium, med.mediumid, med.discidsmedium, (SELECT sum(d) FROM unnest(med.discidsmedium) d) AS discids,"
    " x.artist_credit AS credit FROM {mb}.release x JOIN {mb}.release_group rg ON rg.id = x.release_group"
    " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = rg.type"
    " LEFT JOIN {mb}.release_status status ON status.id = x.status"
    " LEFT JOIN {mb}.release_packaging packaging ON packaging.id = x.packaging"
    " LEFT JOIN {mb}.language lang ON lang.id = x.language LEFT JOIN {mb}.script script ON script.id = x.script"
    " LEFT JOIN {mb}.release_meta meta ON meta.id = x.id"
    + _aliases("release")
    + _tags("release")
    + _secondary("rg", "array_agg(s.name)")
    + _EVENTS
    + " ON ev.key = x.id"
    + _list(
        "rl.release",
        "l.name, l.gid::text AS laid, rl.catalog_number",
        "{mb}.release_label rl LEFT JOIN {mb}.label l ON l.id = rl.label",
        "rl.ctid",
        "array_agg(s.name) AS label, array_agg(s.laid) AS laid, array_agg(s.catalog_number) AS catno",
        "lab",
    )
    + " ON lab.key = x.id"
    + _list(
        "m.release",
        "mf.name AS format, m.track_count, m.gid::text AS mediumid, coalesce(dc.n, 0) AS discids",
        "{mb}.medium m LEFT JOIN {mb}.medium_format mf ON mf.id = m.format"
        " LEFT JOIN (SELECT medium, count(*) AS n FROM {mb}.medium_cdtoc GROUP BY medium) dc ON dc.medium = m.id",
        "m.position, m.ctid",
        "array_agg(s.format) AS format, count(*) AS mediums, sum(s.track_count) AS tracks,"
        " array_agg(s.track_count) AS tracksmedium, array_agg(s.mediumid) AS mediumid,"
        " array_agg(s.discids) AS discidsmedium",
        "med",
    )
    + " ON med.key = x.id WHERE {where}"
)

RELEASE_GROUP = (
    "SELECT x.id, x.gid::text AS rgid, x.name AS releasegroup, x.name AS releasegroupaccent, x.comment,"
    " al.alias, tg.tag, pt.name AS primarytype, st.secondarytype,"
    " array_remove(array_prepend(pt.name, st.secondarytype), NULL) AS type, rel.reid, rel.release, rel.status,"
    " coalesce(rel.releases, 0) AS releases, coalesce(rel.releases, 0) AS pop, "
    + _date("meta.first_release_date")
    + " AS firstreleasedate, x.artist_credit AS credit FROM {mb}.release_group x"
    " LEFT JOIN {mb}.release_group_primary_type pt ON pt.id = x.type"
    " LEFT JOIN {mb}.release_group_meta meta ON meta.id = x.id"
    + _aliases("release_group")
    + _tags("release_group")
    + _secondary("x", "array_agg(s.name)")
    + _list(
        "r.release_group",
        "r.gid::text AS reid, r.name, rs.name AS status",
        "{mb}.release r LEFT JOIN {mb}.release_status rs ON rs.id = r.status",
        "r.ctid",
        "array_agg(s.reid) AS reid, array_agg(s.name) AS release, array_agg(s.status) AS status, count(*) AS releases",
        "rel",
    )
    + " ON rel.key = x.id WHERE {where}"
)

WORK = (
    "SELECT x.id, x.gid::text AS wid, x.name AS work, x.name AS workaccent, al.alias, x.comment, iswc_.iswc,"
    " lang.lang, " + _TYPE + ", tg.tag, la.arid, la.artist, rec.rid, rec.recording,"
    " coalesce(rec.n, 0) AS recording_count, coalesce(rec.n, 0) AS pop FROM {mb}.work x"
    + _aliases("work")
    + _codes("work", "iswc", "iswc")
    + _list(
        "wl.work",
        "l.iso_code_3",
        "{mb}.work_language wl JOIN {mb}.language l ON l.id = wl.language",
        "wl.language",
        "array_agg(s.iso_code_3) AS lang",
        "lang",
    )
    + " ON lang.key = x.id"
    + _type_join("work")
    + _tags("work")
    + _list(
        "l.entity1",
        "a.gid::text AS arid, a.name",
        "{mb}.l_artist_work l JOIN {mb}.artist a ON a.id = l.entity0",
        "l.ctid",
        "array_agg(s.arid) AS arid, array_agg(s.name) AS artist",
        "la",
    )
    + " ON la.key = x.id"
    + _list(
        "l.entity1",
        "r.gid::text AS rid, r.name",
        "{mb}.l_recording_work l JOIN {mb}.recording r ON r.id = l.entity0",
        "l.id",
        "array_agg(s.rid) AS rid, array_agg(s.name) AS recording, count(*) AS n",
        "rec",
    )
    + " ON rec.key = x.id WHERE {where}"
)

BULK: dict[str, str] = {
    "artist": ARTIST,
    "artist_credit": ARTIST_CREDIT,
    "medium": MEDIUM,
    "label": LABEL,
    "recording": RECORDING,
    "release": RELEASE,
    "release-group": RELEASE_GROUP,
    "work": WORK,
}

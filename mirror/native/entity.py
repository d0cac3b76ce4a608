"""One entity with its common joins: ``get_entity(conn, "release", mbid, include=frozenset({"tags"}))``.

``get_entity`` returns the entity's model (``mirror.native.models``) or ``None`` when the MBID is unknown; it
raises ``InvalidQuery`` for a malformed MBID, an unknown entity type or an unknown include. A merged MBID (one
listed in ``<entity>_gid_redirect``) answers the entity it was merged into: the model's ``id`` is then the
current MBID, different from the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mirror.errors import InvalidQuery
from mirror.native import models as m
from mirror.native.common import (
    EXTRA_INCLUDES,
    TABLES,
    Conn,
    Row,
    check_includes,
    credits,
    date_of,
    extras,
    life_span,
    links,
    parse_mbid,
    ref,
    resolve,
    rows,
)
from mirror.native.fragments import EVENT_ORDER, EVENTS, FIRST_EVENT, country_of

_DATES = "e.begin_date_year, e.begin_date_month, e.begin_date_day, e.end_date_year, e.end_date_month, e.end_date_day"

# Includes beyond ``EXTRA_INCLUDES``, per entity type.
OWN_INCLUDES = {"release-group": frozenset({"releases"}), "recording": frozenset({"releases"})}


def includes_of(entity: str) -> frozenset[str]:
    """Every ``include=`` value ``entity`` accepts."""
    return EXTRA_INCLUDES | OWN_INCLUDES.get(entity, frozenset())


def _one(conn: Conn, query: str, row_id: int) -> Row:
    return rows(conn, query, (row_id,))[0]


def _artist(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        "SELECT e.gid::text AS id, e.name, e.sort_name, e.comment AS disambiguation, t.name AS type, "
        f"g.name AS gender, {_DATES}, e.ended, {country_of('e.area')} AS country, "
        "a.gid::text AS area_id, a.name AS area_name, ba.gid::text AS begin_area_id, ba.name AS begin_area_name, "
        "ea.gid::text AS end_area_id, ea.name AS end_area_name, "
        "ARRAY(SELECT ipi FROM musicbrainz.artist_ipi WHERE artist = e.id ORDER BY ipi) AS ipis, "
        "ARRAY(SELECT isni FROM musicbrainz.artist_isni WHERE artist = e.id ORDER BY isni) AS isnis "
        "FROM musicbrainz.artist e LEFT JOIN musicbrainz.artist_type t ON t.id = e.type "
        "LEFT JOIN musicbrainz.gender g ON g.id = e.gender LEFT JOIN musicbrainz.area a ON a.id = e.area "
        "LEFT JOIN musicbrainz.area ba ON ba.id = e.begin_area LEFT JOIN musicbrainz.area ea ON ea.id = e.end_area "
        "WHERE e.id = %s",
        row_id,
    )
    fields = {k: row[k] for k in ("id", "name", "sort_name", "disambiguation", "type", "gender", "country")}
    fields.update(ipis=row["ipis"], isnis=row["isnis"], life_span=life_span(row))
    for key in ("area", "begin_area", "end_area"):
        fields[key] = ref(row[f"{key}_id"], row[f"{key}_name"])
    return fields


def _label(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        f"SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, e.label_code, {_DATES}, "
        f"e.ended, {country_of('e.area')} AS country, a.gid::text AS area_id, a.name AS area_name, "
        "ARRAY(SELECT ipi FROM musicbrainz.label_ipi WHERE label = e.id ORDER BY ipi) AS ipis, "
        "ARRAY(SELECT isni FROM musicbrainz.label_isni WHERE label = e.id ORDER BY isni) AS isnis "
        "FROM musicbrainz.label e LEFT JOIN musicbrainz.label_type t ON t.id = e.type "
        "LEFT JOIN musicbrainz.area a ON a.id = e.area WHERE e.id = %s",
        row_id,
    )
    fields = {k: row[k] for k in ("id", "name", "disambiguation", "type", "label_code", "country", "ipis", "isnis")}
    fields.update(area=ref(row["area_id"], row["area_name"]), life_span=life_span(row))
    return fields


def _area(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        f"SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, {_DATES}, e.ended, "
        "ARRAY(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = e.id ORDER BY code) AS iso_3166_1, "
        "ARRAY(SELECT code FROM musicbrainz.iso_3166_2 WHERE area = e.id ORDER BY code) AS iso_3166_2 "
        "FROM musicbrainz.area e LEFT JOIN musicbrainz.area_type t ON t.id = e.type WHERE e.id = %s",
        row_id,
    )
    fields = {k: row[k] for k in ("id", "name", "disambiguation", "type", "iso_3166_1", "iso_3166_2")}
    fields["life_span"] = life_span(row)
    return fields


def _work(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        "SELECT e.gid::text AS id, e.name AS title, e.comment AS disambiguation, t.name AS type, "
        "ARRAY(SELECT l.iso_code_3 FROM musicbrainz.work_language wl JOIN musicbrainz.language l "
        "ON l.id = wl.language WHERE wl.work = e.id ORDER BY l.iso_code_3) AS languages, "
        "ARRAY(SELECT iswc FROM musicbrainz.iswc WHERE work = e.id ORDER BY iswc) AS iswcs "
        "FROM musicbrainz.work e LEFT JOIN musicbrainz.work_type t ON t.id = e.type WHERE e.id = %s",
        row_id,
    )
    attributes: dict[str, list[str]] = {}
    for a in rows(
        conn,
        "SELECT t.name AS type, COALESCE(v.value, wa.work_attribute_text) AS value "
        "FROM musicbrainz.work_attribute wa JOIN musicbrainz.work_attribute_type t ON t.id = wa.work_attribute_type "
        "LEFT JOIN musicbrainz.work_attribute_type_allowed_value v ON v.id = wa.work_attribute_type_allowed_value "
        "WHERE wa.work = %s ORDER BY t.name, value",
        (row_id,),
    ):
        attributes.setdefault(a["type"], []).append(a["value"])
    return {**row, "attributes": attributes}


def _event(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        f"SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, {_DATES}, e.ended, "
        "to_char(e.time, 'HH24:MI') AS time, e.cancelled, NULLIF(e.setlist, '') AS setlist "
        "FROM musicbrainz.event e LEFT JOIN musicbrainz.event_type t ON t.id = e.type WHERE e.id = %s",
        row_id,
    )
    fields = {k: row[k] for k in ("id", "name", "disambiguation", "type", "time", "cancelled", "setlist")}
    fields["life_span"] = life_span(row)
    return fields


def _place(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        f"SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, e.address, {_DATES}, "
        "e.ended, a.gid::text AS area_id, a.name AS area_name, e.coordinates[0] AS latitude, "
        "e.coordinates[1] AS longitude FROM musicbrainz.place e LEFT JOIN musicbrainz.place_type t ON t.id = e.type "
        "LEFT JOIN musicbrainz.area a ON a.id = e.area WHERE e.id = %s",
        row_id,
    )
    fields = {k: row[k] for k in ("id", "name", "disambiguation", "type", "address")}
    coordinates = None
    if row["latitude"] is not None and row["longitude"] is not None:
        coordinates = m.Coordinates(latitude=row["latitude"], longitude=row["longitude"])
    fields.update(area=ref(row["area_id"], row["area_name"]), coordinates=coordinates, life_span=life_span(row))
    return fields


def _instrument(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    return _one(
        conn,
        "SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, e.description "
        "FROM musicbrainz.instrument e LEFT JOIN musicbrainz.instrument_type t ON t.id = e.type WHERE e.id = %s",
        row_id,
    )


def _series(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    return _one(
        conn,
        "SELECT e.gid::text AS id, e.name, e.comment AS disambiguation, t.name AS type, o.name AS ordering_type "
        "FROM musicbrainz.series e LEFT JOIN musicbrainz.series_type t ON t.id = e.type "
        "LEFT JOIN musicbrainz.series_ordering_type o ON o.id = e.ordering_type WHERE e.id = %s",
        row_id,
    )


def _genre(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    return _one(
        conn,
        "SELECT e.gid::text AS id, e.name, e.comment AS disambiguation FROM musicbrainz.genre e WHERE e.id = %s",
        row_id,
    )


def _release_summaries(conn: Conn, where: str, row_id: int) -> list[m.ReleaseSummary]:
    found = rows(
        conn,
        "SELECT DISTINCT r.id AS _id, r.gid::text AS id, r.name AS title, s.name AS status, "
        "ev.date_year, ev.date_month, ev.date_day, ev.country FROM musicbrainz.release r "
        f"LEFT JOIN musicbrainz.release_status s ON s.id = r.status {FIRST_EVENT} WHERE {where}",
        (row_id,),
    )
    found.sort(key=lambda r: (r["date_year"] or 10**5, r["date_month"] or 13, r["date_day"] or 32, r["title"], r["id"]))
    return [
        m.ReleaseSummary(id=r["id"], title=r["title"], status=r["status"], date=date_of(r), country=r["country"])
        for r in found
    ]


def _first_date(conn: Conn, where: str, row_id: int) -> str | None:
    found = rows(
        conn,
        f"SELECT ev.date_year, ev.date_month, ev.date_day FROM musicbrainz.release r {FIRST_EVENT} "
        f"WHERE {where} AND ev.date_year IS NOT NULL ORDER BY 1, 2 NULLS LAST, 3 NULLS LAST LIMIT 1",
        (row_id,),
    )
    return date_of(found[0]) if found else None


def _credit_fields(conn: Conn, credit_name: str, credit_id: int) -> dict[str, Any]:
    return {"artist_credit": credit_name, "artists": credits(conn, [credit_id])[credit_id]}


def _release_group(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        "SELECT e.gid::text AS id, e.name AS title, e.comment AS disambiguation, t.name AS type, "
        "ac.name AS credit_name, e.artist_credit AS credit_id, "
        "ARRAY(SELECT st.name FROM musicbrainz.release_group_secondary_type_join j "
        "JOIN musicbrainz.release_group_secondary_type st ON st.id = j.secondary_type "
        "WHERE j.release_group = e.id ORDER BY st.name) AS secondary_types, "
        "(SELECT count(*) FROM musicbrainz.release WHERE release_group = e.id) AS release_count "
        "FROM musicbrainz.release_group e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit "
        "LEFT JOIN musicbrainz.release_group_primary_type t ON t.id = e.type WHERE e.id = %s",
        row_id,
    )
    fields = _credit_fields(conn, row.pop("credit_name"), row.pop("credit_id"))
    fields.update(row, first_release_date=_first_date(conn, "r.release_group = %s", row_id))
    if "releases" in include:
        fields["releases"] = _release_summaries(conn, "r.release_group = %s", row_id)
    return fields


_ON_RECORDING = (
    "r.id IN (SELECT md.release FROM musicbrainz.track tr JOIN musicbrainz.medium md ON md.id = tr.medium "
    "WHERE tr.recording = %s)"
)


def _recording(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        "SELECT e.gid::text AS id, e.name AS title, e.comment AS disambiguation, e.length, e.video, "
        "ac.name AS credit_name, e.artist_credit AS credit_id, "
        "ARRAY(SELECT isrc FROM musicbrainz.isrc WHERE recording = e.id ORDER BY isrc) AS isrcs "
        "FROM musicbrainz.recording e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit WHERE e.id = %s",
        row_id,
    )
    fields = _credit_fields(conn, row.pop("credit_name"), row.pop("credit_id"))
    fields.update(row, first_release_date=_first_date(conn, _ON_RECORDING, row_id))
    if "releases" in include:
        fields["releases"] = _release_summaries(conn, _ON_RECORDING, row_id)
    return fields


def _media(conn: Conn, row_id: int) -> list[m.Medium]:
    tracks: dict[int, list[m.Track]] = {}
    for t in rows(
        conn,
        "SELECT t.medium, t.gid::text AS id, t.position, t.number, t.name AS title, t.length, "
        "ac.name AS artist_credit, rec.gid::text AS rec_id, rec.name AS rec_title, "
        "ARRAY(SELECT isrc FROM musicbrainz.isrc WHERE recording = rec.id ORDER BY isrc) AS isrcs "
        "FROM musicbrainz.medium md JOIN musicbrainz.track t ON t.medium = md.id "
        "JOIN musicbrainz.recording rec ON rec.id = t.recording "
        "JOIN musicbrainz.artist_credit ac ON ac.id = t.artist_credit "
        "WHERE md.release = %s ORDER BY t.medium, t.position",
        (row_id,),
    ):
        recording = m.Ref(id=t.pop("rec_id"), name=t.pop("rec_title"))
        tracks.setdefault(t.pop("medium"), []).append(m.Track(**t, recording=recording))
    media = rows(
        conn,
        "SELECT md.id, md.position, f.name AS format, md.name AS title, md.track_count, "
        "ARRAY(SELECT c.discid FROM musicbrainz.medium_cdtoc mc JOIN musicbrainz.cdtoc c ON c.id = mc.cdtoc "
        "WHERE mc.medium = md.id ORDER BY c.discid) AS discids "
        "FROM musicbrainz.medium md LEFT JOIN musicbrainz.medium_format f ON f.id = md.format "
        "WHERE md.release = %s ORDER BY md.position, md.id",
        (row_id,),
    )
    return [m.Medium(**{k: v for k, v in md.items() if k != "id"}, tracks=tracks.get(md["id"], [])) for md in media]


def _release(conn: Conn, row_id: int, include: frozenset[str]) -> dict[str, Any]:
    row = _one(
        conn,
        "SELECT e.gid::text AS id, e.name AS title, e.comment AS disambiguation, ac.name AS credit_name, "
        "e.artist_credit AS credit_id, rg.gid::text AS rg_id, rg.name AS rg_title, rgt.name AS release_group_type, "
        "s.name AS status, p.name AS packaging, l.iso_code_3 AS language, sc.iso_code AS script, e.barcode "
        "FROM musicbrainz.release e JOIN musicbrainz.artist_credit ac ON ac.id = e.artist_credit "
        "JOIN musicbrainz.release_group rg ON rg.id = e.release_group "
        "LEFT JOIN musicbrainz.release_group_primary_type rgt ON rgt.id = rg.type "
        "LEFT JOIN musicbrainz.release_status s ON s.id = e.status "
        "LEFT JOIN musicbrainz.release_packaging p ON p.id = e.packaging "
        "LEFT JOIN musicbrainz.language l ON l.id = e.language LEFT JOIN musicbrainz.script sc ON sc.id = e.script "
        "WHERE e.id = %s",
        row_id,
    )
    fields = _credit_fields(conn, row.pop("credit_name"), row.pop("credit_id"))
    fields["release_group"] = m.Ref(id=row.pop("rg_id"), name=row.pop("rg_title"))
    fields.update(row)
    events = [
        m.ReleaseEvent(date=date_of(e), country=e["country"], area=ref(e["area_id"], e["area_name"]))
        for e in rows(
            conn,
            f"SELECT * FROM (SELECT r.id FROM musicbrainz.release r WHERE r.id = %s) r, "
            f"LATERAL ({EVENTS}) e ORDER BY {EVENT_ORDER}",
            (row_id,),
        )
    ]
    fields.update(events=events, date=events[0].date if events else None, country=events[0].country if events else None)
    fields["labels"] = [
        m.ReleaseLabel(label=ref(lb["id"], lb["name"]), catalog_number=lb["catalog_number"])
        for lb in rows(
            conn,
            "SELECT l.gid::text AS id, l.name, rl.catalog_number FROM musicbrainz.release_label rl "
            "LEFT JOIN musicbrainz.label l ON l.id = rl.label WHERE rl.release = %s "
            'ORDER BY l.name COLLATE "C" NULLS LAST, rl.catalog_number COLLATE "C" NULLS LAST, rl.id',
            (row_id,),
        )
    ]
    fields["media"] = _media(conn, row_id)
    return fields


Loader = Callable[[Conn, int, frozenset[str]], dict[str, Any]]
LOADERS: dict[str, tuple[Loader, type[m.Entity]]] = {
    "area": (_area, m.Area),
    "artist": (_artist, m.Artist),
    "event": (_event, m.Event),
    "genre": (_genre, m.Genre),
    "instrument": (_instrument, m.Instrument),
    "label": (_label, m.Label),
    "place": (_place, m.Place),
    "recording": (_recording, m.Recording),
    "release": (_release, m.Release),
    "release-group": (_release_group, m.ReleaseGroup),
    "series": (_series, m.Series),
    "work": (_work, m.Work),
}


def get_entity(conn: Conn, entity: str, mbid: str, include: Iterable[str] = frozenset()) -> m.Entity | None:
    """The entity ``entity`` (``"artist"``, ``"release-group"``, ...) with MBID ``mbid``, or None if unknown.

    Raises ``InvalidQuery`` for an unknown entity type, a malformed MBID or an unknown include.
    """
    if entity not in LOADERS:
        raise InvalidQuery("entity", f"unknown entity type {entity!r}; one of {', '.join(sorted(LOADERS))}")
    wanted = check_includes(include, includes_of(entity))
    table = TABLES[entity]
    found = resolve(conn, table, parse_mbid(mbid))
    if found is None:
        return None
    row_id = found[0]
    loader, model = LOADERS[entity]
    fields = loader(conn, row_id, wanted)
    fields["links"] = links(conn, table, [row_id]).get(row_id, [])
    fields.update(extras(conn, table, row_id, wanted))
    return model(**fields)

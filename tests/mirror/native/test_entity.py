"""``get_entity``: every entity type with its common joins, includes, merged MBIDs and malformed input."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from mirror.errors import InvalidQuery
from mirror.native import get_entity, includes_of
from mirror.native import models as m
from mirror.native.common import TABLES
from tests.mirror.native.conftest import one

Conn = psycopg.Connection[Any]


@pytest.mark.parametrize("entity", sorted(TABLES))
def test_every_entity_type_loads_with_every_include(conn: Conn, entity: str) -> None:
    table = TABLES[entity]
    gid = one(conn, f"SELECT gid::text FROM musicbrainz.{table} ORDER BY id LIMIT 1")
    found = get_entity(conn, entity, gid, includes_of(entity))
    assert found is not None
    assert found.id == gid
    assert found.aliases is not None and found.relationships is not None


def test_release_has_credits_events_labels_tracks_and_isrcs(conn: Conn) -> None:
    release_id, gid = conn.execute(
        "SELECT r.id, r.gid::text FROM musicbrainz.release r WHERE EXISTS (SELECT 1 FROM musicbrainz.release_label "
        "WHERE release = r.id AND catalog_number IS NOT NULL) AND EXISTS (SELECT 1 FROM musicbrainz.medium md "
        "JOIN musicbrainz.track t ON t.medium = md.id JOIN musicbrainz.isrc i ON i.recording = t.recording "
        "WHERE md.release = r.id) ORDER BY r.id LIMIT 1"
    ).fetchone() or (0, "")
    assert gid, "ds01 has a release with a catalogue number and ISRCs"
    release = get_entity(conn, "release", gid)
    assert isinstance(release, m.Release)
    assert release.artist_credit == one(
        conn,
        "SELECT ac.name FROM musicbrainz.release r JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit "
        "WHERE r.id = %s",
        release_id,
    )
    assert "".join(a.credited_as + a.join_phrase for a in release.artists) == release.artist_credit
    catnos = {
        row[0]
        for row in conn.execute(
            "SELECT catalog_number FROM musicbrainz.release_label WHERE release = %s", (release_id,)
        )
    }
    assert {lb.catalog_number for lb in release.labels} == catnos
    isrcs = {
        row[0]
        for row in conn.execute(
            "SELECT i.isrc FROM musicbrainz.medium md JOIN musicbrainz.track t ON t.medium = md.id "
            "JOIN musicbrainz.isrc i ON i.recording = t.recording WHERE md.release = %s",
            (release_id,),
        )
    }
    assert {i for md in release.media for t in md.tracks for i in t.isrcs} == isrcs
    tracks = one(
        conn,
        "SELECT count(*) FROM musicbrainz.track t JOIN musicbrainz.medium md ON md.id = t.medium WHERE md.release = %s",
        release_id,
    )
    assert sum(len(md.tracks) for md in release.media) == tracks
    assert [md.position for md in release.media] == sorted(md.position for md in release.media)


def test_release_date_and_country_are_the_earliest_event(conn: Conn) -> None:
    gid = one(
        conn,
        "SELECT r.gid::text FROM musicbrainz.release r JOIN musicbrainz.release_country rc ON rc.release = r.id "
        "WHERE rc.date_year IS NOT NULL ORDER BY r.id LIMIT 1",
    )
    release = get_entity(conn, "release", gid)
    assert isinstance(release, m.Release)
    assert release.events and release.date == min(e.date for e in release.events if e.date)
    assert release.country == release.events[0].country


def test_external_links_come_from_url_relationships(conn: Conn) -> None:
    artist_id, gid = conn.execute(
        "SELECT a.id, a.gid::text FROM musicbrainz.artist a JOIN musicbrainz.l_artist_url l ON l.entity0 = a.id "
        "ORDER BY a.id LIMIT 1"
    ).fetchone() or (0, "")
    urls = {
        row[0]
        for row in conn.execute(
            "SELECT u.url FROM musicbrainz.l_artist_url l JOIN musicbrainz.url u ON u.id = l.entity1 "
            "WHERE l.entity0 = %s",
            (artist_id,),
        )
    }
    artist = get_entity(conn, "artist", gid)
    assert artist is not None and {link.url for link in artist.links} == urls
    assert all(link.type for link in artist.links)


def test_tags_and_genres_are_only_loaded_when_asked_for(conn: Conn) -> None:
    gid = one(
        conn,
        "SELECT a.gid::text FROM musicbrainz.artist a JOIN musicbrainz.artist_tag t ON t.artist = a.id "
        "JOIN musicbrainz.tag tg ON tg.id = t.tag JOIN musicbrainz.genre g ON g.name = tg.name ORDER BY a.id LIMIT 1",
    )
    plain = get_entity(conn, "artist", gid)
    assert plain is not None and plain.tags is None and plain.genres is None
    full = get_entity(conn, "artist", gid, {"tags", "genres"})
    assert full is not None and full.tags and full.genres
    assert {g.name for g in full.genres} <= {t.name for t in full.tags}


def test_a_merged_mbid_answers_the_current_entity(conn: Conn) -> None:
    artist_id, gid = conn.execute("SELECT id, gid::text FROM musicbrainz.artist ORDER BY id LIMIT 1").fetchone() or (
        0,
        "",
    )
    old = "0f2a2b9e-0000-4000-8000-000000000001"
    conn.execute("INSERT INTO musicbrainz.artist_gid_redirect (gid, new_id) VALUES (%s, %s)", (old, artist_id))
    found = get_entity(conn, "artist", old)
    assert found is not None and found.id == gid


def test_an_unknown_mbid_is_none(conn: Conn) -> None:
    assert get_entity(conn, "release", "00000000-0000-4000-8000-000000000000") is None


@pytest.mark.parametrize(
    ("entity", "mbid", "include", "parameter"),
    [
        ("artist", "not-a-uuid", (), "mbid"),
        ("artist", "1946a82a-f927-40c2-8235-38d64f50d043", ("releases",), "include"),
        ("widget", "1946a82a-f927-40c2-8235-38d64f50d043", (), "entity"),
    ],
)
def test_malformed_requests_raise_invalid_query(
    conn: Conn, entity: str, mbid: str, include: tuple[str, ...], parameter: str
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        get_entity(conn, entity, mbid, include)
    assert caught.value.parameter == parameter


def test_release_group_and_recording_list_their_releases(conn: Conn) -> None:
    rg_id, rg = conn.execute(
        "SELECT release_group, (SELECT gid::text FROM musicbrainz.release_group WHERE id = release_group) "
        "FROM musicbrainz.release GROUP BY release_group ORDER BY count(*) DESC, release_group LIMIT 1"
    ).fetchone() or (0, "")
    group = get_entity(conn, "release-group", rg, {"releases"})
    assert isinstance(group, m.ReleaseGroup) and group.releases is not None
    expected = {
        row[0] for row in conn.execute("SELECT gid::text FROM musicbrainz.release WHERE release_group = %s", (rg_id,))
    }
    assert {r.id for r in group.releases} == expected and group.release_count == len(expected)
    rec = one(
        conn,
        "SELECT r.gid::text FROM musicbrainz.recording r JOIN musicbrainz.track t ON t.recording = r.id "
        "ORDER BY r.id LIMIT 1",
    )
    recording = get_entity(conn, "recording", rec, ["releases"])
    assert isinstance(recording, m.Recording) and recording.releases


def test_event_place_instrument_series_and_genre_carry_their_own_fields(conn: Conn) -> None:
    event_gid, event_type, cancelled = conn.execute(
        "SELECT e.gid::text, t.name, e.cancelled FROM musicbrainz.event e "
        "LEFT JOIN musicbrainz.event_type t ON t.id = e.type ORDER BY e.id LIMIT 1"
    ).fetchone() or ("", None, None)
    event = get_entity(conn, "event", event_gid)
    assert isinstance(event, m.Event) and (event.type, event.cancelled) == (event_type, cancelled)

    place_gid, address, area_gid, latitude = conn.execute(
        "SELECT p.gid::text, p.address, a.gid::text, p.coordinates[0] FROM musicbrainz.place p "
        "LEFT JOIN musicbrainz.area a ON a.id = p.area ORDER BY p.id LIMIT 1"
    ).fetchone() or ("", "", None, None)
    place = get_entity(conn, "place", place_gid)
    assert isinstance(place, m.Place) and place.address == address
    assert (place.area.id if place.area else None) == area_gid
    assert (place.coordinates.latitude if place.coordinates else None) == latitude

    instrument_gid, description = conn.execute(
        "SELECT gid::text, description FROM musicbrainz.instrument ORDER BY id LIMIT 1"
    ).fetchone() or ("", "")
    instrument = get_entity(conn, "instrument", instrument_gid)
    assert isinstance(instrument, m.Instrument) and instrument.description == description

    series_gid, ordering = conn.execute(
        "SELECT s.gid::text, o.name FROM musicbrainz.series s "
        "JOIN musicbrainz.series_ordering_type o ON o.id = s.ordering_type ORDER BY s.id LIMIT 1"
    ).fetchone() or ("", None)
    series = get_entity(conn, "series", series_gid)
    assert isinstance(series, m.Series) and series.ordering_type == ordering and ordering

    genre_gid, genre_name = conn.execute(
        "SELECT gid::text, name FROM musicbrainz.genre ORDER BY id LIMIT 1"
    ).fetchone() or (
        "",
        "",
    )
    genre = get_entity(conn, "genre", genre_gid, ["aliases"])
    assert isinstance(genre, m.Genre) and genre.name == genre_name and genre.aliases is not None

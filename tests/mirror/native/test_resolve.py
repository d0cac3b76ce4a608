"""``resolve``: real identifiers of ds01 found with SQL, normalised variants, malformed ids and limits."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from mirror.errors import InvalidQuery
from mirror.native.resolve import MAX_IDS, resolve

Conn = psycopg.Connection[Any]


def pairs_of(conn: Conn, query: str) -> set[tuple[str, str]]:
    return {(row[0], row[1]) for row in conn.execute(query)}


def test_every_kind_resolves_real_ids_in_input_order(conn: Conn) -> None:
    isrc, rec = conn.execute(
        "SELECT i.isrc, r.gid::text FROM musicbrainz.isrc i JOIN musicbrainz.recording r ON r.id = i.recording "
        "ORDER BY i.id LIMIT 1"
    ).fetchone() or ("", "")
    barcode = conn.execute("SELECT barcode FROM musicbrainz.release WHERE barcode <> '' ORDER BY id LIMIT 1").fetchone()
    discid = conn.execute(
        "SELECT c.discid FROM musicbrainz.cdtoc c JOIN musicbrainz.medium_cdtoc mc ON mc.cdtoc = c.id ORDER BY c.id "
        "LIMIT 1"
    ).fetchone()
    catno = conn.execute(
        "SELECT catalog_number FROM musicbrainz.release_label WHERE catalog_number IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    assert barcode and discid and catno
    ids = [
        ("url", "https://example.invalid/nothing"),
        ("isrc", isrc.lower()),
        ("barcode", barcode[0]),
        ("discid", discid[0]),
        ("catno", catno[0]),
    ]
    results = resolve(conn, ids).results
    assert [(r.kind, r.id) for r in results] == ids
    assert results[0].matches == [] and results[0].error is None
    assert [(m.type, m.id) for m in results[1].matches] == [("recording", rec)]
    expected_barcode = pairs_of(
        conn, f"SELECT 'release', gid::text FROM musicbrainz.release WHERE barcode = '{barcode[0]}'"
    )
    assert {(m.type, m.id) for m in results[2].matches} == expected_barcode
    assert results[3].matches and all(m.type == "release" for m in results[3].matches)
    assert results[4].matches and all(m.via is not None or m.type == "release" for m in results[4].matches)


def test_urls_resolve_through_url_relationships_in_any_spelling(conn: Conn) -> None:
    url, _ = conn.execute(
        "SELECT u.url, 'artist' FROM musicbrainz.url u JOIN musicbrainz.l_artist_url l ON l.entity1 = u.id "
        "WHERE u.url LIKE 'http://www.discogs.com/artist/%' ORDER BY u.id LIMIT 1"
    ).fetchone() or ("", "")
    assert url, "ds01 links an artist to Discogs"
    expected = pairs_of(
        conn,
        "SELECT 'artist', a.gid::text FROM musicbrainz.url u JOIN musicbrainz.l_artist_url l ON l.entity1 = u.id "
        f"JOIN musicbrainz.artist a ON a.id = l.entity0 WHERE u.url = '{url}'",
    )
    spelled = url.replace("http://www.", "https://").replace("/artist/", "/fr/artist/") + "/"
    [result] = resolve(conn, [("url", spelled)]).results
    assert {(m.type, m.id) for m in result.matches} == expected
    assert all(m.via == "discogs" for m in result.matches)


def test_isrc_iswc_and_barcode_variants_are_normalised(conn: Conn) -> None:
    work_id, work = conn.execute("SELECT id, gid::text FROM musicbrainz.work ORDER BY id LIMIT 1").fetchone() or (0, "")
    conn.execute(
        "INSERT INTO musicbrainz.iswc (id, work, iswc, edits_pending, created) "
        "VALUES (990001, %s, 'T-034.524.680-1', 0, now())",
        (work_id,),
    )
    release_id, release = conn.execute(
        "SELECT id, gid::text FROM musicbrainz.release ORDER BY id LIMIT 1"
    ).fetchone() or (0, "")
    conn.execute("UPDATE musicbrainz.release SET barcode = '0600116817020' WHERE id = %s", (release_id,))
    results = resolve(conn, [("iswc", "T0345246801"), ("barcode", "600116817020")]).results
    assert [(m.type, m.id) for m in results[0].matches] == [("work", work)]
    assert ("release", release) in {(m.type, m.id) for m in results[1].matches}


def test_malformed_ids_carry_an_error_without_failing_the_batch(conn: Conn) -> None:
    results = resolve(conn, [("isrc", "nope"), ("discid", "short"), ("iswc", "T-1"), ("url", "ftp://x")]).results
    assert all(r.error and r.matches == [] for r in results)


def test_limits_and_unknown_kinds_are_invalid(conn: Conn) -> None:
    with pytest.raises(InvalidQuery):
        resolve(conn, [])
    with pytest.raises(InvalidQuery) as caught:
        resolve(conn, [("isbn", "123")])
    assert caught.value.parameter == "isbn"
    with pytest.raises(InvalidQuery) as caught:
        resolve(conn, [("isrc", "GBAAA9900303")] * (MAX_IDS + 1))
    assert caught.value.parameter == "ids"
    assert len(resolve(conn, [("isrc", "GBAAA9900303")] * MAX_IDS).results) == MAX_IDS

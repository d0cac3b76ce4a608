"""Fields answered through links (a recording's credit and mediums, a release's credit) and typed fields, over a
shared dataset: each query names one entity by its MBID and one field, so the answer is known from SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.search.analyze import tokens
from mirror.search.catalog import CATALOG
from tests.mirror.search.conftest import Searcher, searcher

DATASET = "ds17"


@pytest.fixture(scope="module")
def conn(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_url(imported_dataset(DATASET)), autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def run(imported_dataset: Callable[[str], str]) -> Searcher:
    return searcher(imported_dataset(DATASET))


@pytest.fixture(scope="module")
def track(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """A recording on one track of a release with a dated release event, and what the search shows of them."""
    row = conn.execute(
        "SELECT rec.gid::text, t.position, m.track_count, m.position, r.gid::text, r.name, rg.gid::text,"
        " ac.name, rc.date_year FROM musicbrainz.track t JOIN musicbrainz.recording rec ON rec.id = t.recording"
        " JOIN musicbrainz.medium m ON m.id = t.medium JOIN musicbrainz.release r ON r.id = m.release"
        " JOIN musicbrainz.release_group rg ON rg.id = r.release_group"
        " JOIN musicbrainz.artist_credit ac ON ac.id = rec.artist_credit"
        " JOIN musicbrainz.release_country rc ON rc.release = r.id"
        " WHERE rc.date_year IS NOT NULL AND (SELECT count(*) FROM musicbrainz.track WHERE recording = rec.id) = 1"
        " ORDER BY t.id LIMIT 1"
    ).fetchone()
    assert row is not None, "ds17 has no recording on exactly one dated release"
    keys = ("rid", "tnum", "tracks", "position", "reid", "release", "rgid", "credit", "year")
    return dict(zip(keys, row, strict=True))


def found(run: Searcher, core: str, mbid_field: str, mbid: str, condition: str) -> bool:
    result = run(core, f"{mbid_field}:{mbid} AND ({condition})", limit=5)
    return bool(result.hits)


@pytest.mark.parametrize("core", [name for name, core in CATALOG.items() if core.lookups])
def test_own_mbid_fields_are_answered_by_the_musicbrainz_tables(
    run: Searcher, conn: psycopg.Connection[Any], core: str
) -> None:
    """``rid``, ``tid``, ``arid``...: no lexemes; the table's ``gid`` index finds the entity (any case, whole or
    by prefix), and nothing else matches."""
    checked = 0
    for field, template in CATALOG[core].lookups.items():
        table = re.search(r"FROM \{mb\}\.(\w+)", template)
        assert table is not None
        row = conn.execute(f"SELECT gid::text FROM musicbrainz.{table[1]} ORDER BY id LIMIT 1").fetchone()
        if row is None:
            continue  # no such entity in this dataset
        mbid = row[0]
        found = conn.execute(template.format(mb="musicbrainz", gid="gid = %s"), (mbid,)).fetchone()
        assert found is not None
        for query in (f"{field}:{mbid}", f"{field}:{mbid.upper()}", f'{field}:"{mbid}"', f"{field}:{mbid[:9]}*"):
            assert found[0] in [hit.id for hit in run(core, query, limit=100).hits], query
        assert run(core, f"{field}:{mbid}", limit=5).total == 1
        for query in (f"{field}:{mbid[:-1]}", f"{field}:{mbid}0", f"{field}:{mbid[:8]}?", f"{field}:xyz*"):
            assert not run(core, query, limit=5).hits, query
        assert not run(core, f"{field}:[{mbid} TO {mbid}]", limit=5).hits
        checked += 1
    if not checked:
        pytest.skip(f"{DATASET} has no {core} to look up")


def test_a_recording_is_found_through_its_credit(run: Searcher, track: dict[str, Any]) -> None:
    words = " ".join(tokens(track["credit"]))
    assert found(run, "recording", "rid", track["rid"], f"artist:({words})")
    assert found(run, "recording", "rid", track["rid"], f'artist:"{words}"')
    assert not found(run, "recording", "rid", track["rid"], "artist:zzzqqqxx")


def test_a_recording_is_found_through_its_medium_and_release(run: Searcher, track: dict[str, Any]) -> None:
    rid = track["rid"]
    assert found(run, "recording", "rid", rid, f"reid:{track['reid']}")
    assert found(run, "recording", "rid", rid, f"rgid:{track['rgid']}")
    assert found(run, "recording", "rid", rid, f"release:({' '.join(tokens(track['release']))})")
    assert found(run, "recording", "rid", rid, f"tracks:{track['tracks']}")
    assert not found(run, "recording", "rid", rid, f"tracks:{track['tracks'] + 1000}")
    assert found(run, "recording", "rid", rid, f"position:{track['position']}")
    assert found(run, "recording", "rid", rid, f"date:{track['year']}")
    assert not found(run, "recording", "rid", rid, f"date:{track['year'] + 1}")
    assert found(run, "recording", "rid", rid, f"date:[{track['year'] - 1} TO {track['year'] + 1}]")
    assert found(run, "recording", "rid", rid, f"tracks:[{track['tracks']} TO *]")


def test_negation_through_a_link(run: Searcher, track: dict[str, Any]) -> None:
    rid = track["rid"]
    assert not found(run, "recording", "rid", rid, f"NOT reid:{track['reid']}")
    assert found(run, "recording", "rid", rid, "NOT release:zzzqqqxx")
    assert not found(run, "recording", "rid", rid, f"NOT tracks:{track['tracks']}")


def test_int_and_date_terms_on_the_own_document(run: Searcher, track: dict[str, Any]) -> None:
    rid = track["rid"]
    assert found(run, "recording", "rid", rid, f"tnum:{track['tnum']}")
    assert found(run, "recording", "rid", rid, f"tnum:0{track['tnum']}")  # an int term is a number
    assert not found(run, "recording", "rid", rid, f"tnum:{track['tnum'] + 1000}")
    assert not found(run, "recording", "rid", rid, "tnum:abc")
    assert found(run, "recording", "rid", rid, f"firstreleasedate:{track['year']}")
    assert found(run, "recording", "rid", rid, f"firstreleasedate:{str(track['year'])[:3]}*")
    assert not found(run, "recording", "rid", rid, f"firstreleasedate:{str(track['year'])[:3]}")


def test_an_int_term_alone_is_found_through_its_index(run: Searcher, track: dict[str, Any]) -> None:
    hits = run("recording", f"tnum:{track['tnum']}", limit=100).hits
    assert hits and all(hit.score == 100 for hit in hits)  # every match scores the same: the one term


def test_a_release_is_found_through_its_credit(
    run: Searcher, conn: psycopg.Connection[Any], track: dict[str, Any]
) -> None:
    row = conn.execute(
        "SELECT ac.name FROM musicbrainz.release r JOIN musicbrainz.artist_credit ac ON ac.id = r.artist_credit"
        " WHERE r.gid = %s",
        (track["reid"],),
    ).fetchone()
    assert row is not None
    words = " ".join(tokens(row[0]))
    assert found(run, "release", "reid", track["reid"], f"artist:({words})")
    assert found(run, "release", "reid", track["reid"], f"artistname:({words}) OR creditname:({words})")
    assert not found(run, "release", "reid", track["reid"], "artist:zzzqqqxx")

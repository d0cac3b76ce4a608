"""Fields answered through links (a recording's credit and mediums, a release's credit) and typed fields, over a
shared dataset: each query names one entity by its MBID and one field, so the answer is known from SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from mirror.db import libpq_url
from mirror.search.analyze import tokens
from mirror.search.build import source_query
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


MBID_FIELDS = [
    (name, field) for name, core in CATALOG.items() for field in core.all_fields if field in core.part_of(field).lookups
]


def _listed(conn: psycopg.Connection[Any], core: str, field: str, mbid: str) -> set[int] | None:
    """The core's entities whose document source lists ``mbid`` in ``field`` (through the core's link for a
    shared part's field), or None when the source no longer selects the field."""
    part = CATALOG[core].part_of(field)
    with conn.cursor() as cur:
        cur.execute(source_query(part, "musicbrainz", False))
        assert cur.description is not None
        names = [column.name for column in cur.description]
        if field not in names:
            return None
        at = names.index(field)
        ids = [row[0] for row in cur if mbid in (row[at] if isinstance(row[at], list) else [row[at]])]
    link = CATALOG[core].link_of(field)
    if link is None:
        return set(ids)
    retrieve = sql.SQL(link.retrieve).format(
        cond=sql.SQL("p.id = ANY(%s)"), search=sql.Identifier("search"), mb=sql.Identifier("musicbrainz")
    )
    return {row[0] for row in conn.execute(retrieve, (ids,))}


@pytest.mark.parametrize(("core", "field"), MBID_FIELDS)
def test_mbid_fields_are_answered_by_the_musicbrainz_tables(
    run: Searcher, conn: psycopg.Connection[Any], core: str, field: str
) -> None:
    """``rid``, ``tid``, ``arid``, a recording's ``reid``...: no lexemes; the tables' ``gid`` indexes find the
    entities the document source lists the MBID for (any case, whole or by prefix), and nothing else matches."""
    lookup = CATALOG[core].part_of(field).lookups[field]
    probe = re.sub(r"^SELECT .+? AS id FROM", "SELECT g.gid::text FROM", lookup.select)
    row = conn.execute(probe.format(mb="musicbrainz", match="IS NOT NULL") + " ORDER BY 1 LIMIT 1").fetchone()
    if row is None:
        pytest.skip(f"{DATASET} has no {core} with a {field}")
    mbid = row[0]
    hits = {hit.id for hit in run(core, f"{field}:{mbid}", limit=100).hits}
    assert hits
    expected = _listed(conn, core, field, mbid)
    if expected is not None:
        assert hits == expected
    for query in (f"{field}:{mbid.upper()}", f'{field}:"{mbid}"', f"{field}:{mbid[:9]}*"):
        assert hits <= {hit.id for hit in run(core, query, limit=100).hits}, query
    for query in (f"{field}:{mbid[:-1]}", f"{field}:{mbid}0", f"{field}:{mbid[:8]}?", f"{field}:xyz*"):
        assert not run(core, query, limit=5).hits, query
    assert not run(core, f"{field}:[{mbid} TO {mbid}]", limit=5).hits


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


def test_total_is_exact_when_a_link_gives_a_document_several_rows(conn: psycopg.Connection[Any], run: Searcher) -> None:
    # release words of mediums whose tracks repeat recordings: the lookup gives more rows than recordings
    words = conn.execute(
        "SELECT w, count(*), count(DISTINCT t.recording) FROM search.medium m"
        " JOIN musicbrainz.track t ON t.medium = m.id,"
        " LATERAL (SELECT split_part(x, ':', 2) AS w FROM unnest(tsvector_to_array(m.doc)) x"
        "          WHERE x LIKE 'release:%') q"
        " GROUP BY w HAVING count(*) > count(DISTINCT t.recording) + 1 ORDER BY count(*) DESC, w LIMIT 5"
    ).fetchall()
    assert words
    for word, rows, recordings in words:
        for cap in (1, recordings - 1, recordings, recordings + 1, rows - 1, rows, rows + 1):
            assert run("recording", f"release:{word}", candidate_cap=max(cap, 1)).total == recordings, (word, cap)


@pytest.mark.parametrize(("core", "field"), MBID_FIELDS)
def test_a_list_of_mbids_finds_what_each_finds(
    run: Searcher, conn: psycopg.Connection[Any], core: str, field: str
) -> None:
    """``arid:(a b c)`` and ``arid:a OR arid:b OR ...`` are looked up together: the same hits as each alone."""
    lookup = CATALOG[core].part_of(field).lookups[field]
    probe = re.sub(r"^SELECT .+? AS id FROM", "SELECT DISTINCT g.gid::text FROM", lookup.select)
    listed = probe.format(mb="musicbrainz", match="IS NOT NULL") + " ORDER BY 1 LIMIT 4"
    mbids = [row[0] for row in conn.execute(listed)]
    if len(mbids) < 2:
        pytest.skip(f"{DATASET} has fewer than two {core} MBIDs in {field}")
    mbids.append("00000000-0000-0000-0000-000000000000")  # matches nothing
    each = set().union(*({hit.id for hit in run(core, f"{field}:{m}", limit=100).hits} for m in mbids))
    assert each
    for query in (f"{field}:({' '.join(mbids)})", " OR ".join(f"{field}:{m.upper()}" for m in mbids)):
        result = run(core, query, limit=100)
        assert {hit.id for hit in result.hits} == each and result.total == len(each), query
    both = {hit.id for hit in run(core, f"+{field}:{mbids[0]} +{field}:{mbids[1]}", limit=100).hits}
    first = {hit.id for hit in run(core, f"{field}:{mbids[0]}", limit=100).hits}
    second = {hit.id for hit in run(core, f"{field}:{mbids[1]}", limit=100).hits}
    assert both == first & second  # a MUST list is not merged

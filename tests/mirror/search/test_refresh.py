"""The replication hook keeps the search index current, in the packet's transaction, equal to a full rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.load import import_dump
from mirror.packet import Packet, read_packet
from mirror.replicate import apply_packet
from mirror.search.build import rebuild
from mirror.search.catalog import CATALOG
from mirror.search.refresh_scope import touched
from mirror.tools.packets import delete, insert, packet_bytes, synthetic_row, update
from tests.fixtures.db import TestServer
from tests.fixtures.samples import dataset_dir
from tests.mirror.search.conftest import searcher

DATASET = "ds17"


@pytest.fixture
def db(pg_server: TestServer, samples: Any) -> Iterator[str]:
    url = pg_server.create_database("refresh")
    import_dump(url, [dataset_dir(samples, DATASET)])
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("UPDATE musicbrainz.replication_control SET current_replication_sequence = 500")
    yield url
    pg_server.drop_database(url)


def snapshot(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every search table's rows, comparable (tsvectors as their canonical text)."""
    out = {}
    for core in CATALOG.values():
        rows = conn.execute(f"SELECT *, doc::text FROM search.{core.table} ORDER BY id").fetchall()
        out[core.table] = [tuple(v for i, v in enumerate(row) if i != 1) for row in rows]
    out["vocab"] = conn.execute("SELECT core, lexeme, df FROM search.vocab ORDER BY core, lexeme").fetchall()
    out["stats"] = conn.execute("SELECT core, docs FROM search.stats ORDER BY core").fetchall()
    return out


def make_packet(changes: list[Any]) -> Packet:
    return read_packet(packet_bytes(501, changes), "replication-501-v2.tar.bz2")


def test_packet_makes_new_and_renamed_artists_findable_at_once_like_a_rebuild(db: str) -> None:
    with psycopg.connect(libpq_url(db)) as conn:
        cols = [c.name for c in conn.execute("SELECT * FROM musicbrainz.artist LIMIT 0").description or []]
        row = conn.execute(
            "SELECT a.* FROM musicbrainz.artist a JOIN musicbrainz.artist_credit_name n ON n.artist = a.id "
            "JOIN musicbrainz.recording r ON r.artist_credit = n.artist_credit GROUP BY a.id "
            "ORDER BY count(*) DESC, a.id LIMIT 1"
        ).fetchone()
        assert row is not None
        artist = dict(zip(cols, row, strict=True))
        recordings = conn.execute(
            "SELECT count(DISTINCT r.id) FROM musicbrainz.recording r JOIN musicbrainz.artist_credit_name n "
            "ON n.artist_credit = r.artist_credit WHERE n.artist = %s",
            (artist["id"],),
        ).fetchone()
        alias_cols = [c.name for c in conn.execute("SELECT * FROM musicbrainz.artist_alias LIMIT 0").description or []]
        alias_row = conn.execute("SELECT * FROM musicbrainz.artist_alias ORDER BY id LIMIT 1").fetchone()
        assert recordings is not None and recordings[0] > 0 and alias_row is not None
        alias = dict(zip(alias_cols, alias_row, strict=True))
        new_id = int((conn.execute("SELECT max(id) + 1 FROM musicbrainz.artist").fetchone() or [0])[0])
        conn.rollback()
    for key in ("last_updated",):
        artist[key] = None
    new = synthetic_row("musicbrainz.artist", new_id, gid=str(uuid.uuid4()), name="Brandnew Qwertyband")
    new.update(sort_name="Qwertyband, Brandnew", comment="", area=None, begin_area=None, end_area=None)
    alias["last_updated"] = None
    changes = [
        update("musicbrainz.artist", artist, {"name": "Zyxwvut Renamed"}, xid=1),
        insert("musicbrainz.artist", new, xid=2),
        delete("musicbrainz.artist_alias", alias, xid=3),
    ]
    packet = make_packet(changes)
    assert touched(packet.changes)["artist"] == {artist["id"], new_id, alias["artist"]}
    run = searcher(db)
    assert run("artist", "zyxwvut").total == 0
    with psycopg.connect(libpq_url(db)) as conn:
        apply_packet(conn, packet)
        conn.commit()
    assert [h.id for h in run("artist", "zyxwvut renamed").hits] == [artist["id"]]
    assert [h.id for h in run("artist", "brandnew qwertyband").hits][:1] == [new_id]
    assert run("recording", "artistname:zyxwvut", limit=100).total == recordings[0]  # credits keep their names
    assert artist["id"] not in [h.id for h in run("artist", f'artist:"{artist["name"]}"').hits]
    with psycopg.connect(libpq_url(db), autocommit=True) as conn:
        after_sync = snapshot(conn)
        rebuild(db)
        assert snapshot(conn) == after_sync


def test_packet_without_a_built_index_leaves_search_alone(empty_db: str) -> None:
    with psycopg.connect(libpq_url(empty_db), autocommit=True) as conn:
        conn.execute("INSERT INTO musicbrainz.replication_control VALUES (1, 31, 10, now())")
        row = synthetic_row("musicbrainz.artist", 1, name="Lonely")
        apply_packet(conn, make_packet_for(11, [insert("musicbrainz.artist", row, xid=1)]))
        assert conn.execute("SELECT count(*) FROM search.artist").fetchone() == (0,)


def make_packet_for(sequence: int, changes: list[Any]) -> Packet:
    return read_packet(packet_bytes(sequence, changes), f"replication-{sequence}-v2.tar.bz2")


def row_of(conn: psycopg.Connection[Any], query: str) -> dict[str, Any]:
    cur = conn.execute(query)
    row = cur.fetchone()
    assert row is not None, query
    names = [c.name for c in cur.description or []]
    return {k: (None if k == "last_updated" else v) for k, v in zip(names, row, strict=True)}


def row_version(conn: psycopg.Connection[Any], table: str, entity: int) -> Any:
    return conn.execute(f"SELECT xmin::text FROM search.{table} WHERE id = %s", (entity,)).fetchone()


def test_updates_no_document_reads_leave_the_documents_alone(db: str) -> None:
    with psycopg.connect(libpq_url(db)) as conn:
        work = row_of(
            conn,
            "SELECT w.* FROM musicbrainz.work w JOIN musicbrainz.l_artist_work l ON l.entity1 = w.id"
            " ORDER BY w.id LIMIT 1",
        )
        link = row_of(conn, "SELECT * FROM musicbrainz.l_artist_artist ORDER BY id LIMIT 1")
        before = row_version(conn, "work", work["id"])
        conn.rollback()
    assert before is not None
    packet = make_packet(
        [
            update("musicbrainz.work", work, {"edits_pending": work["edits_pending"] + 1}, xid=1),
            update("musicbrainz.l_artist_artist", link, {"edits_pending": link["edits_pending"] + 1}, xid=2),
            insert("musicbrainz.l_artist_artist", {**link, "id": link["id"] + 10**6, "link_order": 7}, xid=3),
        ]
    )
    with psycopg.connect(libpq_url(db)) as conn:
        result = apply_packet(conn, packet)
        conn.commit()
        assert result.applied == 4  # the three changes and the replication control row
        assert (result.search_documents, result.search_changed) == (0, 0)
        assert row_version(conn, "work", work["id"]) == before


def test_mixed_packet_refreshes_what_changed_rewrites_only_what_differs_and_equals_a_rebuild(db: str) -> None:
    with psycopg.connect(libpq_url(db)) as conn:
        work = row_of(conn, "SELECT * FROM musicbrainz.work ORDER BY id LIMIT 1")
        other = row_of(conn, "SELECT * FROM musicbrainz.work ORDER BY id DESC LIMIT 1")
        lonely = row_of(  # the only alias of its artist: an update cannot reorder the artist's aliases
            conn,
            "SELECT * FROM musicbrainz.artist_alias WHERE artist IN (SELECT artist FROM musicbrainz.artist_alias "
            "GROUP BY artist HAVING count(*) = 1) ORDER BY id LIMIT 1",
        )
        moved = row_of(  # the first of several aliases: updated, it moves, and so do the artist's alias words
            conn,
            "SELECT * FROM musicbrainz.artist_alias WHERE artist IN (SELECT artist FROM musicbrainz.artist_alias "
            "GROUP BY artist HAVING count(*) > 2) ORDER BY artist, id LIMIT 1",
        )
        gone = row_of(
            conn, f"SELECT * FROM musicbrainz.artist_alias WHERE id NOT IN ({lonely['id']}, {moved['id']}) LIMIT 1"
        )
        recording = row_of(conn, "SELECT * FROM musicbrainz.recording ORDER BY id LIMIT 1")
        track = row_of(conn, f"SELECT * FROM musicbrainz.track WHERE recording <> {recording['id']} LIMIT 1")
        disc = row_of(conn, "SELECT * FROM musicbrainz.medium_cdtoc ORDER BY id LIMIT 1")
        work_link = row_of(conn, "SELECT * FROM musicbrainz.l_artist_work ORDER BY id LIMIT 1")
        linked = row_of(conn, f"SELECT id FROM musicbrainz.work WHERE id <> {work_link['entity1']} ORDER BY id LIMIT 1")
        new_id = int((conn.execute("SELECT max(id) + 1 FROM musicbrainz.work").fetchone() or [0])[0])
        unchanged = row_version(conn, "artist", lonely["artist"])
        conn.rollback()
    fresh = {**other, "id": new_id, "gid": str(uuid.uuid4()), "name": "Plumbfizzle Cantata"}
    packet = make_packet(
        [
            update("musicbrainz.work", work, {"name": "Quixotry Overture", "edits_pending": 1}, xid=1),
            insert("musicbrainz.work", fresh, xid=2),
            update("musicbrainz.artist_alias", lonely, {"edits_pending": lonely["edits_pending"] + 1}, xid=3),
            delete("musicbrainz.artist_alias", gone, xid=4),
            update("musicbrainz.artist_alias", moved, {"edits_pending": moved["edits_pending"] + 1}, xid=4),
            update("musicbrainz.recording", recording, {"name": "Zanzibarian Jig", "comment": "live"}, xid=5),
            update("musicbrainz.track", track, {"position": track["position"] + 40, "number": "B9"}, xid=6),
            delete("musicbrainz.medium_cdtoc", disc, xid=6),
            insert(
                "musicbrainz.l_artist_work",
                {**work_link, "id": work_link["id"] + 10**6, "entity1": linked["id"]},
                xid=7,
            ),
        ]
    )
    run = searcher(db)
    with psycopg.connect(libpq_url(db)) as conn:
        result = apply_packet(conn, packet)
        conn.commit()
        # the alias update moved a row read under array_agg: its artist was redone, but came out the same
        assert row_version(conn, "artist", lonely["artist"]) == unchanged
        assert 0 < result.search_changed < result.search_documents
    assert [h.id for h in run("work", "quixotry overture").hits] == [work["id"]]
    assert [h.id for h in run("work", "plumbfizzle").hits] == [new_id]
    assert [h.id for h in run("recording", "zanzibarian").hits] == [recording["id"]]
    with psycopg.connect(libpq_url(db), autocommit=True) as conn:
        after_sync = snapshot(conn)
        rebuild(db)
        assert snapshot(conn) == after_sync


def test_vocabulary_differences_summed_over_chunks_equal_a_rebuild(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two artists swap names (their words leave one document and enter another) and a third takes a new word,
    each in a chunk of its own: the summed differences leave the swapped words' counts alone and the result is
    the rebuild's, vocabulary included."""
    monkeypatch.setattr("mirror.search.refresh.CHUNK", 1)
    with psycopg.connect(libpq_url(db)) as conn:
        first, second, third = (
            row_of(conn, f"SELECT * FROM musicbrainz.artist ORDER BY id OFFSET {n} LIMIT 1") for n in (0, 1, 2)
        )
        before: dict[str, int] = dict(
            conn.execute("SELECT lexeme, df FROM search.vocab WHERE core = 'artist'").fetchall()
        )
        conn.rollback()
    packet = make_packet(
        [
            update("musicbrainz.artist", first, {"name": second["name"]}, xid=1),
            update("musicbrainz.artist", second, {"name": first["name"]}, xid=1),
            update("musicbrainz.artist", third, {"name": "Wobblequartz"}, xid=2),
        ]
    )
    run = searcher(db)
    with psycopg.connect(libpq_url(db)) as conn:
        apply_packet(conn, packet)
        conn.commit()
        after: dict[str, int] = dict(
            conn.execute("SELECT lexeme, df FROM search.vocab WHERE core = 'artist'").fetchall()
        )
    assert after["artist:wobblequartz"] == 1 and "artist:wobblequartz" not in before
    swapped = {f"artist:{word}" for word in second["name"].lower().split() if word.isalnum()}
    assert swapped and all(after.get(lexeme) == before.get(lexeme) for lexeme in swapped)
    assert [h.id for h in run("artist", "wobblequartz").hits] == [third["id"]]
    with psycopg.connect(libpq_url(db), autocommit=True) as conn:
        after_sync = snapshot(conn)
        rebuild(db)
        assert snapshot(conn) == after_sync

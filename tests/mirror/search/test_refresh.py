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
from mirror.search.refresh import touched
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

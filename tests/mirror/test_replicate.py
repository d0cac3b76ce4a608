"""Applying one packet: the reference semantics, atomicity, refusals and the entity-change record.

The expected state comes from ``ReferenceModel``, a plain-Python rendering of the reference loader's rules
(groups by max(seqid), changed columns only, keys from olddata), compared table by table with what PostgreSQL
holds after the set-based applier ran.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from mirror.packet import Packet, PendingChange, read_packet
from mirror.replicate import apply_order, apply_packet, entity_refs, load_catalog
from mirror.sync_errors import (
    ApplyError,
    DuplicatePacket,
    MissingPrimaryKey,
    PacketGap,
    ReplicationUnavailable,
    SchemaChangeRequired,
    SequenceNotAdvanced,
)
from mirror.tools.packets import (
    Change,
    cascade_delete,
    delete,
    insert,
    packet_bytes,
    packet_time,
    primary_key,
    synthetic_row,
    update,
)

Row = dict[str, Any]
TABLES = (
    "musicbrainz.artist",
    "musicbrainz.artist_alias",
    "musicbrainz.artist_meta",
    "musicbrainz.l_artist_artist",
    "musicbrainz.alternative_medium_track",
    "musicbrainz.cdtoc",
    "musicbrainz.place",
    "musicbrainz.event",
    "musicbrainz.release_meta",
)


def connect(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(libpq_url(url), autocommit=True)
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def seed(conn: psycopg.Connection[Any], sequence: int | None, rows: Mapping[str, Iterable[Row]]) -> None:
    """A replication_control row at ``sequence`` and the given rows."""
    conn.execute(
        "INSERT INTO musicbrainz.replication_control VALUES (1, 31, %s, %s)",
        (sequence, packet_time(sequence or 0)),
    )
    for table, table_rows in rows.items():
        schema, name = table.split(".")
        for row in table_rows:
            conn.execute(
                psycopg.sql.SQL("INSERT INTO {t} SELECT * FROM json_populate_record(NULL::{t}, %s::json)").format(
                    t=psycopg.sql.Identifier(schema, name)
                ),
                (psycopg.types.json.Json(row),),
            )


def table_rows(conn: psycopg.Connection[Any], table: str) -> dict[tuple[Any, ...], Row]:
    schema, name = table.split(".")
    key = primary_key(table)
    query = psycopg.sql.SQL("SELECT row_to_json(t) FROM {} AS t").format(psycopg.sql.Identifier(schema, name))
    return {tuple(row[c] for c in key): row for (row,) in conn.execute(query)}


class ReferenceModel:
    """Tables as dictionaries, changed by the reference loader's rules."""

    def __init__(self, rows: Mapping[str, Iterable[Row]]) -> None:
        self.tables: dict[str, dict[tuple[Any, ...], Row]] = {table: {} for table in TABLES}
        for table, table_rows in rows.items():
            for row in table_rows:
                self.tables[table][self.key(table, row)] = dict(row)

    @staticmethod
    def key(table: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c] for c in primary_key(table))

    def apply(self, changes: Sequence[PendingChange]) -> None:
        for change in apply_order(changes):
            rows = self.tables.get(change.table)
            if rows is None:
                continue
            if change.op == "i" and change.new is not None:
                rows[self.key(change.table, change.new)] = dict(change.new)
            elif change.op == "d" and change.old is not None:
                rows.pop(self.key(change.table, change.old), None)
            elif change.old is not None and change.new is not None:
                row = rows.pop(self.key(change.table, change.old), None)
                if row is None:
                    continue
                for column, value in change.new.items():
                    if change.old.get(column) != value:
                        row[column] = value
                rows[self.key(change.table, row)] = row

    def assert_matches(self, conn: psycopg.Connection[Any]) -> None:
        for table, expected in self.tables.items():
            assert table_rows(conn, table) == expected, table


class RandomTraffic:
    """Random but valid replication traffic over ``TABLES``, tracking the master's state."""

    def __init__(self, rng: random.Random, model: ReferenceModel) -> None:
        self.rng = rng
        self.state = {table: dict(rows) for table, rows in model.tables.items()}
        self.next_id = 10_000
        self.next_xid = 500

    def transaction(self) -> list[Change]:
        xid = self.next_xid
        self.next_xid += 1
        changes = []
        for _ in range(self.rng.randint(1, 6)):
            table = self.rng.choice(TABLES)
            rows = self.state[table]
            action = self.rng.random()
            if action < 0.45 or not rows:
                self.next_id += 1
                row = synthetic_row(table, self.next_id)
                changes.append(insert(table, row, xid=xid))
                rows[ReferenceModel.key(table, row)] = row
            elif action < 0.8:
                old_key = self.rng.choice(sorted(rows, key=repr))
                old = rows.pop(old_key)
                fresh = synthetic_row(table, self.rng.randint(1, 9_999))
                pk = primary_key(table)
                columns = [c for c in old if c not in pk]
                changed = {c: fresh[c] for c in self.rng.sample(columns, k=min(len(columns), 2))}
                if self.rng.random() < 0.2:  # change the primary key too
                    self.next_id += 1
                    changed[pk[-1]] = self.next_id
                change = update(table, old, changed, xid=xid)
                changes.append(change)
                assert change.new is not None
                rows[ReferenceModel.key(table, change.new)] = dict(change.new)
            else:
                old_key = self.rng.choice(sorted(rows, key=repr))
                changes.append(delete(table, rows.pop(old_key), xid=xid))
        return changes

    def packet_changes(self, transactions: int) -> list[Change]:
        """Transactions that interleave as on the master: each commits (ends) after the previous one, and a
        change may run ahead into earlier transactions only past every earlier change of its table."""
        out: list[Change] = []
        for changes in (self.transaction() for _ in range(transactions)):
            floor = 0
            for change in changes[:-1]:
                same_table = [i for i, placed in enumerate(out) if placed.table == change.table]
                low = max(floor, same_table[-1] + 1 if same_table else 0)
                position = self.rng.randint(low, len(out))
                out.insert(position, change)
                floor = position + 1
            out.append(changes[-1])
        return out


def initial_rows() -> dict[str, list[Row]]:
    return {table: [synthetic_row(table, n) for n in range(1, 9)] for table in TABLES}


def packet(sequence: int, changes: Sequence[Change], **options: Any) -> Packet:
    return read_packet(packet_bytes(sequence, changes, **options), f"replication-{sequence}-v2.tar.bz2")


@pytest.fixture
def db(empty_db: str) -> Iterator[psycopg.Connection[Any]]:
    with connect(empty_db) as conn:
        yield conn


def sequence_of(conn: psycopg.Connection[Any]) -> int | None:
    row = conn.execute("SELECT current_replication_sequence FROM musicbrainz.replication_control").fetchone()
    return row[0] if row else None


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_random_packet_sequences_leave_every_table_as_the_reference_loader_would(
    db: psycopg.Connection[Any], seed_value: int
) -> None:
    rows = initial_rows()
    seed(db, 100, rows)
    model = ReferenceModel(rows)
    traffic = RandomTraffic(random.Random(seed_value), model)
    for sequence in range(101, 105):
        changes = traffic.packet_changes(transactions=25)
        p = packet(sequence, changes)
        result = apply_packet(db, p)
        model.apply(p.changes)
        assert result.changes == len(changes) + 1
        assert result.applied + result.unchanged_updates == result.changes
    model.assert_matches(db)
    assert sequence_of(db) == 104


def test_transactions_are_applied_in_order_of_their_last_seqid(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1, name="A")
    seed(db, 10, {"musicbrainz.artist": [artist]})
    changes = [
        update("musicbrainz.artist", artist, {"name": "X"}, xid=100),  # seqid 1, xid 100 commits last
        update("musicbrainz.artist", artist, {"name": "Y"}, xid=101),  # seqid 2, xid 101 commits first
        update("musicbrainz.artist", artist, {"comment": "late"}, xid=100),  # seqid 3
    ]
    apply_packet(db, packet(11, changes))
    row = table_rows(db, "musicbrainz.artist")[(1,)]
    assert (row["name"], row["comment"]) == ("X", "late")


def test_update_sets_only_the_columns_that_changed(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1, edits_pending=0)
    seed(db, 10, {"musicbrainz.artist": [{**artist, "edits_pending": 7}]})
    apply_packet(db, packet(11, [update("musicbrainz.artist", artist, {"name": "New"}, xid=5)]))
    row = table_rows(db, "musicbrainz.artist")[(1,)]
    assert (row["name"], row["edits_pending"]) == ("New", 7)


def test_update_can_change_a_composite_primary_key(db: psycopg.Connection[Any]) -> None:
    amt = {"alternative_medium": 1, "track": 2, "alternative_track": 3}
    seed(db, 10, {"musicbrainz.alternative_medium_track": [amt]})
    changes = [
        update("musicbrainz.alternative_medium_track", amt, {"track": 9}, xid=5),
        update(
            "musicbrainz.alternative_medium_track", {**amt, "track": 9}, {"track": 2, "alternative_medium": 4}, xid=6
        ),
    ]
    apply_packet(db, packet(11, changes))
    assert list(table_rows(db, "musicbrainz.alternative_medium_track")) == [(4, 2)]


def test_cascading_delete_and_reinsert_in_one_packet(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1)
    alias = synthetic_row("musicbrainz.artist_alias", 1, artist=1)
    meta = synthetic_row("musicbrainz.artist_meta", 1)
    seed(
        db, 10, {"musicbrainz.artist": [artist], "musicbrainz.artist_alias": [alias], "musicbrainz.artist_meta": [meta]}
    )
    changes = [
        *cascade_delete(
            "musicbrainz.artist",
            artist,
            [("musicbrainz.artist_alias", alias), ("musicbrainz.artist_meta", meta)],
            xid=7,
        ),
        insert("musicbrainz.artist", {**artist, "name": "Reborn"}, xid=8),
    ]
    apply_packet(db, packet(11, changes))
    assert table_rows(db, "musicbrainz.artist")[(1,)]["name"] == "Reborn"
    assert table_rows(db, "musicbrainz.artist_alias") == {}
    assert table_rows(db, "musicbrainz.artist_meta") == {}


def test_rows_of_tables_and_columns_not_kept_are_skipped_and_counted(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    artist = {**synthetic_row("musicbrainz.artist", 1), "new_column": "x"}
    changes = [
        insert("musicbrainz.mood", {"id": 1, "gid": "0b0a1c4e-6d5e-4a5c-9f0a-3d3b3c3d3e3f", "name": "calm"}, xid=5),
        insert("musicbrainz.l_artist_mood", {"id": 1, "entity0": 1, "entity1": 1}, xid=5),
        insert("statistics.log_statistic", {"id": 1}, xid=6),
        insert("musicbrainz.artist", artist, xid=6),
    ]
    result = apply_packet(db, packet(11, changes, keys={"statistics.log_statistic": ["id"]}))
    assert result.skipped == {"musicbrainz.mood": 1, "musicbrainz.l_artist_mood": 1, "statistics.log_statistic": 1}
    assert result.skipped_columns == {"musicbrainz.artist": {"new_column"}}
    assert result.rows_skipped == 3
    assert table_rows(db, "musicbrainz.artist")[(1,)]["name"] == artist["name"]


def test_packet_without_pending_keys_takes_keys_from_the_local_catalogue(db: psycopg.Connection[Any]) -> None:
    rows = {
        "musicbrainz.alternative_medium_track": [
            {"alternative_medium": 1, "track": n, "alternative_track": n} for n in (1, 2)
        ]
    }
    seed(db, 10, rows)
    first, second = rows["musicbrainz.alternative_medium_track"]
    changes = [
        update("musicbrainz.alternative_medium_track", first, {"alternative_track": 50}, xid=5),
        delete("musicbrainz.alternative_medium_track", second, xid=5),
    ]
    p = packet(11, changes, with_keys=False)
    assert p.keys is None
    apply_packet(db, p)
    assert table_rows(db, "musicbrainz.alternative_medium_track") == {
        (1, 1): {"alternative_medium": 1, "track": 1, "alternative_track": 50}
    }


def test_packet_without_its_replication_control_row_is_rolled_back(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    changes = [insert("musicbrainz.artist", synthetic_row("musicbrainz.artist", 1), xid=5)]
    with pytest.raises(SequenceNotAdvanced, match="did not move replication_control to 11"):
        apply_packet(db, packet(11, changes, replication_control=False))
    assert table_rows(db, "musicbrainz.artist") == {}
    assert sequence_of(db) == 10


def test_a_failing_change_rolls_back_the_whole_packet(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1)
    seed(db, 10, {"musicbrainz.artist": [artist]})
    changes = [
        insert("musicbrainz.artist_meta", synthetic_row("musicbrainz.artist_meta", 1), xid=5),
        insert("musicbrainz.artist", artist, xid=6),  # duplicate key
    ]
    with pytest.raises(ApplyError, match=r"applying insert on musicbrainz\.artist failed"):
        apply_packet(db, packet(11, changes))
    assert table_rows(db, "musicbrainz.artist_meta") == {}
    assert sequence_of(db) == 10
    assert db.execute("SELECT count(*) FROM mbmirror.entity_change").fetchone() == (0,)


def test_a_failing_table_stops_the_tables_after_it_and_is_the_error_raised(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1)
    seed(db, 10, {"musicbrainz.artist": [artist]})
    changes = [
        insert("musicbrainz.artist", artist, xid=5),  # duplicate key, in the first table applied
        insert("musicbrainz.artist_alias", synthetic_row("musicbrainz.artist_alias", 1), xid=6),
        insert("musicbrainz.recording", synthetic_row("musicbrainz.recording", 1), xid=7),
    ]
    with pytest.raises(ApplyError, match=r"applying insert on musicbrainz\.artist failed"):
        apply_packet(db, packet(11, changes))
    assert table_rows(db, "musicbrainz.artist_alias") == {}
    assert table_rows(db, "musicbrainz.recording") == {}
    assert sequence_of(db) == 10


def test_a_table_that_cannot_be_planned_rolls_back_the_tables_applied_before_it(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    changes = [
        insert("musicbrainz.artist", synthetic_row("musicbrainz.artist", 1), xid=5),
        insert("musicbrainz.artist_alias", synthetic_row("musicbrainz.artist_alias", 1), xid=6),
    ]
    broken = packet(11, changes, keys={"musicbrainz.artist_alias": ["no_such_column"]})
    with pytest.raises(MissingPrimaryKey):
        apply_packet(db, broken)
    assert table_rows(db, "musicbrainz.artist") == {}
    assert sequence_of(db) == 10


def test_ignore_conflicts_skips_inserts_of_existing_rows(db: psycopg.Connection[Any]) -> None:
    artist = synthetic_row("musicbrainz.artist", 1)
    seed(db, 10, {"musicbrainz.artist": [artist]})
    apply_packet(db, packet(11, [insert("musicbrainz.artist", {**artist, "name": "B"}, xid=6)]), ignore_conflicts=True)
    assert table_rows(db, "musicbrainz.artist")[(1,)]["name"] == artist["name"]
    assert sequence_of(db) == 11


def test_packets_out_of_sequence_are_refused(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    with pytest.raises(DuplicatePacket, match="already applied"):
        apply_packet(db, packet(10, []))
    with pytest.raises(DuplicatePacket):
        apply_packet(db, packet(3, []))
    with pytest.raises(PacketGap, match="packet\\(s\\) 11-12 missing"):
        apply_packet(db, packet(13, []))
    assert sequence_of(db) == 10


def test_first_packet_of_a_new_schema_sequence_requires_a_migration(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    with pytest.raises(SchemaChangeRequired) as caught:
        apply_packet(db, packet(11, [], schema_sequence=32))
    assert caught.value.exit_code == 3
    assert "schema sequence 32" in str(caught.value) and "mbmirror init" in str(caught.value)
    assert sequence_of(db) == 10


def test_database_without_replication_sequence_cannot_replicate(db: psycopg.Connection[Any]) -> None:
    with pytest.raises(ReplicationUnavailable, match="replication_control is empty"):
        apply_packet(db, packet(1, []))
    seed(db, None, {})
    with pytest.raises(ReplicationUnavailable, match="empty REPLICATION_SEQUENCE"):
        apply_packet(db, packet(1, []))


def test_changed_entities_are_recorded_with_the_packets_sequence(db: psycopg.Connection[Any]) -> None:
    artists = [synthetic_row("musicbrainz.artist", n) for n in (1, 2, 3, 4)]
    alias = synthetic_row("musicbrainz.artist_alias", 1, artist=2)
    link = synthetic_row("musicbrainz.l_artist_artist", 1, entity0=3, entity1=4)
    seed(db, 10, {"musicbrainz.artist": artists, "musicbrainz.artist_alias": [alias]})
    changes = [
        update("musicbrainz.artist", artists[0], {"name": "Renamed"}, xid=5),
        update("musicbrainz.artist_alias", alias, {"name": "Alias"}, xid=6),
        insert("musicbrainz.l_artist_artist", link, xid=7),
    ]
    apply_packet(db, packet(11, changes))
    recorded = db.execute(
        "SELECT replication_sequence, entity_type, gid::text FROM mbmirror.entity_change ORDER BY gid"
    ).fetchall()
    assert recorded == sorted(((11, "artist", a["gid"]) for a in artists), key=lambda r: r[2])


def test_entity_rules_map_child_tables_to_their_entity(db: psycopg.Connection[Any]) -> None:
    catalog = load_catalog(db)
    assert entity_refs(catalog["musicbrainz", "artist"]) == (("artist", "gid"),)
    assert entity_refs(catalog["musicbrainz", "release_group_meta"]) == (("release_group", "id"),)
    assert entity_refs(catalog["musicbrainz", "artist_credit_name"]) == (("artist", "artist"),)
    assert entity_refs(catalog["musicbrainz", "l_release_group_release_group"]) == (
        ("release_group", "entity0"),
        ("release_group", "entity1"),
    )
    assert entity_refs(catalog["musicbrainz", "artist_type"]) == ()
    assert entity_refs(catalog["cover_art_archive", "cover_art"]) == (("release", "release"),)


def test_packet_applies_to_an_imported_dump_with_real_values(pg_server: Any, samples: Any) -> None:
    from mirror.load import import_dump
    from tests.fixtures.samples import dataset_dir

    url = pg_server.create_database("replicate_ds01")
    try:
        import_dump(url, [dataset_dir(samples, "ds01")])
        with connect(url) as conn:
            conn.execute("UPDATE musicbrainz.replication_control SET current_replication_sequence = 500")
            tables = ("musicbrainz.artist", "musicbrainz.cdtoc", "musicbrainz.release_meta", "musicbrainz.artist_alias")
            before = {table: table_rows(conn, table) for table in tables}
            artist_key, artist = sorted(before["musicbrainz.artist"].items())[0]
            cdtoc = next(iter(before["musicbrainz.cdtoc"].values()))
            meta = next(iter(before["musicbrainz.release_meta"].values()))
            alias = next(iter(before["musicbrainz.artist_alias"].values()))
            changes = [
                update("musicbrainz.artist", artist, {"name": 'Ünïcode \\ "new"\tname', "ended": True}, xid=1),
                insert("musicbrainz.cdtoc", {**cdtoc, "id": 99_999, "discid": "x" * 28}, xid=2),
                update("musicbrainz.release_meta", meta, {"cover_art_presence": "darkened"}, xid=3),
                delete("musicbrainz.artist_alias", alias, xid=4),
            ]
            p = packet(501, changes)
            model = ReferenceModel({})
            model.tables = {table: dict(rows) for table, rows in before.items()}
            apply_packet(conn, p)
            model.apply(p.changes)
            model.assert_matches(conn)
            assert table_rows(conn, "musicbrainz.artist")[artist_key]["name"] == 'Ünïcode \\ "new"\tname'
    finally:
        pg_server.drop_database(url)


def test_rows_sharing_a_unique_value_keep_their_order(db: psycopg.Connection[Any]) -> None:
    seed(db, 10, {})
    first = synthetic_row("musicbrainz.artist", 1)
    second = {**first, "id": 2}  # same gid (unique index artist_idx_gid)
    changes = [
        insert("musicbrainz.artist", first, xid=5),
        delete("musicbrainz.artist", first, xid=6),
        insert("musicbrainz.artist", second, xid=7),
    ]
    result = apply_packet(db, packet(11, changes))
    assert list(table_rows(db, "musicbrainz.artist")) == [(2,)]
    assert result.statements >= 3

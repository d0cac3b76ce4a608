"""Packets in the real v2 format: what the test writer produces and what the reader accepts or refuses."""

from __future__ import annotations

import bz2
import io
import tarfile
from pathlib import Path

import pytest

from mirror import packet as packet_module
from mirror.packet import copy_field, parse_text_array, read_packet, split_table_name
from mirror.sync_errors import PacketError
from mirror.tools.packets import (
    cascade_delete,
    delete,
    insert,
    packet_bytes,
    update,
    write_packet,
)

ARTIST = {
    "id": 1,
    "gid": "89ad4ac3-39f7-470e-963a-56509c546377",
    "name": 'Tab\there "quoted" back\\slash',
    "comment": "line\nbreak",
    "last_updated": "2024-05-10T11:27:11.858659+00:00",
    "ended": False,
}


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_writer_emits_members_in_exporter_order() -> None:
    data = packet_bytes(7, [insert("musicbrainz.artist", ARTIST, xid=10)])
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as tar:
        names = tar.getnames()
    assert names == [
        "TIMESTAMP",
        "COPYING",
        "README",
        "REPLICATION_SEQUENCE",
        "SCHEMA_SEQUENCE",
        "DBMIRROR_VERSION",
        "mbdump/pending_data",
        "mbdump/pending_keys",
        "mbdump/pending_ts",
    ]
    files = members(data)
    assert files["REPLICATION_SEQUENCE"] == b"7\n"
    assert files["SCHEMA_SEQUENCE"] == b"31\n"
    assert files["DBMIRROR_VERSION"] == b"2\n"


def test_writer_copy_escapes_json_backslashes_and_keeps_one_line_per_change() -> None:
    files = members(packet_bytes(7, [insert("musicbrainz.artist", ARTIST, xid=10)], replication_control=False))
    line = files["mbdump/pending_data"].decode()
    assert line.count("\n") == 1
    fields = line.rstrip("\n").split("\t")
    assert fields[:5] == ["1", "musicbrainz.artist", "i", "10", "\\N"]
    assert fields[6:] == ["\\N", "\\N"]
    # JSON escapes \t, \" and \\ ; COPY doubles each backslash again.
    assert "\\\\t" in fields[5] and '\\\\"quoted\\\\"' in fields[5] and "back\\\\\\\\slash" in fields[5]


def test_writer_appends_the_packets_own_replication_control_update_last() -> None:
    packet = read_packet(packet_bytes(42, [insert("musicbrainz.artist", ARTIST, xid=10)]))
    last = packet.changes[-1]
    assert last.table == "musicbrainz.replication_control" and last.op == "u"
    assert last.old is not None and last.new is not None
    assert last.old["current_replication_sequence"] == 41
    assert last.new["current_replication_sequence"] == 42
    assert last.xid != 10 and last.seqid == max(c.seqid for c in packet.changes)


def test_reader_round_trips_values_through_copy_and_json() -> None:
    changes = [
        insert("musicbrainz.artist", ARTIST, xid=10),
        update("musicbrainz.artist", ARTIST, {"id": 2, "name": "B\\"}, xid=11),
        delete("musicbrainz.artist", {**ARTIST, "id": 2, "name": "B\\"}, xid=12),
    ]
    packet = read_packet(packet_bytes(5, changes))
    assert packet.sequence == 5 and packet.schema_sequence == 31
    assert packet.timestamp.endswith("+00")
    assert [c.op for c in packet.changes] == ["i", "u", "d", "u"]
    assert packet.changes[0].new == ARTIST
    assert packet.changes[1].new == {**ARTIST, "id": 2, "name": "B\\"}
    assert packet.changes[2].old == {**ARTIST, "id": 2, "name": "B\\"}
    assert packet.keys == {"musicbrainz.artist": ("id",), "musicbrainz.replication_control": ("id",)}
    assert set(packet.transaction_times) == {10, 11, 12, 13}


def test_writer_supports_interleaved_transactions_in_seqid_order() -> None:
    changes = [
        insert("musicbrainz.artist", {**ARTIST, "id": 1}, xid=100),
        insert("musicbrainz.artist", {**ARTIST, "id": 2}, xid=101),
        insert("musicbrainz.artist", {**ARTIST, "id": 3}, xid=100),
    ]
    packet = read_packet(packet_bytes(5, changes, replication_control=False))
    assert [(c.seqid, c.xid) for c in packet.changes] == [(1, 100), (2, 101), (3, 100)]


def test_writer_cascading_delete_lists_children_before_parent_in_one_xid() -> None:
    alias = {"id": 9, "artist": 1, "name": "A"}
    changes = cascade_delete("musicbrainz.artist", ARTIST, [("musicbrainz.artist_alias", alias)], xid=7)
    assert [(c.table, c.op, c.xid) for c in changes] == [
        ("musicbrainz.artist_alias", "d", 7),
        ("musicbrainz.artist", "d", 7),
    ]


def test_writer_keys_come_from_schema_and_cover_tables_outside_the_dump() -> None:
    changes = [
        insert("musicbrainz.artist_alias", {"id": 1}, xid=1),
        insert("musicbrainz.mood", {"id": 1, "name": "happy"}, xid=1),
        insert("musicbrainz.alternative_medium_track", {"alternative_medium": 1, "track": 2}, xid=1),
    ]
    packet = read_packet(packet_bytes(5, changes, replication_control=False))
    assert packet.keys == {
        "musicbrainz.artist_alias": ("id",),
        "musicbrainz.mood": ("id",),
        "musicbrainz.alternative_medium_track": ("alternative_medium", "track"),
    }


def test_reader_accepts_a_packet_without_pending_keys() -> None:
    packet = read_packet(packet_bytes(5, [insert("musicbrainz.artist", ARTIST, xid=1)], with_keys=False))
    assert packet.keys is None
    assert len(packet.changes) == 2


def test_reader_reads_packet_files_by_path(tmp_path: Path) -> None:
    path = write_packet(tmp_path, 12, [insert("musicbrainz.artist", ARTIST, xid=1)])
    assert path.name == "replication-12-v2.tar.bz2"
    assert read_packet(path).sequence == 12


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9, 0.99])
def test_reader_refuses_truncated_packet(cut: float) -> None:
    data = packet_bytes(5, [insert("musicbrainz.artist", {**ARTIST, "id": i}, xid=i) for i in range(300)])
    with pytest.raises(PacketError, match=r"truncated|corrupt|missing"):
        read_packet(data[: int(len(data) * cut)], "replication-5-v2.tar.bz2")


def test_reader_refuses_corrupt_and_non_bzip2_data() -> None:
    data = bytearray(packet_bytes(5, [insert("musicbrainz.artist", ARTIST, xid=1)]))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(PacketError, match="corrupt"):
        read_packet(bytes(data))
    with pytest.raises(PacketError, match="not a bzip2 file"):
        read_packet(b"<html>404</html>")


def test_reader_refuses_wrong_dbmirror_version() -> None:
    data = packet_bytes(5, [], dbmirror_version="1")
    with pytest.raises(PacketError, match="DBMIRROR_VERSION"):
        read_packet(data)


@pytest.mark.parametrize("text", ["\n", "12a\n", " 5\n", "-1\n"])
def test_reader_refuses_malformed_replication_sequence(text: str) -> None:
    with pytest.raises(PacketError, match="REPLICATION_SEQUENCE"):
        read_packet(packet_bytes(5, [], replication_sequence_text=text))


def _tar_bz2(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return bz2.compress(buffer.getvalue())


def test_reader_refuses_packet_without_pending_data() -> None:
    data = _tar_bz2(
        {"TIMESTAMP": b"x\n", "REPLICATION_SEQUENCE": b"5\n", "SCHEMA_SEQUENCE": b"31\n", "DBMIRROR_VERSION": b"2\n"}
    )
    with pytest.raises(PacketError, match="missing mbdump/pending_data"):
        read_packet(data)


def test_reader_refuses_op_without_matching_row_data() -> None:
    line = b"1\tmusicbrainz.artist\ti\t5\t\\N\t\\N\t\\N\t\\N\n"
    data = _tar_bz2(
        {
            "TIMESTAMP": b"x\n",
            "REPLICATION_SEQUENCE": b"5\n",
            "SCHEMA_SEQUENCE": b"31\n",
            "DBMIRROR_VERSION": b"2\n",
            "mbdump/pending_data": line,
        }
    )
    with pytest.raises(PacketError, match="does not match olddata/newdata"):
        read_packet(data)


def test_reader_refuses_line_with_wrong_field_count() -> None:
    data = _tar_bz2(
        {
            "TIMESTAMP": b"x\n",
            "REPLICATION_SEQUENCE": b"5\n",
            "SCHEMA_SEQUENCE": b"31\n",
            "DBMIRROR_VERSION": b"2\n",
            "mbdump/pending_data": b"1\tmusicbrainz.artist\ti\n",
        }
    )
    with pytest.raises(PacketError, match="line 1 has 3 fields"):
        read_packet(data)


def test_copy_field_undoes_every_copy_escape() -> None:
    assert copy_field(b"\\N") is None
    assert copy_field(b"") == ""
    assert copy_field(b"a\\tb\\nc\\\\d\\r\\b\\f\\v") == "a\tb\nc\\d\r\b\f\v"
    assert copy_field(b"\\101\\x42") == "AB"
    assert copy_field("é".encode()) == "é"


def test_table_names_and_key_arrays_are_parsed_like_postgresql() -> None:
    assert split_table_name("musicbrainz.artist") == ("musicbrainz", "artist")
    assert split_table_name('cover_art_archive."odd.name"') == ("cover_art_archive", "odd.name")
    assert split_table_name("artist") == ("musicbrainz", "artist")
    assert parse_text_array("{id}") == ("id",)
    assert parse_text_array('{entity0,"odd col"}') == ("entity0", "odd col")
    assert parse_text_array("{}") == ()


def test_copy_field_pairs_backslashes_left_to_right_before_other_escapes() -> None:
    assert copy_field(b"\\\\n") == "\\n"  # an escaped backslash, then a plain n
    assert copy_field(b"\\\\\\n") == "\\\n"  # an escaped backslash, then an escaped newline
    assert copy_field(b"\\\\\\\\") == "\\\\"
    assert copy_field(b'{"a":"x\\\\"y\\\\\\\\z"}') == '{"a":"x\\"y\\\\z"}'
    assert copy_field(b"\\\\\\101\\x5c\\\\") == "\\A\\\\"


def _packet_with_pending_data(pending_data: bytes) -> bytes:
    return _tar_bz2(
        {
            "TIMESTAMP": b"x\n",
            "REPLICATION_SEQUENCE": b"5\n",
            "SCHEMA_SEQUENCE": b"31\n",
            "DBMIRROR_VERSION": b"2\n",
            "mbdump/pending_data": pending_data,
        }
    )


def test_reader_streams_pending_data_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = [insert("musicbrainz.artist", {**ARTIST, "id": i, "name": f"é名 \\ {i}\t"}, xid=i) for i in range(40)]
    whole = read_packet(packet_bytes(5, changes))
    monkeypatch.setattr(packet_module, "_CHUNK", 7)  # lines, escapes and UTF-8 sequences cut anywhere
    assert read_packet(packet_bytes(5, changes)).changes == whole.changes
    assert [c.new["name"] for c in whole.changes[:2] if c.new] == ["é名 \\ 0\t", "é名 \\ 1\t"]


def test_reader_takes_a_last_line_without_newline() -> None:
    line = b'7\tmusicbrainz.artist\td\t9\t{"id":3}\t\\N\t\\N\t\\N'
    (change,) = read_packet(_packet_with_pending_data(line)).changes
    assert (change.seqid, change.table, change.op, change.xid, change.old, change.new) == (
        7,
        "musicbrainz.artist",
        "d",
        9,
        {"id": 3},
        None,
    )


def test_reader_keeps_integers_beyond_64_bits() -> None:
    big = 2**70
    line = f'1\tmusicbrainz.artist\ti\t5\t\\N\t{{"id":{big},"x":1.5}}\t\\N\t\\N\n'.encode()
    (change,) = read_packet(_packet_with_pending_data(line)).changes
    assert change.new == {"id": big, "x": 1.5}
    assert change.new_json == f'{{"id":{big},"x":1.5}}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'1\tmusicbrainz.artist\ti\t5\t\\N\t{"id":\t\\N\t\\N\n', "invalid JSON"),
        (b"1\tmusicbrainz.artist\ti\t5\t\\N\t[1]\t\\N\t\\N\n", "not an object"),
        (b'x\tmusicbrainz.artist\ti\t5\t\\N\t{"id":1}\t\\N\t\\N\n', "pending_data line 1"),
        (b'1\t\\N\ti\t5\t\\N\t{"id":1}\t\\N\t\\N\n', "NULL table name"),
        (b'1\ta.b.c\ti\t5\t\\N\t{"id":1}\t\\N\t\\N\n', "not a table name"),
        (b'1\tmusicbrainz.artist\ti\t5\t\\N\t{"id":"\xff"}\t\\N\t\\N\n', "not UTF-8"),
        (b'1\tmusicbrainz.artist\tx\t5\t\\N\t{"id":1}\t\\N\t\\N\n', "op 'x' does not match"),
    ],
)
def test_reader_refuses_malformed_pending_data_lines(line: bytes, message: str) -> None:
    with pytest.raises(PacketError, match=message):
        read_packet(_packet_with_pending_data(line))

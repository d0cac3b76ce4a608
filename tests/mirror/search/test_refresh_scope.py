"""Which documents a packet's changes touch: only changes that may change a document, derived from the cores' SQL."""

from __future__ import annotations

from typing import Any

from mirror.packet import PendingChange
from mirror.search.refresh_scope import order_sensitive_tables, relevant_columns, touched


def change(table: str, op: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> PendingChange:
    return PendingChange(1, f'"musicbrainz"."{table}"', op, 1, None, None, old, new)


WORK = {"id": 7, "gid": "g", "name": "Song", "type": 1, "language": None, "comment": "", "edits_pending": 0}


def test_tables_no_core_reads_touch_nothing() -> None:
    relevant = relevant_columns()
    assert "artist_meta" not in relevant and "l_artist_artist" not in relevant
    meta = {"id": 3, "rating": 80, "rating_count": 2}
    link = {"id": 1, "link": 2, "entity0": 3, "entity1": 4, "edits_pending": 0}
    assert not touched(
        [change("artist_meta", "u", meta, {**meta, "rating": 60}), change("l_artist_artist", "i", None, link)]
    )


def test_an_update_of_columns_no_source_reads_touches_nothing_and_a_read_column_is_followed() -> None:
    columns = relevant_columns()["work"]
    assert columns is not None and "name" in columns and "edits_pending" not in columns
    assert not touched([change("work", "u", WORK, {**WORK, "edits_pending": 1, "last_updated": "2026-01-01"})])
    assert touched([change("work", "u", WORK, {**WORK, "edits_pending": 1, "name": "Other"})]) == {"work": {7}}
    assert touched([change("work", "d", WORK, None)]) == {"work": {7}}


def test_an_update_of_a_row_read_under_an_unordered_aggregate_always_counts() -> None:
    assert relevant_columns()["artist_alias"] is None  # array_agg(name): an update moves the row, the words move
    alias = {"id": 5, "artist": 9, "name": "A", "locale": "en", "edits_pending": 0}
    assert touched([change("artist_alias", "u", alias, {**alias, "edits_pending": 1})]) == {"artist": {9}}


def test_an_update_moving_a_row_touches_its_old_and_new_entity() -> None:
    alias = {"id": 5, "artist": 9, "name": "A"}
    assert touched([change("artist_alias", "u", alias, {**alias, "artist": 10})]) == {"artist": {9, 10}}


def test_order_sensitive_tables_are_those_under_an_aggregate_without_order_by() -> None:
    source = (
        "SELECT x.id, (SELECT array_agg(name) || array_agg(sort_name) FROM {mb}.a_alias WHERE a = x.id) AS alias, "
        "(SELECT array_agg(n.name ORDER BY n.position) FROM {mb}.credit_name n JOIN {mb}.credit c ON c.id = n.c "
        "WHERE n.c = x.c) AS credit, (SELECT string_agg(t.name, ' ') FROM {mb}.a_tag j JOIN {mb}.tag t "
        "ON t.id = j.tag WHERE j.a = x.id) AS tag, (SELECT name FROM {mb}.a_type WHERE id = x.type) AS type "
        "FROM {mb}.a x WHERE {where}"
    )
    assert order_sensitive_tables(source) == {"a_alias", "a_tag", "tag"}


def test_a_row_names_the_entities_whose_documents_read_it_not_those_it_merely_refers_to() -> None:
    track = {"id": 1, "recording": 2, "medium": 3, "artist_credit": 4, "position": 1, "number": "1", "name": "T"}
    assert touched([change("track", "i", None, track)]) == {"recording": {2}}
    artist = {"id": 5, "name": "A", "area": 6, "begin_area": 7, "type": 1}
    assert touched([change("artist", "i", None, artist)]) == {"artist": {5}}
    recording = {"id": 8, "name": "R", "artist_credit": 4, "length": 1000}
    assert touched([change("recording", "d", recording, None)]) == {"recording": {8}}
    work_link = {"id": 1, "link": 2, "entity0": 5, "entity1": 7}
    assert touched([change("l_artist_work", "i", None, work_link)]) == {"work": {7}}
    assert touched([change("l_artist_url", "i", None, work_link)]) == {"url": {7}}


def test_rows_joined_to_entities_without_a_core_name_them() -> None:
    credit = {"artist_credit": 4, "position": 0, "artist": 5, "name": "A", "join_phrase": ""}
    assert touched([change("artist_credit_name", "i", None, credit)]) == {"artist": {5}, "artist_credit": {4}}
    disc = {"id": 1, "medium": 3, "cdtoc": 9}
    assert touched([change("medium_cdtoc", "i", None, disc)]) == {"medium": {3}}
    medium = {"id": 3, "release": 10, "position": 1, "format": 1, "name": "", "track_count": 2}
    assert touched([change("medium", "u", medium, {**medium, "track_count": 3})]) == {"medium": {3}, "release": {10}}

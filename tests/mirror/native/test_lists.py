"""``list_query``: filters, sorts, facets, keyset pages and streams against ds01, checked with plain SQL."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from mirror.errors import InvalidQuery
from mirror.native.lists import list_query
from mirror.native.listspec import SPECS
from tests.mirror.native.conftest import one

Conn = psycopg.Connection[Any]
SORTS = [(entity, prefix + sort) for entity, spec in sorted(SPECS.items()) for sort in spec.sorts for prefix in "-"]
SORTS += [(entity, sort) for entity, spec in sorted(SPECS.items()) for sort in spec.sorts]


def all_pages(conn: Conn, entity: str, filters: dict[str, list[str]], sort: str | None, limit: int) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = list_query(entity, filters, sort=sort, limit=limit, cursor=cursor).page(conn)
        items += page.items
        if page.next is None:
            return items
        cursor = page.next


@pytest.mark.parametrize(("entity", "sort"), SORTS)
def test_pages_and_stream_cover_every_row_once_in_sort_order(conn: Conn, entity: str, sort: str) -> None:
    total = one(conn, f"SELECT count(*) FROM musicbrainz.{SPECS[entity].table}")
    paged = all_pages(conn, entity, {}, sort, 3)
    streamed = [item for item, _ in list_query(entity, {}, sort=sort).stream(conn)]
    assert len(paged) == total and [i.id for i in paged] == [i.id for i in streamed]
    assert len({i.id for i in paged}) == total
    field = sort.lstrip("-")
    if field in ("name", "title"):
        values = [getattr(i, field).encode() for i in paged]  # COLLATE "C" is byte order
        assert values == sorted(values, reverse=sort.startswith("-"))


def test_release_filters_match_sql(conn: Conn) -> None:
    official = {
        row[0]
        for row in conn.execute(
            "SELECT r.gid::text FROM musicbrainz.release r JOIN musicbrainz.release_status s ON s.id = r.status "
            "WHERE s.name = 'Official'"
        )
    }
    assert official and {i.id for i in all_pages(conn, "release", {"status": ["official"]}, None, 5)} == official
    catno, barcode = conn.execute(
        "SELECT rl.catalog_number, r.barcode FROM musicbrainz.release r JOIN musicbrainz.release_label rl "
        "ON rl.release = r.id WHERE rl.catalog_number IS NOT NULL AND r.barcode <> '' ORDER BY r.id LIMIT 1"
    ).fetchone() or ("", "")
    for key, value, column in (("catno", catno, "catalog_numbers"), ("barcode", barcode, "barcode")):
        found = all_pages(conn, "release", {key: [value]}, None, 5)
        assert found and all(value == i.barcode or value in i.catalog_numbers for i in found), column
    artist = one(conn, "SELECT a.gid::text FROM musicbrainz.artist a WHERE a.name = 'BoA'")
    by_artist = {i.id for i in all_pages(conn, "release", {"artist": [artist]}, None, 5)}
    assert by_artist == {
        row[0]
        for row in conn.execute(
            "SELECT r.gid::text FROM musicbrainz.release r JOIN musicbrainz.artist_credit_name acn "
            "ON acn.artist_credit = r.artist_credit JOIN musicbrainz.artist a ON a.id = acn.artist WHERE a.gid = %s",
            (artist,),
        )
    }


def test_date_and_country_filters_use_the_earliest_event(conn: Conn) -> None:
    everything = all_pages(conn, "release", {}, None, 50)
    dated = [i for i in everything if i.date]
    assert dated
    year = dated[0].date[:4]
    in_year = all_pages(conn, "release", {"date": [year]}, "date", 50)
    assert {i.id for i in in_year} == {i.id for i in dated if i.date[:4] == year}
    later = all_pages(conn, "release", {"date__gte": [f"{year}-06"], "date__lte": ["2100"]}, "-date", 50)
    assert {i.id for i in later} == {i.id for i in dated if i.date >= f"{year}-06"}
    assert [i.date for i in later] == sorted((i.date for i in later), reverse=True)
    country = next(i.country for i in everything if i.country)
    assert {i.id for i in all_pages(conn, "release", {"country": [country.lower()]}, None, 50)} == {
        i.id for i in everything if i.country == country
    }


def test_repeated_filter_values_match_any(conn: Conn) -> None:
    both = all_pages(conn, "artist", {"type": ["person", "group"]}, None, 50)
    people = all_pages(conn, "artist", {"type": ["Person"]}, None, 50)
    groups = all_pages(conn, "artist", {"type": ["Group"]}, None, 50)
    assert {i.id for i in both} == {i.id for i in people} | {i.id for i in groups} and people and groups


def test_facets_count_every_matching_row(conn: Conn) -> None:
    page = list_query("release", {"status": ["Official"]}, limit=1, facets=["country", "year", "type"]).page(conn)
    assert page.facets is not None
    total = len(all_pages(conn, "release", {"status": ["Official"]}, None, 50))
    for counts in page.facets.values():
        assert sum(f.count for f in counts) == total


def test_keyset_pages_are_stable_when_rows_are_inserted_between_pages(conn: Conn) -> None:
    first = list_query("artist", {}, sort="name", limit=5).page(conn)
    assert first.next is not None
    before = [i.id for i in all_pages(conn, "artist", {}, "name", 50)]
    # Three artists that sort before every row already seen: an offset-based page 2 would repeat three rows.
    conn.execute(
        "INSERT INTO musicbrainz.artist (id, gid, name, sort_name, comment, edits_pending, ended) "
        "SELECT 900000 + n, gen_random_uuid(), 'AAA ' || n, 'AAA', '', 0, false FROM generate_series(1, 3) n"
    )
    rest = all_pages_from(conn, first.next)
    assert [i.id for i in first.items] + [i.id for i in rest] == before


def all_pages_from(conn: Conn, cursor: str) -> list[Any]:
    items: list[Any] = []
    next_cursor: str | None = cursor
    while next_cursor:
        page = list_query("artist", {}, sort="name", limit=5, cursor=next_cursor).page(conn)
        items += page.items
        next_cursor = page.next
    return items


@pytest.mark.parametrize(
    ("filters", "options", "parameter"),
    [
        ({"colour": ["red"]}, {}, "colour"),
        ({"status__gte": ["x"]}, {}, "status__gte"),
        ({"date": ["1999-3"]}, {}, "date"),
        ({"year": ["soon"]}, {}, "year"),
        ({"artist": ["nobody"]}, {}, "artist"),
        ({"date__between": ["1999"]}, {}, "date__between"),
        ({}, {"sort": "popularity"}, "sort"),
        ({}, {"facet": ["mood"]}, "facet"),
        ({}, {"limit": 0}, "limit"),
        ({}, {"limit": 100000}, "limit"),
        ({}, {"cursor": "garbage!!"}, "cursor"),
    ],
)
def test_bad_requests_name_the_parameter(
    filters: dict[str, list[str]], options: dict[str, Any], parameter: str
) -> None:
    facets = options.pop("facet", ())
    with pytest.raises(InvalidQuery) as caught:
        list_query("release", filters, facets=facets, **options)
    assert caught.value.parameter == parameter


def test_a_cursor_is_refused_when_altered_or_reused_with_other_parameters(conn: Conn) -> None:
    cursor = list_query("release", {}, sort="title", limit=2).page(conn).next
    assert cursor is not None
    altered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad, filters, sort in [
        (altered, {}, "title"),
        (cursor, {"status": ["Official"]}, "title"),
        (cursor, {}, "-title"),
    ]:
        with pytest.raises(InvalidQuery) as caught:
            list_query("release", filters, sort=sort, cursor=bad)
        assert caught.value.parameter == "cursor"

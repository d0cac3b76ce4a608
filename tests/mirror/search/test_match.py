"""The match tree: constants fold, leaves over one column merge into one tsquery, sources follow the cheapest leaf."""

from __future__ import annotations

from psycopg import sql

from mirror.search.catalog import CATALOG
from mirror.search.match import FALSE, TRUE, Match, Params, and_, not_, or_


def leaf(ts: str, size: int | None = None, column: str = "doc") -> Match:
    return Match(ts=ts, column=column, size=size)


def rendered(composable: sql.Composable) -> str:
    return composable.as_string(None)


def test_constants_fold_away_in_and_or_not() -> None:
    params = Params()
    word = leaf("'recording:moon'")
    assert and_([TRUE, word], params) == word
    assert and_([FALSE, word], params) == FALSE
    assert or_([TRUE, word], params) == TRUE
    assert or_([FALSE, word], params) == word
    assert and_([], params) == TRUE and or_([], params) == FALSE
    assert not_(TRUE, params) == FALSE and not_(not_(word, params), params) == word


def test_leaves_over_one_column_merge_into_one_tsquery() -> None:
    merged = and_([leaf("'recording:dark'", 50), leaf("'recording:moon'", 7)], Params())
    assert merged.op is None
    assert merged.ts == "('recording:dark') & ('recording:moon')"
    assert merged.size == 7  # an AND matches at most what its rarest word does


def test_leaves_over_different_columns_stay_apart() -> None:
    both = and_([leaf("'recording:moon'", 7), leaf("'status:official'", None, column="extra")], Params())
    assert both.op == "and" and len(both.items) == 2


def test_an_or_keeps_rare_leaves_apart_from_common_ones() -> None:
    either = or_([leaf("'recording:moon'", 7), leaf("'recording:love'", 50_000), leaf("'recording:zq'", 3)], Params())
    assert either.op == "or"
    texts = sorted(item.ts or "" for item in either.items)
    assert texts == ["'recording:love'", "('recording:moon') | ('recording:zq')"]


def test_an_and_over_a_part_with_several_rows_per_entity_is_not_merged() -> None:
    core = CATALOG["recording"]
    link = next(link for link in core.links if link.many)
    words = [Match(ts="'release:dark'", link=link, size=5), Match(ts="'release:moon'", link=link, size=9)]
    assert and_(words, Params()).op == "and"  # the words may be in different mediums' documents


def test_the_source_of_an_and_is_its_cheapest_indexed_leaf() -> None:
    params = Params()
    condition = and_([leaf("'recording:love'", 50_000), leaf("'status:official'", 10, column="extra")], params)
    assert condition.op == "and"
    source = rendered(condition.source("recording", params))
    assert '"doc" @@ %(p0)s::tsquery' in source and "extra" not in source  # the unindexed column is never read
    assert params.values == {"p0": "'recording:love'"}


def test_the_source_of_an_or_is_its_branches_cheapest_first() -> None:
    params = Params()
    condition = or_([leaf("'recording:love'", 50_000), leaf("'recording:moon'", 7)], params)
    source = rendered(condition.source("recording", params))
    assert source.count("UNION ALL") == 1
    assert list(params.values.values()) == ["'recording:moon'", "'recording:love'"]
    assert rendered(condition.first_branch(params)).startswith("r.b = CASE WHEN")


def test_a_condition_renders_with_bound_parameters_only() -> None:
    params = Params()
    text = rendered(not_(leaf("'recording:o''brien'"), params).sql(params))
    assert text == 'NOT x."doc" @@ %(p0)s::tsquery'
    assert params.values == {"p0": "'recording:o''brien'"}

"""search(): Lucene semantics, ranking, typo tolerance and limits over a small synthetic corpus."""

from __future__ import annotations

import pytest

from mirror.errors import QueryTooComplex, SearchError
from mirror.search.lucene import BoolQuery, Clause, Term
from tests.mirror.search.conftest import ALIASES, ARTISTS, Searcher, searcher

NAMES = {number: name for number, (name, _, _) in enumerate(ARTISTS, 1)}


@pytest.fixture(scope="module")
def run(corpus: str) -> Searcher:
    return searcher(corpus)


def names(result: object) -> list[str]:
    return [NAMES[hit.id] for hit in result.hits]  # type: ignore[attr-defined]


def test_whole_name_ranks_above_partial_match(run: Searcher) -> None:
    for query in ("toto", "artist:toto", "TOTO"):
        result = run("artist", query)
        assert names(result)[:2] == ["Toto", "Alistair Toto"], query
        assert result.hits[0].score == 100
        assert result.hits[1].score < 100
        assert result.total == 2


def test_diacritics_case_and_accent_fields(run: Searcher) -> None:
    assert names(run("artist", "bjork"))[0] == "Björk"
    assert names(run("artist", "SIGUR ROS"))[0] == "Sigur Rós"
    assert names(run("artist", "artistaccent:rós"))[0] == "Sigur Rós"
    assert run("artist", "artistaccent:ros").total == 0


def test_alias_and_sort_name_matches(run: Searcher) -> None:
    assert names(run("artist", "utada hikaru"))[0] == "宇多田ヒカル"
    assert names(run("artist", "alias:gudmundsdottir"))[0] == "Björk"
    assert names(run("artist", "sortname:(beatles the)"))[0] == "The Beatles"


def test_japanese_whole_and_partial(run: Searcher) -> None:
    assert names(run("artist", "宇多田ヒカル")) == ["宇多田ヒカル"]
    assert names(run("artist", "ヒカル")) == ["宇多田ヒカル"]
    assert run("artist", "ルカ").total == 0  # characters in another order are not a match


def test_typo_is_tolerated_and_exact_spelling_wins(run: Searcher) -> None:
    assert names(run("artist", "beatels"))[0] == "The Beatles"
    assert names(run("artist", "pink floid"))[0] == "Pink Floyd"
    assert names(run("artist", "beatles~1"))[0] == "The Beatles"


def test_boolean_operators(run: Searcher) -> None:
    assert set(names(run("artist", "beatles"))) == {"The Beatles", "Beatles Revival Band"}
    assert names(run("artist", "beatles -revival")) == ["The Beatles"]
    assert names(run("artist", "beatles AND revival")) == ["Beatles Revival Band"]
    assert names(run("artist", "+beatles +band")) == ["Beatles Revival Band"]
    assert set(names(run("artist", "toto OR floyd"))) == {"Toto", "Alistair Toto", "Pink Floyd"}
    assert names(run("artist", "NOT filler NOT beatles NOT toto", limit=100))[0] != "Toto"


def test_more_matching_terms_rank_first(run: Searcher) -> None:
    assert names(run("artist", "beatles revival band"))[0] == "Beatles Revival Band"
    assert names(run("artist", "the beatles"))[0] == "The Beatles"


def test_phrase_prefix_wildcard(run: Searcher) -> None:
    assert names(run("artist", '"revival band"')) == ["Beatles Revival Band"]
    assert run("artist", '"band revival"').total == 0
    assert set(names(run("artist", "beat*"))) == {"The Beatles", "Beatles Revival Band"}
    assert set(names(run("artist", "b?atles"))) == {"The Beatles", "Beatles Revival Band"}
    assert names(run("artist", "artist:*loyd")) == ["Pink Floyd"]
    assert names(run("artist", "ac/dc")) == ["AC/DC"]


def test_ranges_on_dates(run: Searcher) -> None:
    found = set(names(run("artist", "begin:[1960 TO 1966] AND NOT artist:filler", limit=50)))
    assert found == {"Björk", "The Beatles", "Pink Floyd"}
    assert names(run("artist", "begin:{1975 TO 1977}")) == ["Toto"]
    assert "Toto" in names(run("artist", "begin:[1976 TO *]", limit=100))
    # a month is the whole month: it overlaps a range of days within it (DateRangeField's intersection)
    assert names(run("artist", "begin:[1950-02-10 TO 1950-02-20]")) == ["Alistair Toto"]  # begun 1950-02
    assert names(run("artist", "begin:[1950-02-28 TO 1950-12-31]")) == ["Alistair Toto"]
    assert run("artist", "begin:[1950-03-01 TO 1950-12-31]").total == 0


def test_a_field_wildcard_alone_matches_every_document_with_the_field(run: Searcher) -> None:
    assert run("artist", "artist:*", limit=100).total == len(ARTISTS)
    assert run("artist", "alias:*", limit=100).total == len({artist for artist, _ in ALIASES})


def test_unknown_field_matches_nothing_but_keeps_other_clauses(run: Searcher) -> None:
    assert run("artist", "nosuchfield:toto").total == 0
    assert names(run("artist", "nosuchfield:x toto"))[:1] == ["Toto"]


def test_paging_total_and_scores(run: Searcher) -> None:
    everything = run("artist", "filler", limit=100)
    assert everything.total == 41
    page = run("artist", "filler", limit=10, offset=10)
    assert [h.id for h in page.hits] == [h.id for h in everything.hits[10:20]]
    assert page.total == 41
    assert all(0 <= h.score <= 100 for h in page.hits)
    assert run("artist", "*:*", limit=5).total == len(ARTISTS)


def test_limits_raise_search_errors(run: Searcher) -> None:
    many = BoolQuery(tuple(Clause("should", Term(None, f"word{n}")) for n in range(200)))
    with pytest.raises(QueryTooComplex):
        run("artist", many, max_terms=100)
    with pytest.raises(SearchError):
        run("no-such-core", "toto")


def test_whole_value_match_is_found_beyond_the_candidate_cap(run: Searcher) -> None:
    # 41 artists contain both words, more than the 3 candidates scored: the whole-name match is looked up first
    for limit in (1, 5):
        result = run("artist", "artist:(filler band)", limit=limit, candidate_cap=3)
        assert names(result)[0] == "Filler Band", limit
        assert len(result.hits) == limit
        assert result.hits[0].score == 100
    page = names(run("artist", "artist:(filler band)", limit=2, offset=1, candidate_cap=3))
    assert "Filler Band" not in page and len(page) == 2


def test_documents_matching_every_word_stay_when_the_page_needs_more(run: Searcher) -> None:
    # one artist matches every word; filling the page takes others, of which only 5 more are scored
    result = run("artist", "filler band 39", limit=5, candidate_cap=5)
    assert names(result)[0] == "Filler Band 39"
    assert len(result.hits) == 5
    assert all(name.startswith(("Filler", "Beatles Revival")) for name in names(result))


def test_typos_are_tried_only_for_a_word_no_default_field_has(run: Searcher) -> None:
    assert names(run("artist", "beatels"))[0] == "The Beatles"  # in no field: typo alternatives
    # "revival" is in an artist's name: Toto's alias "Revivel" is not taken for a typo of it
    assert names(run("artist", "revival")) == ["Beatles Revival Band"]
    assert names(run("artist", "alias:revival")) == ["Toto"]  # in a field without the word, typos still count


def test_total_is_capped_or_exact(run: Searcher) -> None:
    # exact when every match was a candidate or the count stays under its cap
    assert run("artist", "toto OR filler", count_cap=100).total == 43
    assert run("artist", "toto OR filler", count_cap=100, candidate_cap=5).total == 43
    assert run("artist", "toto OR filler", count_cap=10, candidate_cap=5).total == 10
    # past exact_count: at least the documents of the most frequent word that suffices ("filler": 41)
    assert run("artist", "toto OR filler", exact_count=20, candidate_cap=5).total == 41
    assert run("artist", "filler -band", count_cap=10).total == 0


def test_date_terms_match_a_date_or_its_year(run: Searcher) -> None:
    assert names(run("artist", "begin:1976")) == ["Toto"]
    assert run("artist", "begin:197").total == 0  # a prefix of the year is not a date of its own
    assert set(names(run("artist", "begin:197*", limit=50))) == {"Toto", "AC/DC"}


def test_a_negated_word_excludes_only_itself_not_its_typos(run: Searcher) -> None:
    assert names(run("artist", "artist:beatels"))[0] == "The Beatles"  # a typo alone is tolerated...
    assert set(names(run("artist", "artist:beatles -artist:beatels"))) == {"The Beatles", "Beatles Revival Band"}


def test_accent_fields_take_no_automatic_typos(run: Searcher) -> None:
    assert run("artist", "artistaccent:ros").total == 0
    assert run("artist", "artistaccent:sigúr").total == 0  # one edit from "sigur": not taken for it
    assert names(run("artist", "artistaccent:sigúr~1")) == ["Sigur Rós"]  # unless asked for


def test_phrase_slop_counts_moves_as_lucene_does(run: Searcher) -> None:
    # "Beatles Revival Band": beatles 1, revival 2, band 3
    assert run("artist", 'artist:"beatles band"').total == 0
    assert names(run("artist", 'artist:"beatles band"~1')) == ["Beatles Revival Band"]
    assert run("artist", 'artist:"band beatles"~2').total == 0  # swapped and one apart: three moves
    assert names(run("artist", 'artist:"band beatles"~3')) == ["Beatles Revival Band"]
    assert names(run("artist", 'artist:"revival beatles"~2')) == ["Beatles Revival Band"]  # a swap: two moves
    assert run("artist", 'artist:"revival beatles"~1').total == 0


def test_a_phrase_longer_than_any_whole_value_is_searched(run: Searcher) -> None:
    words = " ".join(["toto"] * 420)
    assert run("artist", f'artist:"{words}"').total == 0
    assert names(run("artist", f'artist:toto OR artist:"{words}"')) == ["Toto", "Alistair Toto"]


def test_fuzzy_ranks_the_closer_spelling_first_not_the_rarer_word(run: Searcher) -> None:
    found = names(run("artist", "artist:fillre~", limit=100))
    assert "Fiiler" in found  # two edits: matched...
    assert found[0].startswith("Filler") and found.index("Fiiler") == len(found) - 1  # ...but ranked last

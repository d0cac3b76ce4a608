"""Text analysis: the same words at index and query time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.search.analyze import compact, general_normalize, general_tokens, keyword, normalize, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Dark Side of the Moon", ("the", "dark", "side", "of", "the", "moon")),
        ("Björk", ("bjork",)),
        ("Sigur Rós — Ágætis byrjun", ("sigur", "ros", "agaetis", "byrjun")),
        ("Straße", ("strasse",)),
        ("Mötley Crüe", ("motley", "crue")),
        ("Łódź", ("lodz",)),
        ("Don’t Stop Me Now", ("dont", "stop", "me", "now")),
        ("Don't Stop", ("dont", "stop")),
        ("R.E.M.", ("rem",)),
        ("AC/DC", ("ac", "dc")),
        ("Jay‐Z", ("jay", "z")),
        ("ＡＢＣ１２３", ("abc123",)),
        ("Œuvre", ("oeuvre",)),
        ("Þórr", ("thorr",)),
        ("Кино", ("кино",)),
        ("Ёлка", ("елка",)),
        ("Σίγουρα", ("σιγουρα",)),
        ("방탄소년단", ("방탄소년단",)),
    ],
)
def test_tokens_fold_case_diacritics_and_punctuation(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


def test_cjk_is_one_token_per_character_and_keeps_voicing_marks() -> None:
    assert tokens("東京事変") == ("東", "京", "事", "変")
    assert tokens("ガンダム") == ("ガ", "ン", "ダ", "ム")
    assert tokens("ｶﾞﾝﾀﾞﾑ") == ("ガ", "ン", "ダ", "ム")  # half-width katakana, NFKC
    assert tokens("宇多田ヒカル First Love") == ("宇", "多", "田", "ヒ", "カ", "ル", "first", "love")


def test_accent_variant_keeps_diacritics_but_folds_case() -> None:
    assert tokens("Björk Guðmundsdóttir", keep_accents=True) == ("björk", "guðmundsdóttir")
    assert tokens("BJÖRK", keep_accents=True) != tokens("BJORK", keep_accents=True)
    assert tokens("BJÖRK") == tokens("bjork")


def test_equivalent_characters_normalize_alike() -> None:
    assert normalize("“Hello”…") == '"hello"...'
    assert normalize("a–b—c") == "a-b-c"


def test_keyword_and_compact_fold_whole_values() -> None:
    assert keyword("  Official ") == "official"
    assert keyword("Pseudo-Release") == "pseudo-release"
    assert compact("CDP 7 46001 2") == "cdp7460012"


_TRICKY = "aZ09 '`.-‐–—_/,&!?()[]\"“”’ʼ…·\t\u00a0éÉñßæøłÞœıſ\u0301\u0308\u3099ｶﾞ東京ガンダム가Кё σΣ١٢ﬁ²½ⅣＡ"


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=40), st.booleans())
def test_shortcuts_match_the_general_analysis(text: str, keep_accents: bool) -> None:
    assert tokens(text, keep_accents) == general_tokens(text, keep_accents)
    assert normalize(text, keep_accents) == general_normalize(text, keep_accents)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_shortcuts_match_the_general_analysis_on_any_ascii(text: str) -> None:
    assert tokens(text) == general_tokens(text, False)
    assert tokens(text, True) == general_tokens(text, True)
    assert normalize(text) == general_normalize(text)
    assert keyword(text) == " ".join(general_normalize(text).split())


def test_shortcuts_cut_long_words_and_joins_inner_apostrophes_and_dots() -> None:
    for text in ("x" * 150, "a.b'c" * 40, "R.E.M. don't. 'quoted' a..b x`y", "No.5, `99`"):
        assert tokens(text) == general_tokens(text, False)
    assert tokens("x`y No.5") == ("xy", "no5")

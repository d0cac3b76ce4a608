"""Text analysis: the same words at index and query time, and the shortcuts give the general results."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.search import analyze
from mirror.search.analyze import (
    compact,
    general_normalize,
    general_tokens,
    keyword,
    normalize,
    tokens,
    tokens_both,
)


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


def test_tokens_both_is_both_analyses_cached() -> None:
    for text in ("Björk Guðmundsdóttir", "Кино", "東京事変", "R.E.M.", "😀 Smile"):
        assert tokens_both(text) == (tokens(text), tokens(text, True))
    hits = tokens_both.cache_info().hits
    tokens_both("Björk Guðmundsdóttir")
    assert tokens_both.cache_info().hits == hits + 1


def assert_shortcuts_match(text: str) -> None:
    """Every public function against the general definition, uncached (each call runs the shortcuts)."""
    plain, accent = general_tokens(text), general_tokens(text, True)
    assert tokens_both.__wrapped__(text) == (plain, accent)
    assert tokens.__wrapped__(text) == plain
    assert tokens.__wrapped__(text, True) == accent
    assert normalize.__wrapped__(text) == general_normalize(text)
    assert normalize.__wrapped__(text, True) == general_normalize(text, True)
    assert keyword.__wrapped__(text) == " ".join(general_normalize(text).split())


@pytest.mark.parametrize(
    "text",
    [
        "\ufa6c \ufad5",  # compatibility ideographs whose NFKC is above the BMP
        "😀 Smile, ＳＭＩＬＥ 𝐀𝐁𝐂 𠀋",  # above the BMP, or NFKC back into it
        "a'\u0301'b a.\u0308.b",  # marks between apostrophes and dots: one word with accents, three without
        "\u1100\u1161\u11a8 \u1100 \u1161 각",  # Hangul jamo compose into syllables
        "ǰ İstanbul ΐ ﬃ ß",  # case folding leaves decomposed or longer text
        "é" * 120 + " " + "æ" * 60 + " " + "x" * 99 + "́" * 5,  # cut at MAX_TOKEN before or after folding
        "=\u0338 <\u0338 ≠",  # a symbol composed with a mark to drop
        "ｶﾞﾝﾀﾞﾑ ガンダム カ\u3099 \u3099 ゛",  # kana voicing marks are kept
        "क़ि हिन्दी தமிழ் ක්‍රි",  # Indic marks are kept
        "Ølstykke Łódź Þórr ǿ ǽ",  # letters that do not decompose, and their accented forms
        "Don’t – “Stop” … l'été R.É.M. ‘90s",  # equivalences next to accents
        "Кино Ёлка й Σίγουρα ΣΊΣΥΦΟΣ",  # Cyrillic and Greek, with and without accents
        "\u0301abc \u0301 \u093c",  # marks without a base character
    ],
)
def test_shortcuts_match_the_general_analysis_on_edge_cases(text: str) -> None:
    assert_shortcuts_match(text)


_TRICKY = "aZ09 '`.-‐–—_/,&!?()[]\"“”’ʼ…·\t\u00a0éÉñßæøłÞœıſ\u0301\u0308\u3099ｶﾞ東京ガンダム가Кё σΣ١٢ﬁ²½ⅣＡ"
# Ranges where the shortcuts have something to get wrong: marks (Latin, Indic, kana, symbols), Hangul jamo and
# syllables, kana and Han (with compatibility ideographs), full-width and letterlike forms, Latin, Greek and
# Cyrillic with diacritics, and text above the BMP (emoji, mathematical letters, CJK extension B).
_RANGES = [
    (0x0020, 0x007F), (0x00A0, 0x024F), (0x0300, 0x036F), (0x0370, 0x04FF), (0x0590, 0x06FF), (0x0900, 0x0DFF),
    (0x1100, 0x11FF), (0x1AB0, 0x1AFF), (0x1DC0, 0x1FFF), (0x2000, 0x218F), (0x2460, 0x24FF), (0x3000, 0x30FF),
    (0x3130, 0x318F), (0x4E00, 0x4E80), (0xAC00, 0xAC40), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE20, 0xFE6F),
    (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F64F), (0x20000, 0x20100), (0x2F800, 0x2FA1F),
]  # fmt: skip
_SCRIPTS = st.one_of(
    st.sampled_from(_TRICKY), *(st.characters(min_codepoint=low, max_codepoint=high) for low, high in _RANGES)
)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=40))
def test_shortcuts_match_the_general_analysis(text: str) -> None:
    assert_shortcuts_match(text)


@settings(max_examples=2500, deadline=None)
@given(st.text(alphabet=_SCRIPTS, max_size=40))
def test_shortcuts_match_the_general_analysis_on_many_scripts(text: str) -> None:
    assert_shortcuts_match(text)


@settings(max_examples=2500, deadline=None)
@given(st.text(max_size=40))
def test_shortcuts_match_the_general_analysis_on_any_text(text: str) -> None:
    assert_shortcuts_match(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_shortcuts_match_the_general_analysis_on_any_ascii(text: str) -> None:
    assert_shortcuts_match(text)


def test_shortcuts_match_the_general_analysis_on_every_bmp_character() -> None:
    for code in range(0x10000):
        if not 0xD800 <= code <= 0xDFFF:
            char = chr(code)
            text = f"{char}A{char}\u0301'{char}b.{char}ガ{char}"  # alone, after and before letters, marks, CJK
            assert tokens_both.__wrapped__(text) == (general_tokens(text), general_tokens(text, True)), hex(code)


def test_only_marks_and_hangul_jamo_compose_with_a_previous_character() -> None:
    """The Unicode fact that lets folding leave text of inert characters alone (``_Shortcuts.folded``)."""
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    assert seconds
    assert not [char for char in seconds if analyze._inert(char)]
    assert all(unicodedata.category(char)[0] == "M" for char in seconds)
    vowels_and_trailing = [chr(code) for code in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))]
    assert not [char for char in vowels_and_trailing if analyze._inert(char)]


def test_shortcuts_cut_long_words_and_joins_inner_apostrophes_and_dots() -> None:
    for text in ("x" * 150, "a.b'c" * 40, "R.E.M. don't. 'quoted' a..b x`y", "No.5, `99`"):
        assert_shortcuts_match(text)
    assert tokens("x`y No.5") == ("xy", "no5")

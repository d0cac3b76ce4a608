"""The Lucene / edismax query parser: every syntax feature, the shapes real clients send, errors and limits."""

from __future__ import annotations

import re
from typing import Any

import musicbrainzngs
import musicbrainzngs.musicbrainz as mb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.errors import MirrorError
from mirror.search.lucene import (
    BoolQuery,
    Clause,
    MatchAll,
    Node,
    Occur,
    Phrase,
    QuerySyntaxError,
    QueryTooComplex,
    Range,
    SearchError,
    Term,
    escape,
    parse,
    parse_dismax,
    parse_lenient,
    to_text,
)


def t(text: str, field: str | None = None, **kw: Any) -> Term:
    return Term(field, text, **kw)


def b(*clauses: Node | tuple[Occur, Node], boost: float = 1.0) -> BoolQuery:
    return BoolQuery(tuple(Clause(*c) if isinstance(c, tuple) else Clause("should", c) for c in clauses), boost)


def words(field: str | None, text: str) -> Node:
    """What ``field:(text)`` parses to: one SHOULD term per word, a lone word unwrapped."""
    terms = [t(w, field) for w in text.split()]
    return terms[0] if len(terms) == 1 else b(*terms)


MUST, SHOULD, NOT = "must", "should", "must_not"

FEATURES: list[tuple[str, Node]] = [
    ("toto", t("toto")),
    ("artist:toto", t("toto", "artist")),
    ("Artist:Toto", t("Toto", "artist")),
    ("artist: toto", t("toto", "artist")),
    ("artist:(dark side)", b(t("dark", "artist"), t("side", "artist"))),
    ("artist:(toto)", t("toto", "artist")),
    ("artist:(a release:b)", b(t("a", "artist"), t("b", "release"))),
    ('recording:"so what"', Phrase("recording", "so what")),
    ('"dark moon"~3', Phrase(None, "dark moon", slop=3)),
    ('"dark moon"~', Phrase(None, "dark moon")),
    ('"dark moon"~2^4', Phrase(None, "dark moon", slop=2, boost=4.0)),
    ('"dark moon"^4~2', Phrase(None, "dark moon", slop=2, boost=4.0)),
    ('"a \\"b\\" \\\\ c"', Phrase(None, 'a "b" \\ c')),
    ("a b", b(t("a"), t("b"))),
    ("a AND b", b((MUST, t("a")), (MUST, t("b")))),
    ("a && b", b((MUST, t("a")), (MUST, t("b")))),
    ("a OR b", b(t("a"), t("b"))),
    ("a || b", b(t("a"), t("b"))),
    ("a AND b OR c", b((MUST, t("a")), (MUST, t("b")), t("c"))),
    ("NOT a", b((NOT, t("a")))),
    ("!a", b((NOT, t("a")))),
    ("a AND NOT b", b((MUST, t("a")), (NOT, t("b")))),
    ("-a AND b", b((NOT, t("a")), (MUST, t("b")))),
    ("a && !b", b((MUST, t("a")), (NOT, t("b")))),
    ("+a -b c", b((MUST, t("a")), (NOT, t("b")), t("c"))),
    ("+a", b((MUST, t("a")))),
    ("a and b or not c", b(t("a"), t("and"), t("b"), t("or"), t("not"), t("c"))),
    ("a - b", b(t("a"), t("-"), t("b"))),
    ("a&b a&&b a|b", b(t("a&b"), t("a&&b"), t("a|b"))),
    ("(a (b -(c d)))", b(t("a"), b(t("b"), (NOT, b(t("c"), t("d")))))),
    ("+(a b) -artist:(c d)", b((MUST, b(t("a"), t("b"))), (NOT, b(t("c", "artist"), t("d", "artist"))))),
    ("toto^2", t("toto", boost=2.0)),
    ("toto^0.5", t("toto", boost=0.5)),
    ("artist:toto^2", t("toto", "artist", boost=2.0)),
    ("(a b)^2", b(t("a"), t("b"), boost=2.0)),
    ("artist:(a b)^1.5", b(t("a", "artist"), t("b", "artist"), boost=1.5)),
    ("(a^2)^3", t("a", boost=6.0)),
    ("beatl*", t("beatl", prefix=True)),
    ("artist:beatl*", t("beatl", "artist", prefix=True)),
    ("b?atles", t("b?atles", wildcard=True)),
    ("*eatles", t("*eatles", wildcard=True)),
    ("be*les", t("be*les", wildcard=True)),
    ("beatl**", t("beatl**", wildcard=True)),
    ("beatl\\*", t("beatl*")),
    ("beatl\\**", t("beatl*", prefix=True)),
    ("a\\*b*c", t("a\\*b*c", wildcard=True)),
    ("a\\\\b?", t("a\\\\b?", wildcard=True)),
    ("beatles~", t("beatles", fuzzy=2)),
    ("beatles~1", t("beatles", fuzzy=1)),
    ("beatles~5", t("beatles", fuzzy=2)),
    ("beatles~0", t("beatles", fuzzy=0)),
    ("beatles~0.8", t("beatles", fuzzy=1)),
    ("beatles~1.0", t("beatles", fuzzy=1)),
    ("beatles~^3", t("beatles", fuzzy=2, boost=3.0)),
    ("beatles^3~1", t("beatles", fuzzy=1, boost=3.0)),
    ("beatl*~2", t("beatl", prefix=True)),
    ("date:[1990 TO 1999]", Range("date", "1990", "1999", True, True)),
    ("date:{1990 TO 1999}", Range("date", "1990", "1999", False, False)),
    ("date:[1990 TO 1999}", Range("date", "1990", "1999", True, False)),
    ("date:{1990 TO 1999]", Range("date", "1990", "1999", False, True)),
    ("date:[* TO 1999]", Range("date", None, "1999", True, True)),
    ("date:{1990 TO *}", Range("date", "1990", None, False, False)),
    ("date:[1990-01-01 TO 1999-12-31]", Range("date", "1990-01-01", "1999-12-31", True, True)),
    ('name:["a b" TO "c*"]', Range("name", "a b", "c*", True, True)),
    ('x:["*" TO *]', Range("x", "*", None, True, True)),
    ("x:[a\\ b TO c\\]]", Range("x", "a b", "c]", True, True)),
    ("x:[ a  b ]", Range("x", "a", "b", True, True)),
    ("x:[a TO TO]", Range("x", "a", "TO", True, True)),
    ("x:[a TO b]^2", Range("x", "a", "b", True, True, boost=2.0)),
    ("date:1990-01-01", t("1990-01-01", "date")),
    ("*:*", MatchAll()),
    ("*", MatchAll()),
    ("*^2", MatchAll(2.0)),
    ("artist:*", t("*", "artist", wildcard=True)),
    ("artist:(*)", t("*", "artist", wildcard=True)),
    ("artist:(*:*)", MatchAll()),
    ("TO", t("TO")),
    ("\\AND \\OR \\NOT", b(t("AND"), t("OR"), t("NOT"))),
    ("ANDY ORB NOTE", b(t("ANDY"), t("ORB"), t("NOTE"))),
    ("don't", t("don't")),
    ("AC\\/DC", t("AC/DC")),
    ("my\\ field:x", t("x", "my field")),
    ("a\\ b", t("a b")),
    ("ｔｏｔｏ 東京事変 Кино Sigur\u00a0Rós", b(t("ｔｏｔｏ"), t("東京事変"), t("Кино"), t("Sigur"), t("Rós"))),
    ("artist:椎名林檎 release:(無罪モラトリアム)", b(t("椎名林檎", "artist"), t("無罪モラトリアム", "release"))),
    ("country:unknown barcode:\\-", b(t("unknown", "country"), t("-", "barcode"))),
]

ESCAPED_SPECIALS = [(f"a\\{c}b", t(f"a{c}b")) for c in '+-&|!(){}[]^"~*?:\\/']


@pytest.mark.parametrize(("query", "expected"), FEATURES + ESCAPED_SPECIALS)
def test_parse_builds_the_lucene_ast(query: str, expected: Node) -> None:
    assert parse(query) == expected
    assert parse_lenient(query) == expected
    assert parse(to_text(expected)) == expected


def lucene_value(value: str) -> str:
    """The escaping beets, Picard and musicbrainzngs share, written independently of ``escape``."""
    return re.sub(mb.LUCENE_SPECIAL, r"\\\1", value)


def test_escape_matches_the_clients_escaping() -> None:
    for value in ["AC/DC", "Guns N' Roses", 'a+b-c&&d||e!(f){g}[h]^"i"~j*k?l:m\\n', "東京 - 事変"]:
        assert escape(value) == lucene_value(value)


def test_beets_album_candidates_query() -> None:
    album, artist = "The Dark Side of the Moon (Remaster)", "Pink Floyd"
    query = f"release:({lucene_value(album.lower().strip())}) artist:({lucene_value(artist.lower())})"
    expected = b(words("release", "the dark side of the moon (remaster)"), words("artist", "pink floyd"))
    assert parse(query) == expected


def test_beets_various_artists_and_extra_tags() -> None:
    query = (
        "release:(help\\!) arid:(89ad4ac3\\-39f7\\-470e\\-963a\\-56509c546377) catno:(tocp\\-8701) "
        "barcode:(4988006) date:(1965\\-08\\-06) tracks:(14) country:(jp) alias:(help\\!)"
    )
    assert parse(query) == b(
        t("help!", "release"),
        t("89ad4ac3-39f7-470e-963a-56509c546377", "arid"),
        t("tocp-8701", "catno"),
        t("4988006", "barcode"),
        t("1965-08-06", "date"),
        t("14", "tracks"),
        t("jp", "country"),
        t("help!", "alias"),
    )


def test_beets_singleton_candidates_query() -> None:
    query = "artist:(ac\\/dc) recording:(highway to hell) alias:(highway to hell)"
    assert parse(query) == b(
        t("ac/dc", "artist"), words("recording", "highway to hell"), words("alias", "highway to hell")
    )


def test_picard_file_lookup_keeps_case_and_reads_upper_case_and_as_operator() -> None:
    title, artist = "Love AND Theft: Live", "Bob Dylan"
    query = (
        f"track:({lucene_value(title)}) artist:({lucene_value(artist)}) release:(Love AND Theft) "
        "tnum:(3) tracks:(12) qdur:(123) isrc:(USSM10104517)"
    )
    assert parse(query) == b(
        b((MUST, t("Love", "track")), (MUST, t("Theft:", "track")), t("Live", "track")),
        words("artist", "Bob Dylan"),
        b((MUST, t("Love", "release")), (MUST, t("Theft", "release"))),
        t("3", "tnum"),
        t("12", "tracks"),
        t("123", "qdur"),
        t("USSM10104517", "isrc"),
    )


@pytest.fixture
def sent_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query strings musicbrainzngs builds, captured where it would send them."""
    sent: list[str] = []

    def capture(entity: str, id: str, includes: list[str], params: dict[str, str]) -> dict[str, Any]:
        sent.append(params["query"])
        return {}

    monkeypatch.setattr(mb, "_do_mb_query", capture)
    return sent


def test_musicbrainzngs_field_queries(sent_queries: list[str]) -> None:
    musicbrainzngs.search_releases("Back in Black", artist="AC/DC", catno="ATL-16018", tracks=10)
    assert parse(sent_queries[-1]) == b(
        t("back"), t("in"), t("black"), t("ac/dc", "artist"), t("atl-16018", "catno"), t("10", "tracks")
    )


def test_musicbrainzngs_strict_queries(sent_queries: list[str]) -> None:
    musicbrainzngs.search_recordings(recording='Say "Hello" (Live)', artist="Sigur Rós", strict=True)
    assert parse(sent_queries[-1]) == b(
        (MUST, Phrase("recording", 'Say "Hello" (Live)')), (MUST, Phrase("artist", "Sigur Rós"))
    )


def test_musicbrainzngs_verbatim_query(sent_queries: list[str]) -> None:
    musicbrainzngs.search_artists("artist:toto AND country:us")
    assert parse(sent_queries[-1]) == b((MUST, t("toto", "artist")), (MUST, t("us", "country")))


SYNTAX_ERRORS = [
    ("", "empty", 0),
    ("   ", "empty", 0),
    ("a AND", "found the end of the query", 5),
    ("AND a", "found the operator AND", 0),
    ("a OR OR b", "found the operator OR", 5),
    ("+-a", "found the operator -", 1),
    ("(a b", "'(' is not closed", 0),
    ("a (b (c)", "'(' is not closed", 2),
    ("a b)", "')' without an opening '('", 3),
    ("()", "found ')'", 1),
    ('"abc', "phrase is not closed", 0),
    ('a "b\\"', "phrase is not closed", 2),
    ("[a TO b", "must end with ']' or '}'", 7),
    ("[a TO", "not closed", 0),
    ("[TO b]", "lower bound", 1),
    ("[a]", "two bounds", 2),
    ("a]", "without an opening", 1),
    ("a^", "boost", 1),
    ("a^x", "boost", 1),
    ("a\\", "escape character", 1),
    ("AC/DC", "regular expressions", 2),
    ("a~1.5", "fractional", 1),
    (":a", "found ':'", 0),
    ("artist:", "found the end of the query", 7),
    ("a:b:c", "found ':'", 3),
    ("a*:b", "found ':'", 2),
    ("(a)~2", "found '~'", 3),
    ("[a TO b]~2", "found '~'", 8),
    ("a~1~2", "found '~'", 3),
    ("a^" + "9" * 400, "too large", 1),
]


@pytest.mark.parametrize(("query", "reason", "position"), SYNTAX_ERRORS)
def test_syntax_errors_carry_reason_and_position(query: str, reason: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert reason in caught.value.reason
    assert caught.value.position == position
    assert f"position {position}" in str(caught.value)
    assert isinstance(caught.value, SearchError)
    assert isinstance(caught.value, MirrorError)


LENIENT: list[tuple[str, Node]] = [
    ("", BoolQuery(())),
    ("AC/DC", t("AC/DC")),
    ("artist:AC/DC release:(back in black)", b(t("AC/DC", "artist"), words("release", "back in black"))),
    ("a AND", b(t("a"), t("AND"))),
    ("(a b", b(t("(a"), t("b"))),
    ('artist:"pink floyd" release:(the wall', b(Phrase("artist", "pink floyd"), t("(the", "release"), t("wall"))),
    ("+a -b c^", b((MUST, t("a")), (NOT, t("b")), t("c^"))),
    ('"unclosed phrase', b(t('"unclosed'), t("phrase"))),
    ("Artist:x: y\\!)", b(t("x:", "artist"), t("y!)"))),
    ("*:* a~1.5", b(MatchAll(), t("a~1.5"))),
    ("a~1.5", t("a~1.5")),
    ("- a !", b(t("-"), t("a"), t("!"))),
]


@pytest.mark.parametrize(("query", "expected"), LENIENT)
def test_lenient_parse_falls_back_to_literal_words(query: str, expected: Node) -> None:
    assert parse_lenient(query) == expected


def test_lenient_parse_reads_unknown_fields_as_text() -> None:
    fields = frozenset({"artist", "release"})
    assert parse_lenient("Mission: Impossible", fields=fields) == b(t("Mission:"), t("Impossible"))
    assert parse_lenient("artist:x mission:(y z", fields=fields) == b(t("x", "artist"), t("mission:(y"), t("z"))
    assert parse_lenient("Artist:x", fields=fields) == t("x", "artist")


DISMAX: list[tuple[str, Node]] = [
    ("", BoolQuery(())),
    ("toto", t("toto")),
    ("ac\\/dc back in black", b(t("ac/dc"), t("back"), t("in"), t("black"))),
    ('artist:toto AND "x" -y', b(t("artist:toto"), t("AND"), t('"x"'), t("-y"))),
]


@pytest.mark.parametrize(("query", "expected"), DISMAX)
def test_dismax_takes_every_word_literally(query: str, expected: Node) -> None:
    assert parse_dismax(query) == expected


def test_deep_nesting_is_refused_before_descending() -> None:
    query = "(" * 5_000 + "a" + ")" * 5_000
    for parser in (parse, parse_lenient):
        with pytest.raises(QueryTooComplex) as caught:
            parser(query, max_length=20_000)
        assert (caught.value.limit, caught.value.maximum, caught.value.position) == ("depth", 32, 32)
    assert parse("(" * 32 + "a" + ")" * 32) == t("a")
    with pytest.raises(QueryTooComplex):
        parse_lenient("(" * 40, max_depth=10)


def test_huge_or_lists_exceed_the_clause_limit() -> None:
    query = " OR ".join(["ab"] * 1_300)
    for parser in (parse, parse_lenient, parse_dismax):
        with pytest.raises(QueryTooComplex) as caught:
            parser(query)
        assert (caught.value.limit, caught.value.maximum) == ("clauses", 1024)
    with pytest.raises(QueryTooComplex):
        parse_lenient(" ".join(["a("] * 1_500))  # the fallback counts too
    assert isinstance(parse(query, max_clauses=1_300), BoolQuery)


def test_very_long_input_is_refused_at_once() -> None:
    for parser in (parse, parse_lenient, parse_dismax):
        with pytest.raises(QueryTooComplex) as caught:
            parser("a" * 1_000_000)
        assert (caught.value.limit, caught.value.position) == ("length", 10_000)


QUERY_PIECES = st.sampled_from(
    [*'+-&|!(){}[]^"~*?:\\/', " ", "  ", "AND", "OR", "NOT", "TO", "&&", "||", "a", "ab", "Ö", "東京", "1.5", "2"]
)
QUERIES = st.one_of(st.text(max_size=60), st.lists(QUERY_PIECES, max_size=30).map("".join))


@settings(max_examples=400)
@given(QUERIES)
def test_random_text_never_breaks_the_parsers(query: str) -> None:
    try:
        node = parse(query)
    except SearchError:
        pass
    else:
        assert parse(to_text(node)) == node
    lenient = parse_lenient(query)
    if lenient != BoolQuery(()):
        assert parse(to_text(lenient)) == lenient
    parse_dismax(query)


@given(st.text(min_size=1).filter(lambda s: not any(c.isspace() for c in s) and s not in ("AND", "OR", "NOT")))
def test_an_escaped_word_is_one_literal_term(word: str) -> None:
    assert parse(escape(word)) == t(word)
    assert parse(f"artist:({lucene_value(word)})") == t(word, "artist")


FIELDS = st.one_of(st.none(), st.sampled_from(["artist", "release", "*"]), st.text(min_size=1, max_size=8))
FIELDS = FIELDS.filter(lambda f: f is None or f == f.lower())
BOOSTS = st.one_of(st.just(1.0), st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
PLAIN = st.builds(Term, FIELDS, st.text(min_size=1), BOOSTS, st.one_of(st.none(), st.integers(0, 2)))
PREFIX = st.builds(Term, FIELDS, st.text(min_size=1), BOOSTS, prefix=st.just(True))


@st.composite
def wildcard_terms(draw: st.DrawFn) -> Term:
    pieces = draw(st.lists(st.one_of(st.sampled_from("*?"), st.text(min_size=1, max_size=4)), min_size=1))
    text = "".join(p if p in ("*", "?") else re.sub(r"([*?\\])", r"\\\1", p) for p in pieces)
    wild = [p for p in pieces if p in ("*", "?")]
    field = draw(FIELDS)
    prefix_shaped = wild == ["*"] and pieces[-1] == "*" and text != "*"
    match_all_shaped = text == "*" and field in (None, "*")
    if not wild or prefix_shaped or match_all_shaped:
        text += "?"
    return Term(field, text, draw(BOOSTS), wildcard=True)


LEAVES = st.one_of(
    PLAIN,
    PREFIX,
    wildcard_terms(),
    st.builds(Phrase, FIELDS, st.text(), st.integers(0, 10), BOOSTS),
    st.builds(Range, FIELDS, st.none() | st.text(), st.none() | st.text(), st.booleans(), st.booleans(), BOOSTS),
    st.builds(MatchAll, BOOSTS),
)
OCCURS = st.sampled_from(["must", "should", "must_not"])


def bool_queries(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    several = st.lists(st.builds(Clause, OCCURS, children), min_size=2, max_size=4).map(tuple)
    one = st.tuples(st.builds(Clause, st.sampled_from(["must", "must_not"]), children))
    return st.builds(BoolQuery, several | one, BOOSTS)


@settings(max_examples=300)
@given(st.recursive(LEAVES, bool_queries, max_leaves=12))
def test_generated_queries_round_trip_through_text(node: Node) -> None:
    assert parse(to_text(node)) == node
    assert parse_lenient(to_text(node)) == node


def test_to_text_refuses_nodes_no_query_produces() -> None:
    with pytest.raises(ValueError, match="needs a text"):
        to_text(t(""))
    with pytest.raises(ValueError, match="MatchAll"):
        to_text(t("*", wildcard=True))

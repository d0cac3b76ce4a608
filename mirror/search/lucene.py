"""Parse the Lucene / Solr edismax query syntax that MusicBrainz search clients send into a small AST.

The AST (``Term``, ``Phrase``, ``Range``, ``BoolQuery`` of ``Clause``, ``MatchAll``) is the contract between this
parser and the search engine; texts are kept as typed (escapes removed, not analysed: the engine analyses).

Grammar (Lucene's classic ``QueryParser``, default operator OR)::

    query     := clause ( [AND | OR] clause )*
    clause    := [+ | - | NOT] [field ":"] ( "(" query ")" [boost] | term )
    term      := word [fuzzy] [boost] | word [boost] [fuzzy]       (either order, each at most once)
               | phrase [slop] [boost] | phrase [boost] [slop]
               | range [boost]
    field     := word                  lower-cased; "*" too, and "*:*" is MatchAll
    phrase    := '"' ( any character but '"' and '\\' | escape )* '"'
    range     := ("[" | "{") bound [TO] bound ("]" | "}")    "[" / "]" inclusive, "{" / "}" exclusive
    bound     := phrase | run of characters up to whitespace, "]" or "}"   an unquoted "*" is an open end
    boost     := "^" digits ["." digits]
    fuzzy     := "~" [digits ["." digits]]                   directly after the word, no space
    escape    := "\\" any character (the character itself, whatever it is)

Words: a word starts with any character except whitespace and ``+ - ! ( ) : ^ [ ] " { } ~ \\ /`` (but ``\\x``
escapes start a word too) and goes on over the same characters plus ``+`` and ``-`` (so ``1990-01-01`` and
``89ad4ac3-39f7`` are single words). ``&`` and ``|`` are ordinary characters: only the exact words ``AND`` ``&&``
``OR`` ``||`` ``NOT`` (upper case) are operators, ``!`` is NOT. A ``+``, ``-`` or ``!`` followed by whitespace is
a literal word (Lucene's "bare operator"). Whitespace is skipped between any two tokens (``artist: toto``).

Semantics (as Lucene): ``a b`` two SHOULD clauses; ``+a`` MUST; ``-a``, ``NOT a``, ``!a`` MUST_NOT; ``a AND b``
makes the clause before and the one after MUST (a MUST_NOT stays MUST_NOT), ``a OR b`` leaves both SHOULD, so
``a AND b OR c`` is ``+a +b c``. A query of one clause without modifier is returned unwrapped. ``field:(a b)``
gives ``field`` to every leaf in the group that has no field of its own; a group keeps its own ``BoolQuery``.
Boosts multiply: ``(a^2)^3`` is ``a`` boosted 6. A lone ``*`` (or ``*:*``) is ``MatchAll``; ``field:*`` is a
wildcard ``Term`` meaning "any value in field".

Wildcards: a word ending in one unescaped ``*`` and holding no other ``*`` or ``?`` is a prefix ``Term`` (text
without the ``*``); any other unescaped ``*``/``?`` makes a wildcard ``Term`` whose text keeps them and writes a
literal ``*``, ``?`` or ``\\`` as ``\\*``, ``\\?``, ``\\\\`` (Lucene's ``WildcardQuery`` convention). Fuzziness is
ignored on prefix and wildcard words (as Lucene). ``~`` alone is 2 edits, ``~N`` N edits capped at 2 (Lucene's
maximum), a fraction below 1 (old "similarity" syntax, ``~0.8``) is 1 edit, a fraction above 1 is an error. On a
phrase ``~N`` is the slop (``~`` alone: 0).

Choices where mbmirror differs from Lucene, on purpose:

* ``/regex/``: an unescaped ``/`` starts a regular expression in Lucene. ``parse`` refuses it (no regexp queries:
  they cannot be bounded in work) with a ``QuerySyntaxError``; ``parse_lenient`` reads ``/`` as an ordinary word
  character, so ``AC/DC`` is one word, as users mean it.
* ``\\uXXXX`` is not decoded: ``\\u`` is an escaped ``u`` (no client sends it, and lone surrogates would follow).
* Any Unicode whitespace separates tokens (Lucene: only space, tab, CR, LF and U+3000).
* An empty (or blank) query is a ``QuerySyntaxError`` for ``parse``; ``parse_lenient`` and ``parse_dismax`` give
  an empty ``BoolQuery`` (no hits).

Fallback (``parse_lenient``), as edismax re-parses a query it cannot parse: split at whitespace; a leading ``+``
or ``-`` keeps its meaning; a leading ``name:`` is a field; a complete ``"..."`` is a phrase; every other word is a
literal SHOULD ``Term`` with every special character taken as text (backslash escapes still removed). A pure
negative query (only MUST_NOT clauses) is returned as such: Solr adds a match-all clause to it, the engine should
treat it the same way.

Limits, checked while parsing: ``max_length`` characters (before anything else), ``max_clauses`` leaf queries in
total, ``max_depth`` nested groups (checked before descending, so deep nesting costs nothing); exceeding one raises
``QueryTooComplex`` from every entry point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from mirror.errors import QuerySyntaxError, QueryTooComplex, SearchError
from mirror.search.lucene_ast import (
    BoolQuery,
    Clause,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Range,
    Term,
    escape,
    to_text,
)

__all__ = [
    "BoolQuery",
    "Clause",
    "MatchAll",
    "Node",
    "Occur",
    "Phrase",
    "QuerySyntaxError",
    "QueryTooComplex",
    "Range",
    "SearchError",
    "Term",
    "escape",
    "parse",
    "parse_dismax",
    "parse_lenient",
    "to_text",
]

_KEYWORDS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}
# Characters that end a word (besides whitespace); "+" and "-" only cannot start one.
_WORD_STOP = frozenset('!():^[]"{}~/')
_WORD_STOP_NO_REGEXP = _WORD_STOP - {"/"}
_OPERATOR_START = frozenset("+-!")
_MAX_SLOP = 2**31 - 1


@dataclass(slots=True)
class _Token:
    kind: str  # WORD QUOTED RANGE ( ) : ^ ~ + - AND OR NOT EOF
    pos: int
    text: str = ""  # WORD: text, escapes removed; QUOTED: the phrase; ^ and ~: the number ("" if none)
    wild: tuple[int, ...] = ()  # WORD: indexes in text of unescaped * and ?
    fieldable: bool = False  # WORD: may be a field name (no wildcard, not a bare operator) or exactly "*"
    star: bool = False  # WORD: a lone unescaped "*"
    range: tuple[str | None, str | None, bool, bool] | None = None


class _Lexer:
    """Turns the query text into tokens on demand; ranges, phrases and numbers come whole."""

    def __init__(self, text: str, *, regexp: bool) -> None:
        self._text = text
        self._pos = 0
        self._stop = _WORD_STOP if regexp else _WORD_STOP_NO_REGEXP
        self._regexp = regexp

    def next(self) -> _Token:
        text, n = self._text, len(self._text)
        i = self._pos
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            self._pos = n
            return _Token("EOF", n)
        c = text[i]
        if c in "():":
            self._pos = i + 1
            return _Token(c, i)
        if c == "^":
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            number, self._pos = self._number(j)
            if not number:
                raise QuerySyntaxError("a boost '^' must be followed by a number", i)
            return _Token("^", i, number)
        if c == "~":
            number, self._pos = self._number(i + 1)
            return _Token("~", i, number)
        if c == '"':
            phrase, self._pos = self._quoted(i)
            return _Token("QUOTED", i, phrase)
        if c in "[{":
            return self._range(i)
        if c in "]}":
            raise QuerySyntaxError(f"'{c}' without an opening '[' or '{{'", i)
        if c == "/" and self._regexp:
            raise QuerySyntaxError("regular expressions ('/.../') are not supported; escape '/' as '\\/'", i)
        if c in _OPERATOR_START:
            self._pos = i + 1
            if i + 1 < n and text[i + 1].isspace():
                return _Token("WORD", i, c)  # a bare operator is a literal word
            return _Token("NOT" if c == "!" else c, i)
        return self._word(i)

    def _word(self, start: int) -> _Token:
        text, n, stop = self._text, len(self._text), self._stop
        chars: list[str] = []
        wild: list[int] = []
        i = start
        while i < n:
            c = text[i]
            if c == "\\":
                if i + 1 >= n:
                    raise QuerySyntaxError("the query ends with an escape character '\\'", i)
                chars.append(text[i + 1])
                i += 2
                continue
            if c.isspace() or c in stop:
                break
            if c in "*?":
                wild.append(len(chars))
            chars.append(c)
            i += 1
        self._pos = i
        raw = text[start:i]
        keyword = _KEYWORDS.get(raw)
        if keyword is not None:
            return _Token(keyword, start)
        star = raw == "*"
        return _Token("WORD", start, "".join(chars), tuple(wild), fieldable=star or not wild, star=star)

    def _number(self, i: int) -> tuple[str, int]:
        text, n = self._text, len(self._text)
        j = i
        while j < n and text[j].isdigit() and text[j].isascii():
            j += 1
        if j > i and j + 1 < n and text[j] == "." and text[j + 1].isdigit() and text[j + 1].isascii():
            j += 1
            while j < n and text[j].isdigit() and text[j].isascii():
                j += 1
        return text[i:j], j

    def _quoted(self, start: int) -> tuple[str, int]:
        text, n = self._text, len(self._text)
        chars: list[str] = []
        i = start + 1
        while i < n:
            c = text[i]
            if c == '"':
                return "".join(chars), i + 1
            if c == "\\":
                if i + 1 >= n:
                    break
                c = text[i + 1]
                i += 1
            chars.append(c)
            i += 1
        raise QuerySyntaxError("a quoted phrase is not closed", start)

    def _range(self, start: int) -> _Token:
        text, n = self._text, len(self._text)
        low, i, low_is_to = self._bound(start + 1, start)
        if low_is_to:
            raise QuerySyntaxError("a range needs a lower bound before TO", start + 1)
        high, i, high_is_to = self._bound(i, start)
        if high_is_to:  # the optional TO between the bounds
            high, i, _ = self._bound(i, start)
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] not in "]}":
            raise QuerySyntaxError("a range must end with ']' or '}'", min(i, n))
        self._pos = i + 1
        return _Token("RANGE", start, range=(low, high, text[start] == "[", text[i] == "]"))

    def _bound(self, i: int, start: int) -> tuple[str | None, int, bool]:
        """One bound of a range at ``i``: (value, None for "*"; next position; whether it is a bare TO)."""
        text, n = self._text, len(self._text)
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise QuerySyntaxError("a range is not closed", start)
        if text[i] == '"':
            value, j = self._quoted(i)
            return value, j, False
        if text[i] in "]}":
            raise QuerySyntaxError("a range needs two bounds", i)
        chars: list[str] = []
        j = i
        while j < n and not text[j].isspace() and text[j] not in "]}":
            if text[j] == "\\" and j + 1 < n:
                j += 1
            chars.append(text[j])
            j += 1
        raw = text[i:j]
        return (None if raw == "*" else "".join(chars)), j, raw == "TO"


class _Parser:
    """Recursive descent over the tokens of one query, with the work limits."""

    def __init__(
        self, text: str, *, max_clauses: int, max_depth: int, regexp: bool, fields: frozenset[str] | None
    ) -> None:
        self._lexer = _Lexer(text, regexp=regexp)
        self._tok = self._lexer.next()
        self._ahead: _Token | None = None
        self._max_clauses = max_clauses
        self._max_depth = max_depth
        self._fields = fields
        self._leaves = 0

    def parse(self) -> Node:
        if self._tok.kind == "EOF":
            raise QuerySyntaxError("the query is empty", 0)
        node = self._query(None, 0)
        if self._tok.kind != "EOF":
            raise QuerySyntaxError("')' without an opening '('", self._tok.pos)
        return node

    def _advance(self) -> None:
        if self._ahead is not None:
            self._tok, self._ahead = self._ahead, None
        else:
            self._tok = self._lexer.next()

    def _peek(self) -> _Token:
        if self._ahead is None:
            self._ahead = self._lexer.next()
        return self._ahead

    def _query(self, field: str | None, depth: int) -> Node:
        nodes: list[Node] = []
        occurs: list[Occur] = []
        conjunction: str | None = None
        while True:
            modifier = None
            if self._tok.kind in ("+", "-", "NOT"):
                modifier = self._tok.kind
                self._advance()
            nodes.append(self._clause(field, depth))
            if conjunction == "AND" and occurs and occurs[-1] != "must_not":
                occurs[-1] = "must"  # AND also binds the clause before it
            if modifier == "-" or modifier == "NOT":
                occurs.append("must_not")
            elif modifier == "+" or conjunction == "AND":
                occurs.append("must")
            else:
                occurs.append("should")
            if self._tok.kind in ("EOF", ")"):
                return _combine(nodes, occurs)
            conjunction = None
            if self._tok.kind in ("AND", "OR"):
                conjunction = self._tok.kind
                self._advance()

    def _clause(self, field: str | None, depth: int) -> Node:
        tok = self._tok
        if tok.kind == "WORD" and tok.fieldable and self._peek().kind == ":":
            name = "*" if tok.star else tok.text.lower()
            if self._fields is not None and name != "*" and name not in self._fields:
                self._advance()  # an unknown field is text, as edismax reads it
                self._advance()
                return self._leaf(Term(field, tok.text + ":"), tok.pos)
            field = name
            self._advance()
            self._advance()
            tok = self._tok
        if tok.kind != "(":
            return self._term(field)
        if depth >= self._max_depth:
            raise QueryTooComplex("depth", self._max_depth, tok.pos)
        self._advance()
        node = self._query(field, depth + 1)
        if self._tok.kind != ")":
            raise QuerySyntaxError("'(' is not closed", tok.pos)
        self._advance()
        if self._tok.kind == "^":
            node = replace(node, boost=node.boost * self._boost(self._tok))
            if not math.isfinite(node.boost):
                raise QuerySyntaxError("the boost is too large", self._tok.pos)
            self._advance()
        return node

    def _term(self, field: str | None) -> Node:
        tok = self._tok
        if tok.kind not in ("WORD", "QUOTED", "RANGE"):
            found = "the end of the query" if tok.kind == "EOF" else f"'{tok.kind}'"
            if tok.kind in ("AND", "OR", "NOT", "+", "-"):
                found = f"the operator {tok.kind}"
            raise QuerySyntaxError(f"expected a term, found {found}", tok.pos)
        self._advance()
        slop: _Token | None = None
        boost: float | None = None
        for _ in range(2):  # "~" and "^" in either order, each at most once
            if self._tok.kind == "~" and slop is None and tok.kind != "RANGE":
                slop = self._tok
            elif self._tok.kind == "^" and boost is None:
                boost = self._boost(self._tok)
            else:
                break
            self._advance()
        return self._leaf(self._term_node(tok, field, slop, 1.0 if boost is None else boost), tok.pos)

    @staticmethod
    def _term_node(tok: _Token, field: str | None, slop: _Token | None, boost: float) -> Node:
        if tok.kind == "QUOTED":
            return Phrase(field, tok.text, _slop(slop), boost)
        if tok.kind == "RANGE":
            assert tok.range is not None
            return Range(field, *tok.range, boost=boost)
        if tok.star:
            if field is None or field == "*":
                return MatchAll(boost)
            return Term(field, "*", boost, wildcard=True)
        if not tok.wild:
            return Term(field, tok.text, boost, _edits(slop))
        if tok.wild == (len(tok.text) - 1,) and tok.text[-1] == "*":
            return Term(field, tok.text[:-1], boost, prefix=True)
        wild = set(tok.wild)
        text = "".join(c if i in wild or c not in "*?\\" else "\\" + c for i, c in enumerate(tok.text))
        return Term(field, text, boost, wildcard=True)

    def _leaf(self, node: Node, pos: int) -> Node:
        self._leaves += 1
        if self._leaves > self._max_clauses:
            raise QueryTooComplex("clauses", self._max_clauses, pos)
        return node

    @staticmethod
    def _boost(tok: _Token) -> float:
        value = float(tok.text)
        if not math.isfinite(value):
            raise QuerySyntaxError("the boost is too large", tok.pos)
        return value


def _edits(tok: _Token | None) -> int | None:
    if tok is None:
        return None
    if not tok.text:
        return 2
    value = float(tok.text)
    if value >= 1:
        if value != int(value):
            raise QuerySyntaxError("fractional edit distances are not allowed (use ~1 or ~2)", tok.pos)
        return min(int(value), 2)
    return 0 if value == 0 else 1


def _slop(tok: _Token | None) -> int:
    if tok is None or not tok.text:
        return 0
    value = float(tok.text)
    return min(int(value), _MAX_SLOP) if math.isfinite(value) else _MAX_SLOP


def _check_length(text: str, max_length: int) -> None:
    if len(text) > max_length:
        raise QueryTooComplex("length", max_length, max_length)


def parse(text: str, *, max_clauses: int = 1024, max_depth: int = 32, max_length: int = 10_000) -> Node:
    """Parse ``text`` strictly; raise ``QuerySyntaxError`` (with a position) or ``QueryTooComplex``."""
    _check_length(text, max_length)
    return _Parser(text, max_clauses=max_clauses, max_depth=max_depth, regexp=True, fields=None).parse()


def parse_lenient(
    text: str,
    *,
    max_clauses: int = 1024,
    max_depth: int = 32,
    max_length: int = 10_000,
    fields: frozenset[str] | None = None,
) -> Node:
    """Parse ``text`` as edismax does: never a syntax error, only ``QueryTooComplex``.

    ``/`` is an ordinary character. When ``fields`` is given, a ``name:`` whose name is not in it is text, not a
    field (edismax's behaviour for undefined fields, e.g. ``Mission: Impossible``).
    """
    _check_length(text, max_length)
    try:
        return _Parser(text, max_clauses=max_clauses, max_depth=max_depth, regexp=False, fields=fields).parse()
    except QuerySyntaxError:
        return _fallback(text, max_clauses, fields)


def parse_dismax(text: str, *, max_clauses: int = 1024, max_depth: int = 32, max_length: int = 10_000) -> Node:
    """``dismax=true``: no operators, fields or phrases; every word (escapes removed) is a SHOULD ``Term``."""
    del max_depth  # no nesting in dismax
    _check_length(text, max_length)
    terms: list[Node] = []
    for word in text.split():
        unescaped = _unescape(word)
        if unescaped:
            terms.append(Term(None, unescaped))
            if len(terms) > max_clauses:
                raise QueryTooComplex("clauses", max_clauses, text.find(word))
    return _combine(terms, ["should"] * len(terms))


def _unescape(word: str) -> str:
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        if word[i] == "\\" and i + 1 < n:
            i += 1
        out.append(word[i])
        i += 1
    return "".join(out)


def _combine(nodes: list[Node], occurs: list[Occur]) -> Node:
    if len(nodes) == 1 and occurs[0] == "should":
        return nodes[0]
    return BoolQuery(tuple(Clause(o, n) for o, n in zip(occurs, nodes, strict=True)))


def _fallback(text: str, max_clauses: int, fields: frozenset[str] | None) -> Node:
    """Edismax's second chance: words as literal text, keeping +/-, ``field:`` prefixes and whole phrases."""
    nodes: list[Node] = []
    occurs: list[Occur] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        occur: Occur = "should"
        if text[i] in "+-" and i + 1 < n and not text[i + 1].isspace():
            occur = "must" if text[i] == "+" else "must_not"
            i += 1
        field: str | None = None
        j = i
        while j < n and (text[j].isalnum() or text[j] in "_.-"):
            j += 1
        if i < j < n - 1 and text[j] == ":" and not text[j + 1].isspace():
            name = text[i:j].lower()
            if fields is None or name in fields:
                field, i = name, j + 1
        node: Node | None = None
        if text[i] == '"':
            end = _closing_quote(text, i)
            if end > 0:
                node, i = Phrase(field, _unescape(text[i + 1 : end])), end + 1
        if node is None:
            j = i
            while j < n and not text[j].isspace():
                j += 2 if text[j] == "\\" else 1
            word, i = text[i:j], j
            node = MatchAll() if word == "*:*" else Term(field, _unescape(word))
        nodes.append(node)
        occurs.append(occur)
        if len(nodes) > max_clauses:
            raise QueryTooComplex("clauses", max_clauses, start)
    if not nodes:
        return BoolQuery(())
    return _combine(nodes, occurs)


def _closing_quote(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return -1

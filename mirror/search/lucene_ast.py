"""The query AST shared by the Lucene parser (``mirror.search.lucene``) and the search engine, and its printer.

Nodes are frozen dataclasses compared by value. Texts are kept as typed (escapes removed, not analysed).
``to_text`` writes a node back as query text that ``lucene.parse`` reads as an equal node; ``escape`` is the
clients' escaping of Lucene's special characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

SPECIAL = frozenset('+-&|!(){}[]^"~*?:\\/')
_ESCAPES = str.maketrans({c: "\\" + c for c in SPECIAL})
_BARE_BOUND = frozenset("-.:_")

Occur = Literal["must", "should", "must_not"]


@dataclass(frozen=True, slots=True)
class Term:
    """One word as typed: escapes removed, not analysed."""

    field: str | None
    text: str
    boost: float = 1.0
    fuzzy: int | None = None
    prefix: bool = False
    wildcard: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted text, escapes removed."""

    field: str | None
    text: str
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Range:
    """``[low TO high]`` (inclusive), ``{low TO high}`` (exclusive) or mixed; ``None`` is an open end."""

    field: str | None
    low: str | None
    high: str | None
    include_low: bool
    include_high: bool
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Clause:
    occur: Occur
    query: Node


@dataclass(frozen=True, slots=True)
class BoolQuery:
    clauses: tuple[Clause, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class MatchAll:
    boost: float = 1.0


Node = Term | Phrase | Range | BoolQuery | MatchAll


def escape(text: str) -> str:
    """Backslash-escape Lucene's special characters, as musicbrainzngs, beets and Picard do."""
    return text.translate(_ESCAPES)


def to_text(node: Node) -> str:
    """Write ``node`` as a query string that ``parse`` reads back as an equal node.

    Raises ``ValueError`` for nodes no query text produces (an empty ``Term``, an unfielded wildcard ``*``).
    """
    if isinstance(node, BoolQuery) and node.boost == 1.0:
        return _bool_body(node)
    return _text(node)


def _text(node: Node) -> str:
    if isinstance(node, BoolQuery):
        return f"({_bool_body(node)}){_boost_text(node.boost)}"
    if isinstance(node, MatchAll):
        return "*:*" + _boost_text(node.boost)
    if isinstance(node, Phrase):
        slop = f"~{node.slop}" if node.slop else ""
        return f'{_field_text(node.field)}"{_quote(node.text)}"{slop}{_boost_text(node.boost)}'
    if isinstance(node, Range):
        low = "[" if node.include_low else "{"
        high = "]" if node.include_high else "}"
        bounds = f"{_bound_text(node.low)} TO {_bound_text(node.high)}"
        return f"{_field_text(node.field)}{low}{bounds}{high}{_boost_text(node.boost)}"
    return _field_text(node.field) + _term_text(node) + _boost_text(node.boost)


def _bool_body(node: BoolQuery) -> str:
    signs = {"must": "+", "should": "", "must_not": "-"}
    return " ".join(signs[c.occur] + _text(c.query) for c in node.clauses)


def _term_text(term: Term) -> str:
    if term.wildcard:
        if term.text == "*" and term.field is None:
            raise ValueError("an unfielded wildcard '*' is written as MatchAll")
        out: list[str] = []
        i = 0
        while i < len(term.text):
            c = term.text[i]
            if c == "\\" and i + 1 < len(term.text):
                out.append(term.text[i : i + 2])
                i += 2
                continue
            out.append(c if c in "*?" else _escape_char(c))
            i += 1
        return "".join(out)
    if not term.text:
        raise ValueError("a Term needs a text")
    text = "".join(_escape_char(c) for c in term.text)
    if term.text in ("AND", "OR", "NOT"):  # "&&" and "||" are escaped character by character
        text = "\\" + text
    if term.prefix:
        return text + "*"
    return text if term.fuzzy is None else f"{text}~{term.fuzzy}"


def _escape_char(c: str) -> str:
    return "\\" + c if c in SPECIAL or c.isspace() else c


def _field_text(field: str | None) -> str:
    if field is None:
        return ""
    if field == "*":
        return "*:"
    return "".join(_escape_char(c) for c in field) + ":"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _bound_text(bound: str | None) -> str:
    if bound is None:
        return "*"
    if bound and bound != "TO" and all(c.isalnum() or c in _BARE_BOUND for c in bound):
        return bound
    return f'"{_quote(bound)}"'


def _boost_text(boost: float) -> str:
    if boost == 1.0:
        return ""
    if boost == int(boost) and abs(boost) < 1e15:
        return f"^{int(boost)}"
    return "^" + format(Decimal(repr(boost)), "f")

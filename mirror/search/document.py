"""One search document from one row of a part's source query: its tsvector literals, typed columns and pop.

A document is a set of field-prefixed lexemes: ``field:word`` with its positions for the words of a text field
(positions run on across the document's text values, with a gap of two between values so that phrases never
span them), ``field=whole value`` without positions for exact-match ranking, and ``field:term`` without
positions for the other kinds. The work per row is kept small because it is done for every entity of the
database: the words of a value, already quoted for the tsvector literal, are cached per value (names,
titles, types and dates repeat a lot), positions are strings from a table, and each lexeme is stored once
with the text of its positions. The server orders the lexemes and their positions when it reads the
literal, so the order they are written in does not matter.

Two literals per document: ``doc``, the lexemes of the fields the GIN index serves, and ``extra``, the whole
values and the lexemes of the low-selectivity fields (``Part.indexed``), which are matched and scored on the
candidates but never looked up. A maker given a ``Counter`` adds each document's counted lexemes
(``Part.vocabulary_fields``, in either literal) to it: the number of documents per lexeme, the same as a
``GROUP BY`` over the written table would give (``vocabulary_lexeme`` turns a counted key back into the
lexeme).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from operator import add
from typing import Any, NamedTuple

from mirror.search.analyze import compact, keyword, tokens_both
from mirror.search.cores import UNCOUNTED, Part

MAX_POSITION = 16383  # tsvector positions stop there
MAX_POSITIONS = 256  # positions kept per lexeme (the tsvector limit)
MAX_EXACT = 200  # longer values get no whole-value lexeme
MAX_KEYWORD = 500
_CACHE = 1 << 18
_POSITION = [":" + str(n) for n in range(MAX_POSITION + 1)]  # the suffix of a lexeme's first position
_TEXT_KINDS = ("text", "accent")


def quote(lexeme: str) -> str:
    """A lexeme as a tsvector literal writes it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vocabulary_lexeme(quoted: str) -> str:
    """The lexeme a ``quote``\\ d one stands for."""
    return quoted[1:-1].replace("''", "'").replace("\\\\", "\\")


def date_terms(value: str) -> list[str]:
    """A date's indexed terms: its year, year-month and full form (``1990``, ``1990-05``, ``1990-05-01``)."""
    parts = value.split("-")
    return ["-".join(parts[: n + 1]) for n in range(len(parts))]


def field_terms(kind: str, value: Any) -> list[str]:
    """The keyword terms of one value of a non-text field (the query side uses the same function)."""
    text = str(value)
    if kind == "compact":
        term = compact(text)
    elif kind == "date":
        return date_terms(text.strip())
    else:
        term = keyword(text)
    return [term[:MAX_KEYWORD]] if term else []


def _field_lexemes(name: str, kind: str, value: Any) -> tuple[str, ...]:
    """The quoted lexemes of one value of a keyword field."""
    return tuple(quote(name + ":" + term) for term in field_terms(kind, value))


_PLAIN_IDENTIFIER = re.compile(f"[a-z0-9-]{{1,{MAX_KEYWORD}}}")


def _identifier_lexemes(name: str, kind: str, value: Any) -> tuple[str, ...]:
    """``_field_lexemes`` of an identifier (an MBID, a number): unique values, so not cached; ASCII, so folded
    without the general analysis (the same result: ASCII folding is lower-casing, whitespace collapsed)."""
    text = str(value)
    if _PLAIN_IDENTIFIER.fullmatch(text):  # an MBID, a number: already its folded form, nothing to quote
        return ("'" + name + ":" + text + "'",)
    if not text.isascii():
        return _field_lexemes(name, kind, value)
    term = " ".join(text.replace("`", "'").lower().split())
    if kind == "compact":
        term = term.replace(" ", "")
    return (quote(name + ":" + term[:MAX_KEYWORD]),) if term else ()


# Types, formats, countries repeat a lot; identifiers (MBIDs) are unique and would only evict them.
@lru_cache(maxsize=_CACHE, typed=True)
def _keyword_fragment(name: str, kind: str, value: Any) -> tuple[str, tuple[str, ...]]:
    """The literal of one keyword value's lexemes, and the lexemes."""
    lexemes = _field_lexemes(name, kind, value)
    return " ".join(lexemes), lexemes


@lru_cache(maxsize=_CACHE)
def _date_lexemes(name: str, value: str) -> tuple[str, ...]:
    """The quoted terms of one date (``schema.typed_terms``: the date and each prefix ending before a ``-``)."""
    return tuple(quote(name + ":" + term) for term in date_terms(value) if term)


class _Text(NamedTuple):
    fragment: str  # the literal of the value's words at positions 1, 2, ...
    words: tuple[str, ...]  # its quoted word lexemes, in order
    distinct: tuple[str, ...]  # the same, each once
    exact: str | None  # its whole-value lexeme (None when too long)


_EMPTY = _Text("", (), (), None)


@lru_cache(maxsize=_CACHE)
def _text(name: str, value: str, keep_accents: bool) -> _Text:
    """One text value's lexemes (names and titles repeat: the literal is made once per value). Both analyses of
    a value are made at once: most names are indexed in a field and in its ``*accent`` twin.

    A word has no quote or backslash to escape (``mirror.search.analyze``: letters, digits and marks), nor a
    NUL: the quoted lexemes are made by one join and one split."""
    words = tokens_both(value)[keep_accents]
    if not words:
        return _EMPTY
    prefix = "'" + name + ":"
    quoted = tuple((prefix + ("'\0" + prefix).join(words) + "'").split("\0"))
    exact = " ".join(words)
    return _Text(
        _shifted(quoted, 1),
        quoted,
        tuple(dict.fromkeys(quoted)) if len(quoted) > 1 else quoted,
        "'" + name + "=" + exact + "'" if len(exact) <= MAX_EXACT else None,
    )


def _shifted(words: tuple[str, ...], start: int) -> str:
    """The literal of a value's words at positions ``start``, ``start + 1``, ..."""
    end = start + len(words)
    if end <= MAX_POSITION + 1:
        return " ".join(map(add, words, _POSITION[start:end]))
    return " ".join(lexeme + _POSITION[min(n, MAX_POSITION)] for n, lexeme in enumerate(words, start))


class DocumentMaker:
    """Turns rows of a part's source query into the rows of its search table (``id, doc, extra, pop, keys...,
    typed...``): the lexemes of indexed fields go to ``doc``, whole values and the lexemes of the fields kept out
    of the index to ``extra``; int and date fields are only typed arrays (matched there, not as lexemes).

    Positions run per field (the lexemes carry their field): a field's values follow one another with a gap of
    two, so that a phrase never spans two values. A literal may name a lexeme twice (a word in two values of a
    field): the server merges its positions when it reads the literal.

    With a ``vocabulary`` counter, each document's counted lexemes (quoted) are added to it."""

    def __init__(self, part: Part, columns: Sequence[str], vocabulary: Counter[str] | None = None) -> None:
        index = {name: number for number, name in enumerate(columns)}
        counted = set(part.vocabulary_fields) if vocabulary is not None else set()  # nothing to count without
        self.part = part
        self.text = [
            (index[name], name, kind == "accent", name in counted, part.indexed(name))
            for name, kind in part.fields.items()
            if kind in _TEXT_KINDS
        ]
        self.keywords = [
            (
                index[name],
                name,
                kind,
                name in counted,
                part.indexed(name),
                name.endswith("id") or name in ("mediumid", "isrc", "barcode"),
            )
            for name, kind in part.fields.items()
            if kind in ("keyword", "compact") and name not in part.lookups  # those have no lexemes
        ]
        self.typed = [
            _TypedField(index[name], name, kind == "int", vocabulary is not None and name not in UNCOUNTED)
            for name, kind in part.typed.items()
        ]
        self.keys = [index[name] for name in part.keys]
        self.pop = index.get("pop")
        self.vocabulary = vocabulary

    def _lexemes(self, values: Sequence[Any]) -> tuple[str, str]:
        """The ``doc`` and ``extra`` literals of a row (counting its counted lexemes)."""
        doc: list[str] = []
        extra: list[str] = []
        counted: list[str] = []
        repeated = False  # a counted lexeme may be listed twice (several values of a text field)
        text_of, shifted = _text, _shifted
        for number, name, accent, is_counted, is_indexed in self.text:
            value = values[number]
            if value is None:
                continue
            target = doc if is_indexed else extra
            if type(value) is not list:
                text = text_of(name, value if type(value) is str else str(value), accent)
                if text.words:
                    target.append(text.fragment)
                    if text.exact is not None:
                        extra.append(text.exact)
                    if is_counted:
                        counted.extend(text.distinct)
                continue
            position = 1
            for item in value:
                if item is None:
                    continue
                text = text_of(name, item if type(item) is str else str(item), accent)
                words = text.words
                if not words:
                    continue
                target.append(text.fragment if position == 1 else shifted(words, position))
                position += len(words) + 2
                if text.exact is not None:
                    extra.append(text.exact)
                if is_counted:
                    counted.extend(text.distinct)
                    repeated = True
        for number, name, kind, is_counted, is_indexed, unique in self.keywords:
            value = values[number]
            if value is None:
                continue
            target = doc if is_indexed else extra
            for item in value if type(value) is list else (value,):
                if item is None:
                    continue
                if unique:
                    lexemes = _identifier_lexemes(name, kind, item)
                    target.append(" ".join(lexemes))
                else:
                    fragment, lexemes = _keyword_fragment(name, kind, item)
                    target.append(fragment)
                if is_counted and lexemes:
                    counted.extend(lexemes)
                    repeated = repeated or type(value) is list
        if counted:
            assert self.vocabulary is not None
            self.vocabulary.update(set(counted) if repeated else counted)
        return " ".join(doc), " ".join(extra)

    def line(self, values: Sequence[Any]) -> str:
        """The row of the search table (``schema.columns`` order) as a line of COPY text, so that COPY takes it
        without a per-value conversion (the literals rarely need escaping: no whitespace but spaces ever reaches a
        lexeme)."""
        doc, extra = self._lexemes(values)
        if _COPY_SPECIAL.search(doc):
            doc = doc.translate(_COPY_ESCAPES)
        if _COPY_SPECIAL.search(extra):
            extra = extra.translate(_COPY_ESCAPES)
        pop = float(values[self.pop] or 0) if self.pop is not None else 0.0
        fields = [str(values[0]), doc, extra, repr(pop)]
        fields.extend(_NULL if values[n] is None else str(values[n]) for n in self.keys)
        terms: list[str] = []
        for typed in self.typed:
            value = values[typed.number]
            if value is None:
                fields.append(_NULL)
                continue
            if type(value) is list:
                items = [item for item in value if item is not None]
                if not items:
                    fields.append(_NULL)
                    continue
                text, lexemes = typed.entry(items)
            else:
                found = typed.cache.get(value)
                if found is None:
                    found = typed.entry([value])
                    if len(typed.cache) < _TYPED_CACHE:
                        typed.cache[value] = found
                text, lexemes = found
            fields.append(text)
            if typed.counted:
                terms.extend(lexemes)
        if terms:
            assert self.vocabulary is not None
            self.vocabulary.update(terms)
        return "\t".join(fields) + "\n"


_TYPED_CACHE = 1 << 16  # values per typed field whose COPY text and terms are kept (durations are near unique)


class _TypedField:
    """One int or date field of a part: its column's COPY text and its counted terms (``schema.typed_terms``,
    each once per document), made once per distinct scalar value (track counts, durations in 2 s, dates
    repeat)."""

    def __init__(self, number: int, name: str, is_int: bool, counted: bool) -> None:
        self.number, self.name, self.is_int, self.counted = number, name, is_int, counted
        self.cache: dict[Any, tuple[str, tuple[str, ...]]] = {}

    def entry(self, items: list[Any]) -> tuple[str, tuple[str, ...]]:
        """The array's COPY text and the distinct counted terms of its (non-NULL) ``items``."""
        if self.is_int:
            numbers = [item if type(item) is int else int(item) for item in items]
            text = "{" + ",".join(map(str, numbers)) + "}"
            terms = ["'" + self.name + ":" + str(number) + "'" for number in numbers] if self.counted else []
        else:
            dates = [item if type(item) is str else str(item) for item in items]
            text = "{" + ",".join(map(_array_text, dates)) + "}"
            terms = [lexeme for date in dates for lexeme in _date_lexemes(self.name, date)] if self.counted else []
        return text, tuple(dict.fromkeys(terms)) if len(terms) > 1 else tuple(terms)


_NULL = "\\N"
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _array_text(value: str) -> str:
    """An element of a text array literal, quoted, as COPY text carries it."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\\", "\\\\") + '"'

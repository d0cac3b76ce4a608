"""One search document from one row of a core's source query: its tsvector literal, typed columns and pop.

A document is a set of field-prefixed lexemes: ``field:word`` with its positions for the words of a text field
(positions run on across the document's text values, with a gap of two between values so that phrases never
span them), ``field=whole value`` without positions for exact-match ranking, and ``field:term`` without
positions for the other kinds. The work per row is kept small because it is done for every entity of the
database: the words of a value, already quoted for the tsvector literal, are cached per value (names,
titles, types and dates repeat a lot), positions are strings from a table, and each lexeme is stored once
with the text of its positions. The server orders the lexemes and their positions when it reads the
literal, so the order they are written in does not matter.

The lexemes the vocabulary counts (``Core.vocabulary_fields``) are kept apart from the others, so a maker
given a ``Counter`` adds each document's counted lexemes to it: the number of documents per lexeme, the same
as a ``GROUP BY`` over the written table would give (``vocabulary_lexeme`` turns a counted key back into the
lexeme).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from mirror.search.analyze import compact, keyword, tokens
from mirror.search.cores import Core

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
    """The quoted lexemes of one value of a non-text field."""
    return tuple(quote(name + ":" + term) for term in field_terms(kind, value))


# Types, formats, dates, countries repeat a lot; identifiers (MBIDs) are unique and would only evict them.
_cached_field_lexemes = lru_cache(maxsize=_CACHE, typed=True)(_field_lexemes)


@lru_cache(maxsize=_CACHE)
def _text_lexemes(name: str, value: str, keep_accents: bool) -> tuple[tuple[str, ...], str | None]:
    """The quoted word lexemes of one text value, in order, and its whole-value lexeme (None when too long)."""
    words = tokens(value, keep_accents)
    if not words:
        return (), None
    exact = " ".join(words)
    return tuple(quote(name + ":" + word) for word in words), quote(name + "=" + exact) if len(
        exact
    ) <= MAX_EXACT else None


class DocumentMaker:
    """Turns rows of a core's source query into the rows of its search table (``id, doc, pop, typed...``).

    With a ``vocabulary`` counter, each document's counted lexemes (quoted) are added to it."""

    def __init__(self, core: Core, columns: Sequence[str], vocabulary: Counter[str] | None = None) -> None:
        index = {name: number for number, name in enumerate(columns)}
        counted = set(core.vocabulary_fields)
        self.core = core
        self.fields = [
            (index[name], name, kind, name in counted, _field_lexemes if name.endswith("id") else _cached_field_lexemes)
            for name, kind in core.fields.items()
        ]
        self.typed = [(index[name], kind == "int") for name, kind in core.typed.items()]
        self.pop = index.get("pop")
        self.vocabulary = vocabulary

    def row(self, values: Sequence[Any]) -> tuple[Any, ...]:
        counted: dict[str, str] = {}  # quoted lexeme -> its positions (":3,7", or "" for none)
        plain: dict[str, str] = {}
        position = 1
        for number, name, kind, is_counted, field_lexemes in self.fields:
            value = values[number]
            if value is None:
                continue
            entries = counted if is_counted else plain
            items: Iterable[Any] = value if isinstance(value, list) else (value,)
            if kind in _TEXT_KINDS:
                accent = kind == "accent"
                for item in items:
                    if item is None:
                        continue
                    lexemes, exact = _text_lexemes(name, str(item), accent)
                    if not lexemes:
                        continue
                    for lexeme in lexemes:
                        positions = entries.get(lexeme)
                        if positions is None:
                            entries[lexeme] = _POSITION[position if position < MAX_POSITION else MAX_POSITION]
                        elif positions.count(",") < MAX_POSITIONS - 1:
                            entries[lexeme] = positions + "," + str(min(position, MAX_POSITION))
                        position += 1
                    position += 2  # phrases never span two values
                    if exact is not None:
                        plain.setdefault(exact, "")
            else:
                for item in items:
                    if item is not None:
                        for lexeme in field_lexemes(name, kind, item):
                            entries.setdefault(lexeme, "")
        if self.vocabulary is not None:
            self.vocabulary.update(counted.keys())
        doc = " ".join([lexeme + positions for lexeme, positions in counted.items()])
        if plain:
            rest = " ".join([lexeme + positions for lexeme, positions in plain.items()])
            doc = doc + " " + rest if doc else rest
        pop = float(values[self.pop] or 0) if self.pop is not None else 0.0
        typed: list[Any] = []
        for number, is_int in self.typed:
            value = values[number]
            items = [] if value is None else [v for v in value if v is not None] if isinstance(value, list) else [value]
            if is_int:
                typed.append([int(v) for v in items] or None)
            else:
                typed.append([str(v) for v in items] or None)
        return (values[0], doc, pop, *typed)

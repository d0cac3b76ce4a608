"""Compile a query tree (``mirror.search.lucene``) for one core into SQL over its search table.

Every leaf becomes a tsquery over the field-prefixed lexemes of the part holding its field (the core's own
documents, or a linked part: a recording's ``artist:`` words are its credit's, its ``release:`` words its
mediums'), in the indexed ``doc`` or the unindexed ``extra`` (whole values, low-selectivity keywords), or a
predicate on a typed column (int and date terms and ranges). Conditions are trees of such leaves (``Match``),
rendered as a filter on a candidate row and as the cheapest source of candidates (``mirror.search.match``). The
compiler produces:

- ``loose``: the Lucene match condition (MUST all, MUST_NOT none, at least one SHOULD when there is no MUST; a
  purely negative group matches everything else, as Solr does at the top level);
- ``strict``: the same with every SHOULD turned into MUST, used first to find candidates quickly (a document
  matching every term outranks one that matches a subset);
- ``score``: a sum over the positive leaves of ``boost * idf`` (BM25's idf from the vocabulary), taking, for an
  unfielded term, the best of the core's default fields with their boosts (dismax), plus a bonus equal to the
  group's weight when a field's whole value equals the query group's words (so "toto" puts Toto above
  "Alistair Toto", and an exact release title above longer ones);
- ``best``: the documents that reach the highest possible score (every leaf matched by its heaviest
  alternative, whole values included: usually a handful found through two or three rare lexemes), whose score
  is a constant (``best_score``) that needs no document;
- ``rarest(budget, need)``: the rarest leaves whose documents number at most ``budget`` together (from the
  vocabulary; but at least ``need`` when they can): the candidates of a query whose Lucene condition matches
  too many documents to score them all (a document matching none of them can only score the weights of the
  commoner, lower-idf words);
- ``loose_min``: a lower bound on the documents matching ``loose`` (the largest document frequency among the
  words one of which suffices), so that a count that is sure to reach its cap is not made.

The compiler is pure: the vocabulary facts it needs (document frequencies, fuzzy and wildcard expansions) are
given by a ``Lookup``; the engine runs it, fetches what it asked for, and runs it again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql
from psycopg.sql import Composable

from mirror.errors import QueryTooComplex
from mirror.search.analyze import keyword, normalize, tokens
from mirror.search.build import field_terms
from mirror.search.cores import UNCOUNTED, ByMbid, Core, Link
from mirror.search.document import MAX_EXACT
from mirror.search.lucene import BoolQuery, MatchAll, Node, Phrase, Range, Term
from mirror.search.match import FALSE, SCHEMAS, TRUE, Match, Params, and_, not_, or_, quote
from mirror.search.schema import typed_column

_MBID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LOWEST = "00000000-0000-0000-0000-000000000000"  # an MBID prefix is completed to these to make a range
_HIGHEST = "ffffffff-ffff-ffff-ffff-ffffffffffff"
_HEX = frozenset("0123456789abcdef")
FUZZY_WEIGHT = 0.7  # a typo-tolerant alternative scores this much of the word it replaces (per edit)
EXPANDED_WEIGHT = 1.0  # prefix, wildcard and range matches score a constant, like Lucene's multi-term queries
EXACT_FACTOR = 1.0


@dataclass
class Lookup:
    """Vocabulary facts for one core: filled by the engine between compiler passes."""

    docs: int
    df: dict[str, int] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)  # linked part -> the core's documents per part row
    expansions: dict[tuple[Any, ...], list[tuple[str, int, int]]] = field(default_factory=dict)  # lexeme, df, edits
    want_df: set[str] = field(default_factory=set)
    want_expansions: set[tuple[Any, ...]] = field(default_factory=set)

    def freq(self, lexeme: str) -> int | None:
        found = self.df.get(lexeme)
        if found is None:
            self.want_df.add(lexeme)
        return found

    def expand(self, key: tuple[Any, ...]) -> list[tuple[str, int, int]] | None:
        found = self.expansions.get(key)
        if found is None:
            self.want_expansions.add(key)
        return found

    def idf(self, df: int) -> float:
        return math.log(1 + (self.docs - df + 0.5) / (df + 0.5))

    @property
    def pending(self) -> bool:
        return bool(self.want_df or self.want_expansions)


@dataclass
class Compiled:
    """The compiled query."""

    loose: Match
    strict: Match
    leaves: list[list[tuple[Match, float]]]  # per positive leaf: alternatives (condition, weight), best one counts
    params: Params
    leaf_dfs: list[tuple[Match, int | None]] = field(default_factory=list)  # per word leaf: most documents it matches
    negated: bool = False  # the query has a MUST_NOT somewhere
    loose_min: int = 0

    @property
    def best(self) -> Match | None:
        """Documents scoring ``best_score``, the most any document can; None when that cannot be told so."""
        conds: list[Match] = []
        for alternatives in self.leaves:
            top = max(weight for _, weight in alternatives)
            if top > 0:
                conds.append(or_([m for m, weight in alternatives if weight == top], self.params))
            elif any(weight < 0 and m.const is not False for m, weight in alternatives):
                return None  # a negative boost: the best a document can do there is not to match
        if not conds:
            return None
        if self.negated:
            conds.append(self.loose)
        return and_(conds, self.params)

    @property
    def best_score(self) -> float:
        return sum(max(0.0, *(weight for _, weight in alternatives)) for alternatives in self.leaves)

    def rarest(self, budget: int, need: int) -> Match | None:
        """The rarest word leaves matching at most ``budget`` documents together, and at least ``need`` if they
        can; None when they would be every leaf (the Lucene condition alone is then as selective). Only leaves
        the index finds count: the others (int, date and low-selectivity fields) would have to be read in order."""
        known = sorted(
            (df, i) for i, (match, df) in enumerate(self.leaf_dfs) if df is not None and match.cost()[0] == 0
        )
        chosen: list[Match] = []
        total = 0
        for df, i in known:
            if total >= need and total + df > budget:
                break
            chosen.append(self.leaf_dfs[i][0])
            total += df
        if not chosen or len(chosen) == len(self.leaf_dfs):
            return None
        return or_(chosen, self.params)

    def links(self) -> list[Link]:
        """The links the score's conditions refer to."""
        found: list[Link] = []
        for alternatives in self.leaves:
            for cond, _ in alternatives:
                found.extend(link for link in cond.links() if link not in found)
        return found

    def score(self, params: Params) -> sql.Composable:
        parts: list[sql.Composable] = []
        for alternatives in self.leaves:
            cases = [
                sql.SQL("CASE WHEN {} THEN {} ELSE 0 END").format(cond.sql(params), params.add(weight))
                for cond, weight in alternatives
            ]
            parts.append(cases[0] if len(cases) == 1 else sql.SQL("GREATEST({})").format(sql.SQL(", ").join(cases)))
        if not parts:
            return sql.SQL("0::float8")
        return sql.SQL("({})::float8").format(sql.SQL(" + ").join(parts))


@dataclass(frozen=True)
class MbidSet:
    """The whole MBIDs of several SHOULD terms of one MBID field in one group (``arid:a OR arid:b ...``,
    ``arid:(a b ...)``): looked up together (``gid = ANY(...)``) as one leaf. As separate leaves each was a
    subquery of its own in the candidate lookup, its check and the score: a list of 100 took seconds to plan
    and run."""

    field: str
    texts: tuple[str, ...]
    boost: float = 1.0


DROP = None  # a leaf with no words (only punctuation): removed from the query, as Lucene's analyzer does


class Compiler:
    """One pass over a query tree."""

    def __init__(self, core: Core, lookup: Lookup, *, max_terms: int, max_expansions: int) -> None:
        self.core = core
        self.lookup = lookup
        self.params = Params()
        self.leaves: list[list[tuple[Match, float]]] = []
        self.max_terms = max_terms
        self.max_expansions = max_expansions
        self.terms = 0
        self.df_of: dict[str, int] = {}  # tsquery text of an alternative -> how many documents it can match
        self.exact_df: dict[str, int] = {}  # tsquery text of one lexeme -> its document frequency
        self.leaf_dfs: list[tuple[Match, int | None]] = []  # per scored leaf: its match and that bound
        self.negated = False
        self.word_elsewhere = False  # the current leaf's word is in one of its fields
        self.scoring = True  # the current leaf is scored (not under a NOT)

    def compile(self, node: Node) -> Compiled:
        result = self.node(node, 1.0, True)
        if result is DROP:
            return Compiled(FALSE, FALSE, [], self.params)
        loose, strict, low = result
        return Compiled(loose, strict, self.leaves, self.params, self.leaf_dfs, self.negated, low)

    # -- tree ---------------------------------------------------------------------------------------------
    def merged_mbids(self, node: BoolQuery) -> list[tuple[str, Node | MbidSet]]:
        """The group's clauses (occur, query), the SHOULD terms of whole MBIDs of one MBID field (and boost)
        replaced, when there are several, by one ``MbidSet`` where the first of them stood."""
        keys = [self._mbid_key(clause.occur, clause.query) for clause in node.clauses]
        groups: dict[tuple[str, float], list[str]] = {}
        for clause, key in zip(node.clauses, keys, strict=True):
            if key is not None:
                groups.setdefault(key, []).append(keyword(clause.query.text))  # type: ignore[union-attr]
        out: list[tuple[str, Node | MbidSet]] = []
        done: set[tuple[str, float]] = set()
        for clause, key in zip(node.clauses, keys, strict=True):
            if key is None or len(groups[key]) < 2:
                out.append((clause.occur, clause.query))
            elif key not in done:
                done.add(key)
                out.append(("should", MbidSet(key[0], tuple(groups[key]), key[1])))
        return out

    def _mbid_key(self, occur: str, query: Node) -> tuple[str, float] | None:
        """(field, boost) of a SHOULD term that is one whole MBID of a field answered by ``ByMbid``."""
        if occur != "should" or not isinstance(query, Term) or query.field is None:
            return None
        if query.prefix or query.wildcard or query.fuzzy is not None:
            return None
        name = self.core.field_for(query.field)
        if name is None or name not in self.core.part_of(name).lookups or not _MBID.fullmatch(keyword(query.text)):
            return None
        return query.field, query.boost

    def node(self, node: Node | MbidSet, boost: float, scored: bool) -> tuple[Match, Match, int] | None:
        """(loose, strict, a lower bound on the documents matching loose) of a subtree."""
        if isinstance(node, BoolQuery):
            return self.boolean(node, boost * node.boost, scored)
        if isinstance(node, MatchAll):
            if scored:
                self.leaves.append([(TRUE, boost * node.boost)])
            return TRUE, TRUE, self.lookup.docs
        self.scoring = scored
        alternatives = self.leaf(node, boost * node.boost)
        if alternatives is None:
            return DROP
        match = or_([cond for cond, _ in alternatives], self.params)
        if scored and alternatives:
            self.leaves.append(alternatives)
            bounds = [0 if cond.const is False else cond.size for cond, _ in alternatives]
            known = [b for b in bounds if b is not None]
            self.leaf_dfs.append((match, sum(known) if len(known) == len(bounds) else None))
        low = max(
            (
                self.exact_df.get(cond.ts, 0) if cond.ts is not None else 0 if cond.upper else cond.size or 0
                for cond, _ in alternatives
            ),
            default=0,
        )
        return match, match, low

    def boolean(self, node: BoolQuery, boost: float, scored: bool) -> tuple[Match, Match, int] | None:
        must: list[tuple[Match, Match, int]] = []
        should: list[tuple[Match, Match, int]] = []
        must_not: list[Match] = []
        for occur, query in self.merged_mbids(node):
            result = self.node(query, boost, scored and occur != "must_not")
            if result is DROP:
                continue
            if occur == "must":
                must.append(result)
            elif occur == "should":
                should.append(result)
            else:
                must_not.append(result[0])
        if not (must or should or must_not):
            return DROP
        if scored:
            self.exact_bonus(node, boost)
        p = self.params
        negatives = [not_(m, p) for m in must_not]
        self.negated = self.negated or bool(negatives)
        low = 0
        if must:
            loose = and_([m[0] for m in must] + negatives, p)
            low = must[0][2] if len(must) == 1 and not negatives else 0
        elif should:
            loose = and_([or_([m[0] for m in should], p), *negatives], p)
            low = 0 if negatives else max(m[2] for m in should)
        else:
            loose = and_(negatives, p)
        strict = and_([m[1] for m in must + should] + negatives, p)
        return loose, strict, low

    # -- leaves -------------------------------------------------------------------------------------------
    def fields(self, name: str | None) -> list[tuple[str, float]] | None:
        if name is None or name == "*":
            return list(self.core.defaults.items())
        resolved = self.core.field_for(name)
        return [(resolved, 1.0)] if resolved else None

    def atom(self, name: str, ts: str, size: int | None, *, exact: bool = False) -> Match:
        """A tsquery over the lexemes of field ``name``: in its part's index, or its ``extra`` (whole values and
        the fields kept out of the index); ``size``: at most this many documents match, if known."""
        part = self.core.part_of(name)
        column = "extra" if exact or not part.indexed(name) else "doc"
        return Match(ts=ts, column=column, link=self.core.link_of(name), size=size)

    def leaf(self, node: Term | Phrase | Range | MbidSet, boost: float) -> list[tuple[Match, float]] | None:
        fields = self.fields(node.field)
        if fields is None:
            return [(FALSE, 0.0)]  # a field this core does not have: matches nothing
        out: list[tuple[Match, float]] = []
        if isinstance(node, MbidSet):  # (its field has a lookup: see ``_mbid_key``)
            for name, field_boost in fields:
                lookup = self.core.part_of(name).lookups[name]
                out.extend(self.identifiers(node.texts, name, lookup, boost * field_boost))
            self.terms += 1
            return out
        self.word_elsewhere = isinstance(node, Term) and len(fields) > 1 and self.known_somewhere(node.text, fields)
        for name, field_boost in fields:
            kind = self.core.kind(name)
            weight = boost * field_boost
            by_mbid = self.core.part_of(name).lookups.get(name)
            if by_mbid is not None:
                out.extend(self.identifier(node, name, by_mbid, weight))
            elif isinstance(node, Range):
                out.extend(self.range(node, name, kind, weight))
            elif kind in ("int", "date"):
                out.extend(self.typed(node, name, kind, weight))
            elif isinstance(node, Phrase):
                out.extend(self.words(name, kind, node.text, weight, phrase=True, slop=node.slop))
            else:
                out.extend(self.term(node, name, kind, weight))
        self.terms += len(out)
        if self.terms > self.max_terms:
            raise QueryTooComplex("terms", self.max_terms, 0)
        if not out and not isinstance(node, Range):
            return DROP
        return out

    def known_somewhere(self, text: str, fields: list[tuple[str, float]]) -> bool:
        """Whether one of the fields has this single word: no automatic typo alternatives are then needed."""
        for name, _ in fields:
            kind = self.core.kind(name)
            words = self.word_tokens(kind, text) if kind in ("text", "accent") else ()
            if len(words) == 1 and self.lookup.freq(f"{name}:{words[0]}"):
                return True
        return False

    def word_tokens(self, kind: str, text: str) -> tuple[str, ...]:
        if kind in ("text", "accent"):
            return tokens(text, kind == "accent")
        return tuple(field_terms(kind, text)[:1])

    def words(
        self, name: str, kind: str, text: str, weight: float, *, phrase: bool = False, slop: int = 0
    ) -> list[tuple[Match, float]]:
        words = self.word_tokens(kind, text)
        if not words:
            return []
        lexemes = [f"{name}:{w}" for w in words]
        dfs = [self.lookup.freq(lexeme) for lexeme in lexemes]
        idf = sum(self.lookup.idf(df or 0) for df in dfs)
        ts = _phrase(list(map(quote, lexemes)), slop)
        if all(df is not None for df in dfs):
            self.df_of[ts] = min(df or 0 for df in dfs)
            if len(dfs) == 1:
                self.exact_df[ts] = dfs[0] or 0
        out = [(self.atom(name, ts, self.df_of.get(ts)), weight * idf)]
        if len(words) == 1 and not phrase and kind == "text" and self.scoring and dfs[0] is not None:
            # automatic typo alternatives: not for the accent-keeping fields (their point is the exact letters),
            # nor under a NOT (``-recording:lave`` must not exclude "love")
            out.extend(self.typos(name, words[0], dfs[0], None, weight))
        return out

    def typos(self, name: str, word: str, df: int, edits: int | None, weight: float) -> list[tuple[Match, float]]:
        """Fuzzy alternatives: asked for (``~``), or automatic for a word the field does not contain."""
        if edits is None:
            if df > 0 or self.word_elsewhere or len(word) < 4 or not word.isalpha():
                return []
            edits = 1 if len(word) < 8 else 2
        found = self.lookup.expand(("fuzzy", name, word, min(edits, 2)))
        if not found:
            return []
        for lexeme, alt_df, _ in found:
            self.df_of[quote(lexeme)] = self.exact_df[quote(lexeme)] = alt_df
        # One idf for all the alternatives, their commonest's (as Lucene blends a fuzzy query's term statistics):
        # the closer spelling ranks first, not the rarer word (``lvoe~``: "love" before a rare word two edits off).
        idf = self.lookup.idf(max(alt_df for _, alt_df, _ in found))
        return [
            (self.atom(name, quote(lexeme), alt_df), weight * idf * FUZZY_WEIGHT**distance)
            for lexeme, alt_df, distance in found
            if lexeme != f"{name}:{word}"
        ]

    def term(self, term: Term, name: str, kind: str, weight: float) -> list[tuple[Match, float]]:
        if term.wildcard:
            if not term.text.strip("*"):  # any value of the field: every lexeme the field has
                return [(self.atom(name, quote(f"{name}:") + ":*", None), weight * EXPANDED_WEIGHT)]
            pattern = normalize(term.text) if kind in ("text", "accent") else term.text.casefold()
            found = self.lookup.expand(("wildcard", name, pattern))
            if not found:
                return [(FALSE, 0.0)]
            ts = " | ".join(quote(lex) for lex, _, _ in found)
            return [(self.atom(name, ts, sum(df for _, df, _ in found)), weight * EXPANDED_WEIGHT)]
        if term.prefix:
            words = self.word_tokens(kind, term.text) if kind != "date" else (term.text.strip(),)
            if not words:
                return []
            lexemes = [quote(f"{name}:{w}") for w in words]
            lexemes[-1] += ":*"
            return [(self.atom(name, " <-> ".join(lexemes), None), weight * EXPANDED_WEIGHT * len(words))]
        if kind == "date":
            return self.words(name, "keyword", term.text.strip(), weight)
        out = self.words(name, kind, term.text, weight)
        if term.fuzzy and out and kind in ("text", "accent"):
            words = self.word_tokens(kind, term.text)
            if len(words) == 1:
                out.extend(self.typos(name, words[0], 0, term.fuzzy, weight))
        return out

    def identifier(
        self, node: Term | Phrase | Range, name: str, lookup: ByMbid, weight: float
    ) -> list[tuple[Match, float]]:
        """A term of an MBID field without lexemes (``Part.lookups``): the MusicBrainz tables' unique indexes on
        ``gid`` find the entities with that MBID (case folded), or with an MBID that starts with a prefix
        (``rid:1f3a*``: a range of ``gid``), through the core's link when the field is a shared part's.
        Anything else, wildcards and ranges included, matches nothing, as it matched no MBID lexeme; a whole
        MBID weighs what an unknown lexeme weighs."""
        if isinstance(node, Range) or (isinstance(node, Term) and node.wildcard):
            return [(FALSE, 0.0)]
        text = keyword(node.text)
        if not text:
            return []
        size: int | None
        if isinstance(node, Term) and node.prefix:
            if len(text) > len(_LOWEST) or not all(
                c == "-" if t == "-" else c in _HEX for c, t in zip(text, _LOWEST, strict=False)
            ):
                return [(FALSE, 0.0)]
            low, high = self.params.add(text + _LOWEST[len(text) :]), self.params.add(text + _HIGHEST[len(text) :])
            match = sql.SQL("BETWEEN {}::uuid AND {}::uuid").format(low, high)
            size, weight = None, weight * EXPANDED_WEIGHT
        else:
            if not _MBID.fullmatch(text):
                return [(FALSE, 0.0)]
            match = sql.SQL("= {}::uuid").format(self.params.add(text))
            size, weight = (1 if lookup.one else None), weight * self.lookup.idf(0)
        return [(self._by_mbid(name, lookup, match, size), weight)]

    def identifiers(
        self, texts: tuple[str, ...], name: str, lookup: ByMbid, weight: float
    ) -> list[tuple[Match, float]]:
        """Whole MBIDs (folded, valid: see ``merged_mbids``) of an MBID field, looked up together: a document
        matching any of them matches, with the weight of one."""
        mbids = sorted(set(texts))
        match = sql.SQL("= ANY({}::uuid[])").format(self.params.add(mbids))
        size = len(mbids) if lookup.one else None
        return [(self._by_mbid(name, lookup, match, size), weight * self.lookup.idf(0))]

    def _by_mbid(self, name: str, lookup: ByMbid, match: Composable, size: int | None) -> Match:
        """The core's documents whose MBIDs in field ``name`` satisfy ``gid {match}`` (``size``: at most how many,
        for the core's own part), through the core's link when the field is a shared part's."""
        select: Composable = sql.SQL(lookup.select).format(match=match, **SCHEMAS)
        link = self.core.link_of(name)
        if link is not None:  # the core's entities whose part rows are those
            select = sql.SQL(link.retrieve).format(cond=sql.SQL("p.id IN ({})").format(select), **SCHEMAS)
            size = None
        return Match(cond=sql.SQL("x.id IN ({})").format(select), keyed=True, size=size, upper=True)

    def _typed_match(
        self, name: str, kind: str, template: str, size: int | None = None, keyed: bool = False, **values: Any
    ) -> Match:
        """A condition on the typed column of field ``name`` (``{column}`` in ``template``, ``values`` bound): on
        the candidate row ``x``, or on the joined link and, for lookups, on the part's rows ``p``."""
        link = self.core.link_of(name)
        bound = {key: self.params.add(value) for key, value in values.items()}
        column = typed_column(name, kind)

        def on(alias: str) -> Composable:
            return sql.SQL(template).format(column=sql.Identifier(alias, column), **bound)

        if link is None:
            return Match(cond=on("x"), size=size, keyed=keyed)
        return Match(cond=on(link.alias), source_cond=on("p"), link=link, size=size, keyed=keyed)

    def typed(self, node: Term | Phrase, name: str, kind: str, weight: float) -> list[tuple[Match, float]]:
        """A term of an int or date field: a condition on its typed column (``tnum:5``: one of the values is 5;
        ``date:1990``: one of the dates is 1990 or starts with ``1990-``), weighted by the vocabulary's count of
        the term like a word; wildcards and prefixes match the values as text."""
        text = node.text.strip()
        if isinstance(node, Term) and (node.wildcard or node.prefix):
            pattern = text.casefold() + ("*" if node.prefix else "")
            like = "".join("%" if c == "*" else "_" if c == "?" else _like(c) for c in pattern)
            template = "EXISTS (SELECT 1 FROM unnest({column}) v WHERE v::text LIKE {like})"
            return [(self._typed_match(name, kind, template, like=like), weight * EXPANDED_WEIGHT)]
        term = keyword(text)
        if not term:
            return []
        if kind == "int":
            try:
                value = int(term)
            except ValueError:
                return [(FALSE, 0.0)]
            if not -(2**31) <= value < 2**31:
                return [(FALSE, 0.0)]
            term = str(value)
            template = "{column} @> ARRAY[{value}]::integer[]"  # the GIN index on the typed columns finds it
            values: dict[str, Any] = {"value": value}
        else:
            template = (
                "EXISTS (SELECT 1 FROM unnest({column}) v WHERE v = {t} OR left(v, length({t}) + 1) = {t} || '-')"
            )
            values = {"t": term}
        if name in UNCOUNTED:
            return [(self._typed_match(name, kind, template, **values), weight * EXPANDED_WEIGHT)]
        df = self.lookup.freq(f"{name}:{term}")
        match = self._typed_match(name, kind, template, df, kind == "int", **values)
        return [(match, weight * self.lookup.idf(df or 0))]

    def range(self, node: Range, name: str, kind: str, weight: float) -> list[tuple[Match, float]]:
        if kind in ("int", "date"):
            conds: list[str] = []
            values: dict[str, Any] = {}
            if kind == "int":
                try:
                    low = int(node.low) if node.low is not None else None
                    high = int(node.high) if node.high is not None else None
                except ValueError:
                    return [(FALSE, 0.0)]
                if low is not None:
                    conds.append("v >= {low}" if node.include_low else "v > {low}")
                    values["low"] = low
                if high is not None:
                    conds.append("v <= {high}" if node.include_high else "v < {high}")
                    values["high"] = high
            else:
                if node.low is not None:  # a date is the period it names (DateRangeField): "1977" overlaps 1977-12
                    values["low"] = node.low.strip()
                    conds.append(
                        "(v >= {low} OR left({low}, length(v)) = v)"
                        if node.include_low
                        else "(v > {low} AND left(v, length({low})) <> {low})"
                    )
                if node.high is not None:
                    values["high"] = node.high.strip()
                    conds.append(
                        "(v <= {high} OR left(v, length({high})) = {high})" if node.include_high else "v < {high}"
                    )
            where = " AND ".join(conds) if conds else "TRUE"
            template = "EXISTS (SELECT 1 FROM unnest({column}) v WHERE " + where + ")"
            return [(self._typed_match(name, kind, template, **values), weight * EXPANDED_WEIGHT)]
        found = self.lookup.expand(
            (
                "range",
                name,
                self.bound(kind, node.low),
                self.bound(kind, node.high),
                node.include_low,
                node.include_high,
            )
        )
        if not found:
            return [(FALSE, 0.0)]
        ts = " | ".join(quote(lex) for lex, _, _ in found)
        return [(self.atom(name, ts, sum(df for _, df, _ in found)), weight * EXPANDED_WEIGHT)]

    def bound(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        words = self.word_tokens(kind, value)
        return " ".join(words) if words else normalize(value)

    # -- ranking ------------------------------------------------------------------------------------------
    def exact_bonus(self, node: BoolQuery, boost: float) -> None:
        """Per field, the group's plain words: bonus when a value of the field is exactly those words."""
        groups: dict[str | None, list[str]] = {}
        for clause in node.clauses:
            query = clause.query
            if clause.occur == "must_not" or not isinstance(query, Term | Phrase):
                continue
            if isinstance(query, Term) and (query.prefix or query.wildcard):
                continue
            groups.setdefault(query.field, []).append(query.text)
        for name, texts in groups.items():
            self._bonus(name, " ".join(texts), boost)

    def single_bonus(self, node: Term | Phrase, boost: float) -> None:
        if isinstance(node, Term) and (node.prefix or node.wildcard):
            return
        self._bonus(node.field, node.text, boost * node.boost)

    def _bonus(self, name: str | None, text: str, boost: float) -> None:
        fields = self.fields(name)
        if not fields:
            return
        alternatives: list[tuple[Match, float]] = []
        for field_name, field_boost in fields:
            kind = self.core.kind(field_name)
            if kind not in ("text", "accent"):
                continue
            words = tokens(text, kind == "accent")
            exact = " ".join(words)
            if not words or len(exact) > MAX_EXACT:  # no document has a whole-value lexeme that long
                continue
            idf = sum(self.lookup.idf(self.lookup.freq(f"{field_name}:{w}") or 0) for w in words)
            alternatives.append(
                (
                    self.atom(field_name, quote(f"{field_name}={exact}"), None, exact=True),
                    boost * field_boost * idf * EXACT_FACTOR,
                )
            )
        if alternatives:
            self.leaves.append(alternatives)


MAX_SLOP = 16  # a two-word phrase's slop up to this is exact; beyond it, and for longer phrases, all the words


def _phrase(lexemes: list[str], slop: int) -> str:
    """The tsquery of a phrase of quoted lexemes with ``slop`` (Lucene's ``"a b"~N``).

    Without slop the words follow one another (``<->``). With slop, a two-word phrase matches as Lucene's
    sloppy phrase does: the second word at most ``slop + 1`` positions after the first, or, swapped (which
    costs two moves), at most ``slop - 1`` before it. Longer phrases (and slops past ``MAX_SLOP``) need every
    word, in any order and at any distance: a superset, as positions across more words are beyond a tsquery."""
    if not slop or len(lexemes) < 2:
        return " <-> ".join(lexemes)
    if len(lexemes) > 2 or slop > MAX_SLOP:
        return " & ".join(lexemes)
    first, second = lexemes
    near = [f"{first} <{n}> {second}" for n in range(1, slop + 2)]
    near += [f"{second} <{n}> {first}" for n in range(1, slop)]
    return " | ".join(f"({item})" for item in near)


def compile_query(core: Core, node: Node, lookup: Lookup, *, max_terms: int, max_expansions: int) -> Compiled:
    """One compiler pass; when ``lookup.pending`` afterwards, fetch and compile again."""
    compiler = Compiler(core, lookup, max_terms=max_terms, max_expansions=max_expansions)
    if isinstance(node, Term | Phrase):
        compiler.single_bonus(node, 1.0)
    return compiler.compile(node)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""Match conditions over a core's search documents: the tree the compiler (``mirror.search.compile``) builds and
the engine runs, with bound parameters.

A ``Match`` is a leaf (a tsquery over one column of a part, an SQL boolean, a constant) or an AND, OR or NOT of
others. It renders as a filter on a candidate row (``sql``) and as the cheapest SELECT of the documents that may
match (``source``: an index lookup where a leaf has one, the OR's branches one after another). ``and_``, ``or_``
and ``not_`` build the tree, folding constants and merging leaves over the same column into one tsquery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from psycopg import sql
from psycopg.sql import Composable

from mirror.search.cores import Link
from mirror.search.schema import SEARCH_SCHEMA


def quote(lexeme: str) -> str:
    """A lexeme quoted for tsquery text."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Params:
    """Bound parameters, named ``p0``, ``p1``, ... in the order they are added."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


@dataclass(frozen=True)
class Match:
    """A match condition over a core's documents, as a tree.

    Leaves: a tsquery text over one column (``doc``, the indexed lexemes, or ``extra``) of the core's own part
    (``link`` None) or of a linked part; an SQL boolean (``cond``) over the own row ``x`` or over a linked
    part's row ``p``; a constant. Inner nodes: ``op`` "and", "or" or "not" over ``items``. ``size``: at most
    how many of the core's documents a leaf matches, when the vocabulary tells (the engine drives the
    candidate lookup from the smallest)."""

    ts: str | None = None
    column: str = "doc"
    link: Link | None = None
    cond: sql.Composable | None = None  # on ``x`` or on the link's joined alias
    source_cond: sql.Composable | None = None  # the same on a part row ``p`` (a linked condition's lookup)
    keyed: bool = False  # an index finds the condition's rows
    const: bool | None = None
    op: str | None = None
    items: tuple[Match, ...] = ()
    size: int | None = None
    upper: bool = False  # ``size`` is only an upper bound, not the count of a term's documents

    @property
    def indexed(self) -> bool:
        """Whether an index finds this leaf's documents (otherwise they are found by reading in order)."""
        return (self.ts is not None and self.column == "doc") or self.keyed

    def sql(self, params: Params) -> Composable:
        """The condition on a candidate row ``x`` (with its links' columns joined in)."""
        if self.const is not None:
            return sql.SQL("TRUE" if self.const else "FALSE")
        if self.op is not None:
            parts = [item.sql(params) for item in self.items]
            if self.op == "not":
                return sql.SQL("NOT {}").format(parts[0])
            return sql.SQL("({})").format(sql.SQL(" AND " if self.op == "and" else " OR ").join(parts))
        if self.ts is not None:
            if self.link is None:
                return sql.SQL("x.{} @@ {}::tsquery").format(sql.Identifier(self.column), params.add(self.ts))
            return sql.SQL("coalesce({}.{}, ''::tsvector) @@ {}::tsquery").format(
                sql.Identifier(self.link.alias), sql.Identifier(self.column), params.add(self.ts)
            )
        assert self.cond is not None
        return self.cond

    def links(self) -> list[Link]:
        """The links whose joined columns ``sql`` refers to."""
        if self.op is not None:
            found: list[Link] = []
            for item in self.items:
                found.extend(link for link in item.links() if link not in found)
            return found
        return [self.link] if self.link is not None else []

    def cost(self) -> tuple[int, float]:
        """How expensive this condition is as the source of candidates: (0 found through the index, 1 read in
        order), then the documents it may match."""
        if self.const is False:
            return (0, 0.0)
        if self.op == "or":
            costs = [item.cost() for item in self.items]
            return (max(c[0] for c in costs), sum(c[1] for c in costs))
        if self.op == "and":
            return min(item.cost() for item in self.items if item.op != "not") if self.drivers() else (1, math.inf)
        if self.op == "not" or self.const is True:
            return (1, math.inf)
        return (0 if self.indexed else 1, math.inf if self.size is None else float(self.size))

    def drivers(self) -> list[Match]:
        return [item for item in self.items if item.op != "not" and item.const is not True]

    def _driver(self) -> Match:
        """The node whose source stands for this one: an AND's cheapest child, recursively."""
        if self.op == "and" and self.drivers():
            return min(self.drivers(), key=lambda item: item.cost())._driver()
        return self

    def _branches(self) -> list[Match]:
        """The children of the OR this condition is looked up from, cheapest first (none for another node)."""
        driver = self._driver()
        return sorted(driver.items, key=lambda item: item.cost()) if driver.op == "or" else []

    def source(self, core_table: str, params: Params) -> Composable:
        """A SELECT of the ids of core documents that may match (every one that does is among them), and of the
        branch of an OR each came from (``b``, 0 otherwise)."""
        branches = self._branches()
        if branches:
            return sql.SQL(" UNION ALL ").join(
                sql.SQL("(SELECT id, {} AS b FROM ({}) s)").format(sql.Literal(number), item._ids(core_table, params))
                for number, item in enumerate(branches)
            )
        return sql.SQL("SELECT id, 0 AS b FROM ({}) s").format(self._driver()._ids(core_table, params))

    def first_branch(self, params: Params) -> Composable:
        """A condition keeping each document found through an OR's branches once: from the first branch whose
        condition it matches (the sources stream one after another, so no sort or hash waits for all of them).
        A document found through a later branch than its first is found through that one too: a branch's source
        has every document its condition matches."""
        branches = self._branches()
        if len(branches) < 2:
            return sql.SQL("TRUE")
        cases = [
            sql.SQL("WHEN {} THEN {}").format(item.sql(params), sql.Literal(number))
            for number, item in enumerate(branches[:-1])
        ]
        return sql.SQL("r.b = CASE {} ELSE {} END").format(sql.SQL(" ").join(cases), sql.Literal(len(branches) - 1))

    def _ids(self, core_table: str, params: Params) -> Composable:
        """A SELECT of ``id``: the documents this node may match."""
        table = sql.Identifier(SEARCH_SCHEMA, core_table)
        if self.const is False:
            return sql.SQL("SELECT NULL::integer AS id WHERE FALSE")
        if self.op == "or":
            ordered = sorted(self.items, key=lambda item: item.cost())
            return sql.SQL(" UNION ALL ").join(
                sql.SQL("({})").format(item._ids(core_table, params)) for item in ordered
            )
        if self.op == "and" and self.drivers():
            return self._driver()._ids(core_table, params)
        if self.op is not None or self.const is True:
            return sql.SQL("SELECT x.id FROM {} x").format(table)
        if self.ts is not None:
            alias = "x" if self.link is None else "p"
            cond: Composable = sql.SQL("{}.{} @@ {}::tsquery").format(
                sql.Identifier(alias), sql.Identifier(self.column), params.add(self.ts)
            )
        else:
            assert self.cond is not None
            cond = self.cond if self.link is None else self.source_cond or self.cond
        if self.link is None:
            return sql.SQL("SELECT x.id FROM {} x WHERE {}").format(table, cond)
        return sql.SQL(self.link.retrieve).format(cond=cond, **SCHEMAS)


SCHEMAS = {"search": sql.Identifier(SEARCH_SCHEMA), "mb": sql.Identifier("musicbrainz")}
TRUE = Match(const=True)
FALSE = Match(const=False)


RARE = 1000  # an OR's leaves matching at most this many documents are looked up together, before the others


def _combine(op: str, items: list[Match]) -> Match:
    """Leaves over the same column of the same part become one tsquery, found by one index lookup. In an AND,
    not over a part with several rows per entity (each row is looked up alone, and the words may be in
    different rows). In an OR, the rare leaves and the common ones (or of unknown size) apart, so that the
    candidates come from the rare ones first (a common word merged with rare ones would bring its thousands of
    documents along). The rest: an ``op`` node, flattened."""
    flat: list[Match] = []
    for item in items:
        flat.extend(item.items if item.op == op else (item,))
    groups: dict[tuple[int, str, bool], list[Match]] = {}
    others: list[Match] = []
    for item in flat:
        if item.ts is None or (op == "and" and item.link is not None and item.link.many):
            others.append(item)
            continue
        rare = op == "or" and item.size is not None and item.size <= RARE
        groups.setdefault((id(item.link), item.column, rare), []).append(item)
    merged: list[Match] = []
    joiner = " & " if op == "and" else " | "
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        sizes = [m.size for m in group]
        if op == "and":
            size = min((x for x in sizes if x is not None), default=None)
        else:
            size = None if None in sizes else sum(x for x in sizes if x is not None)
        merged.append(replace(group[0], ts=joiner.join(f"({m.ts})" for m in group), size=size))
    result = merged + others
    if len(result) == 1:
        return result[0]
    return Match(op=op, items=tuple(result))


def and_(items: list[Match], params: Params) -> Match:
    items = [m for m in items if m.const is not True]
    if any(m.const is False for m in items):
        return FALSE
    if not items:
        return TRUE
    if len(items) == 1:
        return items[0]
    return _combine("and", items)


def or_(items: list[Match], params: Params) -> Match:
    items = [m for m in items if m.const is not False]
    if any(m.const is True for m in items):
        return TRUE
    if not items:
        return FALSE
    if len(items) == 1:
        return items[0]
    return _combine("or", items)


def not_(item: Match, params: Params) -> Match:
    if item.const is not None:
        return Match(const=not item.const)
    if item.op == "not":
        return item.items[0]
    return Match(op="not", items=(item,))

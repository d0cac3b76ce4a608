"""Filtered, sorted, faceted lists of entities with keyset pagination.

``query = list_query("release", {"country": ["GB"], "date__gte": ["1999"]}, sort="-date", limit=50,
cursor=None, facets=["year"])`` validates everything up front (``InvalidQuery`` names the bad parameter), then
``query.page(conn)`` returns a ``Page`` (items, ``next`` cursor, facet counts) and ``query.stream(conn)``
yields every matching item through a server-side cursor (memory stays flat whatever the size).

Filters: ``name=value`` (repeat a filter to match any of its values) and, for dates and numbers,
``name__gte`` / ``name__lte``; dates are partial ISO dates (``1999``, ``1999-03``, ``1999-03-21``): ``date=1999``
matches the whole year, ``date__lte=1999-03`` everything up to the end of March 1999. Sort: a sort name,
``-`` in front for descending; ties are broken by the internal id, and missing values sort last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from mirror.errors import InvalidQuery
from mirror.native import cursor as cursors
from mirror.native.common import Conn, parse_mbid
from mirror.native.list_models import FacetValue, Page
from mirror.native.listspec import SPECS, Filter, Spec
from mirror.native.models import Model

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
FACET_VALUES = 100
STREAM_BATCH = 2000
_NULL_LAST = {True: 2**31 - 1, False: -(2**31)}  # sentinel of a missing numeric sort value, per direction
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_OPS = {"": "=", "gte": ">=", "lte": "<="}


def _date_bounds(value: str) -> tuple[int, int]:
    match = _DATE_RE.match(value)
    if not match:
        raise ValueError("expected a date YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    low = year * 10000 + (month or 0) * 100 + (day or 0)
    high = year * 10000 + (month if month is not None else 99) * 100 + (day if day is not None else 99)
    return low, high


def _clause(name: str, spec: Filter, op: str, value: str) -> tuple[str, list[Any]]:
    """SQL text (a constant of the code) and bound values of one filter condition."""
    if op and spec.kind not in ("int", "date"):
        raise InvalidQuery(f"{name}__{op}", f"{name} takes no __{op} (only dates and numbers do)")
    try:
        if spec.kind == "mbid":
            return spec.expr, [parse_mbid(value, name)]
        if spec.kind == "ci":
            return f"lower({spec.expr}) = lower(%s)", [value]
        if spec.kind == "code":
            return f"{spec.expr} = %s", [value.upper()]
        if spec.kind in ("text", "exists"):
            return (spec.expr if spec.kind == "exists" else f"{spec.expr} = %s"), [value]
        if spec.kind == "bool":
            if value.lower() not in ("true", "false"):
                raise ValueError("expected true or false")
            return f"{spec.expr} = %s", [value.lower() == "true"]
        if spec.kind == "int":
            return f"{spec.expr} {_OPS[op]} %s", [int(value)]
        low, high = _date_bounds(value)
        if op == "gte":
            return f"{spec.expr} >= %s", [low]
        if op == "lte":
            return f"{spec.expr} <= %s", [high]
        return f"{spec.expr} BETWEEN %s AND %s", [low, high]
    except ValueError as exc:
        key = f"{name}__{op}" if op else name
        raise InvalidQuery(key, f"bad value {value!r}: {exc}") from None


@dataclass(frozen=True)
class ListQuery:
    """A validated list request; build it with ``list_query``."""

    entity: str
    spec: Spec
    where: list[str]
    params: list[Any]
    sort_name: str
    descending: bool
    limit: int | None
    after: list[Any] | None
    facets: tuple[str, ...]
    scope: str

    @property
    def item(self) -> type[Model]:
        return self.spec.item

    def _sort_expr(self) -> str:
        sort = self.spec.sorts[self.sort_name]
        if sort.numeric:
            return f"coalesce({sort.expr}, {_NULL_LAST[not self.descending]})"
        return sort.expr

    def _select(self, limit: int | None) -> tuple[sql.SQL, list[Any]]:
        sort = self._sort_expr()
        columns = ", ".join(f"{expr} AS {name}" for name, expr in self.spec.columns.items())
        where = list(self.where)
        params = list(self.params)
        direction = "DESC" if self.descending else "ASC"
        if self.after is not None:
            where.append(f"({sort}, e.id) {'<' if self.descending else '>'} (%s, %s)")
            params += self.after
        text = f"SELECT e.id AS _id, {sort} AS _sort, {columns} {self.spec.from_}"
        if where:
            text += " WHERE " + " AND ".join(f"({w})" for w in where)
        text += f" ORDER BY {sort} {direction}, e.id {direction}"
        if limit is not None:
            text += " LIMIT %s"
            params.append(limit)
        return sql.SQL(text), params

    def statements(self) -> list[tuple[sql.SQL, list[Any]]]:
        """The SQL of ``page`` (the page query, then one per facet), for benchmarks and EXPLAIN."""
        out = [self._select((self.limit or DEFAULT_LIMIT) + 1)]
        return out + [self._facet(name) for name in self.facets]

    def _facet(self, name: str) -> tuple[sql.SQL, list[Any]]:
        where = (" WHERE " + " AND ".join(f"({w})" for w in self.where)) if self.where else ""
        text = (
            f"SELECT {self.spec.facets[name]} AS value, count(*) AS count {self.spec.from_}{where} "
            "GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT %s"
        )
        return sql.SQL(text), [*self.params, FACET_VALUES]

    def _item(self, row: dict[str, Any]) -> Model:
        return self.spec.item(**{k: v for k, v in row.items() if not k.startswith("_")})

    def page(self, conn: Conn) -> Page[Any]:
        """One page of items (``limit`` of them, default ``DEFAULT_LIMIT``), the next cursor and the facets."""
        limit = self.limit or DEFAULT_LIMIT
        query, params = self._select(limit + 1)
        with conn.cursor(row_factory=dict_row) as cur:
            found = cur.execute(query, params).fetchall()
        following = None
        if len(found) > limit:
            found = found[:limit]
            following = self.next_cursor(found[-1]["_sort"], found[-1]["_id"])
        facets = self.facet_counts(conn) if self.facets else None
        return Page[Any](items=[self._item(r) for r in found], next=following, facets=facets)

    def next_cursor(self, sort_value: Any, row_id: int) -> str:
        return cursors.encode([sort_value, row_id], self.scope)

    def stream(self, conn: Conn) -> Iterator[tuple[Model, str]]:
        """Every matching item (up to ``limit`` when set) with the cursor that resumes after it."""
        query, params = self._select(self.limit)
        with conn.cursor(name="mbmirror_native_list", row_factory=dict_row) as cur:
            cur.itersize = STREAM_BATCH
            cur.execute(query, params)
            for row in cur:
                yield self._item(row), self.next_cursor(row["_sort"], row["_id"])

    def facet_counts(self, conn: Conn) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for name in self.facets:
            with conn.cursor(row_factory=dict_row) as cur:
                out[name] = [FacetValue(**row) for row in cur.execute(*self._facet(name)).fetchall()]
        return out


def _parse_sort(spec: Spec, sort: str | None) -> tuple[str, bool]:
    if not sort:
        return "id", False
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in spec.sorts:
        raise InvalidQuery("sort", f"cannot sort by {name!r}; one of {', '.join(spec.sorts)} (prefix - for descending)")
    return name, descending


def list_query(
    entity: str,
    filters: Mapping[str, Sequence[str]],
    *,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    facets: Sequence[str] = (),
) -> ListQuery:
    """Validate a list request; ``limit=None`` means ``DEFAULT_LIMIT`` for pages and everything for streams."""
    spec = SPECS.get(entity)
    if spec is None:
        raise InvalidQuery("entity", f"unknown entity type {entity!r}; one of {', '.join(sorted(SPECS))}")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery("limit", f"must be between 1 and {MAX_LIMIT}")
    where: list[str] = []
    params: list[Any] = []
    scope_parts = [entity]
    for key in sorted(filters):
        name, _, op = key.partition("__")
        if name not in spec.filters or op not in _OPS:
            raise InvalidQuery(key, f"unknown filter; {entity} filters: {', '.join(spec.filters)}")
        values = [v for v in filters[key]]
        if not values:
            continue
        clauses = [_clause(name, spec.filters[name], op, value) for value in values]
        where.append(" OR ".join(f"({text})" for text, _ in clauses))
        params += [p for _, bound in clauses for p in bound]
        scope_parts.append(f"{key}={values!r}")
    unknown = [f for f in facets if f not in spec.facets]
    if unknown:
        raise InvalidQuery("facet", f"unknown facet {unknown[0]!r}; {entity} facets: {', '.join(spec.facets)}")
    sort_name, descending = _parse_sort(spec, sort)
    scope_parts.append(f"sort={'-' if descending else ''}{sort_name}")
    scope = "\x1f".join(scope_parts)
    after = None
    if cursor:
        after = cursors.decode(cursor, scope, 2)
        numeric = spec.sorts[sort_name].numeric
        if not isinstance(after[1], int) or not isinstance(after[0], int if numeric else str):
            raise InvalidQuery("cursor", "not a cursor returned by this API (bad keyset)")
    return ListQuery(
        entity, spec, where, params, sort_name, descending, limit, after, tuple(dict.fromkeys(facets)), scope
    )

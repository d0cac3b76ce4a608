"""Which search documents a packet's changes affect: ``touched`` (the ids the changed rows name) and ``expand``
(the documents that join them). See ``mirror.search.refresh``.

A change counts only when it may change a document, which the cores' source SQL tells (``relevant_columns``,
derived from the SQL text, never a list kept by hand): a table no core reads touches nothing; an insert or a
delete of a table some core reads always counts; an update counts when it changes a column whose name appears
in a source reading the table (a column naming an entity, such as ``track.recording``, counts with its old and
new ids). One exception keeps the index equal to a full rebuild: an aggregate without ``ORDER BY``
(``array_agg(name)``) lists its rows in the order the server reads them, and an update moves its row, so every
update of a table read under such an aggregate counts, whatever it changed (``order_sensitive_tables``).

A counted row names the entities whose documents read it (``naming_columns``), not those it merely refers to.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

import psycopg
from psycopg import sql

from mirror.packet import PendingChange, split_table_name
from mirror.search.catalog import ANNOTATED, CATALOG, PARTS

# Entity types whose ids the changes may name (column names, table names).
BASES = frozenset(
    {
        *ANNOTATED,
        "annotation",
        "artist_credit",
        "medium",
        "tag",
        "url",
    }
)
_RAW = {"track_raw": "release_raw", "cdtoc_raw": "release_raw", "release_raw": "release_raw"}

# core table -> statements adding ids from other sets; each has %(name)s arrays of the sets computed so far.
# (A credit's names are the ``artist_credit`` part's, and the release fields a recording shows the ``medium``
# part's: their changes reach no recording, release or release group document.)
_EXPAND: list[tuple[str, str]] = [
    ("artist_credit", "SELECT artist_credit FROM {mb}.artist_credit_name WHERE artist = ANY(%(artist)s)"),
    ("release", "SELECT id FROM {mb}.release WHERE release_group = ANY(%(release_group)s)"),
    ("release", "SELECT release FROM {mb}.medium WHERE id = ANY(%(medium)s)"),
    ("release", "SELECT release FROM {mb}.release_label WHERE label = ANY(%(label)s)"),
    ("release_group", "SELECT release_group FROM {mb}.release WHERE id = ANY(%(release)s)"),
    ("medium", "SELECT id FROM {mb}.medium WHERE release = ANY(%(release)s)"),
    ("work", "SELECT entity1 FROM {mb}.l_artist_work WHERE entity0 = ANY(%(artist)s)"),
    ("work", "SELECT entity1 FROM {mb}.l_recording_work WHERE entity0 = ANY(%(recording)s)"),
    (
        "recording",
        "SELECT t.recording FROM {mb}.track t JOIN {mb}.medium m ON m.id = t.medium WHERE m.release = ANY(%(release)s)",
    ),
    (
        "artist",
        "SELECT id FROM {mb}.artist WHERE area = ANY(%(area)s) OR begin_area = ANY(%(area)s) "
        "OR end_area = ANY(%(area)s)",
    ),
    ("label", "SELECT id FROM {mb}.label WHERE area = ANY(%(area)s)"),
    ("place", "SELECT id FROM {mb}.place WHERE area = ANY(%(area)s)"),
    ("event", "SELECT entity1 FROM {mb}.l_artist_event WHERE entity0 = ANY(%(artist)s)"),
    ("event", "SELECT entity0 FROM {mb}.l_event_place WHERE entity1 = ANY(%(place)s)"),
    ("event", "SELECT entity1 FROM {mb}.l_area_event WHERE entity0 = ANY(%(area)s)"),
    *[("annotation", f"SELECT annotation FROM {{mb}}.{t}_annotation WHERE {t} = ANY(%({t})s)") for t in ANNOTATED],
]


def _link_types(table: str) -> tuple[str, str] | None:
    rest = table[2:]
    for first in sorted(BASES, key=len, reverse=True):
        if rest.startswith(first + "_") and rest[len(first) + 1 :] in BASES | {"url"}:
            return first, rest[len(first) + 1 :]
    return None


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TABLE = re.compile(r"\{mb\}\.([A-Za-z0-9_]+)")
_UNORDERED = re.compile(r"\b(?:array_agg|string_agg)\s*\(", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_SUBQUERY = re.compile(r"\(\s*SELECT\b", re.IGNORECASE)
_ENTITY_COLUMNS = BASES | {"entity0", "entity1"}


def _closing(text: str, opening: int) -> int:
    """The index of the parenthesis closing the one at ``opening`` (the end of the text when unbalanced)."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _enclosing_subquery(text: str, position: int) -> str:
    """The innermost parenthesised ``SELECT`` around ``position`` (the whole text at the top level)."""
    depth = 0
    for index in range(position - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            if depth:
                depth -= 1
            elif _SUBQUERY.match(text, index):
                return text[index : _closing(text, index) + 1]
    return text


def order_sensitive_tables(source: str) -> set[str]:
    """Tables of a source SQL read under an aggregate without ``ORDER BY``: the order of their rows, which an
    update may change, shows in the document (word positions, typed arrays). An aggregate's rows are those of
    the innermost subquery around it, nested subqueries included (conservatively)."""
    tables: set[str] = set()
    for found in _UNORDERED.finditer(source):
        opening = found.end() - 1
        if not _ORDER_BY.search(source, opening, _closing(source, opening)):
            tables.update(_TABLE.findall(_enclosing_subquery(source, found.start())))
    return tables


@cache
def relevant_columns() -> dict[str, frozenset[str] | None]:
    """Per MusicBrainz table some core's document reads, the columns whose update may change a document
    (None: every update may, the table being order-sensitive). Tables no core reads are absent."""
    columns: dict[str, set[str]] = defaultdict(set)
    sensitive: set[str] = set()
    for part in PARTS.values():
        identifiers = set(_IDENTIFIER.findall(part.source))
        for table in _TABLE.findall(part.source):
            columns[table] |= identifiers | _ENTITY_COLUMNS
        sensitive |= order_sensitive_tables(part.source)
    return {table: None if table in sensitive else frozenset(names) for table, names in columns.items()}


def _counts(change: PendingChange, columns: frozenset[str] | None) -> bool:
    """Whether a change to a table some core reads may change a document (see the module's docstring)."""
    old, new = change.old, change.new
    if columns is None or change.op != "u" or old is None or new is None:
        return True
    return any(old.get(c, _MISSING) != new.get(c, _MISSING) for c in old.keys() | new.keys() if c in columns)


_MISSING = object()


_NOT_ALIASES = frozenset(
    {"as", "where", "join", "left", "right", "inner", "full", "cross", "on", "group", "union", "order"}
)
_BINDING = re.compile(r"\{mb\}\.([A-Za-z0-9_]+)(?:\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?", re.IGNORECASE)


def _bindings(source: str) -> list[tuple[str, str | None, int]]:
    """``(table, alias or None, position)`` of every table a source reads."""
    found = []
    for match in _BINDING.finditer(source):
        alias = match.group(2)
        found.append((match.group(1), None if alias is None or alias.lower() in _NOT_ALIASES else alias, match.start()))
    return found


def _column(alias: str | None, column: str) -> str:
    """A pattern of a (regex) column of ``alias``, or an unqualified one."""
    return (re.escape(alias) + r"\." if alias else r"(?<![\w.])") + column + r"\b"


def _compared(scope: str, left: str, right: str) -> bool:
    return re.search(f"{left}\\s*=\\s*{right}|{right}\\s*=\\s*{left}", scope) is not None


@cache
def naming_columns() -> dict[str, frozenset[tuple[str, str]]]:
    """Per table, the ``(column, kind)`` pairs through which a changed row names an entity whose documents read it.

    Derived from the cores' SQL: a core's source reading table ``t`` makes ``t.<core table>`` name the core's
    entity (``artist_alias.artist``, ``track.recording``, ``release.release_group``), and ``entity0`` /
    ``entity1`` of a link table ``l_<a>_<b>`` name ``a`` / ``b``. A column only referring to an entity does not
    (``artist.area``, ``track.artist_credit``): the referring row's own document covers it. Entity types
    without a core of their own (``artist_credit``, ``medium``) are named by a table whose column is joined to
    them (``artist_credit_name.artist_credit = x.artist_credit``, ``medium_cdtoc.medium = m.id``), unless the
    table is joined to the document's own row ``x`` instead (``track`` in a recording)."""
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    cores = {core.table for core in CATALOG.values()}
    intermediate = BASES - cores
    for part in PARTS.values():
        bindings = _bindings(part.source)
        for table, alias, position in bindings:
            if table == part.table and alias == "x":
                continue
            if table.startswith("l_"):  # l_<a>_<b>: entity0 is an <a>, entity1 a <b>
                if table.startswith(f"l_{part.table}_"):
                    names[table].add(("entity0", part.table))
                if table.endswith(f"_{part.table}"):
                    names[table].add(("entity1", part.table))
            else:
                names[table].add((part.table, part.table))
            scope = _enclosing_subquery(part.source, position)
            tied_to_row = alias is not None and _compared(scope, _column(alias, r"\w+"), r"x\.\w+")
            for kind in intermediate:
                column = _column(alias, re.escape(kind))
                if _compared(scope, column, r"x\." + kind + r"\b") or (
                    not tied_to_row
                    and any(
                        _compared(scope, column, re.escape(b) + r"\.id\b") for t, b, _ in bindings if t == kind and b
                    )
                ):
                    names[table].add((kind, kind))
    return {table: frozenset(pairs) for table, pairs in names.items()}


def touched(changes: Iterable[PendingChange]) -> dict[str, set[int]]:
    """The ids, per entity type, that the changed rows name directly (changes no document reads are skipped)."""
    ids: dict[str, set[int]] = defaultdict(set)
    relevant = relevant_columns()
    naming = naming_columns()

    def add(kind: str, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            ids[kind].add(value)

    tables: dict[str, str | None] = {}  # as the packet names it -> a musicbrainz table some core reads
    for change in changes:
        if change.table not in tables:
            schema, name = split_table_name(change.table)
            tables[change.table] = name if schema == "musicbrainz" and name in relevant else None
        table = tables[change.table]
        if table is None or not _counts(change, relevant[table]):
            continue
        for row in (change.old, change.new):
            if not row:
                continue
            if table in _RAW:
                add("release_raw", row.get("id" if table == "release_raw" else "release"))
                continue
            if table in BASES:
                add(table, row.get("id"))
            elif table.endswith("_meta") and table[:-5] in BASES:
                add(table[:-5], row.get("id"))
            for column, kind in naming.get(table, ()):
                add(kind, row.get(column))
    return ids


def expand(conn: psycopg.Connection[Any], ids: dict[str, set[int]]) -> dict[str, set[int]]:
    direct = {kind: set(values) for kind, values in ids.items()}
    sets: dict[str, set[int]] = defaultdict(set, {k: set(v) for k, v in ids.items()})
    mb = sql.Identifier("musicbrainz")
    for target, template in _EXPAND:
        params = {kind: sorted(sets.get(kind, ())) for kind in (*BASES, "release_raw")}
        if target == "work" or target == "annotation":  # names of the entities themselves, not their joins
            params.update({kind: sorted(direct.get(kind, ())) for kind in BASES})
        needed = [name for name in params if f"%({name})s" in template]
        if not any(params[name] for name in needed):
            continue
        query = sql.SQL(template).format(mb=mb)
        rows = conn.execute(query, {name: params[name] for name in needed}).fetchall()
        sets[target].update(int(row[0]) for row in rows if row[0] is not None)
    return sets

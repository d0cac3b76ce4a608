"""Keep the search index current: called by ``apply_packet`` in the packet's transaction.

From the packet's changed rows (old and new values) come the ids of the entities they touch directly: a row
of ``artist`` is artist ``id``; any column named after an entity type (``artist_alias.artist``,
``track.recording``, ``track.medium``, ``release.release_group``, ``release_label.label``) names one; ``l_a_b``
tables name ``a`` and ``b`` through ``entity0``/``entity1``; ``*_meta`` rows their entity. Then the joins a
document depends on spread the change, set-based, after the packet is applied: a renamed artist changes its
credits, so the recordings, releases and release groups credited to them; a new track changes its
recording's release fields; a release changes its recordings and its release group; an area changes the
artists, labels and places in it; and so on (``_EXPAND``). Each touched document is rebuilt from the same
source query as the full build and the vocabulary counts are adjusted by the difference, so the index equals
what a full rebuild would produce. A deleted entity's document disappears with it.

Not followed (a full ``mbmirror search-index`` fixes them): renames of lookup rows (types, languages, link
types, genders), which packets almost never carry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from mirror.packet import PendingChange, split_table_name
from mirror.search.build import copy_statement, documents, source_query, vocabulary_filter
from mirror.search.catalog import ANNOTATED, CATALOG
from mirror.search.cores import Core
from mirror.search.schema import SEARCH_SCHEMA, STATS_TABLE, VOCAB_TABLE

CHUNK = 5000
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
_EXPAND: list[tuple[str, str]] = [
    ("artist_credit", "SELECT artist_credit FROM {mb}.artist_credit_name WHERE artist = ANY(%(artist)s)"),
    ("release", "SELECT id FROM {mb}.release WHERE artist_credit = ANY(%(artist_credit)s)"),
    ("release", "SELECT id FROM {mb}.release WHERE release_group = ANY(%(release_group)s)"),
    ("release", "SELECT release FROM {mb}.medium WHERE id = ANY(%(medium)s)"),
    ("release", "SELECT release FROM {mb}.release_label WHERE label = ANY(%(label)s)"),
    ("release_group", "SELECT id FROM {mb}.release_group WHERE artist_credit = ANY(%(artist_credit)s)"),
    ("release_group", "SELECT release_group FROM {mb}.release WHERE id = ANY(%(release)s)"),
    ("work", "SELECT entity1 FROM {mb}.l_artist_work WHERE entity0 = ANY(%(artist)s)"),
    ("work", "SELECT entity1 FROM {mb}.l_recording_work WHERE entity0 = ANY(%(recording)s)"),
    ("recording", "SELECT id FROM {mb}.recording WHERE artist_credit = ANY(%(artist_credit)s)"),
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


def touched(changes: Iterable[PendingChange]) -> dict[str, set[int]]:
    """The ids, per entity type, that the changed rows name directly."""
    ids: dict[str, set[int]] = defaultdict(set)

    def add(kind: str, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            ids[kind].add(value)

    for change in changes:
        schema, table = split_table_name(change.table)
        if schema != "musicbrainz":
            continue
        link = _link_types(table) if table.startswith("l_") else None
        for row in (change.old, change.new):
            if not row:
                continue
            if table in _RAW:
                add("release_raw", row.get("id" if table == "release_raw" else "release"))
                continue
            if link is not None:
                add(link[0], row.get("entity0"))
                add(link[1], row.get("entity1"))
                continue
            if table in BASES:
                add(table, row.get("id"))
            elif table.endswith("_meta") and table[:-5] in BASES:
                add(table[:-5], row.get("id"))
            for column, value in row.items():
                if column in BASES:
                    add(column, value)
    return ids


def _expand(conn: psycopg.Connection[Any], ids: dict[str, set[int]]) -> dict[str, set[int]]:
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


def _adjust_vocabulary(conn: psycopg.Connection[Any], core: Core, ids: list[int], sign: int) -> list[str]:
    """Add (+1) or subtract (-1) the lexemes of the documents ``ids``; returns lexemes whose count fell to 0."""
    table = sql.Identifier(SEARCH_SCHEMA, core.table)
    vocab = sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE)
    counts = sql.SQL(
        "SELECT lexeme, count(*) AS n FROM {}, unnest(tsvector_to_array(doc)) lexeme WHERE id = ANY(%(ids)s) "
        "AND {} GROUP BY lexeme"
    ).format(table, vocabulary_filter(core, "lexeme"))
    if sign > 0:
        conn.execute(
            sql.SQL(
                "INSERT INTO {v} (core, lexeme, df) SELECT %(core)s, lexeme, n FROM ({c}) d "
                "ON CONFLICT (core, lexeme) DO UPDATE SET df = {v}.df + excluded.df"
            ).format(v=vocab, c=counts),
            {"core": core.name, "ids": ids},
        )
        return []
    rows = conn.execute(
        sql.SQL(
            "UPDATE {v} v SET df = v.df - d.n FROM ({c}) d WHERE v.core = %(core)s AND v.lexeme = d.lexeme "
            "RETURNING v.lexeme, v.df"
        ).format(v=vocab, c=counts),
        {"core": core.name, "ids": ids},
    ).fetchall()
    return [str(lexeme) for lexeme, df in rows if df <= 0]


def refresh_documents(conn: psycopg.Connection[Any], core: Core, ids: Sequence[int]) -> None:
    """Rebuild the documents ``ids`` of ``core`` from the live tables (deleting those whose entity is gone)."""
    table = sql.Identifier(SEARCH_SCHEMA, core.table)
    vocab = sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE)
    for start in range(0, len(ids), CHUNK):
        chunk = sorted(ids[start : start + CHUNK])
        emptied = _adjust_vocabulary(conn, core, chunk, -1)
        removed = conn.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(table), (chunk,)).rowcount
        with conn.cursor() as cur:
            cur.execute(source_query(core, "musicbrainz", True), {"ids": chunk})
            rows = [row for batch in documents(cur, core) for row in batch]
        if rows:
            with conn.cursor() as cur, cur.copy(copy_statement(SEARCH_SCHEMA, core)) as copy:
                for row in rows:
                    copy.write_row(row)
        _adjust_vocabulary(conn, core, chunk, +1)
        if emptied:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE core = %s AND lexeme = ANY(%s) AND df <= 0").format(vocab),
                (core.name, emptied),
            )
        conn.execute(
            sql.SQL("UPDATE {} SET docs = docs + %s WHERE core = %s").format(
                sql.Identifier(SEARCH_SCHEMA, STATS_TABLE)
            ),
            (len(rows) - removed, core.name),
        )


def index_built(conn: psycopg.Connection[Any]) -> bool:
    """Whether this database has a built search index to keep current."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SEARCH_SCHEMA}.{STATS_TABLE}",)).fetchone()
    if not row or row[0] is None:
        return False
    return (
        conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(SEARCH_SCHEMA, STATS_TABLE))).fetchone()
        is not None
    )


def refresh(conn: psycopg.Connection[Any], changes: Sequence[PendingChange]) -> int:
    """Refresh every search document the applied ``changes`` affect; returns the number of documents redone."""
    if not changes or not index_built(conn):
        return 0
    ids = _expand(conn, touched(changes))
    done = 0
    for core in CATALOG.values():
        wanted = ids.get(core.table)
        if wanted:
            refresh_documents(conn, core, sorted(wanted))
            done += len(wanted)
    return done

"""Keep the search index current: called by ``apply_packet`` in the packet's transaction.

From the packet's changed rows (old and new values) come the ids of the entities whose documents read them
(``mirror.search.refresh_scope``, derived from the parts' SQL): a row of ``artist`` is artist ``id``; a row a
part reads through a column named after the part's entity names it (``artist_alias.artist``,
``track.recording``, ``artist_credit_name.artist_credit``, ``release.release_group``); ``l_a_b`` tables through
``entity0``/``entity1``; ``*_meta`` rows their entity. A column merely referring to another entity names
nothing (``artist.area``, ``recording.artist_credit``: the referring row's own document covers the change).
Only changes that may change a document count: none to a table no part reads (``artist_meta``,
``l_artist_artist``, ...), and no update that changes only columns no part reads (``edits_pending``,
``last_updated``), unless its table is read under an unordered aggregate. Then the joins a document depends on
spread the change, set-based, after the packet is applied: a renamed artist changes the credits naming it (not
the recordings credited: they reach their credit's document through a link), a release its mediums (the
release fields recordings show), its release group and the first-release dates of its recordings; an area the
artists, labels and places in it; and so on.

Each touched document is rebuilt from the same source query as the full build, a chunk at a time: the new
documents are copied into a temporary table and one statement folds them in, leaving alone the documents that
came out the same, updating, adding and removing the others, and noting the per-lexeme (and per typed term)
difference between the changed documents' old and new ones. Once a part's chunks are in, the differences are
summed and the vocabulary adjusted by one statement (a lexeme that left one document and entered another costs
nothing; each changed lexeme's row is written once). So the index equals what a full rebuild would produce.
The server runs the next chunk's source query and folds the previous chunk in while Python analyses the current
one. The merge reads by key (sequential scans off: a chunk costs the same in a small mirror and a full one).

Not followed (a full ``mbmirror search-index`` fixes them): renames of lookup rows (types, languages, link
types, genders), which packets almost never carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import psycopg
from psycopg import sql

from mirror.collector import cyclic_gc_paused
from mirror.packet import PendingChange
from mirror.search.build import DocumentMaker, source_query, vocabulary_filter
from mirror.search.catalog import PARTS
from mirror.search.cores import UNCOUNTED, Part
from mirror.search.refresh_scope import expand, touched
from mirror.search.schema import (
    SEARCH_SCHEMA,
    STATS_TABLE,
    VOCAB_TABLE,
    columns,
    typed_column,
    typed_terms,
)

CHUNK = 5000

# Settings of the merge statement, for its transaction only (``set_config(..., true)``), restored after it: no
# sequential scan (a chunk must cost the same in a small mirror and a full one: with the chunk's table analysed,
# its rows are found by key, never by a scan or a hash join over a whole search table), and memory enough for
# a chunk's lexemes to be counted and sorted without spilling to disk.
_MERGE_SETTINGS = {"enable_seqscan": "off", "work_mem": "64MB"}
_SET_MERGE_SETTINGS = "SELECT " + ", ".join(
    f"current_setting('{name}'), set_config('{name}', '{value}', true)" for name, value in _MERGE_SETTINGS.items()
)
_RESTORE_SETTINGS = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in _MERGE_SETTINGS)


def _merge_statement(part: Part) -> sql.Composed:
    """One statement folding the chunk's new documents (``fresh``) into the part's table and the stats: documents
    that did not change are left alone; the per-lexeme difference between the changed documents' old and new
    lexemes (non-zero ones only) goes to the delta table, which ``_VOCABULARY_FOLD`` sums into the vocabulary once
    the part's chunks are in. Every part reads the state before the statement, so the old documents are what the
    differences are taken from. Returns the documents updated, added and removed."""
    table = sql.Identifier(SEARCH_SCHEMA, part.table)
    names = [sql.Identifier(c) for c in columns(part)]
    values = sql.SQL(", ").join(names[1:])
    old_values = sql.SQL(", ").join(sql.SQL("o.{}").format(c) for c in names[1:])
    new_values = sql.SQL(", ").join(sql.SQL("f.{}").format(c) for c in names[1:])
    return sql.SQL(
        "WITH o AS (SELECT {columns} FROM {table} WHERE id = ANY(%(ids)s)),"
        " ch AS (SELECT o.id AS old_id, f.id AS new_id, o.doc || o.extra AS old_doc, f.doc || f.extra AS new_doc"
        " FROM o FULL JOIN {fresh} f ON f.id = o.id WHERE ({old_values}) IS DISTINCT FROM ({new_values})),"
        " d AS (SELECT lexeme, sum(n)::integer AS n FROM ((SELECT lexeme, n FROM ("
        "SELECT unnest(tsvector_to_array(coalesce(ts_delete(old_doc, tsvector_to_array(new_doc)), old_doc)))"
        " AS lexeme, -1 AS n FROM ch WHERE old_doc IS DISTINCT FROM new_doc"
        " UNION ALL SELECT unnest(tsvector_to_array(coalesce(ts_delete(new_doc, tsvector_to_array(old_doc)), new_doc)))"
        ", 1 FROM ch WHERE old_doc IS DISTINCT FROM new_doc) u"
        " WHERE {counted}){typed}) v GROUP BY lexeme HAVING sum(n) <> 0),"
        " deltas AS (INSERT INTO {delta} (lexeme, n) SELECT lexeme, n FROM d),"
        " removed AS (DELETE FROM {table} t USING ch WHERE ch.new_id IS NULL AND t.id = ch.old_id RETURNING 1),"
        " updated AS (UPDATE {table} t SET ({values}) = ({new_values}) FROM ch JOIN {fresh} f ON f.id = ch.new_id"
        " WHERE t.id = ch.old_id RETURNING 1),"
        " added AS (INSERT INTO {table} ({columns}) SELECT {fresh_columns} FROM ch JOIN {fresh} f ON f.id = ch.new_id"
        " WHERE ch.old_id IS NULL RETURNING 1),"
        " stats AS (UPDATE {stats} SET docs = docs + (SELECT count(*) FROM added) - (SELECT count(*) FROM removed)"
        " WHERE core = %(core)s)"
        " SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM added), (SELECT count(*) FROM removed)"
    ).format(
        columns=sql.SQL(", ").join(names),
        fresh_columns=sql.SQL(", ").join(sql.SQL("f.{}").format(c) for c in names),
        values=values,
        old_values=old_values,
        new_values=new_values,
        table=table,
        fresh=_fresh_table(part),
        delta=_DELTA,
        stats=sql.Identifier(SEARCH_SCHEMA, STATS_TABLE),
        counted=vocabulary_filter(part, "lexeme"),
        typed=_typed_deltas(part),
    )


def _typed_deltas(part: Part) -> sql.Composable:
    """The vocabulary differences of the changed documents' typed terms (``typed_terms``): -1 for each term of
    an old document, +1 for each of a new one."""
    old, new = typed_terms(part, "o"), typed_terms(part, "f")
    if not old:
        return sql.SQL("")
    counted = [sql.Identifier(typed_column(n, k)) for n, k in part.typed.items() if n not in UNCOUNTED]
    # Only documents whose counted typed columns changed (found before their terms are: OFFSET 0 keeps the
    # condition inside): the others' terms cancel out.
    changed = sql.SQL("({}) IS DISTINCT FROM ({})").format(
        sql.SQL(", ").join(sql.SQL("o.{}").format(c) for c in counted),
        sql.SQL(", ").join(sql.SQL("f.{}").format(c) for c in counted),
    )
    return sql.SQL(
        " UNION ALL (SELECT t.term, -1 FROM (SELECT o.* FROM ch JOIN o ON o.id = ch.old_id"
        " LEFT JOIN {fresh} f ON f.id = ch.new_id WHERE {changed} OFFSET 0) o, LATERAL ({old}) t)"
        " UNION ALL (SELECT t.term, 1 FROM (SELECT f.* FROM ch JOIN {fresh} f ON f.id = ch.new_id"
        " LEFT JOIN o ON o.id = ch.old_id WHERE {changed} OFFSET 0) f, LATERAL ({new}) t)"
    ).format(fresh=_fresh_table(part), old=sql.SQL(old), new=sql.SQL(new), changed=changed)


# The chunks' vocabulary differences, summed and written once per part (``_VOCABULARY_FOLD``): a lexeme one
# chunk's documents lose and another's gain (a name moving between documents) costs nothing, and the vocabulary
# table, whose every write touches its two indexes, is written once per lexeme instead of once per chunk.
_DELTA = sql.Identifier("pg_temp", "mbm_vocab_delta")
_CREATE_DELTA = sql.SQL(
    'CREATE TEMP TABLE IF NOT EXISTS {} (lexeme text COLLATE "C" NOT NULL, n integer NOT NULL) ON COMMIT DROP'
).format(_DELTA)
_VOCABULARY_FOLD = sql.SQL(
    "WITH d AS (SELECT lexeme, sum(n)::integer AS n FROM {delta} GROUP BY lexeme HAVING sum(n) <> 0),"
    " j AS MATERIALIZED (SELECT d.lexeme, d.n, v.df FROM d LEFT JOIN {vocab} v"
    " ON v.core = %(core)s AND v.lexeme = d.lexeme),"
    " emptied AS (DELETE FROM {vocab} v USING j WHERE v.core = %(core)s AND v.lexeme = j.lexeme"
    " AND j.df + j.n <= 0),"
    " counted AS (UPDATE {vocab} v SET df = j.df + j.n FROM j WHERE v.core = %(core)s AND v.lexeme = j.lexeme"
    " AND j.df + j.n > 0),"
    " added AS (INSERT INTO {vocab} (core, lexeme, df) SELECT %(core)s, lexeme, n FROM j"
    " WHERE j.df IS NULL AND j.n > 0)"
    " SELECT count(*) FROM j"
).format(delta=_DELTA, vocab=sql.Identifier(SEARCH_SCHEMA, VOCAB_TABLE))


def _fresh_table(part: Part) -> sql.Identifier:
    return sql.Identifier("pg_temp", f"mbm_fresh_{part.table}")


def refresh_documents(conn: psycopg.Connection[Any], part: Part, ids: Sequence[int]) -> int:
    """Rebuild the documents ``ids`` of ``part`` from the live tables (deleting those whose entity is gone);
    returns how many documents changed (updated, added or removed).

    The connection's work runs on a thread, in order: while Python analyses one chunk's rows the server already
    runs the next chunk's source query and folds the previous chunk's documents in."""
    fresh = _fresh_table(part)
    copy_fresh = sql.SQL("COPY {} ({}) FROM STDIN").format(
        fresh, sql.SQL(", ").join(map(sql.Identifier, columns(part)))
    )
    merge = _merge_statement(part)
    analyze_fresh = sql.SQL("ANALYZE {} (id)").format(fresh)  # (the row count and the key: the plan needs no more)
    conn.execute(
        sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DROP").format(
            fresh, sql.Identifier(SEARCH_SCHEMA, part.table)
        )
    )
    conn.execute(_CREATE_DELTA)
    conn.execute(sql.SQL("TRUNCATE {}").format(_DELTA))

    def fetch(chunk: list[int]) -> tuple[list[str], list[tuple[Any, ...]]]:
        with conn.cursor(binary=True) as cur:
            cur.execute(source_query(part, "musicbrainz", True), {"ids": chunk})
            assert cur.description is not None
            return [c.name for c in cur.description], cur.fetchall()

    def fold(chunk: list[int], text: str) -> int:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("TRUNCATE {}").format(fresh))
            with cur.copy(copy_fresh) as copy:
                copy.write(text)
            cur.execute(analyze_fresh)
            # (Only the merge gets _MERGE_SETTINGS; the source queries keep their plans: the order in which some
            # of them list a document's values follows the plan, and must match the full build's.)
            counts = _merged(cur, merge, {"ids": chunk, "core": part.name})
        return sum(counts or ())

    chunks = [sorted(ids[start : start + CHUNK]) for start in range(0, len(ids), CHUNK)]
    folded: list[Future[int]] = []
    with cyclic_gc_paused(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-refresh") as server:
        fetched = server.submit(fetch, chunks[0]) if chunks else None
        for number, chunk in enumerate(chunks):
            assert fetched is not None
            names, rows = fetched.result()
            if number + 1 < len(chunks):
                fetched = server.submit(fetch, chunks[number + 1])
            maker = DocumentMaker(part, names)
            folded.append(server.submit(fold, chunk, "".join([maker.line(row) for row in rows])))
            del rows
        changed = sum(future.result() for future in folded)
    with conn.cursor() as cur:
        _merged(cur, _VOCABULARY_FOLD, {"core": part.name})
    return changed


def _merged(cur: psycopg.Cursor[Any], statement: sql.Composed, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run a merge statement with ``_MERGE_SETTINGS``, restored after it; its row."""
    previous = cur.execute(_SET_MERGE_SETTINGS).fetchone()
    assert previous is not None
    row = cur.execute(statement, params).fetchone()
    cur.execute(_RESTORE_SETTINGS, previous[0::2])  # (each setting's value before, then the new one)
    return row


def index_built(conn: psycopg.Connection[Any]) -> bool:
    """Whether this database has a built search index to keep current."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SEARCH_SCHEMA}.{STATS_TABLE}",)).fetchone()
    if not row or row[0] is None:
        return False
    return (
        conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(SEARCH_SCHEMA, STATS_TABLE))).fetchone()
        is not None
    )


class Refreshed(NamedTuple):
    """What a refresh did: documents rebuilt (analysed) and, of those, the ones that came out different."""

    documents: int
    changed: int


def refresh(conn: psycopg.Connection[Any], changes: Sequence[PendingChange]) -> Refreshed:
    """Refresh every search document the applied ``changes`` affect."""
    if not changes or not index_built(conn):
        return Refreshed(0, 0)
    ids = expand(conn, touched(changes))
    documents = changed = 0
    for part in PARTS.values():
        wanted = ids.get(part.table)
        if wanted:
            documents += len(wanted)
            changed += refresh_documents(conn, part, sorted(wanted))
    return Refreshed(documents, changed)

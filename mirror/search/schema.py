"""The search schema: one table per part (each core's own, and the shared ones), the vocabulary, the build record.

``search.<table>`` (``release``, ``release_group``, ``artist_credit``, ``medium``...): ``id`` (the entity's row
id), ``doc`` (a tsvector of field-prefixed lexemes: ``release:moon`` with positions for phrases,
``reid:<mbid>`` for keywords; one GIN index serves fielded terms, prefixes ``:*``, phrases ``<->`` and
booleans), ``extra`` (the same, not indexed: whole values such as ``release=dark side of the moon`` for
exact-match ranking, and the low-selectivity fields such as ``status:official``), ``pop`` (popularity), the
part's keys (``credit``: the entity's artist credit) and one array column per int or date field for terms and
ranges (``n_tnum``, ``d_date``; a GIN index finds the int terms). ``search.vocab`` holds each lexeme's
document frequency per part (IDF weights, typo tolerance, wildcard expansion); ``search.stats`` the number
of documents per part and when they were built.
``search.tsvector_agg``, ``int_cat_agg`` and ``text_cat_agg`` concatenate the documents and typed arrays of
several part rows (a recording's mediums).

The DDL is plain text here (identifiers quoted) so that the Alembic migration and the builder use the same
definitions. The import builds a complete ``search__mbm_new`` and swaps it in with the other schemas.
"""

from __future__ import annotations

from mirror.search.cores import UNCOUNTED, Part

SEARCH_SCHEMA = "search"
VOCAB_TABLE = "vocab"
STATS_TABLE = "stats"


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def typed_column(name: str, kind: str) -> str:
    """The name of the typed column of an int or date field."""
    return ("n_" if kind == "int" else "d_") + name


def table_ddl(schema: str, part: Part) -> str:
    """CREATE TABLE of one part's search table, without keys or indexes."""
    keys = "".join(f", {quote(name)} integer" for name in part.keys)
    typed = "".join(
        f", {quote(typed_column(name, kind))} {'integer[]' if kind == 'int' else 'text[]'}"
        for name, kind in part.typed.items()
    )
    return (
        f"CREATE TABLE {quote(schema)}.{quote(part.table)} (id integer NOT NULL, doc tsvector NOT NULL, "
        f"extra tsvector NOT NULL DEFAULT '', pop real NOT NULL DEFAULT 0{keys}{typed})"
    )


def columns(part: Part) -> list[str]:
    """The columns of a part's table, in the order a ``DocumentMaker`` writes them."""
    return ["id", "doc", "extra", "pop", *part.keys, *(typed_column(n, k) for n, k in part.typed.items())]


def index_ddl(schema: str, part: Part) -> list[str]:
    """Keys and indexes of one part's search table (built after the load). ``extra`` has no statistics: it is
    never looked up, and ANALYZE would spend as long on its lexemes as on ``doc``'s."""
    table = f"{quote(schema)}.{quote(part.table)}"
    statements = [
        f"ALTER TABLE {table} ADD CONSTRAINT {quote(part.table + '_pkey')} PRIMARY KEY (id)",
        f"CREATE INDEX {quote(part.table + '_doc')} ON {table} USING gin (doc)",
        f"ALTER TABLE {table} ALTER COLUMN extra SET STATISTICS 0",
    ]
    keyed = indexed_int_fields(part)
    if keyed:
        columns = ", ".join(quote(typed_column(name, "int")) for name in keyed)
        statements.append(f"CREATE INDEX {quote(part.table + '_typed')} ON {table} USING gin ({columns})")
    return statements


def indexed_int_fields(part: Part) -> list[str]:
    """The int fields whose terms a GIN index on their typed columns finds (``n_tnum @> '{5}'``): all but the
    ones whose values are nearly all distinct (``UNCOUNTED``), which only ranges and checks on candidates use."""
    return [name for name, kind in part.typed.items() if kind == "int" and name not in UNCOUNTED]


def shared_ddl(schema: str) -> list[str]:
    """The vocabulary (without its indexes: ``vocabulary_index_ddl``) and stats tables, and the aggregate that
    concatenates documents."""
    s = quote(schema)
    return [
        f'CREATE TABLE {s}.{VOCAB_TABLE} (core text NOT NULL, lexeme text COLLATE "C" NOT NULL, df integer NOT NULL)'
        " WITH (fillfactor = 90)",  # room on each page: a sync's updates of df are HOT (no index entries)
        f"CREATE TABLE {s}.{STATS_TABLE} (core text PRIMARY KEY, docs bigint NOT NULL, built timestamptz NOT NULL)",
        f"CREATE AGGREGATE {s}.tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector)",
        f"CREATE AGGREGATE {s}.int_cat_agg(integer[]) (SFUNC = array_cat, STYPE = integer[])",
        f"CREATE AGGREGATE {s}.text_cat_agg(text[]) (SFUNC = array_cat, STYPE = text[])",
    ]


def vocabulary_index_ddl(schema: str) -> list[str]:
    """The vocabulary's key (lookups by lexeme and prefix) and its index by reversed lexeme (suffix lookups of
    typo-tolerant matching): built once the vocabulary is loaded, much faster than row by row. The lexeme
    leads and the core follows: a sort compares abbreviated keys of its first column, which say nothing when
    that is one of a few core names (both indexes built in 7 s instead of 13 s for 4.2M lexemes); a lookup
    still finds one core's lexemes in the index, reading past those of the other cores in its range (a field's
    name prefixes its lexemes, and few fields are in several cores)."""
    s = quote(schema)
    return [
        f"CREATE UNIQUE INDEX vocab_pkey ON {s}.{VOCAB_TABLE} (lexeme, core)",
        f'CREATE INDEX vocab_reverse ON {s}.{VOCAB_TABLE} ((reverse(lexeme)) COLLATE "C", core)',
    ]


def vocabulary_key_ddl(schema: str) -> str:
    """Makes the unique index the vocabulary's primary key (the indexes are built at once, and ``ALTER TABLE``
    would wait for the other one)."""
    return f"ALTER TABLE {quote(schema)}.{VOCAB_TABLE} ADD CONSTRAINT vocab_pkey PRIMARY KEY USING INDEX vocab_pkey"


def create_all(schema: str, parts: list[Part]) -> list[str]:
    """Every statement that creates an empty, indexed search schema (used by the migration)."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"]
    for part in parts:
        statements.append(table_ddl(schema, part))
        statements.extend(index_ddl(schema, part))
    statements.extend(shared_ddl(schema))
    statements.extend(vocabulary_index_ddl(schema))
    statements.append(vocabulary_key_ddl(schema))
    return statements


def typed_terms(part: Part, alias: str) -> str:
    """A SELECT of the terms (``field:value``) the typed columns of row ``alias`` hold, each once, or None when
    the part has no typed field: an int field's values, and a date's whole value and each prefix ending before
    a ``-`` (``1990-05-01``: ``1990``, ``1990-05``, ``1990-05-01``). The vocabulary counts these like lexemes."""
    selects = []
    for name, kind in part.typed.items():
        if name in UNCOUNTED:
            continue
        column = f"{alias}.{quote(typed_column(name, kind))}"
        if kind == "int":
            selects.append(f"SELECT '{name}:' || v FROM unnest({column}) v")
        else:
            selects.append(
                f"SELECT '{name}:' || d FROM unnest({column}) v, LATERAL (SELECT v AS d UNION ALL SELECT left(v, i - 1)"
                " FROM generate_series(2, length(v)) i WHERE substr(v, i, 1) = '-') t"
            )
    return "SELECT DISTINCT term FROM (" + " UNION ALL ".join(selects) + ") terms (term)" if selects else ""

"""The search schema: one table per core, the vocabulary and the build record.

``search.<table>`` (``release``, ``release_group``, ...): ``id`` (the entity's row id), ``doc`` (a tsvector of
field-prefixed lexemes: ``release:moon`` with positions for phrases, ``release=dark side of the moon`` for the
whole value, ``reid:<mbid>`` for keywords; one GIN index serves fielded terms, prefixes ``:*``, phrases ``<->``
and booleans), ``pop`` (popularity) and one array column per int or date field for ranges (``n_tnum``,
``d_date``). ``search.vocab`` holds each lexeme's document frequency per core (IDF weights, typo tolerance,
wildcard expansion); ``search.stats`` the number of documents per core and when they were built.

The DDL is plain text here (identifiers quoted) so that the Alembic migration and the builder use the same
definitions. The import builds a complete ``search__mbm_new`` and swaps it in with the other schemas.
"""

from __future__ import annotations

from mirror.search.cores import Core

SEARCH_SCHEMA = "search"
VOCAB_TABLE = "vocab"
STATS_TABLE = "stats"


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def typed_column(name: str, kind: str) -> str:
    """The name of the typed column of an int or date field."""
    return ("n_" if kind == "int" else "d_") + name


def table_ddl(schema: str, core: Core) -> str:
    """CREATE TABLE of one core's search table, without keys or indexes."""
    typed = "".join(
        f", {quote(typed_column(name, kind))} {'integer[]' if kind == 'int' else 'text[]'}"
        for name, kind in core.typed.items()
    )
    return (
        f"CREATE TABLE {quote(schema)}.{quote(core.table)} (id integer NOT NULL, doc tsvector NOT NULL, "
        f"pop real NOT NULL DEFAULT 0{typed})"
    )


def index_ddl(schema: str, core: Core) -> list[str]:
    """Keys and indexes of one core's search table (built after the load)."""
    table = f"{quote(schema)}.{quote(core.table)}"
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {quote(core.table + '_pkey')} PRIMARY KEY (id)",
        f"CREATE INDEX {quote(core.table + '_doc')} ON {table} USING gin (doc)",
    ]


def shared_ddl(schema: str) -> list[str]:
    """The vocabulary and stats tables."""
    s = quote(schema)
    return [
        f'CREATE TABLE {s}.{VOCAB_TABLE} (core text NOT NULL, lexeme text COLLATE "C" NOT NULL, '
        "df integer NOT NULL, PRIMARY KEY (core, lexeme))",
        f'CREATE INDEX vocab_reverse ON {s}.{VOCAB_TABLE} (core, (reverse(lexeme)) COLLATE "C")',
        f"CREATE TABLE {s}.{STATS_TABLE} (core text PRIMARY KEY, docs bigint NOT NULL, built timestamptz NOT NULL)",
    ]


def create_all(schema: str, cores: list[Core]) -> list[str]:
    """Every statement that creates an empty, indexed search schema (used by the migration)."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"]
    for core in cores:
        statements.append(table_ddl(schema, core))
        statements.extend(index_ddl(schema, core))
    statements.extend(shared_ddl(schema))
    return statements

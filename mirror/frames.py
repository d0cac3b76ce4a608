"""PostgreSQL result sets as Arrow record batches: one type mapping for the Parquet export and ``Mirror.sql``.

``text_loaders(conn_or_cursor)`` makes a psycopg connection or cursor hand back the values Arrow wants (UUIDs,
JSON and numerics as their text); ``arrow_schema(cursor.description)`` names the Arrow type of each result column from
its PostgreSQL type; ``to_batch(rows, schema)`` turns fetched rows into a ``pyarrow.RecordBatch``.

Mapping: ``smallint``/``integer``/``bigint`` -> int16/int32/int64, ``real``/``double precision`` -> float32/64,
``boolean`` -> bool, ``date`` -> date32, ``timestamp with time zone`` -> timestamp[us, UTC], ``timestamp`` ->
timestamp[us], ``time`` -> time64[us], arrays of those -> list<...>; everything else (text, varchar, char,
uuid, json, jsonb, numeric, interval, ...) -> string holding PostgreSQL's text form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
import pyarrow as pa
from psycopg.types.string import TextLoader

# PostgreSQL types whose values psycopg should hand over as their text form.
TEXT_TYPES = ("uuid", "json", "jsonb", "numeric", "interval", "money", "inet", "cidr", "xml")

_SCALARS: dict[str, pa.DataType] = {
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "oid": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "timestamp": pa.timestamp("us"),
    "time": pa.time64("us"),
}


def text_loaders(context: psycopg.Connection[Any] | psycopg.Cursor[Any]) -> None:
    """Load UUID, JSON and other types without an Arrow counterpart as text on a connection or one cursor."""
    for name in TEXT_TYPES:
        context.adapters.register_loader(name, TextLoader)  # arrays of them load their elements with it too


def arrow_type(oid: int) -> pa.DataType:
    """The Arrow type of a PostgreSQL type OID (strings for anything without a native Arrow counterpart)."""
    info = psycopg.postgres.types.get(oid)
    if info is None:
        return pa.string()
    element = _SCALARS.get(info.name, pa.string())
    return pa.list_(element) if oid == info.array_oid else element


def arrow_schema(description: Sequence[psycopg.Column]) -> pa.Schema:
    """The Arrow schema of a result, from ``cursor.description``."""
    return pa.schema([pa.field(column.name, arrow_type(column.type_code)) for column in description])


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if kind == pa.string():  # a type psycopg loads as an object of its own: keep its text form
            return pa.array([None if v is None else str(v) for v in values], type=kind)
        if pa.types.is_list(kind) and kind.value_type == pa.string():
            return pa.array([None if v is None else [None if x is None else str(x) for x in v] for v in values])
        raise


def to_batch(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.RecordBatch:
    """Fetched rows (tuples in schema order) -> one record batch."""
    if not rows:
        return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)
    columns = list(zip(*rows, strict=True))
    return pa.RecordBatch.from_arrays(
        [_column(col, f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )

"""``Mirror``: the mirror from Python and notebooks.

    from mirror import Mirror

    m = Mirror()                      # MBMIRROR_DATABASE_URL, or the embedded cluster (started when needed)
    m.sql("SELECT ... WHERE name = %(name)s", {"name": "BoA"})   # -> pandas DataFrame (parameters bound)
    m.sql("...", engine="polars")     # -> polars DataFrame (when polars is installed)
    m.table("release", limit=10)      # a raw table; m.tables lists them
    m.artist(mbid)                    # -> the native API's Artist model (same shape as GET /api/artist/<mbid>)

One connection per ``Mirror``, read-only unless ``read_only=False``; every statement runs in its own
transaction and an entity lookup in one transaction of its own. Close it with ``close()`` or use it as a
context manager.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import psycopg
import pyarrow as pa
from psycopg import sql as pgsql

from mirror.db import database_url, libpq_url, normalize_url
from mirror.errors import ConfigError, InvalidQuery, NotFound
from mirror.export import raw_table_names
from mirror.frames import arrow_schema, text_loaders, to_batch
from mirror.settings import Settings
from mirror.state import replication_state

if TYPE_CHECKING:
    import pandas as pd

    from mirror.native import models

Params = Sequence[Any] | Mapping[str, Any] | None
FETCH_ROWS = 50_000


def _pandas_types(kind: pa.DataType) -> Any:
    """Integers stay integers (pandas' nullable dtypes) instead of turning into floats where a value is null."""
    import pandas as pd

    mapping = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return mapping.get(kind)


class Mirror:
    """A connection to the mirror's database with DataFrame queries and the native API's entity lookups."""

    def __init__(self, url: str | None = None, *, settings: Settings | None = None, read_only: bool = True) -> None:
        if url is None:
            url = database_url(settings if settings is not None else Settings())
        self.url = normalize_url(url)
        self.read_only = read_only
        options = "-c default_transaction_read_only=on" if read_only else ""
        self._conn: psycopg.Connection[Any] = psycopg.connect(libpq_url(self.url), autocommit=True, options=options)

    # -- life cycle ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    @property
    def closed(self) -> bool:
        return self._conn.closed

    def __enter__(self) -> Mirror:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        from sqlalchemy.engine import make_url

        state = "closed" if self.closed else ("read-only" if self.read_only else "read-write")
        return f"Mirror({make_url(self.url).render_as_string(hide_password=True)!r}, {state})"

    def __dir__(self) -> list[str]:
        """The public API only, so tab completion offers ``sql``, ``table``, ``artist``, ... and nothing else."""
        return sorted(name for name in {*dir(type(self)), *vars(self)} if not name.startswith("_"))

    # -- SQL ------------------------------------------------------------------------------------------------------

    def arrow(self, query: str | pgsql.Composable, params: Params = None) -> pa.Table:
        """The result of ``query`` as a ``pyarrow.Table`` (parameters are bound by the server, never spliced)."""
        with self._conn.cursor() as cur:
            text_loaders(cur)
            cur.execute(query, params)  # type: ignore[arg-type]
            if cur.description is None:
                return pa.table({})
            schema = arrow_schema(cur.description)
            batches = []
            while rows := cur.fetchmany(FETCH_ROWS):
                batches.append(to_batch(rows, schema))
            return pa.Table.from_batches(batches, schema=schema)

    @overload
    def sql(
        self, query: str | pgsql.Composable, params: Params = None, *, engine: Literal["pandas"] = "pandas"
    ) -> pd.DataFrame: ...

    @overload
    def sql(self, query: str | pgsql.Composable, params: Params = None, *, engine: Literal["polars"]) -> Any: ...

    def sql(
        self,
        query: str | pgsql.Composable,
        params: Params = None,
        *,
        engine: Literal["pandas", "polars"] = "pandas",
    ) -> Any:
        """The result of ``query`` as a pandas DataFrame (or polars with ``engine="polars"``).

        ``params`` fill ``%s`` / ``%(name)s`` placeholders. Integer columns keep nullable integer dtypes, MBIDs
        are strings, timestamps are UTC.
        """
        table = self.arrow(query, params)
        if engine == "polars":
            return _to_polars(table)
        if engine != "pandas":
            raise InvalidQuery("engine", f"{engine!r} is not one of 'pandas', 'polars'")
        return table.to_pandas(types_mapper=_pandas_types)

    def sql_polars(self, query: str | pgsql.Composable, params: Params = None) -> Any:
        """``sql(query, params, engine="polars")``."""
        return self.sql(query, params, engine="polars")

    @property
    def tables(self) -> list[str]:
        """Names ``table()`` accepts: every MusicBrainz table (``artist``, ``release``, ``l_artist_url``, ...)."""
        return raw_table_names()

    def table(self, name: str, limit: int | None = 1000, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The first ``limit`` rows (None: all) of a MusicBrainz table as a DataFrame."""
        if name not in raw_table_names():
            raise InvalidQuery("table", f"unknown table {name!r}; see Mirror.tables")
        schema, _, table = name.rpartition(".")
        selected = pgsql.SQL("*") if columns is None else pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
        query = pgsql.SQL("SELECT {} FROM {}").format(selected, pgsql.Identifier(schema or "musicbrainz", table))
        if limit is None:
            return self.sql(query)
        return self.sql(query + pgsql.SQL(" LIMIT %s"), (limit,))

    def status(self) -> dict[str, Any]:
        """Schema sequence, replication sequence and dump timestamp of the data."""
        state = replication_state(self._conn)
        return {
            "schema_sequence": state.schema_sequence if state else None,
            "replication_sequence": state.replication_sequence if state else None,
            "dump_timestamp": state.last_replication_date if state else None,
        }

    # -- entities (the native API's shapes) ---------------------------------------------------------------------

    @property
    def entity_types(self) -> list[str]:
        """Entity types ``entity()`` accepts, named as in the native API (``release-group``)."""
        from mirror.native.common import TABLES

        return sorted(TABLES)

    def entity(self, entity_type: str, mbid: str, include: Iterable[str] = ()) -> models.Entity:
        """One entity by MBID, exactly as ``GET /api/<entity_type>/<mbid>?include=...`` serves it.

        A merged MBID answers the current entity; an unknown one raises ``NotFound``; a malformed MBID, an
        unknown type or include raises ``InvalidQuery``.
        """
        from mirror.native import get_entity

        with self._conn.transaction():
            found = get_entity(self._conn, entity_type, mbid, list(include))
        if found is None:
            raise NotFound(entity_type, mbid)
        return found

    def artist(self, mbid: str, include: Iterable[str] = ()) -> models.Artist:
        """The artist ``mbid`` (``include``: aliases, tags, genres, relationships, annotation, rating)."""
        return cast("models.Artist", self.entity("artist", mbid, include))

    def release(self, mbid: str, include: Iterable[str] = ()) -> models.Release:
        """The release ``mbid`` with its media, tracks, labels and release events."""
        return cast("models.Release", self.entity("release", mbid, include))

    def release_group(self, mbid: str, include: Iterable[str] = ()) -> models.ReleaseGroup:
        """The release group ``mbid`` (``include``: releases, ...)."""
        return cast("models.ReleaseGroup", self.entity("release-group", mbid, include))

    def recording(self, mbid: str, include: Iterable[str] = ()) -> models.Recording:
        """The recording ``mbid`` with its ISRCs (``include``: releases, ...)."""
        return cast("models.Recording", self.entity("recording", mbid, include))

    def label(self, mbid: str, include: Iterable[str] = ()) -> models.Label:
        """The label ``mbid``."""
        return cast("models.Label", self.entity("label", mbid, include))

    def area(self, mbid: str, include: Iterable[str] = ()) -> models.Area:
        """The area ``mbid``."""
        return cast("models.Area", self.entity("area", mbid, include))

    def work(self, mbid: str, include: Iterable[str] = ()) -> models.Work:
        """The work ``mbid``."""
        return cast("models.Work", self.entity("work", mbid, include))

    def event(self, mbid: str, include: Iterable[str] = ()) -> models.Event:
        """The event ``mbid``."""
        return cast("models.Event", self.entity("event", mbid, include))

    def place(self, mbid: str, include: Iterable[str] = ()) -> models.Place:
        """The place ``mbid`` with its area and coordinates."""
        return cast("models.Place", self.entity("place", mbid, include))

    def instrument(self, mbid: str, include: Iterable[str] = ()) -> models.Instrument:
        """The instrument ``mbid``."""
        return cast("models.Instrument", self.entity("instrument", mbid, include))

    def series(self, mbid: str, include: Iterable[str] = ()) -> models.Series:
        """The series ``mbid``."""
        return cast("models.Series", self.entity("series", mbid, include))

    def genre(self, mbid: str, include: Iterable[str] = ()) -> models.Genre:
        """The genre ``mbid``."""
        return cast("models.Genre", self.entity("genre", mbid, include))


def _to_polars(table: pa.Table) -> Any:
    try:
        import polars
    except ImportError as exc:
        raise ConfigError("engine='polars' needs polars: pip install polars (or use the default pandas)") from exc
    return polars.from_arrow(table)

"""``Mirror``: DataFrame queries and entity lookups against an imported shared dataset."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pandas as pd
import psycopg
import pytest

from mirror import Mirror
from mirror.db import libpq_url
from mirror.errors import ConfigError, InvalidQuery, NotFound
from mirror.native import get_entity, includes_of
from mirror.native.common import TABLES
from mirror.settings import Settings
from tests.api.conftest import running_server

BOA = "a16d1433-ba89-4f72-a47b-a370add0bb55"


@pytest.fixture(scope="module")
def url(imported_dataset: Callable[[str], str]) -> str:
    return imported_dataset("ds01")


@pytest.fixture(scope="module")
def mirror(url: str) -> Iterator[Mirror]:
    with Mirror(url) as m:
        yield m


def first_mbid(url: str, table: str) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(f"SELECT gid::text FROM musicbrainz.{table} ORDER BY id LIMIT 1").fetchone()  # type: ignore[arg-type]
        assert row is not None
        return str(row[0])


def test_sql_binds_parameters_and_returns_a_dataframe(mirror: Mirror) -> None:
    df = mirror.sql(
        "SELECT gid AS mbid, name, begin_date_year, end_date_year FROM musicbrainz.artist WHERE name = %(name)s",
        {"name": "BoA"},
    )
    assert isinstance(df, pd.DataFrame)
    assert df.to_dict("records") == [{"mbid": BOA, "name": "BoA", "begin_date_year": 1986, "end_date_year": None}]
    assert str(df.dtypes["begin_date_year"]) == "Int16"  # integers stay integers next to nulls
    hostile = mirror.sql("SELECT count(*) AS n FROM musicbrainz.artist WHERE name = %s", ["x' OR '1'='1"])
    assert hostile["n"].tolist() == [0]


def test_sql_counts_match_the_database(url: str, mirror: Mirror) -> None:
    per_country = mirror.sql(
        "SELECT i.code AS country, count(*) AS releases FROM musicbrainz.release_country rc "
        "JOIN musicbrainz.iso_3166_1 i ON i.area = rc.country GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    with psycopg.connect(libpq_url(url)) as conn:
        total = conn.execute("SELECT count(*) FROM musicbrainz.release_country").fetchone()
    assert total is not None and int(per_country["releases"].sum()) == total[0] > 0


def test_mirror_is_read_only_by_default(url: str, mirror: Mirror) -> None:
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        mirror.sql("DELETE FROM musicbrainz.gender")
    with Mirror(url, read_only=False) as writable:
        assert writable.sql("SELECT current_setting('transaction_read_only') AS ro")["ro"].tolist() == ["off"]


def test_entities_have_the_native_api_shapes(url: str, mirror: Mirror) -> None:
    with psycopg.connect(libpq_url(url)) as conn, running_server(url) as server, httpx.Client() as http:
        for entity, table in TABLES.items():
            mbid = first_mbid(url, table)
            include = sorted(includes_of(entity))
            ours = mirror.entity(entity, mbid, include)
            assert ours == get_entity(conn, entity, mbid, include), entity
            served = http.get(f"{server.base_url}/api/{entity}/{mbid}", params={"include": ",".join(include)})
            assert served.status_code == 200, served.text
            assert ours.model_dump(mode="json") == served.json(), entity
            assert getattr(mirror, table)(mbid) == mirror.entity(entity, mbid), entity


def test_typed_lookups_answer_attributes(mirror: Mirror) -> None:
    boa = mirror.artist(BOA, include=["aliases"])
    assert boa.name == "BoA" and boa.type == "Person"
    assert boa.aliases is not None and boa.aliases
    release_mbid = mirror.sql("SELECT gid FROM musicbrainz.release WHERE name = 'For Beginner Piano' LIMIT 1")["gid"][0]
    release = mirror.release(release_mbid)
    assert release.title == "For Beginner Piano"
    assert release.media and release.media[0].tracks


def test_unknown_and_malformed_lookups_raise_clear_errors(mirror: Mirror) -> None:
    with pytest.raises(NotFound):
        mirror.artist("00000000-0000-0000-0000-000000000000")
    with pytest.raises(InvalidQuery, match="not an MBID"):
        mirror.release("not-an-mbid")
    with pytest.raises(InvalidQuery, match="unknown table"):
        mirror.table("albums")


def test_tables_and_table_preview(mirror: Mirror) -> None:
    assert {"artist", "release", "l_artist_url", "cover_art_archive.cover_art"} <= set(mirror.tables)
    preview = mirror.table("track", limit=5, columns=["gid", "name", "position"])
    assert list(preview.columns) == ["gid", "name", "position"] and len(preview) == 5
    assert len(mirror.table("artist", limit=None)) == 14
    assert mirror.status()["schema_sequence"] == 31
    names = dir(mirror)
    assert {"sql", "table", "tables", "artist", "release", "close"} <= set(names)
    assert not [name for name in names if name.startswith("_")]


def test_polars_engine_returns_polars_or_says_how_to_get_it(mirror: Mirror) -> None:
    query = "SELECT name FROM musicbrainz.label ORDER BY name LIMIT 3"
    if importlib.util.find_spec("polars") is None:
        with pytest.raises(ConfigError, match="pip install polars"):
            mirror.sql(query, engine="polars")
    else:
        frame: Any = mirror.sql_polars(query)
        assert frame.columns == ["name"] and frame.height == 3


def test_mirror_from_settings_environment_and_close(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Mirror(settings=Settings(database_url=url)) as m:
        assert m.sql("SELECT 1 AS one")["one"].tolist() == [1]
    monkeypatch.setenv("MBMIRROR_DATABASE_URL", url)
    m = Mirror()
    assert "***" in repr(m) and "read-only" in repr(m)
    m.close()
    assert m.closed


def test_import_mirror_stays_light() -> None:
    code = "import sys, mirror; print('pandas' in sys.modules, 'pyarrow' in sys.modules, mirror.Mirror.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "Mirror"]

"""The reference tables an API process keeps (``mirror.queries.reference``) follow the database: a replication
packet or a re-import that changes one shows in the very next answer of a server that had loaded them before.
Each request reads them in the first statement of its transaction, which sees one snapshot.

The observable reference row is the link type of one of an artist's URL relationships: its name is each
relationship's ``type`` in ``inc=url-rels`` answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.main import create_app
from mirror.db import libpq_url
from mirror.load import import_dump
from mirror.settings import Settings
from mirror.sync import sync
from mirror.tools.packets import update, write_packet
from tests.api.conftest import DATASET, replicating_copy, running_server
from tests.fixtures.db import API_ARCHIVES, TestServer
from tests.fixtures.dumps import rewrite_archive
from tests.fixtures.samples import dataset_dir

pytestmark = pytest.mark.db

ARTIST = "472bc127-8861-45e8-bc9e-31e8dd32de7a"  # has URL relationships in ds01
LOOKUP = f"/ws/2/artist/{ARTIST}"
PARAMS = {"inc": "url-rels", "fmt": "json"}
NEW_NAME = "relationship type renamed upstream"


def url_link_type(url: str) -> dict[str, Any]:
    """The whole ``link_type`` row (as a packet carries it) of the first URL relationship of ``ARTIST``."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(
            "SELECT row_to_json(lt)::text FROM musicbrainz.link_type lt "
            "JOIN musicbrainz.link ln ON ln.link_type = lt.id "
            "JOIN musicbrainz.l_artist_url l ON l.link = ln.id "
            "JOIN musicbrainz.artist a ON a.id = l.entity0 WHERE a.gid = %s ORDER BY l.id LIMIT 1",
            (ARTIST,),
        ).fetchone()
    assert row is not None
    loaded: dict[str, Any] = json.loads(row[0])
    return loaded


def relationship_types(client: httpx.Client) -> set[str]:
    response = client.get(LOOKUP, params=PARAMS)
    assert response.status_code == 200, response.text
    return {rel["type"] for rel in response.json()["relations"]}


@pytest.fixture
def mirror_url(pg_server: TestServer, samples: Path) -> Iterator[str]:
    with replicating_copy(pg_server, samples, "refcache_sync") as url:
        yield url


def test_a_packet_that_renames_a_link_type_shows_in_the_next_answer(mirror_url: str, tmp_path: Path) -> None:
    link_type = url_link_type(mirror_url)
    settings = Settings(database_url=None, _env_file=None)  # type: ignore[call-arg]
    with running_server(mirror_url) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert link_type["name"] in relationship_types(client)  # the server has loaded its reference tables
        write_packet(tmp_path, 101, [update("musicbrainz.link_type", link_type, {"name": NEW_NAME}, xid=1)])
        assert sync(settings, mirror_url, tmp_path).applied == [101]
        types = relationship_types(client)
        assert NEW_NAME in types and link_type["name"] not in types


def _renamed_link_type(link_type_id: int) -> Any:
    def edit(name: str, content: bytes) -> bytes | None:
        if name != "mbdump/link_type":
            return content
        lines = []
        for line in content.decode().splitlines():
            fields = line.split("\t")
            if fields[0] == str(link_type_id):
                fields[6] = NEW_NAME  # name
            lines.append("\t".join(fields))
        return ("\n".join(lines) + "\n").encode()

    return edit


def test_a_reimport_that_renames_a_link_type_shows_in_the_next_answer(
    pg_server: TestServer, samples: Path, tmp_path: Path
) -> None:
    original = dataset_dir(samples, DATASET)
    altered = tmp_path / DATASET
    url = pg_server.create_database("refcache_reimport")
    try:
        import_dump(url, [original], API_ARCHIVES)
        link_type = url_link_type(url)
        for archive in original.iterdir():
            rewrite_archive(archive, altered / archive.name, _renamed_link_type(link_type["id"]))
        with running_server(url) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert link_type["name"] in relationship_types(client)
            import_dump(url, [altered], API_ARCHIVES)
            types = relationship_types(client)
            assert NEW_NAME in types and link_type["name"] not in types
            import_dump(url, [original], API_ARCHIVES)
            types = relationship_types(client)
            assert link_type["name"] in types and NEW_NAME not in types
    finally:
        pg_server.drop_database(url)


async def _two_requests(url: str) -> list[tuple[str, int]]:
    app = create_app(Settings(pool_size=1), url)
    seen = []
    async with app.router.lifespan_context(app):
        pool, cache = app.state.pool, app.state.reference
        for end in ("rollback", "commit"):
            async with pool.connection() as conn:
                ref = await cache.current(conn)
                row = await (await conn.execute("SHOW transaction_isolation")).fetchone()
                assert row is not None
                seen.append((str(row["transaction_isolation"]), len(ref.link_types)))
                await (conn.rollback() if end == "rollback" else conn.commit())
    return seen


def test_each_request_reads_one_snapshot_with_its_reference_tables(imported_dataset: Callable[[str], str]) -> None:
    seen = asyncio.run(_two_requests(imported_dataset(DATASET)))
    assert [isolation for isolation, _ in seen] == ["repeatable read"] * 2
    assert all(count > 0 for _, count in seen)

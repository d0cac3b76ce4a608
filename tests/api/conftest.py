"""Fixtures of the API tests: a real uvicorn server over a real imported dataset.

``live_server`` serves ``create_app(settings, url)`` for ``imported_dataset("ds01")`` from a background thread on
127.0.0.1, on a socket bound to a free port before the server starts (so no other process can take the port in
between). It is started once per session and stopped cleanly at teardown (``should_exit``, then the thread is
joined, which runs the app's lifespan shutdown and closes the pool). ``replicating_copy`` is a private copy of
ds01 that packets can be applied to.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import musicbrainzngs
import psycopg
import pytest
import uvicorn

from api.main import create_app
from mirror.db import libpq_url
from mirror.load import import_dump
from mirror.settings import Settings
from tests.fixtures.db import API_ARCHIVES, TestServer
from tests.fixtures.samples import dataset_dir

DATASET = "ds01"
DUMP_SEQUENCE = 100  # the replication sequence of ``replicating_copy``
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class LiveServer:
    """A running server: ``host`` is ``127.0.0.1:<port>`` (musicbrainzngs' ``set_hostname`` form)."""

    host: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"


@contextmanager
def running_server(database_url: str) -> Iterator[LiveServer]:
    """A uvicorn server for ``database_url`` in a background thread, stopped cleanly on exit."""
    app = create_app(Settings(pool_size=4), database_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-live-server")
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=START_TIMEOUT_S)
            sock.close()
            pytest.fail("the uvicorn live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)
        sock.close()
        assert not thread.is_alive(), "the uvicorn live server did not stop"


@contextmanager
def replicating_copy(pg_server: TestServer, samples: Path, prefix: str) -> Iterator[str]:
    """A database of its own holding ``ds01`` at replication sequence ``DUMP_SEQUENCE`` (as a dump made with
    replication would be), so packets from ``DUMP_SEQUENCE + 1`` apply to it; dropped on exit."""
    url = pg_server.create_database(prefix)
    try:
        import_dump(url, [dataset_dir(samples, DATASET)], archives=API_ARCHIVES)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            sequence = (DUMP_SEQUENCE,)
            conn.execute("UPDATE musicbrainz.replication_control SET current_replication_sequence = %s", sequence)
            conn.execute("UPDATE mbmirror.import_log SET replication_sequence = %s", sequence)
        yield url
    finally:
        pg_server.drop_database(url)


@pytest.fixture(scope="session")
def live_server(imported_dataset: Callable[[str], str]) -> Iterator[LiveServer]:
    """A uvicorn server for ``ds01`` in a background thread, for the whole session."""
    with running_server(imported_dataset(DATASET)) as server:
        yield server


@pytest.fixture
def musicbrainzngs_on_live_server(live_server: LiveServer) -> Iterator[None]:
    """musicbrainzngs pointed at the live server (its configuration is module state: restored afterwards)."""
    musicbrainzngs.set_useragent("mbmirror-tests", "0.1", "tests@example.invalid")
    musicbrainzngs.set_hostname(live_server.host, use_https=False)
    musicbrainzngs.set_rate_limit(False)
    yield
    musicbrainzngs.set_hostname("musicbrainz.org", use_https=True)
    musicbrainzngs.set_rate_limit(True)


@pytest.fixture(scope="session")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client on the live server."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client

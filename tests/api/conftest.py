"""Fixtures of the API tests: a real uvicorn server over a real imported dataset.

``live_server`` serves ``create_app(settings, url)`` for ``imported_dataset("ds01")`` from a background thread on
127.0.0.1, on a socket bound to a free port before the server starts (so no other process can take the port in
between). It is started once per session and stopped cleanly at teardown (``should_exit``, then the thread is
joined, which runs the app's lifespan shutdown and closes the pool).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from api.main import create_app
from mirror.settings import Settings

DATASET = "ds01"
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


@pytest.fixture(scope="session")
def live_server(imported_dataset: Callable[[str], str]) -> Iterator[LiveServer]:
    """A uvicorn server for ``ds01`` in a background thread, for the whole session."""
    with running_server(imported_dataset(DATASET)) as server:
        yield server


@pytest.fixture(scope="session")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client on the live server."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client

"""Which PostgreSQL URL each part of mbmirror uses (``mirror.db``)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from mirror.db import libpq_url, normalize_url, serving_url, socket_url
from mirror.settings import Settings
from tests.fixtures.db import TestServer

pytestmark = pytest.mark.db


def test_the_socket_url_reaches_the_same_embedded_server_without_tcp(pg_server: TestServer) -> None:
    if pg_server.cluster is None:
        pytest.skip("the tests use an external server (MBMIRROR_TEST_DATABASE_URL), not an embedded cluster")
    info = pg_server.cluster.info()
    url = make_url(socket_url(info)).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(libpq_url(url)) as local, pg_server.admin() as tcp:
        assert local.execute("SELECT inet_server_addr()").fetchone() == (None,)  # a Unix socket
        assert tcp.execute("SELECT inet_server_addr()").fetchone() != (None,)
        query = "SELECT current_setting('data_directory'), current_setting('port')"
        assert local.execute(query).fetchone() == tcp.execute(query).fetchone()


def test_the_api_serves_a_configured_database_at_its_own_url() -> None:
    settings = Settings(database_url="postgres://u:p@db.example:6543/mb", _env_file=None)  # type: ignore[call-arg]
    assert serving_url(settings) == normalize_url("postgres://u:p@db.example:6543/mb")

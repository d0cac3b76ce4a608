"""Database connections: resolve the URL (configured or embedded) and build engines.

``database_url(settings)`` is the one place that decides which PostgreSQL mbmirror talks to: the configured
``MBMIRROR_DATABASE_URL``, or the embedded cluster, which it starts when needed (``serving_url``: the same for
the API, which reaches the embedded cluster through its Unix socket).
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from mirror.embedded import Cluster, ClusterInfo
from mirror.settings import Settings


def normalize_url(url: str) -> str:
    """Any PostgreSQL URL spelling -> a SQLAlchemy URL with the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"mbmirror needs PostgreSQL, not {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def embedded_cluster(settings: Settings) -> Cluster:
    return Cluster(settings.cluster_dir, settings.embedded_port)


def database_url(settings: Settings, *, start: bool = True) -> str:
    """The SQLAlchemy URL to use, starting the embedded cluster when no URL is configured."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    cluster = embedded_cluster(settings)
    if start:
        return cluster.start().url
    return cluster.info().url


def socket_url(info: ClusterInfo) -> str:
    """The embedded cluster's database through its Unix socket (in the cluster directory) rather than TCP."""
    tcp = make_url(info.url)
    local = URL.create(
        tcp.drivername,
        username=tcp.username,
        password=tcp.password,
        database=tcp.database,
        query={"host": str(info.directory), "port": str(info.port)},
    )
    return local.render_as_string(hide_password=False)


def serving_url(settings: Settings) -> str:
    """The URL the API serves from: ``database_url``, the embedded cluster through its Unix socket (a serving
    round trip costs both processes less CPU than over loopback TCP)."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    return socket_url(embedded_cluster(settings).start())


def libpq_url(sqlalchemy_url: str) -> str:
    """The same URL as libpq/psycopg understand it (no ``+psycopg`` driver suffix)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: object) -> Engine:
    return create_engine(url, pool_pre_ping=True, **kwargs)

"""The sync loop: keep the mirror current with the replication packets, as durable named steps.

One pass (``mbmirror sync``) holds the writer lock and repeats, until no packet is available:

1. **read** ``replication_control`` (NULL sequence: this copy cannot replicate);
2. **fetch** packet ``N+1`` (HTTP 404 or a missing file: not produced yet, the pass ends up to date);
3. **check** it: readable, ``REPLICATION_SEQUENCE`` = N+1, ``SCHEMA_SEQUENCE`` = the database's (else stop with
   ``SchemaChangeRequired``, exit code 3);
4. **apply** it and record ``sync_state`` in one transaction (``mirror.replicate``), which also **verifies**
   that the packet's own ``replication_control`` row moved the sequence to N+1 before committing.

Nothing advances on error: a failed step rolls back its packet, records the (redacted) error in
``mbmirror.sync_state`` and raises. ``follow=True`` (``mbmirror sync --follow``) repeats passes every
``settings.sync_poll_seconds`` (hourly by default) with jitter, retries network errors, corrupt downloads, a busy
lock and lost database connections with exponential backoff, and returns after the current packet on SIGTERM
(or when ``stop`` is set). The lock is held per pass, not while sleeping, so an import can run between passes.

Sources: the official feed (``settings.replication_url`` + ``?token=``, the token from
``settings.replication_token``), any other base URL (sent no token, so it cannot leak to a third party), or a
local directory of ``replication-<N>-v2.tar.bz2`` files. The token is never logged: URLs in messages are
redacted, and a filter redacts ``token=`` in httpx's own request log.
"""

from __future__ import annotations

import logging
import random
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import httpx
import psycopg
from pydantic import SecretStr

from mirror.db import libpq_url
from mirror.errors import LockHeldError
from mirror.packet import Packet, read_packet
from mirror.replicate import ApplyResult, apply_packet
from mirror.settings import Settings
from mirror.state import replication_state, writer_lock
from mirror.sync_errors import (
    PacketError,
    PacketFetchError,
    PacketGap,
    ReplicationUnavailable,
    SchemaChangeRequired,
    SyncError,
    TokenRequired,
)

log = logging.getLogger(__name__)

_TOKEN_PARAM = re.compile(r"(token=)[^&\s\"']+")
RETRYABLE: tuple[type[Exception], ...] = (PacketFetchError, PacketError, LockHeldError, psycopg.OperationalError)
Progress = Callable[[int, int, int], None]  # (packet sequence, changes done, changes in packet)


def redact(text: str, token: SecretStr | None = None) -> str:
    """``text`` with the token (and any ``token=`` query value) replaced by ``***``."""
    if token is not None and token.get_secret_value():
        text = text.replace(token.get_secret_value(), "***")
    return _TOKEN_PARAM.sub(r"\1***", text)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = redact(message), None
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactFilter) for f in logger.filters):
        logger.addFilter(_RedactFilter())


def packet_name(sequence: int) -> str:
    return f"replication-{sequence}-v2.tar.bz2"


class PacketSource(Protocol):
    """Where packets come from; ``fetch`` returns None when the packet is not produced yet."""

    description: str

    def fetch(self, sequence: int) -> bytes | None: ...


class DirectorySource:
    """Packets as files in a local directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = str(directory)

    def fetch(self, sequence: int) -> bytes | None:
        path = self.directory / packet_name(sequence)
        if path.is_file():
            return path.read_bytes()
        later = [
            int(m[1])
            for p in self.directory.glob("replication-*-v2.tar.bz2")
            if (m := re.fullmatch(r"replication-(\d+)-v2\.tar\.bz2", p.name)) and int(m[1]) > sequence
        ]
        if later:
            raise PacketGap(current=sequence - 1, found=min(later))
        return None


class HttpSource:
    """Packets under a base URL; 404 means not produced yet, 5xx and network errors are retried."""

    def __init__(
        self,
        client: httpx.Client,
        base_url: str,
        token: SecretStr | None = None,
        *,
        retries: int = 3,
        retry_delay: float = 10.0,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retries = retries
        self.retry_delay = retry_delay
        self.description = self.base_url
        _install_log_filter()

    def url(self, sequence: int) -> str:
        url = f"{self.base_url}/{packet_name(sequence)}"
        return f"{url}?token={self.token.get_secret_value()}" if self.token is not None else url

    def shown_url(self, sequence: int) -> str:
        return redact(self.url(sequence), self.token)

    def fetch(self, sequence: int) -> bytes | None:
        detail = ""
        for attempt in range(1, self.retries + 1):
            try:
                response = self.client.get(self.url(sequence), follow_redirects=True)
            except httpx.HTTPError as exc:
                detail = redact(f"{type(exc).__name__}: {exc}", self.token)
            else:
                if response.status_code == 200:
                    return response.content
                if response.status_code == 404:
                    return None
                detail = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break
            if attempt < self.retries:
                log.warning("packet %d: %s, retrying in %.0f s", sequence, detail, self.retry_delay)
                time.sleep(self.retry_delay)
        raise PacketFetchError(sequence, self.shown_url(sequence), detail)


def make_source(
    settings: Settings, source: str | Path | PacketSource | None, client: httpx.Client, retry_delay: float = 10.0
) -> PacketSource:
    """The packet source: None = the configured feed (with the token), a URL, a directory, or a source."""
    if source is None or (isinstance(source, str) and source.rstrip("/") == settings.replication_url.rstrip("/")):
        if settings.replication_token is None:
            raise TokenRequired()
        return HttpSource(client, settings.replication_url, settings.replication_token, retry_delay=retry_delay)
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return HttpSource(client, source, retry_delay=retry_delay)
    if isinstance(source, str | Path):
        return DirectorySource(Path(source))
    return source


@dataclass
class SyncResult:
    """What one ``sync`` call did."""

    applied: list[int] = field(default_factory=list)  # packet sequences, in order
    changes: int = 0
    rows_skipped: int = 0
    seconds: float = 0.0
    sequence: int | None = None  # the database's replication sequence at the end
    up_to_date: bool = False  # the last pass ended because no further packet was available
    stopped: bool = False  # ended by SIGTERM / stop


@dataclass(frozen=True)
class SyncStatus:
    """What ``mbmirror status``, ``/status`` and ``/metrics`` show about replication."""

    schema_sequence: int | None
    replication_sequence: int | None
    last_replication_date: str | None
    status: str
    last_sequence: int | None
    last_packet_timestamp: str | None
    last_applied_at: str | None
    last_checked_at: str | None
    last_error: str | None
    last_error_at: str | None
    schema_change_pending: int | None
    packets_applied: int
    changes_applied: int
    rows_skipped: int
    errors_total: int
    last_packet_changes: int | None
    last_packet_seconds: float | None


def sync_status(conn: psycopg.Connection[Any]) -> SyncStatus:
    """The replication state and the sync's recorded status."""
    state = replication_state(conn)
    row = conn.execute(
        "SELECT status, last_sequence, last_packet_timestamp::text, last_applied_at::text, last_checked_at::text, "
        "last_error, last_error_at::text, schema_change_pending, packets_applied, changes_applied, rows_skipped, "
        "errors_total, last_packet_changes, last_packet_seconds FROM mbmirror.sync_state WHERE id = 1"
    ).fetchone()
    values = row or ("never run", None, None, None, None, None, None, None, 0, 0, 0, 0, None, None)
    return SyncStatus(
        state.schema_sequence if state else None,
        state.replication_sequence if state else None,
        state.last_replication_date if state else None,
        *values,
    )


def _record_applied(conn: psycopg.Connection[Any], packet: Packet, result: ApplyResult) -> None:
    conn.execute(
        "UPDATE mbmirror.sync_state SET status = 'applying', last_sequence = %s, "
        "last_packet_timestamp = %s::timestamptz, last_applied_at = now(), last_checked_at = now(), "
        "schema_change_pending = NULL, packets_applied = packets_applied + 1, "
        "changes_applied = changes_applied + %s, rows_skipped = rows_skipped + %s, "
        "last_packet_changes = %s, last_packet_seconds = %s WHERE id = 1",
        (packet.sequence, packet.timestamp, result.applied, result.rows_skipped, result.changes, result.seconds),
    )


def prune_changes(conn: psycopg.Connection[Any], sequence: int, retention: int) -> int:
    """Delete the changed-entity records older than the last ``retention`` packets (0: keep all); rows deleted.

    Runs in the packet's transaction, so the feed's lower bound (``changes_pruned_through``) and the records
    always agree."""
    if retention <= 0:
        return 0
    through = sequence - retention
    deleted = conn.execute("DELETE FROM mbmirror.entity_change WHERE replication_sequence <= %s", (through,)).rowcount
    conn.execute(
        "UPDATE mbmirror.sync_state SET changes_pruned_through = greatest(changes_pruned_through, %s) WHERE id = 1",
        (through,),
    )
    return deleted


def _record(conn: psycopg.Connection[Any], status: str, error: str | None = None, schema: int | None = None) -> None:
    if error is None:
        conn.execute("UPDATE mbmirror.sync_state SET status = %s, last_checked_at = now() WHERE id = 1", (status,))
    else:
        conn.execute(
            "UPDATE mbmirror.sync_state SET status = %s, last_checked_at = now(), last_error = %s, "
            "last_error_at = now(), errors_total = errors_total + 1, "
            "schema_change_pending = coalesce(%s, schema_change_pending) WHERE id = 1",
            (status, error, schema),
        )


def _record_error(url: str, exc: Exception, token: SecretStr | None) -> None:
    """Best effort, on a fresh connection: the database may be the thing that failed."""
    status = "schema change pending" if isinstance(exc, SchemaChangeRequired) else "error"
    schema = exc.packet if isinstance(exc, SchemaChangeRequired) else None
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as conn:
            _record(conn, status, redact(str(exc), token), schema)
    except psycopg.Error as db_exc:
        log.warning("could not record the sync error in the database: %s", db_exc)


def _one_pass(
    url: str,
    source: PacketSource,
    result: SyncResult,
    stop: threading.Event,
    on_progress: Progress | None,
    ignore_conflicts: bool,
    retention: int,
) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn, writer_lock(conn, "sync"):
        while not stop.is_set():
            state = replication_state(conn)
            if state is None or state.replication_sequence is None:
                raise ReplicationUnavailable(
                    "no replication sequence in musicbrainz.replication_control (import a dump made with "
                    "replication first)"
                )
            result.sequence = state.replication_sequence
            sequence = state.replication_sequence + 1
            data = source.fetch(sequence)
            if data is None:
                _record(conn, "up to date")
                result.up_to_date = True
                return
            packet = read_packet(data, packet_name(sequence))

            def progress(done: int, total: int, sequence: int = sequence) -> None:
                if on_progress is not None:
                    on_progress(sequence, done, total)

            with conn.transaction():
                applied = apply_packet(conn, packet, ignore_conflicts=ignore_conflicts, on_progress=progress)
                _record_applied(conn, packet, applied)
                prune_changes(conn, packet.sequence, retention)
            log.info(
                "applied packet %d: %d changes (%d skipped) in %.2f s",
                sequence,
                applied.changes,
                applied.rows_skipped,
                applied.seconds,
            )
            result.applied.append(sequence)
            result.changes += applied.applied
            result.rows_skipped += applied.rows_skipped
            result.sequence = sequence
        result.stopped = True


def _wait(stop: threading.Event, seconds: float) -> None:
    stop.wait(max(0.0, seconds))


def sync(
    settings: Settings,
    database_url: str,
    source: str | Path | PacketSource | None = None,
    follow: bool = False,
    *,
    client: httpx.Client | None = None,
    stop: threading.Event | None = None,
    poll_interval: float | None = None,
    retry_delay: float = 10.0,
    max_backoff: float = 900.0,
    on_progress: Progress | None = None,
    ignore_conflicts: bool = False,
) -> SyncResult:
    """Apply packets from ``current_replication_sequence + 1`` until none is available (see the module doc).

    ``database_url`` is a SQLAlchemy or libpq URL. With ``follow``, keep polling every ``poll_interval``
    seconds (default ``settings.sync_poll_seconds``, ±10 % jitter) until SIGTERM or ``stop``; transient failures
    back off from ``retry_delay`` up to ``max_backoff``. Raises ``SyncError`` subclasses (``exit_code`` 1, or 3
    for a schema change) and ``LockHeldError`` when another import or sync runs (one-shot mode only).
    """
    started = time.perf_counter()
    stop = stop or threading.Event()
    result = SyncResult()
    own_client = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=20.0))
    previous_handler: Any = None
    if follow and threading.current_thread() is threading.main_thread():

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            log.info("SIGTERM: stopping after the current packet")
            stop.set()

        previous_handler = signal.signal(signal.SIGTERM, on_sigterm)
    token = settings.replication_token
    poll = settings.sync_poll_seconds if poll_interval is None else poll_interval
    try:
        packets = make_source(settings, source, http, retry_delay)
        failures = 0
        while True:
            try:
                _one_pass(
                    database_url,
                    packets,
                    result,
                    stop,
                    on_progress,
                    ignore_conflicts,
                    settings.changes_retention_packets,
                )
                failures = 0
            except Exception as exc:
                if isinstance(exc, SyncError | LockHeldError | psycopg.Error):
                    _record_error(database_url, exc, token)
                if not follow or not isinstance(exc, RETRYABLE):
                    if isinstance(exc, psycopg.Error):
                        raise SyncError(redact(f"database error: {exc}", token)) from exc
                    raise
                failures += 1
                delay = min(max_backoff, retry_delay * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)
                log.warning("sync failed (%s); retrying in %.0f s", redact(str(exc), token), delay)
                _wait(stop, delay)
            else:
                if follow and not stop.is_set():
                    _wait(stop, poll * random.uniform(0.9, 1.1))
            if not follow or stop.is_set():
                break
        result.stopped = stop.is_set()
        return result
    finally:
        result.seconds = time.perf_counter() - started
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        if own_client:
            http.close()

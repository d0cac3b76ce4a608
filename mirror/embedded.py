"""The embedded PostgreSQL cluster: find server binaries, create, start, stop and inspect a cluster.

With no ``MBMIRROR_DATABASE_URL``, mbmirror runs its own cluster under ``<data_dir>/pg``. Server binaries come
from the machine (``PATH``, ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin``) or else from the
``pgserver`` wheel (``pip install 'mbmirror[embedded]'``). The cluster listens on 127.0.0.1 only, with a random
password kept in ``cluster.json`` (mode 0600), and on a Unix socket inside the cluster directory.

PostgreSQL refuses to run as root; when mbmirror runs as root the server runs as the ``postgres`` user (or
``nobody``) and the cluster directory is handed to that user.

The same code starts the throwaway cluster of the test suite.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

from mirror.errors import EmbeddedDatabaseError

log = logging.getLogger(__name__)

DATABASE_NAME = "musicbrainz"
SUPERUSER = "mbmirror"
REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres")
START_TIMEOUT_S = 60
START_ATTEMPTS = 4

# Server settings for a mirror: bulk loads, index builds, no replication of its own.
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": "127.0.0.1",
    "wal_level": "minimal",  # COPY into a table created in the same transaction writes no WAL
    "max_wal_senders": "0",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "30min",
    "shared_buffers": "256MB",
    "maintenance_work_mem": "256MB",
    "max_parallel_maintenance_workers": "2",
    "timezone": "UTC",
    "log_timezone": "UTC",
    "datestyle": "ISO, MDY",
    "max_connections": "100",
}


@dataclass(frozen=True)
class ClusterInfo:
    """What a running or stopped cluster looks like from outside."""

    directory: Path
    running: bool
    pid: int | None
    port: int
    bindir: Path
    version: str

    @property
    def url(self) -> str:
        return cluster_url(self.directory, self.port)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _has_server(bindir: Path) -> bool:
    return all(_is_executable(bindir / name) for name in REQUIRED_PROGRAMS)


def _version_key(path: Path) -> tuple[int, ...]:
    digits = re.findall(r"\d+", path.parent.name)
    return tuple(int(d) for d in digits) or (0,)


def candidate_bindirs() -> Iterator[Path]:
    """Directories that may hold PostgreSQL server binaries, best first."""
    on_path = shutil.which("postgres") or shutil.which("pg_ctl")
    if on_path:
        yield Path(on_path).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            yield Path(out.stdout.strip())
    for root in (Path("/usr/lib/postgresql"), Path("/usr/local/pgsql"), Path("/opt/homebrew/opt")):
        if root.is_dir():
            yield from sorted(root.glob("*/bin"), key=_version_key, reverse=True)
    spec = find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        yield Path(spec.origin).parent / "pginstall" / "bin"


def find_bindir() -> Path:
    """The first directory with ``initdb``, ``pg_ctl`` and ``postgres``; a clear error if there is none."""
    seen: list[str] = []
    for bindir in candidate_bindirs():
        seen.append(str(bindir))
        if _has_server(bindir):
            return bindir
    raise EmbeddedDatabaseError(
        "no PostgreSQL server binaries found (looked in PATH, `pg_config --bindir`, "
        "/usr/lib/postgresql/*/bin and the pgserver wheel"
        + (f": {', '.join(seen)}" if seen else "")
        + "). Install them with `pip install 'mbmirror[embedded]'` or your system's PostgreSQL server "
        "package, or set MBMIRROR_DATABASE_URL to an existing PostgreSQL 13+ database."
    )


def server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    found = re.search(r"\d+(\.\d+)+", out.stdout)
    return found.group(0) if found else out.stdout.strip()


def _service_user() -> pwd.struct_passwd | None:
    """The unprivileged user the server runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise EmbeddedDatabaseError(
        "running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config_path(directory: Path) -> Path:
    return directory / "cluster.json"


def _data_path(directory: Path) -> Path:
    return directory / "data"


def _read_config(directory: Path) -> dict[str, str | int]:
    path = _config_path(directory)
    try:
        loaded: dict[str, str | int] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise EmbeddedDatabaseError(f"no embedded cluster at {directory}; run `mbmirror db start`") from exc
    return loaded


def cluster_url(directory: Path, port: int | None = None) -> str:
    """The SQLAlchemy URL of the embedded cluster's database (psycopg 3 driver)."""
    config = _read_config(directory)
    password = quote(str(config["password"]), safe="")
    use_port = port if port is not None else int(config["port"])
    return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{use_port}/{DATABASE_NAME}"


class ServerGone(EmbeddedDatabaseError):
    """The server process exited while we were connecting to it."""


class Cluster:
    """One embedded cluster living in ``directory``."""

    def __init__(self, directory: Path, port: int = 0, bindir: Path | None = None) -> None:
        self.directory = directory.absolute()
        self.requested_port = port
        self._bindir = bindir

    @property
    def data(self) -> Path:
        return _data_path(self.directory)

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            config = self._config_or_none()
            stored = Path(str(config["bindir"])) if config else None
            self._bindir = stored if stored is not None and _has_server(stored) else find_bindir()
        return self._bindir

    def _config_or_none(self) -> dict[str, str | int] | None:
        try:
            return _read_config(self.directory)
        except EmbeddedDatabaseError:
            return None

    @property
    def exists(self) -> bool:
        return (self.data / "PG_VERSION").is_file() and _config_path(self.directory).is_file()

    def _run(self, args: list[str], *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        user = _service_user()
        try:
            return subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                cwd=self.directory,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            )
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedDatabaseError(f"{args[0]} did not finish within {timeout:.0f}s") from exc

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """A file lock so that two mbmirror processes never init or start the cluster at once."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _hand_over(self) -> None:
        """When root, give the cluster directory to the service user and check it can reach it."""
        user = _service_user()
        if user is None:
            return
        for path in [self.directory, *self.directory.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
        probe = subprocess.run(["test", "-w", str(self.directory)], user=user.pw_uid, group=user.pw_gid, check=False)
        if probe.returncode != 0:
            raise EmbeddedDatabaseError(
                f"PostgreSQL runs as user '{user.pw_name}' (it refuses to run as root), and that user "
                f"cannot reach {self.directory}; set MBMIRROR_DATA_DIR to a directory it can traverse, "
                "for example /var/lib/mbmirror"
            )

    def init(self) -> None:
        """Create the cluster (initdb) if it does not exist yet."""
        with self._lock():
            if self.exists:
                return
            bindir = self.bindir
            if self.data.exists():
                shutil.rmtree(self.data)  # a half-made cluster from an interrupted initdb
            self.data.mkdir(parents=True)
            os.chmod(self.data, 0o700)
            password = secrets.token_urlsafe(24)
            pwfile = self.directory / ".pwfile"
            pwfile.write_text(password + "\n")
            os.chmod(pwfile, 0o600)
            port = self.requested_port or _free_port()
            self._hand_over()
            result = self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
            pwfile.unlink()
            if result.returncode != 0:
                raise EmbeddedDatabaseError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
            config = {"port": port, "password": password, "bindir": str(bindir)}
            config_path = _config_path(self.directory)
            config_path.write_text(json.dumps(config, indent=2))
            os.chmod(config_path, 0o600)
            log.info("created PostgreSQL cluster in %s", self.directory)

    def _pid_from_file(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().splitlines()[0]
            return int(first)
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def _pid_is_postgres(self, pid: int) -> bool:
        """Whether ``pid`` is a live PostgreSQL process (a zombie left by a crash is not)."""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return True  # cannot tell (not Linux): assume it is ours and let pg_ctl decide
        state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else ""
        if state in ("Z", "X"):
            return False
        return b"postgres" in cmdline or b"postmaster" in cmdline

    def running_pid(self) -> int | None:
        pid = self._pid_from_file()
        if pid is not None and self._pid_is_postgres(pid):
            return pid
        return None

    def _recover_stale_pid_file(self) -> None:
        """Remove the pid file and socket lock files a crashed server left behind."""
        pid_file = self.data / "postmaster.pid"
        pid = self._pid_from_file()
        if pid_file.exists() and (pid is None or not self._pid_is_postgres(pid)):
            log.warning("removing stale %s (pid %s is not running)", pid_file, pid)
            pid_file.unlink()
        for lock_file in self.directory.glob(".s.PGSQL.*.lock"):
            try:
                owner = int(lock_file.read_text().splitlines()[0])
            except (OSError, IndexError, ValueError):
                owner = None
            if owner is None or not self._pid_is_postgres(owner):
                log.warning("removing stale socket lock %s", lock_file)
                lock_file.unlink(missing_ok=True)

    def start(self, extra_settings: dict[str, str] | None = None) -> ClusterInfo:
        """Start the cluster (creating it first if needed) and create the database; reuse a running one."""
        self.init()
        with self._lock():
            port = int(_read_config(self.directory)["port"])
            for _ in range(START_ATTEMPTS):
                if self.running_pid() is None:
                    self._start_server(port, extra_settings)
                try:
                    self._ensure_database(port)
                    return self.info()
                except ServerGone:
                    log.warning("PostgreSQL exited while mbmirror was connecting (a crash?); starting it again")
            raise EmbeddedDatabaseError("PostgreSQL keeps exiting right after it starts:\n" + self._log_tail())

    def _start_server(self, port: int, extra_settings: dict[str, str] | None) -> None:
        settings = {
            **SERVER_SETTINGS,
            "port": str(port),
            "unix_socket_directories": str(self.directory),
        }
        settings.update(extra_settings or {})
        options = " ".join(f"-c {key}={shlex.quote(value)}" for key, value in settings.items())
        # After a crash the old server's children may hold shared memory for a moment: retry.
        for attempt in range(1, START_ATTEMPTS + 1):
            self._recover_stale_pid_file()
            result = self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "start",
                ],
                timeout=START_TIMEOUT_S + 30,
            )
            if result.returncode == 0:
                break
            if attempt == START_ATTEMPTS:
                raise EmbeddedDatabaseError(
                    f"PostgreSQL did not start (port {port}): {result.stderr.strip()}\n{self._log_tail()}"
                )
            log.warning("PostgreSQL did not start (attempt %d of %d); retrying", attempt, START_ATTEMPTS)
            time.sleep(attempt)
        log.info("started PostgreSQL on 127.0.0.1:%d", port)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _ensure_database(self, port: int) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with psycopg.connect(
                    host=str(self.directory), port=port, user=SUPERUSER, dbname="postgres", autocommit=True
                ) as conn:
                    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
                    if not exists:
                        conn.execute(
                            f"CREATE DATABASE {DATABASE_NAME} TEMPLATE template0 ENCODING 'UTF8' "
                            "LC_COLLATE 'C' LC_CTYPE 'C'"
                        )
                    return
            except psycopg.OperationalError as exc:
                if self.running_pid() is None:
                    raise ServerGone() from exc
                if time.monotonic() > deadline:
                    raise EmbeddedDatabaseError(f"cannot connect to the embedded cluster: {exc}") from exc
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> bool:
        """Stop the cluster; True if it was running."""
        if not self.exists or self.running_pid() is None:
            self._recover_stale_pid_file() if self.exists else None
            return False
        result = self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], timeout=120)
        if result.returncode != 0:
            raise EmbeddedDatabaseError(f"pg_ctl stop failed: {result.stderr.strip()}")
        return True

    def kill(self) -> None:
        """SIGKILL the postmaster (tests use this to simulate a crash)."""
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def info(self) -> ClusterInfo:
        config = _read_config(self.directory)
        pid = self.running_pid()
        return ClusterInfo(
            directory=self.directory,
            running=pid is not None,
            pid=pid,
            port=int(config["port"]),
            bindir=self.bindir,
            version=server_version(self.bindir),
        )

    def destroy(self) -> None:
        """Stop the cluster and delete its directory."""
        with contextlib.suppress(EmbeddedDatabaseError):
            self.stop(mode="immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(
    prefix: str = "mbmirror-pg-", extra_settings: dict[str, str] | None = None
) -> Iterator[tuple[Cluster, ClusterInfo]]:
    """A new cluster in a fresh temporary directory, started, and destroyed with its directory on exit.

    For tests and benchmarks. The directory is not under the caller's own temporary space and is opened to
    everyone (0755): as root the server runs as the service user, who must reach it.
    """
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(directory, 0o755)
    cluster = Cluster(directory / "cluster")
    try:
        yield cluster, cluster.start(extra_settings=extra_settings)
    finally:
        cluster.destroy()
        shutil.rmtree(directory, ignore_errors=True)

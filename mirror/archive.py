"""Reading dump archives as streams: metadata members, table members, checksums.

An archive (``mbdump*.tar.bz2``) is read front to back exactly once: bzip2 is decompressed in parallel on all
cores (indexed_bzip2) and the tar is walked in stream mode, so nothing is extracted to disk and memory stays
flat whatever the archive size. Every failure of the reader (truncated file, corrupt bzip2 block, bad tar
header) becomes an ``ArchiveError`` naming the archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import tarfile
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import indexed_bzip2

from mirror.errors import ArchiveError, ChecksumMismatch, InconsistentDump

METADATA_MEMBERS = ("TIMESTAMP", "COPYING", "README", "REPLICATION_SEQUENCE", "SCHEMA_SEQUENCE")
TABLE_PREFIX = "mbdump/"
BLOCK_SIZE = 1 << 20
T = TypeVar("T")


@dataclass(frozen=True)
class DumpMetadata:
    """The metadata members of one archive."""

    archive: str
    timestamp: str
    schema_sequence: int | None
    replication_sequence: int | None
    licence: str


def _parse_int(text: str, archive: str, member: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ArchiveError(archive, f"{member} is not a number: {text[:40]!r}")
    return int(text)


@contextmanager
def open_tar(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive as a stream-mode tar over a parallel bzip2 decompressor."""
    try:
        raw: IO[bytes] = indexed_bzip2.open(str(path), parallelization=os.cpu_count() or 1)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ArchiveError(path.name, f"cannot open as bzip2: {exc}") from exc
    try:
        with tarfile.open(fileobj=raw, mode="r|") as tar:
            yield tar
    except tarfile.TarError as exc:
        raise ArchiveError(path.name, f"not a valid tar archive ({exc})") from exc
    finally:
        raw.close()


def _reader_failure(path: Path, exc: BaseException) -> ArchiveError:
    detail = str(exc)
    if detail in ("std::exception", ""):
        detail = "unexpected end of data"
    return ArchiveError(path.name, f"truncated or corrupt bzip2 data ({detail})")


def read_metadata(path: Path) -> DumpMetadata:
    """Read the metadata members at the front of an archive (it stops after SCHEMA_SEQUENCE)."""
    found: dict[str, str] = {}
    try:
        with open_tar(path) as tar:
            for member in tar:
                if member.name.startswith(TABLE_PREFIX):
                    break
                if member.name in METADATA_MEMBERS and member.isfile():
                    handle = tar.extractfile(member)
                    if handle is not None:
                        found[member.name] = handle.read(1 << 20).decode("utf-8", errors="replace")
                if "SCHEMA_SEQUENCE" in found and "REPLICATION_SEQUENCE" in found and "TIMESTAMP" in found:
                    break
    except ArchiveError:
        raise
    except (RuntimeError, ValueError, EOFError, OSError) as exc:
        raise _reader_failure(path, exc) from exc
    if "SCHEMA_SEQUENCE" not in found:
        raise ArchiveError(path.name, "no SCHEMA_SEQUENCE member: not a MusicBrainz dump archive")
    return DumpMetadata(
        archive=path.name,
        timestamp=found.get("TIMESTAMP", "").strip(),
        schema_sequence=_parse_int(found["SCHEMA_SEQUENCE"], path.name, "SCHEMA_SEQUENCE"),
        replication_sequence=_parse_int(found.get("REPLICATION_SEQUENCE", ""), path.name, "REPLICATION_SEQUENCE"),
        licence=found.get("COPYING", "").strip().splitlines()[0] if found.get("COPYING", "").strip() else "",
    )


def check_consistent(metadata: list[DumpMetadata]) -> DumpMetadata:
    """All archives of one import must come from the same export; returns the first one's metadata."""
    first = metadata[0]
    for other in metadata[1:]:
        for field in ("timestamp", "schema_sequence", "replication_sequence"):
            if getattr(other, field) != getattr(first, field):
                raise InconsistentDump(
                    f"{other.archive} and {first.archive} come from different exports: "
                    f"{field.upper()} {getattr(other, field)!r} != {getattr(first, field)!r}; "
                    "import archives of one export directory together"
                )
    return first


@dataclass(frozen=True)
class TableMember:
    """One ``mbdump/<name>`` member being streamed."""

    name: str  # the member name without ``mbdump/``
    size: int
    handle: IO[bytes]


def iter_table_members(path: Path) -> Iterator[TableMember]:
    """Yield each table member of the archive in order; read ``handle`` before advancing."""
    try:
        with open_tar(path) as tar:
            for member in tar:
                if not member.name.startswith(TABLE_PREFIX) or not member.isfile():
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                yield TableMember(member.name[len(TABLE_PREFIX) :], member.size, handle)
    except ArchiveError:
        raise
    except (RuntimeError, ValueError, EOFError, OSError) as exc:
        raise _reader_failure(path, exc) from exc


def read_checksums(path: Path) -> dict[str, str]:
    """Parse a ``SHA256SUMS``/``MD5SUMS`` file: ``<hex> *<name>`` or ``<hex>  <name>`` lines."""
    sums: dict[str, str] = {}
    for line in path.read_text().splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(archives: list[Path]) -> list[str]:
    """Check archives against the SHA256SUMS (else MD5SUMS) beside them; returns the names checked.

    An archive listed with a different digest raises ``ChecksumMismatch``. Directories without a checksum
    file (local copies made by hand) are not checked.
    """
    checked: list[str] = []
    for archive in archives:
        for sums_name, algorithm in (("SHA256SUMS", "sha256"), ("MD5SUMS", "md5")):
            sums_file = archive.parent / sums_name
            if not sums_file.is_file():
                continue
            expected = read_checksums(sums_file).get(archive.name)
            if expected is None:
                continue
            actual = file_digest(archive, algorithm)
            if actual != expected:
                raise ChecksumMismatch(archive.name, expected, actual, algorithm.upper())
            checked.append(archive.name)
            break
    return checked


def iter_member_blocks(path: Path, block_size: int = BLOCK_SIZE) -> Iterator[tuple[str, bytes]]:
    """``(member name, block)`` for every table member, in order; an empty member yields one empty block."""
    for member in iter_table_members(path):
        first = True
        while (block := member.handle.read(block_size)) or first:
            first = False
            yield member.name, block
            if not block:
                break


def read_ahead(items: Iterator[T], depth: int) -> Generator[T, None, None]:
    """Run ``items`` in a background thread, keeping at most ``depth`` items ready.

    The archive is decompressed and walked while the caller sends the previous blocks to PostgreSQL, so both
    cores stay busy; memory stays bounded by ``depth`` blocks. An exception in the producer is re-raised in
    the caller; if the caller stops early, the producer stops too.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ready.put(("error", exc))

    worker = threading.Thread(target=produce, name=f"read-ahead {getattr(items, '__name__', '')}", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()

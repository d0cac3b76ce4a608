"""HTTP downloads of dump archives: ``LATEST``, checksum files and resumable archive downloads.

Every function takes an ``httpx.Client`` so that tests can point it at a local server. Downloads go to
``<name>.part`` and resume from its size with a ``Range`` request; a file is renamed into place only once it is
complete, and it is checked against ``SHA256SUMS`` (or ``MD5SUMS``) before anything loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from mirror.archive import read_checksums, verify_checksums
from mirror.errors import ChecksumMismatch, DownloadError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int | None], None]  # (file name, bytes so far, total or None)


def _get(client: httpx.Client, url: str) -> httpx.Response:
    try:
        response = client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise DownloadError(f"GET {url} failed: {exc}") from exc
    if response.status_code != 200:
        raise DownloadError(f"GET {url} answered HTTP {response.status_code}")
    return response


def latest_export(client: httpx.Client, base_url: str) -> str:
    """The name of the newest export directory, read from ``<base_url>/LATEST``."""
    text = _get(client, f"{base_url.rstrip('/')}/LATEST").text.strip()
    if not text or "/" in text or " " in text:
        raise DownloadError(f"{base_url}/LATEST holds an unexpected value: {text[:60]!r}")
    return text


def download(
    client: httpx.Client, url: str, dest: Path, progress: ProgressCallback | None = None, retries: int = 3
) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download; returns ``dest``."""
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, retries + 1):
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
                if response.status_code == 416 and offset:  # the part file is already complete
                    break
                if response.status_code not in (200, 206):
                    raise DownloadError(f"GET {url} answered HTTP {response.status_code}")
                if response.status_code == 200 and offset:
                    log.info("%s: server ignored the range request, downloading from the start", dest.name)
                    offset = 0
                length = response.headers.get("content-length")
                total = offset + int(length) if length is not None else None
                with open(part, "ab" if offset else "wb") as handle:
                    done = offset
                    for chunk in response.iter_bytes():  # as received, so a cut keeps every byte
                        handle.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(dest.name, done, total)
                if total is not None and done < total:
                    raise DownloadError(f"{url}: connection closed after {done} of {total} bytes")
            break
        except (httpx.HTTPError, DownloadError) as exc:
            if attempt == retries:
                raise DownloadError(f"downloading {url} failed after {retries} attempts: {exc}") from exc
            log.warning("%s: %s; resuming (attempt %d of %d)", dest.name, exc, attempt + 1, retries)
    part.replace(dest)
    return dest


def fetch_checksums(client: httpx.Client, export_url: str, directory: Path) -> Path:
    """Download ``SHA256SUMS`` (or else ``MD5SUMS``) of an export into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("SHA256SUMS", "MD5SUMS"):
        try:
            response = _get(client, f"{export_url}/{name}")
        except DownloadError:
            continue
        path = directory / name
        path.write_bytes(response.content)
        return path
    raise DownloadError(f"{export_url} publishes neither SHA256SUMS nor MD5SUMS; refusing unverified archives")


def fetch_export(
    client: httpx.Client,
    base_url: str,
    archives: Iterable[str],
    download_dir: Path,
    progress: ProgressCallback | None = None,
) -> Path:
    """Download the newest export's ``archives`` and verify them; returns the local export directory.

    Archives already downloaded and matching their checksum are not downloaded again; a complete file that
    does not match is deleted and downloaded once more before giving up with ``ChecksumMismatch``.
    """
    stamp = latest_export(client, base_url)
    export_url = f"{base_url.rstrip('/')}/{stamp}"
    directory = download_dir / stamp
    sums_path = fetch_checksums(client, export_url, directory)
    published = read_checksums(sums_path)
    for name in archives:
        if name not in published:
            raise DownloadError(f"{name} is not listed in {export_url}/{sums_path.name}")
        dest = directory / name
        for attempt in (1, 2):
            if not dest.exists():
                download(client, f"{export_url}/{name}", dest, progress)
            try:
                verify_checksums([dest])
                break
            except ChecksumMismatch:
                dest.unlink()
                if attempt == 2:
                    raise
                log.warning("%s does not match its checksum; downloading it again", name)
    return directory

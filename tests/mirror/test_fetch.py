"""Downloads against a real HTTP server on 127.0.0.1: LATEST, checksums, resume with Range."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from mirror.errors import ChecksumMismatch, DownloadError
from mirror.fetch import download, fetch_export, latest_export

STAMP = "20260725-001002"


class DumpServer:
    """Serves ``files`` under ``/fullexport/``; can cut the first response of a file short."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.cut_after: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.removeprefix("/fullexport/")
                server.requests.append((name, self.headers.get("Range")))
                body = server.files.get(name)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                start = 0
                range_header = self.headers.get("Range")
                if range_header:
                    start = int(range_header.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = server.cut_after.pop(name, None)
                self.wfile.write(body[start:cut] if cut is not None else body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/fullexport"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> DumpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


ARCHIVE = bytes(range(256)) * 4096  # 1 MiB of stand-in archive bytes


def _export(archive: bytes = ARCHIVE, digest: str | None = None) -> dict[str, bytes]:
    digest = digest or hashlib.sha256(archive).hexdigest()
    return {
        "LATEST": f"{STAMP}\n".encode(),
        f"{STAMP}/SHA256SUMS": f"{digest} *mbdump.tar.bz2\n".encode(),
        f"{STAMP}/mbdump.tar.bz2": archive,
    }


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def test_latest_names_the_newest_export(client: httpx.Client) -> None:
    with DumpServer(_export()) as server:
        assert latest_export(client, server.url) == STAMP


def test_an_interrupted_download_resumes_with_a_range_request(client: httpx.Client, tmp_path: Path) -> None:
    with DumpServer(_export()) as server:
        server.cut_after[f"{STAMP}/mbdump.tar.bz2"] = 300_000
        path = download(client, f"{server.url}/{STAMP}/mbdump.tar.bz2", tmp_path / "mbdump.tar.bz2")
        assert path.read_bytes() == ARCHIVE
        ranges = [r for name, r in server.requests if name.endswith("mbdump.tar.bz2")]
        assert ranges == [None, "bytes=300000-"]


def test_a_partial_file_left_by_an_earlier_run_is_resumed(client: httpx.Client, tmp_path: Path) -> None:
    (tmp_path / "mbdump.tar.bz2.part").write_bytes(ARCHIVE[:500_000])
    with DumpServer(_export()) as server:
        download(client, f"{server.url}/{STAMP}/mbdump.tar.bz2", tmp_path / "mbdump.tar.bz2")
        assert (tmp_path / "mbdump.tar.bz2").read_bytes() == ARCHIVE
        assert server.requests[-1][1] == "bytes=500000-"


def test_fetch_export_downloads_and_verifies_the_archives(client: httpx.Client, tmp_path: Path) -> None:
    with DumpServer(_export()) as server:
        directory = fetch_export(client, server.url, ["mbdump.tar.bz2"], tmp_path)
    assert directory == tmp_path / STAMP
    assert (directory / "mbdump.tar.bz2").read_bytes() == ARCHIVE
    assert (directory / "SHA256SUMS").exists()


def test_a_downloaded_archive_that_does_not_match_its_checksum_is_refused(client: httpx.Client, tmp_path: Path) -> None:
    with DumpServer(_export(digest="f" * 64)) as server, pytest.raises(ChecksumMismatch, match=r"mbdump\.tar\.bz2"):
        fetch_export(client, server.url, ["mbdump.tar.bz2"], tmp_path)
    assert not (tmp_path / STAMP / "mbdump.tar.bz2").exists()


def test_an_export_without_checksums_is_refused(client: httpx.Client, tmp_path: Path) -> None:
    files = _export()
    del files[f"{STAMP}/SHA256SUMS"]
    with DumpServer(files) as server, pytest.raises(DownloadError, match="neither SHA256SUMS nor MD5SUMS"):
        fetch_export(client, server.url, ["mbdump.tar.bz2"], tmp_path)


def test_an_archive_missing_from_the_server_is_a_clear_error(client: httpx.Client, tmp_path: Path) -> None:
    with DumpServer(_export()) as server, pytest.raises(DownloadError, match="not listed"):
        fetch_export(client, server.url, ["mbdump-derived.tar.bz2"], tmp_path)

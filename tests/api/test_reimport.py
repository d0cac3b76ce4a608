"""A re-import while the API serves: every request keeps succeeding with the same answer."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from mirror.load import import_dump
from tests.api.conftest import running_server
from tests.fixtures.db import API_ARCHIVES, TestServer
from tests.fixtures.samples import dataset_dir

REQUESTS = (
    "/ws/2/artist/472bc127-8861-45e8-bc9e-31e8dd32de7a?inc=aliases+url-rels&fmt=json",
    "/ws/2/release?artist=472bc127-8861-45e8-bc9e-31e8dd32de7a&fmt=json",
)


def test_the_api_keeps_serving_identical_answers_during_a_reimport(pg_server: TestServer, samples: Path) -> None:
    url = pg_server.create_database("reimport")
    try:
        import_dump(url, [dataset_dir(samples, "ds01")], API_ARCHIVES)
        with running_server(url) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
            expected = {path: client.get(path).text for path in REQUESTS}
            assert all('"id"' in body for body in expected.values())
            failures: list[str] = []
            served = 0
            done = threading.Event()

            def hammer() -> None:
                nonlocal served
                while not done.is_set():
                    for path in REQUESTS:
                        response = client.get(path)
                        served += 1
                        if response.status_code != 200 or response.text != expected[path]:
                            failures.append(f"{path}: {response.status_code} {response.text[:200]}")

            worker = threading.Thread(target=hammer)
            worker.start()
            try:
                for _ in range(2):
                    import_dump(url, [dataset_dir(samples, "ds01")], API_ARCHIVES)
            finally:
                done.set()
                worker.join(timeout=60)
            assert failures == []
            assert served > 10
    finally:
        pg_server.drop_database(url)

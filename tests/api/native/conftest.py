"""Fixtures of the native API tests: SQL helpers on the ``ds01`` database the session's live server serves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from mirror.db import libpq_url
from tests.api.conftest import DATASET


@pytest.fixture(scope="session")
def ds01(imported_dataset: Callable[[str], str]) -> Iterator[psycopg.Connection[Any]]:
    """A read-only connection to the database behind the ``http`` live server (autocommit)."""
    with psycopg.connect(libpq_url(imported_dataset(DATASET)), autocommit=True) as conn:
        yield conn


def column(conn: psycopg.Connection[Any], query: str, *params: Any) -> list[Any]:
    """The first column of every row of ``query``."""
    return [row[0] for row in conn.execute(query, params)]

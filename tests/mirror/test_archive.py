"""Reading archives: the read-ahead thread that overlaps decompression with COPY."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from mirror.archive import read_ahead


def test_read_ahead_yields_every_item_in_order() -> None:
    assert list(read_ahead(iter(range(1000)), depth=4)) == list(range(1000))


def test_read_ahead_reraises_the_producers_error_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("corrupt block")

    seen: list[int] = []
    with pytest.raises(ValueError, match="corrupt block"):
        for item in read_ahead(items(), depth=2):
            seen.append(item)
    assert seen == [1, 2]


def test_read_ahead_stops_the_producer_when_the_consumer_stops_early() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    reader = read_ahead(items(), depth=3)
    assert next(reader) == 0
    reader.close()
    time.sleep(0.2)
    assert len(produced) < 10  # bounded by the queue depth, not the input
    assert not [t for t in threading.enumerate() if t.name.startswith("read-ahead")]

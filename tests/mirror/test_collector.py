"""The cyclic collector around bulk work: paused inside, restored after, long-lived objects frozen on request."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mirror.collector import cyclic_gc_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_no_cyclic_collection_runs_inside_and_the_collector_is_back_after() -> None:
    gc.enable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_freeze_moves_what_is_alive_out_of_later_collections() -> None:
    gc.unfreeze()
    kept = [[n] for n in range(10_000)]  # tracked objects alive at the end of the work
    with cyclic_gc_paused(freeze=True):
        pass
    assert gc.get_freeze_count() >= len(kept)


def test_the_collector_comes_back_when_the_work_fails() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), cyclic_gc_paused(freeze=True):
        raise RuntimeError("failed")
    assert gc.isenabled()

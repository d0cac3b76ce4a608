"""Python's cyclic garbage collector around bulk work.

The search analysis keeps large caches (``functools.lru_cache`` of names and their lexemes: hundreds of thousands
of entries, each a few tracked objects) and bulk work allocates rows and documents by the hundred thousand. Each
full collection walks every tracked object, caches included: during a build or a packet that took more time than
the work itself, and once a packet's refresh had filled the caches, the first full collection after it cost
0.3-0.6 s. The rows and documents hold no reference cycles (reference counting frees them), so the collector is
paused during such work; ``freeze`` then moves what is still alive (the caches, long-lived state) to the
permanent generation, which later collections skip. Frozen objects are still freed by reference counting when
no longer referenced (an evicted cache entry, a finished packet's plan); only a reference cycle alive at that
moment would stay, and the work creates none.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused(freeze: bool = False) -> Iterator[None]:
    """No cyclic collection inside; with ``freeze``, what is alive at the end is frozen (``gc.freeze``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()

"""The app's lifespan: what it sets up for the process it runs in."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from api.main import create_app
from mirror.settings import Settings
from tests.api.conftest import DATASET


async def _frozen_during_lifespan(url: str) -> tuple[int, int]:
    app = create_app(Settings(pool_size=1), url)
    gc.unfreeze()
    before = gc.get_freeze_count()
    async with app.router.lifespan_context(app):
        return before, gc.get_freeze_count()


def test_startup_moves_long_lived_objects_out_of_the_garbage_collector(
    imported_dataset: Callable[[str], str],
) -> None:
    before, during = asyncio.run(_frozen_during_lifespan(imported_dataset(DATASET)))
    assert before == 0
    assert during > 10_000  # the modules, registry and pools: full collections no longer walk them

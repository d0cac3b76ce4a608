"""mbmirror: a local MusicBrainz mirror (dump importer, replication sync, data layer).

``from mirror import Mirror`` gives Python and notebook access (``mirror/access.py``); it is imported on first
use, so ``import mirror`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mirror.access import Mirror

__version__ = "0.1.0"
__all__ = ["Mirror", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Mirror":
        from mirror.access import Mirror

        return Mirror
    raise AttributeError(f"module 'mirror' has no attribute {name!r}")

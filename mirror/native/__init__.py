"""The native data layer: clean entity shapes, filtered lists, cross-ID resolution and the changes feed.

Synchronous (``psycopg.Connection``), so the API's threadpool endpoints and notebooks (``Mirror``) share it.
Functions return pydantic models from ``mirror.native.models``; they raise ``mirror.errors.InvalidQuery`` for
malformed input and return ``None`` (lookups) for unknown MBIDs.
"""

from mirror.native.entity import get_entity, includes_of

__all__ = ["get_entity", "includes_of"]

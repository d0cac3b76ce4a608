"""The native JSON API under ``/api/``: entity lookups, lists, cross-ID resolution and the changes feed."""

from fastapi import APIRouter

from api.native.changes import router as changes_router
from api.native.entities import router as entities_router
from api.native.lists import router as lists_router
from api.native.resolve import router as resolve_router

routers: list[APIRouter] = [resolve_router, changes_router, entities_router, lists_router]

__all__ = ["routers"]

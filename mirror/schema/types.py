"""Column types the generated table definitions need beyond SQLAlchemy's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import UserDefinedType


class Point(UserDefinedType[str]):
    """PostgreSQL's built-in geometric ``point``, kept in its text form ``(x,y)``."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "point"

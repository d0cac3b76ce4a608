"""Value shapes of the synthetic dump: uuids, timestamps, dates, and COPY text encoding of a row."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

# A row as the generators yield it: None, bool, int or str per column, in dump column order.
Row = tuple[object, ...]

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v"})


def copy_field(value: object) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def copy_lines(rows: Iterable[Row]) -> Iterator[str]:
    """COPY text lines (with their newline) for the rows."""
    field = copy_field
    for row in rows:
        yield "\t".join([field(v) for v in row]) + "\n"


def new_uuid(rng: random.Random) -> str:
    """A random (version 4) uuid in its lowercase hyphenated text form."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def dump_timestamp(seed: int) -> str:
    """The dump's TIMESTAMP: a fixed instant derived from the seed, in PostgreSQL timestamptz text."""
    rng = random.Random(f"{seed}/timestamp")
    instant = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(180 * 86400))
    return timestamptz(instant, rng.randrange(1_000_000))


def timestamptz(instant: datetime, microseconds: int) -> str:
    """PostgreSQL's text form of a UTC timestamptz: trailing zeros of the fraction dropped."""
    fraction = f".{microseconds:06d}".rstrip("0").rstrip(".")
    return instant.strftime("%Y-%m-%d %H:%M:%S") + fraction + "+00"


def float8(value: float) -> str:
    """PostgreSQL's text form of a double (shortest round-trip digits, no trailing ``.0``)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


class Timestamps:
    """A pool of realistic ``last_updated`` / ``created`` values, picked by the table generators."""

    SIZE = 4096

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"{seed}/timestamps")
        start = datetime(2011, 1, 18, tzinfo=UTC)
        span = int((datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds())
        self.pool = sorted(
            timestamptz(start + timedelta(seconds=rng.randrange(span)), rng.randrange(1_000_000))
            for _ in range(self.SIZE)
        )

    def pick(self, h: int) -> str:
        return self.pool[h % self.SIZE]


def partial_date(h: int, first_year: int = 1955, years: int = 71) -> tuple[int, int | None, int | None]:
    """(year, month, day) with month and day sometimes unknown, as MusicBrainz stores dates."""
    h, year = divmod(h, years)
    h, precision = divmod(h, 10)
    h, month = divmod(h, 12)
    day = h % 28
    if precision < 2:
        return first_year + year, None, None
    if precision < 4:
        return first_year + year, month + 1, None
    return first_year + year, month + 1, day + 1


def date_key(date: tuple[int | None, int | None, int | None]) -> tuple[int, int, int]:
    """Sort key of a partial date, unknown parts last (as MusicBrainz orders release events)."""
    year, month, day = date
    return (9999 if year is None else year, 13 if month is None else month, 32 if day is None else day)

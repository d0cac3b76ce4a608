"""SQL fragments shared by the native entity loaders and lists.

A release's *date* and *country* are those of its earliest release event (``release_country`` with a country
area, ``release_unknown_country`` without one); partial dates sort by year, then month, then day, missing parts
last. ``DATE_KEY`` turns a partial date into an integer ``YYYYMMDD`` (missing month or day as 00) that the list
filters compare with.
"""

from __future__ import annotations


def country_of(area: str) -> str:
    """The ISO 3166-1 code of ``area`` (an SQL expression), NULL when the area is not a country."""
    return f"(SELECT code FROM musicbrainz.iso_3166_1 WHERE area = {area} ORDER BY code LIMIT 1)"


def events(release: str = "r") -> str:
    """Every release event of the release ``release`` (an alias) as (date_year, date_month, date_day, country,
    area_id, area_name)."""
    return (
        "SELECT rc.date_year, rc.date_month, rc.date_day, "
        + country_of("rc.country")
        + " AS country, ar.gid::text AS area_id, ar.name AS area_name FROM musicbrainz.release_country rc "
        f"JOIN musicbrainz.area ar ON ar.id = rc.country WHERE rc.release = {release}.id "
        "UNION ALL SELECT ru.date_year, ru.date_month, ru.date_day, NULL, NULL, NULL "
        f"FROM musicbrainz.release_unknown_country ru WHERE ru.release = {release}.id"
    )


EVENTS = events("r")
EVENT_ORDER = "date_year NULLS LAST, date_month NULLS LAST, date_day NULLS LAST, country NULLS LAST"


def first_event(release: str = "r") -> str:
    """``LEFT JOIN LATERAL`` of the earliest event of the release ``release`` (an alias) as ``ev``."""
    return f"LEFT JOIN LATERAL (SELECT * FROM ({events(release)}) evs ORDER BY {EVENT_ORDER} LIMIT 1) ev ON true"


FIRST_EVENT = first_event("r")


def date_text(prefix: str) -> str:
    """A partial date as text (``1999``, ``1999-03``, ``1999-03-21``) from ``<prefix>_year/_month/_day``."""
    parts = f"lpad({prefix}_year::text, 4, '0'), lpad({prefix}_month::text, 2, '0'), lpad({prefix}_day::text, 2, '0')"
    return f"NULLIF(concat_ws('-', {parts}), '')"


def date_key(prefix: str) -> str:
    """``YYYYMMDD`` as an integer from ``<prefix>_year/_month/_day`` (NULL without a year)."""
    return f"({prefix}_year * 10000 + coalesce({prefix}_month, 0) * 100 + coalesce({prefix}_day, 0))"

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


# Every release event of release ``r`` as (date_year, date_month, date_day, country, area_gid, area_name).
EVENTS = (
    "SELECT rc.date_year, rc.date_month, rc.date_day, "
    + country_of("rc.country")
    + " AS country, ar.gid::text AS area_id, ar.name AS area_name "
    "FROM musicbrainz.release_country rc JOIN musicbrainz.area ar ON ar.id = rc.country WHERE rc.release = r.id "
    "UNION ALL SELECT ru.date_year, ru.date_month, ru.date_day, NULL, NULL, NULL "
    "FROM musicbrainz.release_unknown_country ru WHERE ru.release = r.id"
)
EVENT_ORDER = "date_year NULLS LAST, date_month NULLS LAST, date_day NULLS LAST, country NULLS LAST"

# ``LEFT JOIN LATERAL`` of the earliest event of release ``r`` as ``ev``.
FIRST_EVENT = f"LEFT JOIN LATERAL (SELECT * FROM ({EVENTS}) e ORDER BY {EVENT_ORDER} LIMIT 1) ev ON true"


def date_key(prefix: str) -> str:
    """``YYYYMMDD`` as an integer from ``<prefix>_year/_month/_day`` (NULL without a year)."""
    return f"({prefix}_year * 10000 + coalesce({prefix}_month, 0) * 100 + coalesce({prefix}_day, 0))"

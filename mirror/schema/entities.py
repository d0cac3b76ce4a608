"""The MusicBrainz entity types, named as in table names (``release_group``), shared by every stage."""

from __future__ import annotations

# Types that can take part in relationships (the ``l_<type0>_<type1>`` tables).
RELATABLE_TYPES = (
    "area",
    "artist",
    "event",
    "genre",
    "instrument",
    "label",
    "mood",
    "place",
    "recording",
    "release",
    "release_group",
    "series",
    "url",
    "work",
)

# The main entities, whose row counts ``mbmirror status`` and ``/status`` report.
MAIN_ENTITIES = (
    "area",
    "artist",
    "event",
    "instrument",
    "label",
    "place",
    "recording",
    "release",
    "release_group",
    "series",
    "work",
)

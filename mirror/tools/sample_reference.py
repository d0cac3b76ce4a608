"""Reference tables of the synthetic dump: small fixed lists (types, statuses, formats, link types ...).

Their sizes do not depend on the scale. The names follow what MusicBrainz uses; ids, gids and descriptions are
our own. Entity generators refer to these rows through the id constants and tuples defined here.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mirror.tools.sample_values import Row, Timestamps, new_uuid

# (iso code, name) of the country areas; their area ids are 1..len(COUNTRIES).
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("XW", "[Worldwide]"), ("XE", "Europe"), ("AU", "Australia"), ("DE", "Germany"), ("JP", "Japan"),
    ("GB", "United Kingdom"), ("US", "United States"), ("FR", "France"), ("IS", "Iceland"), ("SE", "Sweden"),
    ("NO", "Norway"), ("FI", "Finland"), ("RU", "Russia"), ("UA", "Ukraine"), ("GR", "Greece"),
    ("CY", "Cyprus"), ("EG", "Egypt"), ("MA", "Morocco"), ("LB", "Lebanon"), ("BR", "Brazil"),
    ("MX", "Mexico"), ("ES", "Spain"), ("PT", "Portugal"), ("IT", "Italy"), ("NL", "Netherlands"),
    ("BE", "Belgium"), ("PL", "Poland"), ("CZ", "Czechia"), ("CA", "Canada"), ("KR", "South Korea"),
    ("AR", "Argentina"), ("DK", "Denmark"),
)  # fmt: skip
AREA_TYPE_COUNTRY, AREA_TYPE_CITY = 1, 3

# Simple "type" tables: (name, parent id, child order, description) per row; ids are 1-based positions.
TypeRow = tuple[str, int | None, int, str | None]
SIMPLE_TYPES: dict[str, tuple[TypeRow, ...]] = {
    "area_type": (
        ("Country", None, 1, "A sovereign state or a territory with an ISO 3166-1 code."),
        ("Subdivision", None, 2, "A main administrative division of a country."),
        ("City", None, 3, "A settlement of any size."),
        ("Municipality", None, 4, None),
        ("District", None, 5, None),
        ("Island", None, 6, None),
        ("County", None, 7, None),
    ),
    "artist_type": (
        ("Person", None, 1, None),
        ("Group", None, 2, None),
        ("Orchestra", 2, 0, None),
        ("Choir", 2, 0, None),
        ("Character", None, 3, None),
        ("Other", None, 99, None),
    ),
    "gender": (
        ("Male", None, 1, None),
        ("Female", None, 2, None),
        ("Other", None, 3, None),
        ("Not applicable", None, 4, None),
        ("Non-binary", None, 5, None),
    ),
    "artist_alias_type": (
        ("Artist name", None, 0, None),
        ("Legal name", None, 0, None),
        ("Search hint", None, 0, None),
    ),
    "label_type": (
        ("Distributor", None, 0, None),
        ("Holding", None, 0, None),
        ("Production", None, 0, None),
        ("Imprint", None, 0, None),
        ("Original Production", 3, 0, None),
        ("Bootleg Production", 3, 0, None),
        ("Reissue Production", 3, 0, None),
        ("Publisher", None, 0, None),
        ("Rights Society", None, 0, None),
    ),
    "release_group_primary_type": (
        ("Album", None, 1, None),
        ("Single", None, 2, None),
        ("EP", None, 3, None),
        ("Other", None, 99, None),
        ("Broadcast", None, 4, None),
    ),
    "release_group_secondary_type": (
        ("Compilation", None, 0, None),
        ("Soundtrack", None, 0, None),
        ("Spokenword", None, 0, None),
        ("Interview", None, 0, None),
        ("Audiobook", None, 0, None),
        ("Live", None, 0, None),
        ("Remix", None, 0, None),
        ("DJ-mix", None, 0, None),
        ("Mixtape/Street", None, 0, None),
        ("Demo", None, 0, None),
    ),
    "release_status": (
        ("Official", None, 1, "Released with the consent of the artist or their label."),
        ("Promotion", None, 2, "Given away to promote another release."),
        ("Bootleg", None, 3, "Released without the consent of the artist or their label."),
        ("Pseudo-Release", None, 4, "A translated or transliterated track listing of another release."),
        ("Withdrawn", None, 5, "Released and later taken back."),
        ("Cancelled", None, 6, "Planned but never released."),
    ),
    "release_packaging": (
        ("Jewel Case", None, 0, "A hard plastic case for a CD."),
        ("Slim Jewel Case", None, 0, "A thinner hard plastic case."),
        ("Digipak", None, 0, None),
        ("Cardboard/Paper Sleeve", None, 0, None),
        ("Other", None, 1, None),
        ("Keep Case", None, 0, None),
        ("None", None, 2, None),
        ("Gatefold Cover", None, 0, None),
    ),
    "work_type": (
        ("Aria", None, 2, None),
        ("Ballet", None, 2, None),
        ("Cantata", None, 2, None),
        ("Concerto", None, 2, None),
        ("Sonata", None, 2, None),
        ("Suite", None, 2, None),
        ("Madrigal", None, 2, None),
        ("Mass", None, 2, None),
        ("Opera", None, 2, None),
        ("Song", None, 1, None),
        ("Symphony", None, 2, None),
        ("Soundtrack", None, 3, None),
    ),
    "place_type": (
        ("Studio", None, 1, None),
        ("Venue", None, 2, None),
        ("Stadium", 2, 1, None),
        ("Indoor arena", 2, 2, None),
        ("Religious building", None, 3, None),
        ("Other", None, 99, None),
    ),
    "event_type": (
        ("Concert", None, 1, None),
        ("Festival", None, 2, None),
        ("Launch event", None, 3, None),
        ("Convention/Expo", None, 4, None),
        ("Masterclass/Clinic", None, 5, None),
    ),
    "instrument_type": (
        ("Wind instrument", None, 1, None),
        ("String instrument", None, 2, None),
        ("Percussion instrument", None, 3, None),
        ("Electronic instrument", None, 4, None),
        ("Other instrument", None, 99, None),
    ),
    "series_ordering_type": (
        ("Automatic", None, 0, "Items are sorted by their number attribute."),
        ("Manual", None, 1, "Items are ordered by hand."),
    ),
}
N_SECONDARY_TYPES = len(SIMPLE_TYPES["release_group_secondary_type"])
N_RELEASE_STATUSES = 3  # entities only use Official, Promotion, Bootleg
N_PACKAGINGS = len(SIMPLE_TYPES["release_packaging"])
N_WORK_TYPES = len(SIMPLE_TYPES["work_type"])
N_LABEL_TYPES = len(SIMPLE_TYPES["label_type"])
# Primary type id by bucket of 100: Album, Single, EP, Broadcast, Other, none.
PRIMARY_TYPE_BUCKETS = ((55, 1), (80, 2), (92, 3), (94, 5), (96, 4), (100, None))

# (name, entity type) of series_type.
SERIES_TYPES = (
    ("Release group series", "release_group"),
    ("Release series", "release"),
    ("Recording series", "recording"),
    ("Work series", "work"),
    ("Catalogue", "work"),
    ("Event series", "event"),
    ("Tour", "event"),
    ("Festival", "event"),
)

# (iso 639-3, iso 639-2/T, iso 639-2/B, iso 639-1, name, frequency)
LANGUAGES = (
    ("eng", "eng", "eng", "en", "English", 2),
    ("jpn", "jpn", "jpn", "ja", "Japanese", 2),
    ("rus", "rus", "rus", "ru", "Russian", 2),
    ("ell", "ell", "gre", "el", "Greek", 2),
    ("ara", "ara", "ara", "ar", "Arabic", 2),
    ("deu", "deu", "ger", "de", "German", 2),
    ("fra", "fra", "fre", "fr", "French", 2),
    ("spa", "spa", "spa", "es", "Spanish", 2),
    ("isl", "isl", "ice", "is", "Icelandic", 1),
    ("swe", "swe", "swe", "sv", "Swedish", 1),
    ("mul", "mul", "mul", None, "[Multiple languages]", 1),
    ("zxx", "zxx", "zxx", None, "[No linguistic content]", 1),
)
LANGUAGE_IDS = {row[0]: i for i, row in enumerate(LANGUAGES, start=1)}
# (iso code, iso number, name, frequency)
SCRIPTS = (
    ("Latn", "215", "Latin", 4),
    ("Jpan", "413", "Japanese", 4),
    ("Cyrl", "220", "Cyrillic", 4),
    ("Grek", "200", "Greek", 4),
    ("Arab", "160", "Arabic", 4),
    ("Kore", "287", "Korean", 3),
    ("Hans", "501", "Han (Simplified variant)", 3),
    ("Qaaa", "900", "[Multiple scripts]", 1),
)
SCRIPT_IDS = {row[0]: i for i, row in enumerate(SCRIPTS, start=1)}

# (name, parent id, child order, year, has discids)
MEDIUM_FORMATS = (
    ("CD", None, 0, 1982, True),
    ("Digital Media", None, 1, None, False),
    ("Vinyl", None, 2, 1895, False),
    ('12" Vinyl', 3, 0, 1948, False),
    ('7" Vinyl', 3, 1, 1949, False),
    ("Cassette", None, 3, 1964, False),
    ("DVD", None, 4, 1995, False),
    ("SACD", None, 5, 1999, True),
    ("Blu-ray", None, 6, 2006, False),
    ("Enhanced CD", 1, 0, 1996, True),
)
FORMAT_CD = 1
# Medium format by bucket of 100.
FORMAT_BUCKETS = ((60, 1), (78, 2), (86, 4), (89, 5), (93, 6), (95, 10), (97, 7), (100, None))

# (name, root name or None, parent name or None, description)
LINK_ATTRIBUTE_TYPES = (
    ("additional", None, None, "The role was an additional one."),
    ("minor", None, None, "The collaboration was a minor one."),
    ("vocal", None, None, "A vocal performance."),
    ("lead vocals", "vocal", "vocal", None),
    ("background vocals", "vocal", "vocal", None),
    ("instrument", None, None, "An instrument played."),
    ("guitar", "instrument", "instrument", None),
    ("bass guitar", "instrument", "guitar", None),
    ("piano", "instrument", "instrument", None),
    ("drums", "instrument", "instrument", None),
    ("violin", "instrument", "instrument", None),
    ("live", None, None, "A live performance."),
    ("cover", None, None, "A cover version."),
    ("founder", None, None, None),
)
ATTR = {row[0]: i for i, row in enumerate(LINK_ATTRIBUTE_TYPES, start=1)}

# (key, entity0, entity1, name, link phrase, reverse link phrase, long link phrase, has dates, attributes)
LINK_TYPES = (
    ("member", "artist", "artist", "member of band", "{additional} {founder} member of",
     "{additional} {founder} members", "is/was {additional} {founder} member of", True, ("additional", "founder")),
    ("collaboration", "artist", "artist", "collaboration", "{minor} collaborator on",
     "{minor} collaborators", "collaborated {minor} on", True, ("minor",)),
    ("performer", "artist", "recording", "performer", "{additional} performer",
     "{additional} performed by", "performed {additional}", True, ("additional", "live")),
    ("vocal", "artist", "recording", "vocal", "{vocal} vocals", "{vocal} vocals by",
     "performed {vocal} vocals on", True, ("lead vocals", "background vocals")),
    ("instrument", "artist", "recording", "instrument", "{instrument}", "{instrument} by",
     "performed {instrument} on", True, ("guitar", "bass guitar", "piano", "drums", "violin")),
    ("producer", "artist", "recording", "producer", "{additional} producer", "{additional} producer",
     "{additional} produced", True, ("additional",)),
    ("rel_producer", "artist", "release", "producer", "{additional} producer", "{additional} producer",
     "{additional} produced", True, ("additional",)),
    ("design", "artist", "release", "design/illustration", "design/illustration",
     "design/illustration by", "did design/illustration for", False, ()),
    ("mastering", "artist", "release", "mastering", "mastering", "mastering by",
     "mastered", True, ()),
    ("performance", "recording", "work", "performance", "{live} {cover} recording of",
     "{live} {cover} recordings", "is a {live} {cover} recording of", True, ("live", "cover")),
    ("homepage", "artist", "url", "official homepage", "official homepages", "official homepage for",
     "has an official homepage at", False, ()),
    ("discogs", "artist", "url", "discogs", "Discogs", "Discogs page for", "has a Discogs page at", False, ()),
    ("wikidata", "artist", "url", "wikidata", "Wikidata", "Wikidata page for", "has a Wikidata page at",
     False, ()),
    ("bandcamp", "artist", "url", "bandcamp", "Bandcamp", "Bandcamp page for", "has a Bandcamp page at",
     False, ()),
    ("rel_discogs", "release", "url", "discogs", "Discogs", "Discogs page for", "has a Discogs page at",
     False, ()),
    ("purchase", "release", "url", "purchase for download", "purchase for download",
     "download purchase page for", "can be purchased for download at", False, ()),
    ("label_site", "label", "url", "official site", "official homepages", "official homepage for",
     "has an official homepage at", False, ()),
    ("label_discogs", "label", "url", "discogs", "Discogs", "Discogs page for", "has a Discogs page at",
     False, ()),
)  # fmt: skip
LINK_TYPE_IDS = {row[0]: i for i, row in enumerate(LINK_TYPES, start=1)}
VARIANTS_PER_LINK_TYPE = 4  # link ids of link type t: (t - 1) * 4 + 1 .. t * 4


def link_id(link_type_key: str, h: int) -> int:
    """One of the shared ``link`` rows of a link type (plain, dated, ended, with an attribute)."""
    return (LINK_TYPE_IDS[link_type_key] - 1) * VARIANTS_PER_LINK_TYPE + 1 + h % VARIANTS_PER_LINK_TYPE


TAGS = (
    "rock", "pop", "electronic", "jazz", "classical", "hip hop", "folk", "metal", "punk", "ambient",
    "techno", "house", "trip hop", "drum and bass", "dubstep", "j-pop", "city pop", "enka", "shoegaze",
    "post-rock", "indie rock", "synth-pop", "soul", "funk", "reggae", "blues", "country", "bossa nova",
    "tango", "rebetiko", "chanson", "schlager", "k-pop", "grime", "downtempo", "experimental",
    "british", "japanese", "icelandic", "female vocalists", "seen live", "90s", "80s", "instrumental",
    "soundtrack", "dance", "acoustic", "lo-fi", "psychedelic", "progressive rock",
)  # fmt: skip
N_GENRES = 36  # the first N_GENRES tags are genres too

INSTRUMENTS = (
    ("guitar", 2), ("piano", 2), ("violin", 2), ("cello", 2), ("bass guitar", 2), ("drums", 3),
    ("flute", 1), ("clarinet", 1), ("saxophone", 1), ("trumpet", 1), ("synthesizer", 4), ("theremin", 4),
    ("bouzouki", 2), ("balalaika", 2), ("shamisen", 2), ("koto", 2), ("oud", 2), ("darbuka", 3),
    ("langspil", 2), ("other instrument", 5),
)  # fmt: skip


def _simple(table: str, rng: random.Random) -> list[Row]:
    return [
        (i, name, parent, order, description, new_uuid(rng))
        for i, (name, parent, order, description) in enumerate(SIMPLE_TYPES[table], start=1)
    ]


def _series_type(rng: random.Random) -> list[Row]:
    return [(i, name, entity, None, 0, None, new_uuid(rng)) for i, (name, entity) in enumerate(SERIES_TYPES, 1)]


def _link_type(rng: random.Random, ts: Timestamps) -> list[Row]:
    rows: list[Row] = []
    for i, (_, e0, e1, name, phrase, reverse, long, dates, _attrs) in enumerate(LINK_TYPES, start=1):
        description = f"Links a {e0.replace('_', ' ')} to a {e1} it is related to as {name}."
        rows.append((i, None, 0, new_uuid(rng), e0, e1, name, description, phrase, reverse, long,
                     ts.pick(i * 7919), False, dates, 0, 0))  # fmt: skip
    return rows


def _link_attribute_type(rng: random.Random, ts: Timestamps) -> list[Row]:
    rows: list[Row] = []
    for i, (name, root, parent, description) in enumerate(LINK_ATTRIBUTE_TYPES, start=1):
        root_id = ATTR[root] if root else i
        parent_id = ATTR[parent] if parent else None
        rows.append((i, parent_id, root_id, 0, new_uuid(rng), name, description, ts.pick(i * 104729)))
    return rows


def link_rows(ts: Timestamps) -> list[Row]:
    """The shared ``link`` rows: per link type a plain one, a dated one, an ended one and one with attributes."""
    rows: list[Row] = []
    for t, (*_, dates, attrs) in enumerate(LINK_TYPES, start=1):
        base = (t - 1) * VARIANTS_PER_LINK_TYPE
        created = ts.pick(t * 31)
        rows.append((base + 1, t, None, None, None, None, None, None, 0, created, False))
        if dates:
            rows.append((base + 2, t, 1990 + t, 4, None, None, None, None, 0, created, False))
            rows.append((base + 3, t, 1985 + t, None, None, 2001 + t, 11, 2, 0, created, True))
        else:
            rows.append((base + 2, t, None, None, None, None, None, None, 0, created, False))
            rows.append((base + 3, t, None, None, None, None, None, None, 0, created, True))
        rows.append((base + 4, t, None, None, None, None, None, None, 1 if attrs else 0, created, False))
    return rows


def link_attribute_rows(ts: Timestamps) -> list[Row]:
    rows: list[Row] = []
    for t, (*_, attrs) in enumerate(LINK_TYPES, start=1):
        if attrs:
            rows.append(((t - 1) * VARIANTS_PER_LINK_TYPE + 4, ATTR[attrs[t % len(attrs)]], ts.pick(t)))
    return rows


def reference_tables(seed: int, ts: Timestamps) -> dict[str, Callable[[], list[Row]]]:
    """Table name -> function building its rows."""

    def rng(table: str) -> random.Random:
        return random.Random(f"{seed}/{table}")

    def simple(name: str) -> Callable[[], list[Row]]:
        return lambda: _simple(name, rng(name))

    tables: dict[str, Callable[[], list[Row]]] = {name: simple(name) for name in SIMPLE_TYPES}
    tables.update(
        {
            "series_type": lambda: _series_type(rng("series_type")),
            "link_type": lambda: _link_type(rng("link_type"), ts),
            "link_attribute_type": lambda: _link_attribute_type(rng("link_attribute_type"), ts),
            "link": lambda: link_rows(ts),
            "link_attribute": lambda: link_attribute_rows(ts),
            "language": lambda: [
                (i, t, b, one, name, freq, three) for i, (three, t, b, one, name, freq) in enumerate(LANGUAGES, start=1)
            ],
            "script": lambda: [(i, *row) for i, row in enumerate(SCRIPTS, start=1)],
            "medium_format": lambda: [
                (i, name, parent, order, year, discids, None, new_uuid(r))
                for r in [rng("medium_format")]
                for i, (name, parent, order, year, discids) in enumerate(MEDIUM_FORMATS, start=1)
            ],
            "iso_3166_1": lambda: [(i, code) for i, (code, _) in enumerate(COUNTRIES, start=1)],
            "country_area": lambda: [(i,) for i in range(1, len(COUNTRIES) + 1)],
            "genre": lambda: [
                (i, new_uuid(r), TAGS[i - 1], "", 0, ts.pick(i)) for r in [rng("genre")] for i in range(1, N_GENRES + 1)
            ],
            "instrument": lambda: [
                (i, new_uuid(r), name, kind, 0, ts.pick(i * 13), "", f"A {name}, as played on records.")
                for r in [rng("instrument")]
                for i, (name, kind) in enumerate(INSTRUMENTS, start=1)
            ],
        }
    )
    return tables

"""Entity rows of the synthetic dump: areas, artists, credits, labels, release groups, releases, media, tracks.

Nothing is kept in memory between rows or tables. Each row is a pure function of its id (through
:func:`mirror.tools.sample_names.mix` with the seed and a per-column salt), and cross-table references are
arithmetic: release ``r`` belongs to release group ``(r - 1) * G // R + 1``, track ``t`` plays recording ``t``
(or, now and then, a re-used one), and so on. Tables that depend on how many children a parent has (media per
release, tracks per medium) walk the same deterministic structure again instead of remembering it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from mirror.tools import sample_reference as ref
from mirror.tools.sample_names import (
    JAPANESE,
    SCRIPT_CODES,
    SCRIPT_LANGUAGES,
    artist_name,
    mix,
    place_name,
    script_of,
    slug,
    title,
)
from mirror.tools.sample_values import Row, Timestamps, new_uuid, partial_date

# Rows per unit of scale (scale 1 is about 50,000 rows in all archives together).
BASE_COUNTS = {
    "cities": 40,
    "artists": 900,
    "multi_credits": 120,
    "labels": 90,
    "release_groups": 700,
    "releases": 850,
    "artist_urls": 600,
    "release_urls": 350,
    "label_urls": 70,
    "artist_artist": 180,
    "artist_recording": 700,
    "artist_release": 140,
    "places": 20,
    "events": 20,
    "series": 8,
}

WORKS_PER_100_RECORDINGS = 30
# Artists whose id modulo 211 is a key get a name with TAB, backslash, newline ... (even in tiny samples).
SPECIAL_ARTISTS = {3: 0, 7: 1, 11: 2, 13: 3, 17: 4, 19: 5}
JOIN_PHRASES = (" & ", " feat. ", ", ", " x ", " and ", " と ", " и ", " vs. ", " με ")


@dataclass(frozen=True)
class Medium:
    """One medium of the walk over releases: enough to write medium, track, cdtoc and recording rows."""

    id: int
    release: int
    position: int
    format: int | None
    first_track: int
    track_count: int


class Sample:
    """Row generators for one seed and scale (see the module docstring)."""

    def __init__(self, seed: int, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, not {scale}")
        self.seed = seed
        self.scale = scale
        self.ts = Timestamps(seed)
        n = {key: max(1, round(base * scale)) for key, base in BASE_COUNTS.items()}
        self.countries = len(ref.COUNTRIES)
        self.cities = n["cities"]
        self.areas = self.countries + self.cities
        self.artists = n["artists"]
        self.credits = self.artists + n["multi_credits"]
        self.labels = n["labels"]
        self.release_groups = n["release_groups"]
        self.releases = max(n["releases"], self.release_groups)
        self.n = n
        self.tracks = 0
        self.media = 0
        for medium in self.walk_media():
            self.tracks += medium.track_count
            self.media += 1
        self.recordings = self.tracks
        self.works = max(1, self.recordings * WORKS_PER_100_RECORDINGS // 100)

    # -- helpers -------------------------------------------------------------------------------------------

    def h(self, salt: int, key: int, extra: int = 0) -> int:
        return mix(self.seed, salt, key, extra)

    def rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}/{table}")

    def country(self, h: int) -> int:
        """A real country (not [Worldwide] or Europe)."""
        return 3 + h % (self.countries - 2)

    def artist_names(self, artist: int) -> tuple[str, str]:
        special = SPECIAL_ARTISTS.get(artist % 211)
        return artist_name(self.h(1, artist), special)

    def is_person(self, artist: int) -> bool:
        return (self.h(1, artist) // 100) % 2 == 1

    def credit_artists(self, credit: int) -> list[tuple[int, str, str]]:
        """(artist, credited name, join phrase) of an artist credit."""
        if credit <= self.artists:
            return [(credit, self.artist_names(credit)[0], "")]
        h = self.h(2, credit)
        count = 2 + (h % 10 < 2)
        rows: list[tuple[int, str, str]] = []
        for position in range(count):
            artist = 1 + self.h(3, credit, position) % self.artists
            join = "" if position == count - 1 else JOIN_PHRASES[(h >> (8 + position * 4)) % len(JOIN_PHRASES)]
            rows.append((artist, self.artist_names(artist)[0], join))
        return rows

    def credit_name(self, credit: int) -> str:
        return "".join(name + join for _, name, join in self.credit_artists(credit))

    def release_group_credit(self, group: int) -> int:
        h = self.h(4, group)
        if h % 100 < 12:
            return self.artists + 1 + (h >> 8) % (self.credits - self.artists)
        return 1 + (h >> 8) % self.artists

    def release_group_title_key(self, group: int) -> int:
        return self.h(5, group)

    def primary_type(self, group: int) -> int | None:
        bucket = self.h(6, group) % 100
        return next(type_id for limit, type_id in ref.PRIMARY_TYPE_BUCKETS if bucket < limit)

    def release_group_of(self, release: int) -> int:
        return (release - 1) * self.release_groups // self.releases + 1

    def releases_of(self, group: int) -> range:
        def first(g: int) -> int:
            return ((g - 1) * self.releases + self.release_groups - 1) // self.release_groups + 1

        return range(first(group), first(group + 1))

    def release_events(self, release: int) -> list[tuple[int | None, tuple[int, int | None, int | None]]]:
        """(country or None for unknown, date) of each release event; may be empty."""
        h = self.h(7, release)
        bucket = h % 100
        date = partial_date(h >> 8, 1960, 66)
        if bucket < 80:
            return [(self.country(h >> 40), date)]
        if bucket < 88:
            first = self.country(h >> 40)
            second = 1 + (first + (h >> 50) % 5) % self.countries
            return [(first, date), (second, partial_date(h >> 20, 1960, 66))]
        if bucket < 93:
            return [(None, date)]
        return []

    def recording_title(self, recording: int) -> str:
        return title(self.h(8, recording))

    def recording_length(self, recording: int) -> int | None:
        h = self.h(9, recording)
        return None if h % 100 < 5 else 60_000 + (h >> 8) % 420_000

    def track_recording(self, track: int) -> int:
        h = self.h(10, track)
        return 1 + (h >> 8) % self.recordings if h % 100 < 8 else track

    def walk_media(self) -> Iterator[Medium]:
        """Every medium in id order, with its first track id and track count."""
        medium_id, track_id = 1, 1
        for release in range(1, self.releases + 1):
            h = self.h(11, release)
            count = 1 + (h % 100 < 10) + (h % 100 < 3)
            kind = self.primary_type(self.release_group_of(release))
            low, spread = {1: (6, 10), 2: (1, 4), 3: (3, 4)}.get(kind or 0, (1, 12))
            for position in range(1, count + 1):
                hm = self.h(12, release, position)
                tracks = low + hm % spread
                bucket = (hm >> 8) % 100
                fmt = next(f for limit, f in ref.FORMAT_BUCKETS if bucket < limit)
                yield Medium(medium_id, release, position, fmt, track_id, tracks)
                medium_id += 1
                track_id += tracks

    # -- areas, artists, credits, labels -------------------------------------------------------------------

    def area(self) -> Iterator[Row]:
        rng, pick = self.rng("area"), self.ts.pick
        for i, (_, name) in enumerate(ref.COUNTRIES, start=1):
            yield (i, new_uuid(rng), name, ref.AREA_TYPE_COUNTRY, 0, pick(i), None, None, None, None, None,
                   None, False, "")  # fmt: skip
        for i in range(self.countries + 1, self.areas + 1):
            h = self.h(13, i)
            name = place_name(h)
            yield (i, new_uuid(rng), name, ref.AREA_TYPE_CITY, 0, pick(h >> 20), None, None, None, None,
                   None, None, False, "")  # fmt: skip

    def artist(self) -> Iterator[Row]:
        rng, pick = self.rng("artist"), self.ts.pick
        for i in range(1, self.artists + 1):
            name, sort_name = self.artist_names(i)
            h = self.h(14, i)
            person = self.is_person(i)
            begin: tuple[int | None, int | None, int | None]
            begin = partial_date(h >> 8, 1930 if person else 1955, 75 if person else 66)
            ended = h % 100 < 15
            end = partial_date(h >> 30, (begin[0] or 1900) + 1, 30) if ended else (None, None, None)
            kind: int | None = 1 if person else (2 if h % 7 else 3 + (h >> 3) % 2)
            gender: int | None = 1 + (h >> 40) % 3 if person else None
            area: int | None = self.country(h >> 44) if h % 10 < 6 else None
            if h % 17 == 0:
                kind = gender = None
                begin = (None, None, None)
            begin_area = self.countries + 1 + (h >> 50) % self.cities if person and h % 4 == 0 else None
            comment = "" if h % 20 else f"{ref.TAGS[(h >> 20) % len(ref.TAGS)]} {('singer', 'band', 'DJ')[h % 3]}"
            yield (i, new_uuid(rng), name, sort_name, *begin, *end, kind, area, gender, comment, 0,
                   pick(h >> 12) if h % 9 else None, ended, begin_area, None)  # fmt: skip

    def artist_alias(self) -> Iterator[Row]:
        pick, alias_id = self.ts.pick, 1
        for i in range(1, self.artists + 1):
            h = self.h(15, i)
            if h % 100 >= 35:
                continue
            name, sort_name = self.artist_names(i)
            for k in range(1 + (h >> 8) % 2):
                locale = ("en", "ja", "ru", None)[(h >> (12 + k)) % 4]
                alias = name.upper() if k == 0 else f"{name} ({('Romanized', 'Alias', 'Legal')[h % 3]})"
                primary = locale is not None and k == 0
                yield (alias_id, i, alias, locale, 0, pick(h >> 20), 1 + (h >> (16 + k)) % 3, sort_name,
                       None, None, None, None, None, None, primary, False)  # fmt: skip
                alias_id += 1

    def artist_ipi(self) -> Iterator[Row]:
        for i in range(1, self.artists + 1):
            h = self.h(16, i)
            if h % 100 < 15:
                yield (i, f"{(h >> 8) % 10**11:011d}", 0, self.ts.pick(h >> 45))

    def artist_isni(self) -> Iterator[Row]:
        for i in range(1, self.artists + 1):
            h = self.h(17, i)
            if h % 100 < 15:
                check = "0123456789X"[(h >> 60) % 11]
                yield (i, f"000000{(h >> 8) % 10**9:09d}{check}", 0, self.ts.pick(h >> 45))

    def artist_credit(self) -> Iterator[Row]:
        rng, pick = self.rng("artist_credit"), self.ts.pick
        for c in range(1, self.credits + 1):
            h = self.h(18, c)
            count = 1 if c <= self.artists else len(self.credit_artists(c))
            yield (c, self.credit_name(c), count, 1 + h % 40, pick(h >> 8), 0, new_uuid(rng))

    def artist_credit_name(self) -> Iterator[Row]:
        for c in range(1, self.credits + 1):
            for position, (artist, name, join) in enumerate(self.credit_artists(c)):
                yield (c, position, artist, name, join)

    def label(self) -> Iterator[Row]:
        rng, pick = self.rng("label"), self.ts.pick
        suffixes = (" Records", " Music", " Recordings", " Sound", "", " レコード", " Рекордз")
        for i in range(1, self.labels + 1):
            h = self.h(19, i)
            base = title(h) if h % 3 else self.artist_names(1 + h % self.artists)[0]
            begin = partial_date(h >> 10, 1950, 70) if h % 5 else (None, None, None)
            ended = h % 100 < 10
            end = partial_date(h >> 40, 2000, 25) if ended else (None, None, None)
            code = 1000 + (h >> 20) % 98000 if h % 10 < 3 else None
            kind = 1 + (h >> 30) % ref.N_LABEL_TYPES if h % 11 else None
            area = self.country(h >> 35) if h % 4 else None
            yield (i, new_uuid(rng), base + suffixes[(h >> 50) % len(suffixes)], *begin, *end, code, kind, area,
                   "", 0, pick(h >> 12), ended)  # fmt: skip

    # -- release groups, releases --------------------------------------------------------------------------

    def release_group(self) -> Iterator[Row]:
        rng, pick = self.rng("release_group"), self.ts.pick
        for g in range(1, self.release_groups + 1):
            h = self.h(20, g)
            name = title(self.release_group_title_key(g))
            yield (g, new_uuid(rng), name, self.release_group_credit(g), self.primary_type(g), "", 0, pick(h))

    def release_group_secondary_type_join(self) -> Iterator[Row]:
        for g in range(1, self.release_groups + 1):
            h = self.h(21, g)
            if h % 100 < 12:
                first = 1 + (h >> 8) % ref.N_SECONDARY_TYPES
                yield (g, first, self.ts.pick(h >> 20))
                if h % 100 < 3:
                    yield (g, 1 + first % ref.N_SECONDARY_TYPES, self.ts.pick(h >> 20))

    def release(self) -> Iterator[Row]:
        rng, pick = self.rng("release"), self.ts.pick
        for r in range(1, self.releases + 1):
            g = self.release_group_of(r)
            key = self.release_group_title_key(g)
            h = self.h(22, r)
            bucket = h % 100
            status = 1 if bucket < 85 else (2 if bucket < 90 else 3 if bucket < 95 else None)
            packaging = 1 + (h >> 8) % ref.N_PACKAGINGS if h % 3 else None
            script = script_of(key)
            language: int | None = ref.LANGUAGE_IDS[SCRIPT_LANGUAGES[script]]
            script_id: int | None = ref.SCRIPT_IDS[SCRIPT_CODES[script]]
            if (h >> 12) % 10 == 0:
                language = script_id = None
            barcode_bucket = (h >> 16) % 100
            barcode = None if barcode_bucket < 25 else "" if barcode_bucket < 30 else f"{(h >> 23) % 10**13:013d}"
            comment = ""
            if (h >> 40) % 100 < 6:
                comment = "初回限定盤" if script == JAPANESE else ("deluxe edition", "remaster", "clean")[h % 3]
            yield (r, new_uuid(rng), title(key), self.release_group_credit(g), g, status, packaging, language,
                   script_id, barcode, comment, 0, -1, pick(h >> 30))  # fmt: skip

    def release_country(self) -> Iterator[Row]:
        for r in range(1, self.releases + 1):
            for country, date in self.release_events(r):
                if country is not None:
                    yield (r, country, *date)

    def release_unknown_country(self) -> Iterator[Row]:
        for r in range(1, self.releases + 1):
            for country, date in self.release_events(r):
                if country is None:
                    yield (r, *date)

    def release_label(self) -> Iterator[Row]:
        pick, row_id = self.ts.pick, 1
        for r in range(1, self.releases + 1):
            h = self.h(23, r)
            if h % 100 >= 94:
                continue
            for k in range(1 + (h % 100 < 4)):
                label = 1 + self.h(24, r, k) % self.labels if (h >> 8) % 33 else None
                prefix = slug(self.h(19, label or 0)).upper()[:4] or "CAT"
                number = None if (h >> 16) % 10 == 0 else f"{prefix}-{(h >> 20) % 9000 + 1000 + k}"
                yield (row_id, r, label, number, pick(h >> 30))
                row_id += 1

    def medium(self) -> Iterator[Row]:
        rng, pick = self.rng("medium"), self.ts.pick
        for m in self.walk_media():
            name = "" if m.position == 1 or m.id % 3 else f"Bonus Disc {m.position}"
            yield (m.id, m.release, m.position, m.format, name, 0, pick(m.id), m.track_count, new_uuid(rng))

    def track(self) -> Iterator[Row]:
        rng, pick = self.rng("track"), self.ts.pick
        vinyl = {4, 5}
        for m in self.walk_media():
            credit = self.release_group_credit(self.release_group_of(m.release))
            half = (m.track_count + 1) // 2
            stamp = pick(m.id * 7)
            for position in range(1, m.track_count + 1):
                t = m.first_track + position - 1
                recording = self.track_recording(t)
                if m.format in vinyl:
                    number = f"A{position}" if position <= half else f"B{position - half}"
                else:
                    number = str(position)
                yield (t, new_uuid(rng), recording, m.id, position, number, self.recording_title(recording),
                       credit, self.recording_length(recording), 0, stamp, False)  # fmt: skip

    def recording(self) -> Iterator[Row]:
        rng, pick = self.rng("recording"), self.ts.pick
        for m in self.walk_media():
            credit = self.release_group_credit(self.release_group_of(m.release))
            for t in range(m.first_track, m.first_track + m.track_count):
                h = self.h(25, t)
                comment = "" if h % 100 >= 4 else ("live", "radio edit", "demo", "instrumental")[(h >> 8) % 4]
                yield (t, new_uuid(rng), self.recording_title(t), credit, self.recording_length(t), comment, 0,
                       pick(h >> 8) if h % 7 else None, (h >> 20) % 100 < 2)  # fmt: skip

    def isrc(self) -> Iterator[Row]:
        alnum, row_id = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1
        for rec in range(1, self.recordings + 1):
            h = self.h(26, rec)
            if h % 100 >= 22:
                continue
            code = ref.COUNTRIES[self.country(h >> 8) - 1][0]
            registrant = alnum[(h >> 14) % 36] + alnum[(h >> 20) % 36] + alnum[(h >> 26) % 36]
            yield (row_id, rec, f"{code}{registrant}{(h >> 32) % 100:02d}{(h >> 40) % 100000:05d}", 0,
                   self.ts.pick(h >> 12))  # fmt: skip
            row_id += 1

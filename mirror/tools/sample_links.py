"""Works, URLs, relationships, places, events, series and disc ids of the synthetic dump.

Same rules as :mod:`mirror.tools.sample_rows`: rows are pure functions of their ids, references are
arithmetic, and nothing is remembered between rows.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

from mirror.tools import sample_reference as ref
from mirror.tools.sample_names import SCRIPT_LANGUAGES, place_name, script_of, slug, title
from mirror.tools.sample_rows import Medium, Sample
from mirror.tools.sample_values import Row, float8, new_uuid, partial_date

ARTIST_URL_TYPES = ("homepage", "discogs", "wikidata", "bandcamp")
RELEASE_URL_TYPES = ("rel_discogs", "purchase")
LABEL_URL_TYPES = ("label_site", "label_discogs")
DISC_FORMATS = {1, 8, 10}  # CD, SACD, Enhanced CD: formats with disc ids


def _url(kind: str, key: int, h: int) -> str:
    word = slug(h)
    return {
        "homepage": f"https://www.{word}{key}.com/",
        "discogs": f"https://www.discogs.com/artist/{key * 37 + 11}",
        "wikidata": f"https://www.wikidata.org/wiki/Q{key * 97 + 1000}",
        "bandcamp": f"https://{word}{key}.bandcamp.com/",
        "rel_discogs": f"https://www.discogs.com/release/{key * 53 + 7}",
        "purchase": f"https://{word}{key}.bandcamp.com/album/{word}",
        "label_site": f"https://www.{word}-records{key}.com/",
        "label_discogs": f"https://www.discogs.com/label/{key * 41 + 3}",
    }[kind]


def disc_toc(first_offset: int, lengths_ms: list[int]) -> tuple[str, str, int, list[int]]:
    """(disc id, freedb id, leadout, track offsets) of a CD whose tracks have these lengths."""
    offsets = [first_offset]
    for length in lengths_ms[:-1]:
        offsets.append(offsets[-1] + length * 75 // 1000)
    leadout = offsets[-1] + lengths_ms[-1] * 75 // 1000
    toc = f"{1:02X}{len(offsets):02X}{leadout:08X}" + "".join(f"{o:08X}" for o in offsets)
    toc += "00000000" * (99 - len(offsets))
    digest = base64.b64encode(hashlib.sha1(toc.encode("ascii")).digest()).decode("ascii")
    discid = digest.replace("+", ".").replace("/", "_").replace("=", "-")
    checksum = sum(sum(int(d) for d in str(o // 75)) for o in offsets)
    freedb = f"{(checksum % 0xFF) << 24 | (leadout // 75 - offsets[0] // 75) << 8 | len(offsets):08x}"
    return discid, freedb, leadout, offsets


class LinkedSample(Sample):
    """Adds works, URLs, relationships, places, events, series and disc ids to :class:`Sample`."""

    def recording_of_work(self, work: int) -> int:
        return 1 + (work - 1) * self.recordings // self.works

    def work(self) -> Iterator[Row]:
        rng, pick = self.rng("work"), self.ts.pick
        for w in range(1, self.works + 1):
            h = self.h(30, w)
            kind = 10 if h % 100 < 70 else (None if h % 100 < 90 else 1 + (h >> 8) % ref.N_WORK_TYPES)
            yield (w, new_uuid(rng), self.recording_title(self.recording_of_work(w)), kind, "", 0, pick(h >> 12))

    def iswc(self) -> Iterator[Row]:
        row_id = 1
        for w in range(1, self.works + 1):
            h = self.h(31, w)
            if h % 100 < 60:
                n = (h >> 8) % 10**9
                code = f"T-{n // 10**6:03d}.{n // 1000 % 1000:03d}.{n % 1000:03d}-{(h >> 40) % 10}"
                yield (row_id, w, code, 0, self.ts.pick(h >> 20))
                row_id += 1

    def work_language(self) -> Iterator[Row]:
        for w in range(1, self.works + 1):
            h = self.h(32, w)
            if h % 100 < 70:
                language = SCRIPT_LANGUAGES[script_of(self.h(8, self.recording_of_work(w)))]
                yield (w, ref.LANGUAGE_IDS[language], 0, self.ts.pick(h >> 8))

    def url(self) -> Iterator[Row]:
        rng, pick = self.rng("url"), self.ts.pick
        for u, kind, _ in self._urls():
            h = self.h(33, u)
            yield (u, new_uuid(rng), _url(kind, u, h), 0, pick(h >> 8))

    def _urls(self) -> Iterator[tuple[int, str, int]]:
        """(url id, link type key, owning entity id) for every URL; artists', then releases', then labels'."""
        groups = (
            (self.n["artist_urls"], ARTIST_URL_TYPES, self.artists),
            (self.n["release_urls"], RELEASE_URL_TYPES, self.releases),
            (self.n["label_urls"], LABEL_URL_TYPES, self.labels),
        )
        u = 1
        for count, kinds, owners in groups:
            for _ in range(count):
                h = self.h(34, u)
                yield u, kinds[h % len(kinds)], 1 + (h >> 8) % owners
                u += 1

    def _url_links(self, kinds: tuple[str, ...]) -> Iterator[Row]:
        row_id = 1
        for u, kind, owner in self._urls():
            if kind in kinds:
                h = self.h(35, u)
                yield (row_id, ref.link_id(kind, 0), owner, u, 0, self.ts.pick(h), 0, "", "")
                row_id += 1

    def l_artist_url(self) -> Iterator[Row]:
        return self._url_links(ARTIST_URL_TYPES)

    def l_release_url(self) -> Iterator[Row]:
        return self._url_links(RELEASE_URL_TYPES)

    def l_label_url(self) -> Iterator[Row]:
        return self._url_links(LABEL_URL_TYPES)

    def _pairs(self, salt: int, count: int, kinds: tuple[str, ...], ones: int, twos: int) -> Iterator[Row]:
        for k in range(1, count + 1):
            h = self.h(salt, k)
            e0 = 1 + (h >> 8) % ones
            e1 = 1 + (h >> 30) % twos
            if ones == twos and e0 == e1:
                e1 = e0 % twos + 1
            link = ref.link_id(kinds[h % len(kinds)], h >> 4)
            yield (k, link, e0, e1, 0, self.ts.pick(h >> 50), 0, "", "")

    def l_artist_artist(self) -> Iterator[Row]:
        return self._pairs(36, self.n["artist_artist"], ("member", "collaboration"), self.artists, self.artists)

    def l_artist_recording(self) -> Iterator[Row]:
        kinds = ("performer", "vocal", "instrument", "producer")
        return self._pairs(37, self.n["artist_recording"], kinds, self.artists, self.recordings)

    def l_artist_release(self) -> Iterator[Row]:
        kinds = ("rel_producer", "design", "mastering")
        return self._pairs(38, self.n["artist_release"], kinds, self.artists, self.releases)

    def l_recording_work(self) -> Iterator[Row]:
        row_id = 1
        for w in range(1, self.works + 1):
            h = self.h(39, w)
            recordings = [self.recording_of_work(w)]
            if h % 100 < 15:
                recordings.append(1 + (h >> 8) % self.recordings)
            for rec in recordings:
                yield (row_id, ref.link_id("performance", h >> 4), rec, w, 0, self.ts.pick(h >> 30), 0, "", "")
                row_id += 1

    def place(self) -> Iterator[Row]:
        rng = self.rng("place")
        kinds = (" Hall", " Studio", " Arena", " Club", "", " Kirkja")
        for p in range(1, self.n["places"] + 1):
            h = self.h(40, p)
            city = self.countries + 1 + (h >> 8) % self.cities
            name = place_name(self.h(13, city)) + kinds[h % len(kinds)]
            address = f"{place_name(h >> 20)} {1 + (h >> 40) % 200}"
            coordinates = (
                None if h % 5 == 0 else f"({float8((h >> 12) % 1800 / 20 - 45)},{float8((h >> 24) % 3600 / 10 - 180)})"
            )
            begin = partial_date(h >> 16, 1900, 120) if h % 3 else (None, None, None)
            yield (p, new_uuid(rng), name, 1 + (h >> 32) % 6, address, city, coordinates, "", 0,
                   self.ts.pick(h >> 36), *begin, None, None, None, False)  # fmt: skip

    def event(self) -> Iterator[Row]:
        rng = self.rng("event")
        for e in range(1, self.n["events"] + 1):
            h = self.h(41, e)
            date = partial_date(h >> 8, 1990, 36)
            kind = 1 + (h >> 30) % 5
            name = f"{title(h >> 4)} {('Festival', 'Tour', 'Live', 'Night')[h % 4]} {date[0]}"
            time = f"{18 + h % 4}:00:00" if h % 3 == 0 else None
            setlist = None if h % 4 else "* first song\n* second song"
            yield (e, new_uuid(rng), name, *date, *date, time, kind, h % 30 == 0, setlist, "", 0,
                   self.ts.pick(h >> 40), True)  # fmt: skip

    def series(self) -> Iterator[Row]:
        rng = self.rng("series")
        for s in range(1, self.n["series"] + 1):
            h = self.h(42, s)
            kind = 1 + h % len(ref.SERIES_TYPES)
            yield (s, new_uuid(rng), f"{title(h >> 8)} Series", "", kind, 1 + (h >> 4) % 2, 0, self.ts.pick(h))

    def _discs(self) -> Iterator[tuple[Medium, int]]:
        """(medium, cdtoc id) of the media that have a disc id."""
        cdtoc = 1
        for m in self.walk_media():
            if m.format in DISC_FORMATS and self.h(43, m.id) % 100 < 35:
                yield m, cdtoc
                cdtoc += 1

    def cdtoc(self) -> Iterator[Row]:
        for m, cdtoc in self._discs():
            lengths = [
                self.recording_length(self.track_recording(t)) or 240_000
                for t in range(m.first_track, m.first_track + m.track_count)
            ]
            discid, freedb, leadout, offsets = disc_toc(150, lengths)
            array = "{" + ",".join(map(str, offsets)) + "}"
            yield (cdtoc, discid, freedb, m.track_count, leadout, array, self.ts.pick(m.id * 3))

    def medium_cdtoc(self) -> Iterator[Row]:
        for m, cdtoc in self._discs():
            yield (cdtoc, m.id, cdtoc, 0, self.ts.pick(m.id * 5))

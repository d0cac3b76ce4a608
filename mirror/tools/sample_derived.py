"""Rows of the derived archive (ratings, tags, annotations) and of ``replication_control``.

``release_group_meta`` is computed from the same release events the core archive carries, so its release
count and first release date agree with ``release``, ``release_country`` and ``release_unknown_country``.
"""

from __future__ import annotations

from collections.abc import Iterator

from mirror.tools import sample_reference as ref
from mirror.tools.sample_links import LinkedSample, disc_toc
from mirror.tools.sample_names import title
from mirror.tools.sample_values import Row, date_key

# Steps coprime with the number of tags, so that start + k * step picks distinct tags.
_TAG_STEPS = tuple(s for s in range(1, len(ref.TAGS)) if all(len(ref.TAGS) % p or s % p for p in (2, 3, 5, 7)))
CD_STUBS = 40  # per unit of scale
ANNOTATION_EDITOR = 1  # annotations name an editor; editors are in mbdump-editor, which we do not write


class DumpSample(LinkedSample):
    """Every table of the synthetic dump (see :meth:`tables`)."""

    def _rating(self, h: int) -> tuple[int | None, int | None]:
        if h % 100 >= 15:
            return None, None
        return 20 * (1 + (h >> 8) % 5), 1 + (h >> 12) % 30

    def _meta(self, salt: int, count: int) -> Iterator[Row]:
        for i in range(1, count + 1):
            yield (i, *self._rating(self.h(salt, i)))

    def artist_meta(self) -> Iterator[Row]:
        return self._meta(50, self.artists)

    def label_meta(self) -> Iterator[Row]:
        return self._meta(51, self.labels)

    def recording_meta(self) -> Iterator[Row]:
        return self._meta(52, self.recordings)

    def work_meta(self) -> Iterator[Row]:
        return self._meta(53, self.works)

    def release_meta(self) -> Iterator[Row]:
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        for r in range(1, self.releases + 1):
            h = self.h(54, r)
            asin = None if h % 100 >= 20 else "B0" + "".join(alnum[(h >> (6 + 6 * k)) % 36] for k in range(8))
            presence = "absent" if (h >> 8) % 100 < 60 else ("present" if (h >> 8) % 100 < 98 else "darkened")
            yield (r, self.ts.pick(h >> 16), None, asin, presence)

    def release_group_meta(self) -> Iterator[Row]:
        for g in range(1, self.release_groups + 1):
            releases = self.releases_of(g)
            dates = [date for r in releases for _, date in self.release_events(r)]
            first = min(dates, key=date_key) if dates else (None, None, None)
            yield (g, len(releases), *first, *self._rating(self.h(55, g)))

    def _tags(self, salt: int, count: int, share: int, most: int) -> Iterator[Row]:
        n = len(ref.TAGS)
        for i in range(1, count + 1):
            h = self.h(salt, i)
            if h % 100 >= share:
                continue
            start, step = (h >> 8) % n, _TAG_STEPS[(h >> 16) % len(_TAG_STEPS)]
            for k in range(1 + (h >> 24) % most):
                yield (i, 1 + (start + k * step) % n, 1 + (h >> (30 + k)) % 9, self.ts.pick(h >> 40))

    def artist_tag(self) -> Iterator[Row]:
        return self._tags(56, self.artists, 60, 4)

    def release_group_tag(self) -> Iterator[Row]:
        return self._tags(57, self.release_groups, 40, 3)

    def recording_tag(self) -> Iterator[Row]:
        return self._tags(58, self.recordings, 8, 2)

    def tag(self) -> Iterator[Row]:
        for i, name in enumerate(ref.TAGS, start=1):
            yield (i, name, 1 + self.h(59, i) % (self.artists + 1))

    def _annotated_artists(self) -> Iterator[tuple[int, int]]:
        annotation = 1
        for a in range(1, self.artists + 1):
            if self.h(60, a) % 100 < 6:
                yield annotation, a
                annotation += 1

    def annotation(self) -> Iterator[Row]:
        for annotation, artist in self._annotated_artists():
            name = self.artist_names(artist)[0]
            text = (
                f"'''{name}''' is a generated artist.\n\nSee the [[discography]]; paths like C:\\Music\\{artist}"
                f" and\ttabs survive COPY.\r\nLast line."
            )
            changelog = None if annotation % 3 else "fixed a typo"
            yield (annotation, ANNOTATION_EDITOR, text, changelog, self.ts.pick(artist))

    def artist_annotation(self) -> Iterator[Row]:
        for annotation, artist in self._annotated_artists():
            yield (artist, annotation)

    # -- CD stubs (mbdump-cdstubs.tar.bz2) -----------------------------------------------------------------

    def _stubs(self) -> Iterator[tuple[int, int, int]]:
        """(stub id, first raw track id, track count) of every CD stub."""
        track = 1
        for stub in range(1, max(1, round(CD_STUBS * self.scale)) + 1):
            count = 1 + self.h(61, stub) % 12
            yield stub, track, count
            track += count

    def release_raw(self) -> Iterator[Row]:
        for stub, _, _ in self._stubs():
            h = self.h(62, stub)
            artist = self.artist_names(1 + h % self.artists)[0] if h % 5 else None
            barcode = f"{(h >> 8) % 10**12:012d}" if h % 3 == 0 else None
            yield (stub, title(h >> 4), artist, self.ts.pick(h >> 20), self.ts.pick(h >> 32),
                   (h >> 40) % 500, (h >> 50) % 3, 0, barcode, "")  # fmt: skip

    def track_raw(self) -> Iterator[Row]:
        for stub, first, count in self._stubs():
            for k in range(count):
                h = self.h(63, first + k)
                yield (first + k, stub, title(h), None, k + 1)

    def cdtoc_raw(self) -> Iterator[Row]:
        for stub, first, count in self._stubs():
            lengths = [120_000 + self.h(64, first + k) % 300_000 for k in range(count)]
            discid, _, leadout, offsets = disc_toc(182, lengths)
            yield (stub, stub, discid, count, leadout, "{" + ",".join(map(str, offsets)) + "}")

"""URL normalisation: service forms, URIs and the spellings looked up."""

from __future__ import annotations

import pytest

from mirror.native.urls import candidates, canonical


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("spotify:album:4aawyAB9vmqN3uQ7FjRGTy", "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"),
        (
            "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC?si=x",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        ),
        ("https://www.discogs.com/de/release/30895-BoA-Love", "https://www.discogs.com/release/30895"),
        ("discogs.com/master/1722", "https://www.discogs.com/master/1722"),
        ("https://music.apple.com/gb/album/a-name/1440857781?i=1440858", "https://music.apple.com/gb/album/1440857781"),
        ("https://itunes.apple.com/jp/artist/boa/id1234", "https://music.apple.com/jp/artist/1234"),
        ("https://www.deezer.com/fr/album/302127", "https://www.deezer.com/album/302127"),
        ("http://wikidata.org/entity/q42", "https://www.wikidata.org/wiki/Q42"),
        ("https://youtu.be/dQw4w9WgXcQ?t=42", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&list=x", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://tidal.com/browse/album/123", "https://tidal.com/album/123"),
        ("https://boa.bandcamp.com/album/love", "https://boa.bandcamp.com/album/love"),
        ("HTTP://WWW.Example.COM", "https://example.com/"),
    ],
)
def test_canonical_forms(given: str, expected: str) -> None:
    assert canonical(given)[0] == expected


def test_candidates_cover_scheme_www_and_trailing_slash() -> None:
    found = candidates("https://www.discogs.com/release/30895-x")
    for spelling in (
        "http://www.discogs.com/release/30895",
        "https://discogs.com/release/30895/",
        "https://www.discogs.com/release/30895",
    ):
        assert spelling in found


def test_apple_music_tries_the_given_storefront_and_us() -> None:
    found = canonical("https://music.apple.com/gb/album/x/1440857781")
    assert found == ["https://music.apple.com/gb/album/1440857781", "https://music.apple.com/us/album/1440857781"]


@pytest.mark.parametrize("given", ["", "ftp://example.com/x", "mailto:someone@example.com", "x" * 3000])
def test_non_urls_have_no_candidates(given: str) -> None:
    assert candidates(given) == []

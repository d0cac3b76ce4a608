#!/usr/bin/env python
"""Benchmark the search text analysis (``mirror.search.analyze``) against its previous implementation.

The corpus is what the index build analyses: ``--names`` recording titles, artist and place names from
``mirror.tools.sample_names`` (the generator of the synthetic dumps: accented Latin, Japanese, Cyrillic, Greek,
Arabic), a few Hangul names, and real-looking ASCII titles (apostrophes, dots, brackets, "feat."). Figures are
given for its ASCII names, its non-ASCII names without CJK, those with CJK (Han, kana), all of it, and the
recording titles alone.

For each subset and function (``tokens(x)``, ``tokens(x, True)``, ``normalize(x)``, ``keyword(x)``, and both
analyses of a name: ``tokens`` twice before, ``tokens_both`` now) the caches are cleared, every name is
analysed once (names repeat, as in the database), and the CPU time per call is printed in µs, before (a copy
of the previous implementation, kept below) and after, best of ``--repeat`` interleaved passes. The results of
both are checked to be identical on the whole corpus first. The character classes the new shortcuts build at
first use are built before timing (their time is printed).

    .venv/bin/python bench/analyze.py [--names 143000] [--seed 42] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mirror.search import analyze
from mirror.search.analyze import MAX_TOKEN, is_cjk, keyword, normalize, tokens, tokens_both
from mirror.tools.sample_names import artist_name, mix, place_name, title

# The previous implementation (commit 2304078), uncached general path and ASCII shortcut, for the comparison.
_EQUIVALENCES = analyze._EQUIVALENCES
_LETTERS = analyze._LETTERS
_KEEP_MARKS = {"\u3099", "\u309a"}
_ASCII_WORD = analyze.re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
_ASCII_INNER = str.maketrans("", "", "'.")


def _old_drop_marks(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and char not in _KEEP_MARKS and not 0x0900 <= ord(char) < 0x0E00:
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _old_general_normalize(text: str, keep_accents: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_EQUIVALENCES).casefold()
    if not keep_accents:
        text = text.translate(_LETTERS)
        if not text.isascii():
            text = _old_drop_marks(text).translate(_LETTERS)
    return text


@lru_cache(maxsize=1 << 18)
def old_normalize(text: str, keep_accents: bool = False) -> str:
    if text.isascii():
        return text.replace("`", "'").lower()
    return _old_general_normalize(text, keep_accents)


def _old_is_word(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _old_words(folded: str) -> tuple[str, ...]:
    out: list[str] = []
    word: list[str] = []
    size = len(folded)

    def flush() -> None:
        if word:
            out.append("".join(word)[:MAX_TOKEN])
            word.clear()

    for index, char in enumerate(folded):
        if is_cjk(char):
            flush()
            out.append(char)
        elif _old_is_word(char):
            word.append(char)
        elif char in "'." and word and index + 1 < size and _old_is_word(folded[index + 1]):
            continue
        else:
            flush()
    flush()
    return tuple(out)


@lru_cache(maxsize=1 << 18)
def old_tokens(text: str, keep_accents: bool = False) -> tuple[str, ...]:
    folded = old_normalize(text, keep_accents)
    if folded.isascii():
        return tuple(word.translate(_ASCII_INNER)[:MAX_TOKEN] for word in _ASCII_WORD.findall(folded))
    return _old_words(folded)


@lru_cache(maxsize=1 << 18)
def old_keyword(text: str) -> str:
    return " ".join(old_normalize(text).split())


_ASCII_TITLES = (
    "Don't Stop Me Now", "Live at the BBC", "R.E.M.", "Mr. Brightside", "Smells Like Teen Spirit",
    "(I Can't Get No) Satisfaction", "Hey Jude - Remastered 2015", "Blue Monday '88", "No.5",
    "Bohemian Rhapsody", "Stairway to Heaven", "Let It Be (Naked)", "Born to Run", "Paranoid Android",
)  # fmt: skip
_ASCII_PARTS = (
    "Love", "Night", "Song", "Blues", "Heart", "Girl", "Boy", "Dance", "Money", "Rock", "Roll", "Time", "Dream",
    "Rain", "Fire", "Angel", "Baby", "Home", "Road", "Train", "City", "Star", "Moon", "Sun", "World", "Life",
)  # fmt: skip
_ASCII_SUFFIXES = ("", "", "", " (Live)", " (Remix)", " - Radio Edit", " (feat. DJ K.O.)", " [Demo]", ", Pt. 2")


def ascii_title(rng: random.Random) -> str:
    """A real-looking ASCII title."""
    if rng.random() < 0.2:
        return rng.choice(_ASCII_TITLES)
    words = [rng.choice(_ASCII_PARTS) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(("I'm", "Don't", "You're", "It's", "Can't")))
    return " ".join(words) + rng.choice(_ASCII_SUFFIXES)


def hangul_name(rng: random.Random) -> str:
    """A name in Hangul syllables (Korean is not among the generator's scripts)."""
    words = ["".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 4))) for _ in range(2)]
    return " ".join(words[: rng.randint(1, 2)])


def corpus(names: int, seed: int) -> list[str]:
    """``names`` recording titles, a quarter as many artist names, and a few place, ASCII and Hangul names.

    The recording titles are those of the synthetic dumps (``mirror.tools.sample_rows`` keys them the same way).
    """
    rng = random.Random(seed)
    out = [title(mix(seed, 8, n)) for n in range(names)]
    out += [artist_name(mix(seed, 1, n))[0] for n in range(names // 4)]
    out += [place_name(mix(seed, 30, n)) for n in range(names // 20)]
    out += [ascii_title(rng) for _ in range(names // 5)]
    out += [hangul_name(rng) for _ in range(names // 50)]
    rng.shuffle(out)
    return out


def subsets(names: list[str], recordings: list[str]) -> dict[str, list[str]]:
    """ASCII, non-ASCII without CJK, with CJK, all; and the recording titles alone."""
    cjk = [name for name in names if any(map(is_cjk, name))]
    cjk_set = set(cjk)
    return {
        "ascii": [name for name in names if name.isascii()],
        "non-ascii": [name for name in names if not name.isascii() and name not in cjk_set],
        "cjk": cjk,
        "all": names,
        "recordings": recordings,
    }


def _old_clear() -> None:
    for function in (old_normalize, old_tokens, old_keyword):
        function.cache_clear()


def _new_clear() -> None:
    for function in (normalize, tokens, tokens_both, keyword):
        function.cache_clear()


def per_call(
    old: Callable[[str], Any], new: Callable[[str], Any], names: list[str], repeat: int
) -> tuple[float, float]:
    """µs of CPU per call before and after: the best of ``repeat`` passes each, interleaved, caches cleared.

    CPU time of this thread (``time.thread_time``), not wall time: the figures are compared on a shared
    machine, where waiting for a core is noise.
    """
    best = {old: float("inf"), new: float("inf")}
    for _ in range(repeat):
        for function, clear in ((old, _old_clear), (new, _new_clear)):
            clear()
            started = time.thread_time()
            for name in names:
                function(name)
            best[function] = min(best[function], time.thread_time() - started)
    return best[old] / len(names) * 1e6, best[new] / len(names) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=143_000, help="recording titles (other names in proportion)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="passes per figure (the best is printed)")
    args = parser.parse_args()

    names = corpus(args.names, args.seed)
    recordings = [title(mix(args.seed, 8, n)) for n in range(args.names)]
    started = time.perf_counter()
    analyze._shortcuts()
    print(f"{len(names)} names; character classes built in {(time.perf_counter() - started) * 1e3:.0f} ms")

    _old_clear()
    _new_clear()
    for name in names:  # the same results, or no figures
        both = tokens_both(name)
        expected = (old_tokens(name), old_tokens(name, True))
        assert both == expected == (tokens(name), tokens(name, True)), name
        assert normalize(name) == old_normalize(name) and keyword(name) == old_keyword(name), name
        assert normalize(name, True) == old_normalize(name, True), name

    cases: list[tuple[str, Callable[[str], Any], Callable[[str], Any]]] = [
        ("tokens(x)", old_tokens, tokens),
        ("tokens(x, True)", lambda x: old_tokens(x, True), lambda x: tokens(x, True)),
        ("normalize(x)", old_normalize, normalize),
        ("keyword(x)", old_keyword, keyword),
        ("both analyses", lambda x: (old_tokens(x), old_tokens(x, True)), tokens_both),
    ]
    print(f"{'subset':<10} {'names':>7}  {'function':<16} {'before µs':>9} {'after µs':>9} {'speed-up':>8}")
    for subset, members in subsets(names, recordings).items():
        for label, old, new in cases:
            before, after = per_call(old, new, members, args.repeat)
            print(f"{subset:<10} {len(members):>7}  {label:<16} {before:>9.2f} {after:>9.2f} {before / after:>7.1f}x")
    print("(both analyses: tokens(x) and tokens(x, True) before, tokens_both(x) after)")
    before, after = per_call(cases[-1][1], tokens_both, recordings, args.repeat)
    print(
        f"both analyses of the {len(recordings)} recording titles: {before * len(recordings) / 1e6:.2f} s before, "
        f"{after * len(recordings) / 1e6:.2f} s after"
    )


if __name__ == "__main__":
    main()

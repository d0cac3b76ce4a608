"""Text analysis for search: the one function the index build and the query both use, so they never disagree.

``tokens(text)`` turns a value into the words that are indexed (and a query word into the words it looks
for):

1. NFKC (full-width forms, ligatures, ``…`` -> ``...``), then the MusicBrainz character equivalences: every
   quote and apostrophe (curly, prime, grave, full-width) is ``'``, every dash (hyphen, en/em dash, minus,
   ...) is ``-``.
2. Case folding (``str.casefold``: ``ß`` -> ``ss``, final sigma).
3. Diacritic folding, unless ``keep_accents`` (the ``*accent`` fields): NFKD and drop the combining marks
   (``é`` -> ``e``, ``ñ`` -> ``n``), plus the letters that do not decompose (``æ`` -> ``ae``, ``ø`` -> ``o``,
   ``ł`` -> ``l``, ``đ`` -> ``d``, ``þ`` -> ``th``, ``œ`` -> ``oe``, ...). The Japanese voicing marks (dakuten)
   and the marks of Indic scripts are kept: dropping them changes the word, not its accent. NFC afterwards
   recomposes Hangul.
4. Words: runs of letters, digits and marks. Apostrophes inside a word are dropped (``don't`` -> ``dont``);
   a dot between two word characters is dropped (``R.E.M.`` -> ``rem``, ``No.5`` -> ``no5``); everything else
   separates words. Cyrillic, Greek, Hangul, Arabic... words are kept like Latin ones.
5. Han, Hiragana and Katakana have no spaces between words, so each character is one token (positions
   consecutive). A Japanese title is matched whole or in part by a phrase of its characters (the query side
   turns a multi-token word into a phrase). Unigrams rather than bigrams: no dictionary, one-character words
   (very common in Japanese and Chinese titles) still match, and a phrase of unigrams is exactly a substring
   search; the cost is a larger posting list per character, which the GIN index handles.

Results are cached (``functools.lru_cache``): names repeat a lot in MusicBrainz (artist credits on every
track, release titles on every recording). The index build needs both analyses of every name: ``tokens_both``
returns them together, from one NFKC and case folding (the accent-keeping form is the first half of the
folded one), and splits once when folding changes nothing (Cyrillic without ё/й, Arabic, most CJK).

The general definition (``general_tokens``, ``general_normalize``: character by character, in Python) is what
the shortcuts are tested against; they give the same results for every input. On the synthetic corpus
(``bench/analyze.py``), both analyses of a name take a quarter of the time two ``tokens`` calls took before:

* ASCII text: NFKC and the equivalences change nothing but the grave accent, case folding is ``lower()``, and
  the words are the matches of one regular expression (``split()`` when there are only letters, digits and
  spaces).
* ``str.translate`` only when a character it maps is present: on non-ASCII text it looks every character up
  in its dict (0.8 µs for a short title).
* Words, CJK characters and the marks to drop are found by regular expressions whose classes are built from
  the per-character definitions (``_is_word``, ``is_cjk``, ``_dropped``) by testing every character of the
  BMP. Only the BMP: ``re`` tests a class's characters above U+FFFF one range at a time (hundreds of ranges
  of letters), which made every separator slow. Text whose analysis leaves the BMP (emoji, CJK extension B,
  rare) takes the general path.
* Folding skips what provably changes nothing (see ``_Shortcuts.folded``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

MAX_TOKEN = 100  # longer runs (base64, URLs without separators) are cut: they only bloat the index

_EQUIVALENCES = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′‵`´＇ʼ", "'"),
        **dict.fromkeys("“”„‟″‶«»", '"'),
        **dict.fromkeys("‐‑‒–—―−⁃﹘﹣－", "-"),
        "…": "...",
    }
)
_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
        "ſ": "s",
    }
)
_KEEP_MARKS = {"\u3099", "\u309a"}  # kana voiced / semi-voiced sound marks
_CACHE = 1 << 18


def is_cjk(char: str) -> bool:
    """Han, Hiragana or Katakana: scripts written without spaces, indexed one character per token."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x31F0 <= code <= 0x31FF  # Katakana phonetic extensions
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x3FFFF  # extensions B and later
        or code in (0x3005, 0x3006, 0x3007)  # 々 〆 〇
    )


def _is_word(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _dropped(char: str) -> bool:
    """A mark that diacritic folding removes: combining, but not a kana voicing mark nor an Indic one."""
    return bool(unicodedata.combining(char)) and char not in _KEEP_MARKS and not 0x0900 <= ord(char) < 0x0E00


def _drop_marks(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if _dropped(char):
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def general_normalize(text: str, keep_accents: bool = False) -> str:
    """``normalize`` without the shortcuts (and uncached)."""
    text = unicodedata.normalize("NFKC", text).translate(_EQUIVALENCES).casefold()
    if not keep_accents:
        text = text.translate(_LETTERS)
        if not text.isascii():
            text = _drop_marks(text).translate(_LETTERS)
    return text


def general_tokens(text: str, keep_accents: bool = False) -> tuple[str, ...]:
    """``tokens`` without the shortcuts (and uncached): the definition the shortcuts are tested against."""
    return _words(general_normalize(text, keep_accents))


def _words(folded: str) -> tuple[str, ...]:
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
        elif _is_word(char):
            word.append(char)
        elif char in "'." and word and index + 1 < size and _is_word(folded[index + 1]):
            continue  # inside a word: don't, R.E.M
        else:
            flush()
    flush()
    return tuple(out)


_ASCII_WORDS = re.compile(r"[a-zA-Z0-9]+(?:['.][a-zA-Z0-9]+)*")  # the words of ASCII text (see _Shortcuts)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_FOLDED_LETTERS = "".join(map(chr, _LETTERS))
_FOLDED_LETTER = re.compile(f"[{_FOLDED_LETTERS}]")


def _clean(words: list[str], folded: str) -> tuple[str, ...]:
    """Words as ``_words`` has them: inner apostrophes and dots dropped, cut at ``MAX_TOKEN``."""
    if "'" in folded or "." in folded:
        words = [word.replace("'", "").replace(".", "") for word in words]
    if len(folded) > MAX_TOKEN:
        words = [word[:MAX_TOKEN] for word in words]
    return tuple(words)


def _ascii_words(folded: str) -> tuple[str, ...]:
    """``_words`` of ASCII text: letters and digits only (the commonest case) is ``split()``, and faster."""
    if folded.replace(" ", "").isalnum():
        return _clean(folded.split(), folded)
    return _clean(_ASCII_WORDS.findall(folded), folded)


def _bmp_class(accepts: Callable[[str], bool]) -> str:
    """The inside of a regular-expression class matching the BMP characters ``accepts`` accepts, as ranges."""
    parts: list[str] = []
    start = None
    for code in range(0x10001):
        if code < 0x10000 and accepts(chr(code)):
            if start is None:
                start = code
        elif start is not None:
            first, last = re.escape(chr(start)), re.escape(chr(code - 1))
            parts.append(first if start == code - 1 else f"{first}-{last}")
            start = None
    return "".join(parts)


def _leaves_bmp(char: str) -> bool:
    """A character whose case folding, or its NFKD, is above U+FFFF (compatibility ideographs U+FA6C...)."""
    return any(ord(other) > 0xFFFF for other in unicodedata.normalize("NFKD", char.casefold()))


def _inert(char: str) -> bool:
    """A character that step 3 leaves alone whatever surrounds it (see ``_Shortcuts.folded``)."""
    return (
        char not in _FOLDED_LETTERS
        and unicodedata.normalize("NFKD", char) == char
        and not unicodedata.combining(char)
        and unicodedata.category(char)[0] != "M"
        and not 0x1100 <= ord(char) <= 0x11FF  # Hangul jamo: NFC composes them into syllables
    )


class _Shortcuts:
    """Steps 1-4 of non-ASCII text by regular expressions, with the general results.

    Built once, at first use (``_shortcuts()``): testing every character of the BMP takes about 60 ms, which
    a process that analyses only ASCII (or nothing) does not pay at import.
    """

    def __init__(self) -> None:
        word = _bmp_class(lambda char: _is_word(char) and not is_cjk(char))
        dropped = _bmp_class(_dropped)
        leaves_bmp = _bmp_class(_leaves_bmp) + "\U00010000-\U0010ffff"
        equivalent = re.escape("".join(map(chr, _EQUIVALENCES)))
        # A word: word characters with single apostrophes or dots inside, or one CJK character. An apostrophe
        # or dot is taken exactly when ``_words`` skips it (one before a CJK character separates either way).
        self.words = re.compile(f"[{word}]+(?:['.][{word}]+)*|[{_bmp_class(is_cjk)}]")
        self.dropped = re.compile(f"[{dropped}]+")
        self.kept = re.compile(f"[^\\x00-\\x7f{dropped}]")  # what NFKD + dropping leaves but ASCII
        self.inert = re.compile(f"[{_bmp_class(_inert)}]*")
        self.leaves_bmp = re.compile(f"[{leaves_bmp}]")
        self.special = re.compile(f"[{equivalent}{leaves_bmp}]")

    def accented(self, text: str) -> str | None:
        """``general_normalize(text, True)`` (steps 1-2), or None when it or its NFKD leaves the BMP.

        One search finds both the characters the equivalences map and those that leave the BMP: case
        folding and NFKD work character by character, so testing the characters one by one is exact.
        """
        text = unicodedata.normalize("NFKC", text)
        if self.special.search(text):
            if self.leaves_bmp.search(text):
                return None
            text = text.translate(_EQUIVALENCES)
        return text.casefold()

    def folded(self, accented: str) -> str:
        """Step 3 of what ``accented`` returned: ``general_normalize(text) == folded(accented(text))``.

        After the letters (``_LETTERS``), what the general steps would change nothing in is returned as is:

        * ASCII: NFKD, dropping marks and NFC change nothing.
        * NFKD leaves only ASCII and marks to drop (``kept`` finds nothing): the result is its ASCII
          characters (ASCII is NFC and has no letters to fold).
        * Every character inert: NFKD changes none, none is dropped, none is a combining mark (nothing is
          reordered), and NFC composes nothing, since the second character of a composition is always a mark
          or a Hangul jamo (tested on the whole Unicode database).

        Otherwise the marks are dropped by one regular expression: the text is in the BMP (``accented``).
        """
        text = accented.translate(_LETTERS) if _FOLDED_LETTER.search(accented) else accented
        if text.isascii():
            return text
        decomposed = unicodedata.normalize("NFKD", text)
        if not self.kept.search(decomposed):
            return decomposed.encode("ascii", "ignore").decode("ascii")
        if self.inert.fullmatch(text):
            return text
        text = unicodedata.normalize("NFC", self.dropped.sub("", decomposed))
        if not text.isascii() and _FOLDED_LETTER.search(text):
            text = text.translate(_LETTERS)
        return text

    def split(self, folded: str, bmp: bool = False) -> tuple[str, ...]:
        """``_words(folded)``; ``bmp``: ``folded`` is known to be in the BMP."""
        if folded.isascii():
            return _ascii_words(folded)
        if not bmp and _ASTRAL.search(folded):  # NFC may compose above the BMP
            return _words(folded)
        return _clean(self.words.findall(folded), folded)


@cache
def _shortcuts() -> _Shortcuts:
    return _Shortcuts()


@lru_cache(maxsize=_CACHE)
def normalize(text: str, keep_accents: bool = False) -> str:
    """The folded form of ``text`` (steps 1-3), before it is split into words."""
    if text.isascii():
        return text.replace("`", "'").lower()
    shortcuts = _shortcuts()
    accented = shortcuts.accented(text)
    if accented is None:
        return general_normalize(text, keep_accents)
    return accented if keep_accents else shortcuts.folded(accented)


@lru_cache(maxsize=_CACHE)
def tokens(text: str, keep_accents: bool = False) -> tuple[str, ...]:
    """The indexed words of ``text``, in order (see the module documentation)."""
    if text.isascii():
        return _ascii_words(text.replace("`", "'").lower())
    shortcuts = _shortcuts()
    accented = shortcuts.accented(text)
    if accented is None:
        return general_tokens(text, keep_accents)
    if keep_accents:
        return shortcuts.split(accented, bmp=True)
    return shortcuts.split(shortcuts.folded(accented))


@lru_cache(maxsize=_CACHE)
def tokens_both(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(tokens(text), tokens(text, True))``, computed together: the index build needs both of every name."""
    if text.isascii():
        words = _ascii_words(text.replace("`", "'").lower())
        return words, words
    shortcuts = _shortcuts()
    accented = shortcuts.accented(text)
    if accented is None:
        return general_tokens(text), general_tokens(text, True)
    folded = shortcuts.folded(accented)
    accent_words = shortcuts.split(accented, bmp=True)
    return (accent_words if folded == accented else shortcuts.split(folded)), accent_words


@lru_cache(maxsize=_CACHE)
def keyword(text: str) -> str:
    """A whole value as one folded term (identifiers, codes, types): case and diacritics folded, trimmed."""
    return " ".join(normalize(text).split())


def compact(text: str) -> str:
    """A keyword without any whitespace (catalogue numbers and barcodes are compared this way)."""
    return "".join(normalize(text).split())

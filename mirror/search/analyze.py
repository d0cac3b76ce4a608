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
track, release titles on every recording). ASCII, most of the data, takes shorter paths with the same
results (tested against the general ones, ``general_tokens``): NFKC and the equivalences change nothing in
ASCII text but the grave accent and case folding is ``lower()``; once folded text is ASCII (most accented
Latin is), its words are the matches of one regular expression.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
# ASCII words: letters and digits, with apostrophes and dots between two of them (dropped afterwards).
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
_ASCII_INNER = str.maketrans("", "", "'.")


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


def _drop_marks(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and char not in _KEEP_MARKS and not 0x0900 <= ord(char) < 0x0E00:
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def general_normalize(text: str, keep_accents: bool = False) -> str:
    """``normalize`` without the ASCII shortcut (and uncached)."""
    text = unicodedata.normalize("NFKC", text).translate(_EQUIVALENCES).casefold()
    if not keep_accents:
        text = text.translate(_LETTERS)
        if not text.isascii():
            text = _drop_marks(text).translate(_LETTERS)
    return text


@lru_cache(maxsize=_CACHE)
def normalize(text: str, keep_accents: bool = False) -> str:
    """The folded form of ``text`` (steps 1-3), before it is split into words."""
    if text.isascii():
        return text.replace("`", "'").lower()
    return general_normalize(text, keep_accents)


def _is_word(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M"


@lru_cache(maxsize=_CACHE)
def tokens(text: str, keep_accents: bool = False) -> tuple[str, ...]:
    """The indexed words of ``text``, in order (see the module documentation)."""
    folded = normalize(text, keep_accents)
    if folded.isascii():
        return tuple(word.translate(_ASCII_INNER)[:MAX_TOKEN] for word in _ASCII_WORD.findall(folded))
    return _words(folded)


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


@lru_cache(maxsize=_CACHE)
def keyword(text: str) -> str:
    """A whole value as one folded term (identifiers, codes, types): case and diacritics folded, trimmed."""
    return " ".join(normalize(text).split())


def compact(text: str) -> str:
    """A keyword without any whitespace (catalogue numbers and barcodes are compared this way)."""
    return "".join(normalize(text).split())

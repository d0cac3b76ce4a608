"""Names for the synthetic dump: generated, syllable-based, in several scripts.

Every function here is pure: it turns an integer key (a hash, see :func:`mix`) into a value. Rows of different
tables that must agree (an artist's name in ``artist`` and in ``artist_credit_name``, a recording's title in
``recording`` and in ``track``) call the same function with the same key, so nothing has to be remembered
between tables and memory does not grow with the size of the dump.

Scripts: Latin with diacritics, Japanese (kanji and kana), Cyrillic, Greek, Arabic, and a few names carrying
TAB, backslash, newline and carriage-return characters that COPY text format must escape.
"""

from __future__ import annotations

LATIN, JAPANESE, CYRILLIC, GREEK, ARABIC, SPECIAL = range(6)
# Script of a name -> (language id, script id) in the reference tables of ``sample_reference``.
SCRIPT_CODES = ("Latn", "Jpan", "Cyrl", "Grek", "Arab", "Latn")
SCRIPT_LANGUAGES = ("eng", "jpn", "rus", "ell", "ara", "eng")

MASK = (1 << 62) - 1


def mix(*parts: int) -> int:
    """A well-spread non-negative integer for the given integers (fast and deterministic on 64-bit CPython)."""
    return hash(parts) & MASK


_LATIN_ONSETS = (
    "b", "bj", "br", "d", "dr", "f", "fj", "g", "gr", "h", "hv", "j", "k", "kj", "kr", "l", "m", "n", "p", "pr",
    "r", "s", "sk", "sn", "st", "sv", "t", "th", "tr", "v", "z", "ž", "š", "ç", "ð", "þ", "ñ", "",
)  # fmt: skip
_LATIN_VOWELS = (
    "a", "e", "i", "o", "u", "y", "á", "é", "í", "ó", "ú", "ö", "ü", "ø", "å", "æ", "ä", "ë", "è", "à",
    "au", "ei", "ie", "oa", "ő", "ů", "ã", "ê",
)  # fmt: skip
_LATIN_CODAS = ("", "", "", "n", "r", "rk", "s", "ll", "nd", "st", "rn", "m", "l", "t", "gur", "ss", "x")
_TITLE_WORDS = (
    "Love", "Night", "Summer", "Heart", "Dream", "Light", "Blue", "Fire", "Rain", "Silver", "Moon", "River",
    "Echo", "Ghost", "Golden", "Winter", "Garden", "Storm", "Paper", "Velvet", "Shadow", "Ocean", "Stone",
    "Wild", "Electric", "Broken", "Slow", "Little", "Last", "First", "Lost", "Home", "Road", "Sky", "Song",
    "of", "the", "in", "and", "my", "your", "to", "no", "Amor", "Noche", "Été", "Cœur", "Träume", "Ljós",
    "Sól", "Öld", "Fjörður", "Café", "Señor", "Niño", "Über", "Straße",
)  # fmt: skip
_KANJI = "山川田中本木村松井花空星月夜桜光音風雪海森青春秋夏冬愛心夢雨雲花火道城島原野谷石"
_HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
_KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンー"
_CYR_ONSETS = ("в", "л", "н", "к", "м", "р", "с", "т", "д", "б", "г", "ж", "з", "ш", "ч", "п", "ф", "х", "")
_CYR_VOWELS = ("а", "е", "и", "о", "у", "ё", "ы", "я", "ю", "э")
_CYR_ENDINGS = ("ов", "ева", "ский", "ин", "ая", "енко", "ич", "", "", "")
_GRK_ONSETS = ("κ", "λ", "μ", "ν", "π", "ρ", "σ", "τ", "θ", "χ", "δ", "γ", "φ", "ξ", "ζ", "")
_GRK_VOWELS = ("α", "ε", "ι", "ο", "ω", "ά", "έ", "ί", "ό", "ώ", "ου", "η", "ή", "ύ")
_GRK_ENDINGS = ("ς", "ς", "ν", "", "ος", "ης", "ας")
_AR_SYLLABLES = (
    "نا",
    "ري",
    "سا",
    "لم",
    "فر",
    "يد",
    "كر",
    "ام",
    "ها",
    "دي",
    "مو",
    "حس",
    "عل",
    "زي",
    "نو",
    "بة",
)
_AR_WORDS = ("ال", "", "", "أبو ", "بنت ")


def _latin_word(h: int) -> tuple[str, int]:
    h, n = divmod(h, 3)
    parts: list[str] = []
    for _ in range(n + 1):
        h, o = divmod(h, len(_LATIN_ONSETS))
        h, v = divmod(h, len(_LATIN_VOWELS))
        parts.append(_LATIN_ONSETS[o] + _LATIN_VOWELS[v])
    h, c = divmod(h, len(_LATIN_CODAS))
    parts.append(_LATIN_CODAS[c])
    return "".join(parts).capitalize(), h


def _pick_chars(h: int, alphabet: str, count: int) -> tuple[str, int]:
    chars: list[str] = []
    for _ in range(count):
        h, i = divmod(h, len(alphabet))
        chars.append(alphabet[i])
    return "".join(chars), h


def _cyr_word(h: int) -> tuple[str, int]:
    h, n = divmod(h, 2)
    parts: list[str] = []
    for _ in range(n + 2):
        h, o = divmod(h, len(_CYR_ONSETS))
        h, v = divmod(h, len(_CYR_VOWELS))
        parts.append(_CYR_ONSETS[o] + _CYR_VOWELS[v])
    h, e = divmod(h, len(_CYR_ENDINGS))
    return ("".join(parts) + _CYR_ENDINGS[e]).capitalize(), h


def _greek_word(h: int) -> tuple[str, int]:
    h, n = divmod(h, 2)
    parts: list[str] = []
    for _ in range(n + 2):
        h, o = divmod(h, len(_GRK_ONSETS))
        h, v = divmod(h, len(_GRK_VOWELS))
        parts.append(_GRK_ONSETS[o] + _GRK_VOWELS[v])
    h, e = divmod(h, len(_GRK_ENDINGS))
    return ("".join(parts) + _GRK_ENDINGS[e]).capitalize(), h


def _arabic_word(h: int) -> tuple[str, int]:
    h, p = divmod(h, len(_AR_WORDS))
    h, n = divmod(h, 2)
    text = _AR_WORDS[p]
    for _ in range(n + 2):
        h, s = divmod(h, len(_AR_SYLLABLES))
        text += _AR_SYLLABLES[s]
    return text, h


def script_of(h: int) -> int:
    """The script a name generated from key ``h`` is written in."""
    r = h % 100
    if r < 62:
        return LATIN
    if r < 74:
        return JAPANESE
    if r < 83:
        return CYRILLIC
    if r < 89:
        return GREEK
    if r < 95:
        return ARABIC
    return SPECIAL if r >= 97 else LATIN


def _special(h: int, first: str, second: str) -> str:
    forms = (
        f"{first}\t{second}",
        f"{first}\\{second}",
        f"{first}\n{second}",
        f'"{first}" \\ {second}\r\n',
        f"{first} \\N {second}",
        f"{first}\\t{second}",
    )
    return forms[h % len(forms)]


def artist_name(h: int, special: int | None = None) -> tuple[str, str]:
    """(name, sort_name) of an artist: people get "Last, First" sort names, groups an article moved back.

    ``special`` forces a name that needs COPY escapes (its value picks the form).
    """
    script = script_of(h) if special is None else SPECIAL
    h //= 100
    h, person = divmod(h, 2)
    if script in (LATIN, SPECIAL):
        first, h = _latin_word(h)
        last, h = _latin_word(h)
        if script == SPECIAL:
            name = _special(h if special is None else special, first, last)
            return name, name
        if person:
            return f"{first} {last}", f"{last}, {first}"
        h, article = divmod(h, 4)
        if article == 0:
            return f"The {first} {last}", f"{first} {last}, The"
        return (f"{first} {last}", f"{first} {last}") if article == 1 else (first, first)
    if script == JAPANESE:
        if person:
            family, h = _pick_chars(h, _KANJI, 2)
            h, kana = divmod(h, 2)
            given, h = _pick_chars(h, _HIRAGANA if kana else _KANJI, 2 + kana)
            return f"{family}{given}", f"{family} {given}"
        name, h = _pick_chars(h, _KATAKANA, 3 + h % 4)
        return name, name
    if script == CYRILLIC:
        first, h = _cyr_word(h)
        last, h = _cyr_word(h)
        return (f"{first} {last}", f"{last}, {first}") if person else (first, first)
    if script == GREEK:
        first, h = _greek_word(h)
        last, h = _greek_word(h)
        return (f"{first} {last}", f"{last}, {first}") if person else (first, first)
    first, h = _arabic_word(h)
    last, h = _arabic_word(h)
    return f"{first} {last}", f"{first} {last}"


def title(h: int) -> str:
    """A release, recording or work title."""
    script = script_of(h)
    h //= 100
    if script in (LATIN, SPECIAL):
        h, n = divmod(h, 4)
        words: list[str] = []
        for _ in range(n + 1):
            h, generated = divmod(h, 3)
            if generated:
                h, w = divmod(h, len(_TITLE_WORDS))
                words.append(_TITLE_WORDS[w])
            else:
                word, h = _latin_word(h)
                words.append(word)
        text = " ".join(words)
        if script == SPECIAL:
            return _special(h, text, "Remix")
        return text[0].upper() + text[1:]
    if script == JAPANESE:
        h, kind = divmod(h, 3)
        alphabet = (_KANJI, _HIRAGANA, _KATAKANA)[kind]
        text, h = _pick_chars(h, alphabet, 2 + h % 5)
        return text
    if script == CYRILLIC:
        first, h = _cyr_word(h)
        second, h = _cyr_word(h)
        return f"{first} {second.lower()}"
    if script == GREEK:
        first, h = _greek_word(h)
        second, h = _greek_word(h)
        return f"{first} {second.lower()}"
    first, h = _arabic_word(h)
    return first


def place_name(h: int) -> str:
    """A city or venue name (Latin with diacritics, or another script)."""
    script = script_of(h)
    h //= 100
    if script == JAPANESE:
        text, h = _pick_chars(h, _KANJI, 2)
        return text + "市"
    if script == CYRILLIC:
        return _cyr_word(h)[0]
    if script == GREEK:
        return _greek_word(h)[0]
    if script == ARABIC:
        return _arabic_word(h)[0]
    word, h = _latin_word(h)
    suffixes = ("", "", "vík", "fjörður", "heim", "burg", "ville", "stad", " del Río", "ås")
    return word + suffixes[h % len(suffixes)]


def slug(h: int) -> str:
    """An ASCII word for URLs."""
    word, _ = _latin_word(h)
    return word.lower().encode("ascii", "ignore").decode() or "music"

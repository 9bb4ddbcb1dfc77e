"""Letter classes for patterns, read from Unicode rather than written out per alphabet.

A pattern that needs "a capital letter" (a dateline in capitals, a sentence's first word, a
name) must hold for every language with case, not only for the alphabets someone listed
(``[A-ZÄÖÜ]`` misses "É", "Ł" and all of Cyrillic). Python's ``re`` has no ``\\p{Lu}``, so the
classes are built once from the character database, as ranges.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

#: Code points scanned: the Basic Multilingual Plane holds every cased alphabet in use.
_LIMIT = 0x10000


def _char(c: int) -> str:
    ch = chr(c)
    return ch if ch.isascii() and ch.isalnum() else f"\\u{c:04x}"


def _ranges(keep: Callable[[str], bool]) -> str:
    """The body of a character class (no brackets) holding every code point ``keep`` accepts."""
    parts: list[str] = []
    start = prev = -2
    for c in range(_LIMIT):
        if not keep(chr(c)):
            continue
        if c != prev + 1:
            if start >= 0:
                parts.append(_char(start) if start == prev else f"{_char(start)}-{_char(prev)}")
            start = c
        prev = c
    if start >= 0:
        parts.append(_char(start) if start == prev else f"{_char(start)}-{_char(prev)}")
    return "".join(parts)


#: Every upper-case letter, as the inside of a character class: ``f"[{UPPER}]"``.
UPPER = _ranges(lambda ch: ch.isalpha() and ch.isupper())
#: Every lower-case letter, as the inside of a character class.
LOWER = _ranges(lambda ch: ch.isalpha() and ch.islower())

#: Letters that ``re``'s case-insensitive matching folds to another letter than ``str.lower`` does
#: (dotted and dotless i, long s, the Kelvin sign).
_FOLDED_OTHERWISE = "\u0130\u0131\u017f\u212a"
#: A text where this finds one cannot be tested for a word with ``word in text.lower()`` in place of
#: the regex engine.
FOLDS_OTHERWISE = re.compile(f"[{_FOLDED_OTHERWISE}]")


def folds(c: str) -> list[str]:
    """The characters ``re``'s case-insensitive matching takes for ``c``: its cases and the letters it
    folds otherwise (``tests/test_scan_patterns.py`` checks this against every character)."""
    pool = {c, c.lower(), c.upper(), c.casefold(), c.lower().upper(), c.upper().lower(), *_FOLDED_OTHERWISE}
    rx = re.compile(re.escape(c), re.IGNORECASE)
    return sorted(x for x in pool if len(x) == 1 and rx.fullmatch(x))


def starts_like(words: Iterable[str]) -> str:
    """A look-ahead for the characters that may begin one of ``words`` under case-insensitive
    matching: ``(?=[Jj…])``, or ``""`` when a word is empty (then anything may begin it).

    Put in front of a pattern that opens with a look-behind and a list of words, it lets the regex
    engine reject a position on one character test instead of trying the look-behind and every
    word there. The class holds every character ``re`` takes for a first letter (:func:`folds`), so
    it never rejects a position where the pattern matches.
    """
    firsts: set[str] = set()
    for w in words:
        if not w:
            return ""
        firsts.update(folds(w[0]))
    if not firsts:
        return ""
    return "(?=[" + "".join(re.escape(c) for c in sorted(firsts)) + "])"

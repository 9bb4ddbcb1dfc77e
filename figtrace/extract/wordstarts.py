"""Where a pattern led by a list of words can begin: found by a scan the regex engine runs fast.

A pattern such as ``(?<!\\w)(?P<m>Januar|Februar|…)…`` opens with a look-behind, so the regex
engine tries it at every character of a document. :func:`word_starts` compiles the positions
where one of its words begins a word into a scan that opens with the words' first letters (a
branch of literal characters, which the engine skips ahead to), looks behind them afterwards and
looks ahead for the rest of the word. Those positions are few; :func:`matches_from` then tries
the pattern only there, in order, as ``finditer`` would: every match the pattern has begins at
one of them, so the matches are the same.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from figtrace.letters import folds

#: The scan for a list without words: nothing begins anywhere (:func:`word_starts`).
NOWHERE = re.compile(r"(?!x)x")


def word_starts(words: Iterable[str], *, fold: bool, tail: str = "") -> re.Pattern[str] | None:
    """A scan for the positions where one of ``words`` begins after no word character (followed by
    ``tail``), matching one character there; ``fold``: the words match in any case.

    Case-sensitive words make a branch per first letter, which the regex engine skips ahead to;
    words in any case open with the class of their first letters in every case the engine folds
    together, look behind it for a word character, then behind at the letter and ahead for the
    rest of a word that begins with it. :data:`NOWHERE` for no words, None when a word is empty
    (then any position may begin one).
    """
    by_first: dict[str, list[str]] = {}
    firsts: set[str] = set()
    for w in words:
        if not w:
            return None
        by_first.setdefault(w[0].lower() if fold else w[0], []).append(w[1:])
        firsts.update(folds(w[0]) if fold else w[0])
    if not by_first:
        return NOWHERE

    def rest(rests: list[str]) -> str:
        return "|".join(re.escape(r) for r in sorted(set(rests), key=len, reverse=True))

    if not fold:
        return re.compile("|".join(rf"{re.escape(c)}(?<!\w.)(?=(?:{rest(rests)}){tail})"
                                   for c, rests in by_first.items()))
    branches = "|".join(rf"(?<=(?i:{re.escape(c)}))(?=(?i:{rest(rests)}){tail})" for c, rests in by_first.items())
    return re.compile("[" + "".join(re.escape(c) for c in sorted(firsts)) + rf"](?<!\w.)(?:{branches})")


def starts_in(starts: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted positions ``starts`` lies in ``[start, end)``."""
    i = bisect.bisect_left(starts, start)
    return i < len(starts) and starts[i] < end


def matches_from(rx: re.Pattern[str], text: str, start: int, end: int, starts: list[int]) -> list[re.Match[str]]:
    """``list(rx.finditer(text, start, end))`` for a pattern that matches only where it begins at one of
    the sorted positions ``starts``: tried there alone, each after the end of the match before (the
    pattern never matches the empty string)."""
    out: list[re.Match[str]] = []
    i = bisect.bisect_left(starts, start)
    pos = start
    n = len(starts)
    while i < n:
        p = starts[i]
        i += 1
        if p >= end:
            break
        if p < pos:
            continue
        m = rx.match(text, p, end)
        if m is not None:
            out.append(m)
            pos = m.end()
    return out


def by_first_letter(words: list[str], *, fold: bool) -> str:
    """``(?:w1|w2|…)`` for ``words`` in their order, the words gathered by their first letter: the
    regex engine skips an alternative that opens with a case-sensitive letter other than the one
    it stands at on one comparison, but tries each word of a case-insensitive alternation in
    turn, so a long list costs that many attempts at every position it reaches.

    Only words with the same first letter (in any case the engine folds together when ``fold``)
    can match at one position, and those keep their order: the alternation matches the same.
    With ``fold`` each such letter opens one alternative per case, written case-sensitive (the
    rest of the words in any case), so that it stays one comparison inside a case-insensitive
    pattern too.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for w in words:
        if not w:
            return "(?:" + "|".join(re.escape(x) for x in words) + ")"
        groups.setdefault(tuple(folds(w[0])) if fold else (w[0],), []).append(w[1:])
    if not fold:
        return "(?:" + "|".join(f"{re.escape(c)}(?:{'|'.join(map(re.escape, rests))})"
                                for (c,), rests in groups.items()) + ")"
    return "(?:" + "|".join(f"(?-i:{re.escape(c)})(?i:{'|'.join(map(re.escape, rests))})"
                            for cases, rests in groups.items() for c in cases) + ")"

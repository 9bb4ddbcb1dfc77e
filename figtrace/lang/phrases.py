"""The little pattern language of lexicon files, compiled to regular expressions.

Lexicon authors write words, not regexes: ``*`` ends a word with any
inflection (``nordkoreanisch*``), ``...`` is a gap of up to five words
(``teilte ... mit``), and an entry written in capitals (``NIS``) only matches
in capitals. Everything else is literal and matched case-insensitively on
word boundaries. Keeping regex syntax out of the data means a new language
is written by a linguist, and no entry can backtrack catastrophically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

GAP = r"(?:[^\W_]|[-'’])*(?:\W+(?:[^\W_]|[-'’])+){0,5}?\W+"
_WORD_TAIL = r"[\w\-]*"


def _word(w: str) -> str:
    if w.endswith("*"):
        return re.escape(w[:-1]) + _WORD_TAIL
    return re.escape(w)


def phrase_pattern(phrase: str) -> str:
    """One lexicon entry as a regex (no outer group, no boundaries)."""
    parts = phrase.split()
    out: list[str] = []
    gap_next = False
    for p in parts:
        if p == "...":
            gap_next = True
            continue
        if out:
            out.append(r"\W+(?:\w+\W+){0,5}?" if gap_next else r"[\s\u00a0]+")
        gap_next = False
        out.append(_word(p))
    body = "".join(out)
    if _case_sensitive(phrase):
        return body
    return f"(?i:{body})"


def _case_sensitive(phrase: str) -> bool:
    letters = [c for c in phrase if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def boundary(body: str) -> str:
    """Wrap so a phrase never matches inside a longer word."""
    return rf"(?<![\w\-]){body}(?![\w])"


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation for many entries, longest first so the longest entry wins."""
    uniq = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not uniq:
        return None
    return re.compile(boundary("(?:" + "|".join(phrase_pattern(p) for p in uniq) + ")"))


def compile_labelled(entries: Sequence[tuple[str, str]]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Alternation whose match tells which label (canonical name, measure …) it came from.

    Each entry gets a named group ``g<i>``; ``m.lastgroup`` maps back to its label.
    """
    order = sorted(range(len(entries)), key=lambda i: (-len(entries[i][0]), entries[i][0]))
    labels: dict[str, str] = {}
    alts: list[str] = []
    for n, i in enumerate(order):
        phrase, label = entries[i]
        name = f"g{n}"
        labels[name] = label
        alts.append(f"(?P<{name}>{phrase_pattern(phrase)})")
    if not alts:
        return None, labels
    return re.compile(boundary("(?:" + "|".join(alts) + ")")), labels

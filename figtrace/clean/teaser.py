"""Teasers of other stories that a page appends after the article.

A closing run of paragraphs is a teaser when its topic words (names and other
capitalised words that are not sentence-initial) share (almost) nothing with
the story before it. Works on any language that capitalises names; it needs no
list of places or actors, so it does not go stale with the news.
"""

from __future__ import annotations

import re
from collections import Counter

from figtrace.letters import UPPER

#: Calibrated together on the seeds and the fixtures; change them as a set.
MAX_SHARED = 0.1  # at most this share of the tail's topic words may occur in the story
MAX_SHARED_FIRST = 0.25  # the tail's first paragraph on its own, so an on-topic line is never pulled in
MIN_TAIL_TERMS = 3  # fewer topic words are no evidence either way
MAX_TAIL_SHARE = 0.45  # a teaser is never most of the page
STEM = 6  # prefix length that joins "Nordkorea" and "nordkoreanische"

#: Capitalised words of Latin scripts; lower-case words never carry a topic here. The capital comes
#: first and the look-behind after it, so the regex engine skips from capital to capital.
_TOKEN = re.compile(rf"[{UPPER}](?<![\w-].)[\w-]*")
#: The same words where they open a sentence (after a full stop, colon, dash or the line start): the
#: line's start read on its own, so that the scan opens with the punctuation and skips ahead to it.
_INITIAL = re.compile(rf"[.!?:;•–—][\s\"„“”«»'‘’(\[]*([{UPPER}][\w-]*)")
_INITIAL_AT_START = re.compile(rf"[\s\"„“”«»'‘’(\[]*([{UPPER}][\w-]*)")


def topic_terms(line: str, ignore: frozenset[str]) -> set[str]:
    """Stems of capitalised words that do not start a sentence, and acronyms."""
    words = Counter(_TOKEN.findall(line))
    words.subtract(initial_words(line))
    out = set()
    for word, left in words.items():
        if left > 0 or (len(word) >= 2 and word.isupper()):
            stem = word.lower()[:STEM]
            if len(word) >= 2 and stem not in ignore:
                out.add(stem)
    return out


def initial_words(line: str) -> list[str]:
    """The capitalised words that open a sentence of ``line``: the line's first, then each after a
    full stop, colon or dash (as one scan for either would find them, the first read first)."""
    first = _INITIAL_AT_START.match(line)
    if first is None:
        return _INITIAL.findall(line)
    return [first.group(1), *_INITIAL.findall(line, first.end())]


def find_teaser(head: list[set[str]], units: list[set[str]], sizes: list[int]) -> int | None:
    """Index of the first unit of the closing teaser run, or None.

    ``head`` holds terms of lines that always count as the story (titles);
    ``units`` the terms of each body paragraph in order, ``sizes`` their lengths.
    """
    n = len(units)
    if n < 3:
        return None
    story: Counter[str] = Counter()
    for terms in head:
        story.update(terms)
    for terms in units:
        story.update(terms)
    tail: Counter[str] = Counter()
    total = sum(sizes) or 1
    tail_size = 0
    best = None
    for k in range(n - 1, 0, -1):
        story.subtract(units[k])
        tail.update(units[k])
        tail_size += sizes[k]
        if tail_size > MAX_TAIL_SHARE * total:
            break
        terms = [t for t in tail if tail[t] > 0]
        if len(terms) < MIN_TAIL_TERMS:
            continue
        shared = sum(1 for t in terms if story[t] > 0)
        first = units[k]
        first_shared = sum(1 for t in first if story[t] > 0) / len(first) if first else 0.0
        if shared / len(terms) <= MAX_SHARED and first_shared <= MAX_SHARED_FIRST:
            best = k
    return best

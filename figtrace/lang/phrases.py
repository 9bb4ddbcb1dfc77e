"""The little pattern language of lexicon files, compiled to regular expressions.

Lexicon authors write words, not regexes: ``*`` ends a word with any
inflection (``nordkoreanisch*``) or, in front, begins it with any compound
head (``*drohnen`` matches "Kampfdrohnen"), ``...`` is a gap of up to five words
(``teilte ... mit``), and an entry written in capitals (``NIS``) only matches
in capitals. Everything else is literal and matched case-insensitively on
word boundaries. Keeping regex syntax out of the data means a new language
is written by a linguist, and no entry can backtrack catastrophically.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import cache, cached_property, lru_cache

_WORD_TAIL = r"[\w\-]*"


def _word(w: str) -> str:
    head = ""
    if w.startswith("*") and len(w) > 1:
        head, w = r"[\w\-]*", w[1:]  # "*drohnen": any compound ending in it ("Kampfdrohnen")
    if w.endswith("*"):
        return head + re.escape(w[:-1]) + _WORD_TAIL
    return head + re.escape(w)


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


_TOKEN = re.compile(r"[^\W_][\w\-'’]*")
#: Length of the first-word prefix used to pick candidate positions.
KEY_LEN = 3


#: Texts at least this long (a whole document, not a sentence) keep their index in a slot of their own:
#: between two uses of a document's index the engine looks at many sentences, and when those pushed the
#: document out of the cache, its index was rebuilt per segment (quadratic in a long document).
BIG_TEXT = 4096
_big_index: list[tuple[str, dict[int, dict[str, list[int]]]]] = []


def _token_index(text: str) -> dict[int, dict[str, list[int]]]:
    """Word starts of a text by their lowercased first 1, 2 and 3 letters, computed once per text."""
    if len(text) < BIG_TEXT:
        return _small_token_index(text)
    for held, index in _big_index:
        if held is text:
            return index
    index = _build_index(text)
    _big_index[:] = [(text, index), *_big_index[:1]]  # the two most recent documents
    return index


@lru_cache(maxsize=64)
def _small_token_index(text: str) -> dict[int, dict[str, list[int]]]:
    return _build_index(text)


def _build_index(text: str) -> dict[int, dict[str, list[int]]]:
    lowered = text.lower()
    if len(lowered) != len(text) or "\u03a3" in text:
        return _build_index_by_word(text)  # "İ".lower() is two characters; a capital sigma lowers by context
    longest: dict[str, list[int]] = {}
    held = longest.get
    for tm in _TOKEN.finditer(text):
        st = tm.start()
        # (a word at the text's very end may give a shorter key: no entry's key of this length meets it)
        key = lowered[st: st + KEY_LEN]
        starts = held(key)
        if starts is None:
            longest[key] = [st]
        else:
            starts.append(st)
    index: dict[int, dict[str, list[int]]] = {KEY_LEN: longest}
    for k in range(KEY_LEN - 1, 0, -1):  # shorter prefixes: the longer ones' starts, grouped
        shorter: dict[str, list[int]] = {}
        for key, starts in index[k + 1].items():
            group = shorter.get(key[:k])
            if group is None:
                shorter[key[:k]] = list(starts)
            else:
                group.extend(starts)
        index[k] = shorter
    return index


def _build_index_by_word(text: str) -> dict[int, dict[str, list[int]]]:
    index: dict[int, dict[str, list[int]]] = {k: {} for k in range(1, KEY_LEN + 1)}
    for tm in _TOKEN.finditer(text):
        st = tm.start()
        low = text[st: st + KEY_LEN].lower()[:KEY_LEN]
        for k in range(1, len(low) + 1):
            index[k].setdefault(low[:k], []).append(st)
    return index


class PhrasePattern:
    """A compiled alternation that only tries entries where they can start.

    A big alternation of aliases tried at every character is the engine's
    hottest spot. Here the entries are grouped by the first letters of their
    first word; at each word of the text only the groups those letters name
    are tried. Results are those of the one big alternation: leftmost,
    non-overlapping, and at one position the entry listed first (longest)
    wins. Every entry is a named group ``a<i>`` (``i`` its rank), so
    ``m.lastgroup`` tells which entry matched.
    """

    def __init__(self, phrases: Sequence[str]):
        alts = [f"(?P<a{i}>{phrase_pattern(p)})" for i, p in enumerate(phrases)]
        #: The one big alternation (compiled on first use: only ``fullmatch`` and checks need it).
        self.pattern = boundary("(?:" + "|".join(alts) + ")")
        by_key: dict[str, list[int]] = {}
        odd: list[int] = []
        for i, p in enumerate(phrases):
            words = p.split()
            stem = (words[0] if words else p).rstrip("*").lower()
            if not stem or not stem[0].isalnum() or stem.startswith("*"):
                odd.append(i)
                continue
            by_key.setdefault(stem[:KEY_LEN], []).append(i)
        # each group is compiled when a text first has a word starting with its key: one short
        # document meets a small part of a big lexicon, and compiling is most of a cold start
        self.groups: dict[str, re.Pattern[str] | str] = {
            k: boundary("(?:" + "|".join(alts[i] for i in ix) + ")") for k, ix in by_key.items()}
        self.lens = sorted({len(k) for k in by_key})
        self.keys_by_len: dict[int, set[str]] = {}
        for k in by_key:
            self.keys_by_len.setdefault(len(k), set()).add(k)
        self._tries_by_low: dict[str, tuple[re.Pattern[str], ...]] = {}
        self._cache: dict[int, _Seen] = {}
        self._big: _Seen | None = None
        # entries that start with a sign ("%", "€", "-jährige") are few: scan for them directly
        self.odd = re.compile(boundary("(?:" + "|".join(alts[i] for i in odd) + ")")) if odd else None

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def _tries(self, low: str) -> tuple[re.Pattern[str], ...]:
        """The groups whose key begins a word starting with ``low`` (its lowered first letters), worked
        out once per such start: a group is compiled when a text first needs it."""
        tries = self._tries_by_low.get(low)
        if tries is None:
            found = []
            for k in self.lens:
                rx = self.groups.get(low[:k])
                if rx is None:
                    continue
                if isinstance(rx, str):
                    rx = self.groups[low[:k]] = re.compile(rx)
                found.append(rx)
            tries = self._tries_by_low[low] = tuple(found)
        return tries

    def _at(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
        """The match at ``pos`` of the entry listed first among those that match there."""
        tries = self._tries(text[pos: pos + KEY_LEN].lower()[:KEY_LEN])  # "İ".lower() is two characters
        if len(tries) == 1:
            return tries[0].match(text, pos, endpos)
        best: re.Match[str] | None = None
        for rx in tries:
            m = rx.match(text, pos, endpos)
            if m and (best is None or _rank(m) < _rank(best)):
                best = m
        return best

    def _state(self, text: str) -> _Seen:
        """The text's candidate word starts and the matches already worked out there."""
        big = self._big
        if big is not None and big.text is text:
            return big
        seen = self._cache.get(id(text))
        if seen is not None and seen.text is text:
            return seen
        index = _token_index(text)
        found: set[int] = set()
        for k, keys in self.keys_by_len.items():
            by_prefix = index[k]
            for key in by_prefix.keys() & keys:  # walks the smaller side: a short lexicon or a short text
                found.update(by_prefix[key])
        seen = _Seen(text, sorted(found))
        if len(text) >= BIG_TEXT:  # a document: kept apart, so sentences never push it out
            self._big = seen
            return seen
        if len(self._cache) > 8:
            self._cache.clear()
        self._cache[id(text)] = seen
        return seen

    def _scan(self, text: str, pos: int, endpos: int | None, first: bool) -> list[re.Match[str]]:
        """Leftmost non-overlapping matches in ``text[pos:endpos]`` (only the first when ``first``).

        The engine asks about the same document many times, window by window, so the match at each
        word start is kept per text. A window's end changes a match only when the match runs past it
        or the end cuts a word (then the boundary check sees the cut, not the word): only then is the
        match worked out again for the window.
        """
        size = len(text)
        if endpos is None or endpos > size:
            endpos = size
        seen = self._state(text)
        cand = seen.cand
        i = bisect_left(cand, pos)
        j = bisect_left(cand, endpos, i)
        found: list[re.Match[str]] = []
        if i < j:
            memo = seen.memo if endpos == size or not _WORDISH.match(text, endpos) else None
            last = -1
            for start in cand[i:j]:
                if start < last:
                    continue
                if memo is None:
                    m = self._at(text, start, endpos)
                else:
                    m = memo.get(start, _UNSEEN)
                    if m is _UNSEEN:
                        m = memo[start] = self._at(text, start, size)
                    if m is not None and m.end() > endpos:
                        m = self._at(text, start, endpos)
                if m:
                    found.append(m)
                    if first and self.odd is None:
                        return found
                    last = m.end()
        if self.odd is not None:
            if first:
                one = self.odd.search(text, pos, endpos)
                extra = [one] if one else []
            else:
                extra = list(self.odd.finditer(text, pos, endpos))
            if extra:
                merged = sorted(found + extra, key=lambda m: (m.start(), _rank(m)))
                found, last = [], -1
                for m in merged:
                    if m.start() >= last:
                        found.append(m)
                        last = m.end()
        return found[:1] if first else found

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):  # type: ignore[no-untyped-def]
        return iter(self._scan(text, pos, endpos, False))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        found = self._scan(text, pos, endpos, True)
        return found[0] if found else None

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        endpos = len(text) if endpos is None else endpos
        m = self._at(text, pos, endpos)
        if self.odd is not None:
            o = self.odd.match(text, pos, endpos)
            if o and (m is None or _rank(o) < _rank(m)):
                m = o
        return m

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, len(text) if endpos is None else endpos)


#: A window end that cuts no word: the boundary check after a match sees the same there as in the whole text.
_WORDISH = re.compile(r"[\w\-]")
_UNSEEN = object()


class _Seen:
    """One text as a pattern has met it: where entries may begin, and the match found at each start
    (``None``: none) when the window reaches the text's end."""

    __slots__ = ("cand", "memo", "text")

    def __init__(self, text: str, cand: list[int]):
        self.text = text
        self.cand = cand
        self.memo: dict[int, re.Match[str] | None] = {}


def _rank(m: re.Match[str]) -> int:
    return int((m.lastgroup or "a0")[1:])


def compile_phrases(phrases: Iterable[str]) -> PhrasePattern | None:
    """One alternation for many entries, longest first so the longest entry wins."""
    uniq = tuple(sorted(set(phrases), key=lambda p: (-len(p), p)))
    if not uniq:
        return None
    return _compiled(uniq)


@cache
def _compiled(uniq: tuple[str, ...]) -> PhrasePattern:
    """One pattern per distinct list: readers that ask for the same lexicon list (the attack nouns, a
    language's months) share it, its compiled groups and its per-text index."""
    return PhrasePattern(uniq)


def compile_labelled(entries: Sequence[tuple[str, str]]) -> tuple[PhrasePattern | None, dict[str, str]]:
    """Alternation whose match tells which label (canonical name, measure …) it came from.

    ``labels[m.lastgroup]`` is the label of the entry that matched.
    """
    order = sorted(range(len(entries)), key=lambda i: (-len(entries[i][0]), entries[i][0]))
    if not order:
        return None, {}
    labels = {f"a{n}": entries[i][1] for n, i in enumerate(order)}
    return PhrasePattern([entries[i][0] for i in order]), labels

"""Find figures in text: digits in the language's notation, number words,
vague amounts, ranges, and the qualifiers that bound them.

Everything language-specific (separators, number words, qualifier phrases)
comes from the lexicon's ``numbers.toml`` and ``qualifiers.toml``; this module
only knows how numbers are *shaped*. Patterns are compiled once per language
and contain no nested quantifiers, so no input can make them backtrack
catastrophically (see tests/test_numbers.py for the property tests).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from figtrace.extract.spans import drop_overlaps
from figtrace.extract.wordstarts import by_first_letter
from figtrace.lang import Lexicon, get_lexicon
from figtrace.lang.phrases import compile_labelled, compile_phrases
from figtrace.letters import starts_like

#: Answers that are a function of one short spelling ("and", "zwei", a source's name) are kept for this
#: many spellings per reader: the same few recur in every sentence.
SPELLINGS_KEPT = 4096
#: Digit strings this long without separators are ids, not counts.
MAX_PLAIN_DIGITS = 7
#: More scale words than this in one number ("one million billion …") is no figure.
MAX_SCALE_WORDS = 3
#: No count in any conflict reaches this; larger "figures" are ids, serial numbers or noise.
MAX_VALUE = 1e12
#: How far left of a figure a qualifier may start (characters).
QUALIFIER_WINDOW = 40

_LOWER = {"approx", "exact"}


@dataclass(slots=True)
class Mention:
    """One figure in the text, with offsets into the text it was found in."""

    start: int  # surface start, qualifier included
    end: int
    num_start: int  # the number itself
    num_end: int
    value: float
    low: float | None
    high: float | None
    qualifier: str
    surface: str
    kind: str = "digits"  # digits, words, vague, range
    qspan: tuple[int, int] = (0, 0)  # where the qualifier phrase stands, if any

    @property
    def is_vague(self) -> bool:
        return self.qualifier == "vague"


def parse_number(s: str, lang: str) -> float | None:
    """The value of a number written in ``lang``'s notation (digits or words), else None."""
    f = finder(lang)
    s = s.strip()
    m = f.digits.fullmatch(s)
    if m:
        return f._digit_value(m)
    v = f._word_value(s)
    return v


def format_number(value: float, lang: str, group: bool = True) -> str:
    """Write ``value`` the way ``lang`` does (inverse of :func:`parse_number`)."""
    lex = get_lexicon(lang)
    dec = lex.numbers["decimal_separator"]
    seps = [s for s in lex.numbers["group_separators"] if s != dec]
    whole = int(abs(value))
    frac = abs(value) - whole
    txt = f"{whole:,}".replace(",", seps[0]) if group and seps else str(whole)
    if frac:
        digits = f"{frac:.6f}"[2:].rstrip("0")
        txt += dec + digits
    return ("-" if value < 0 else "") + txt


class NumberFinder:
    """Compiled number patterns for one language."""

    def __init__(self, lex: Lexicon):
        n = lex.numbers
        self.lang = lex.code
        self.dec = n["decimal_separator"]
        self.groups = [g for g in n["group_separators"] if g != self.dec]
        grp = "[" + "".join(re.escape(g) for g in self.groups) + "]"
        dec = re.escape(self.dec)
        # 1-3 digits then groups of exactly three, or a plain run; optional decimals.
        self.digits = re.compile(rf"(?:\d{{1,3}}(?:{grp}\d{{3}})+|\d+)(?:{dec}\d+)?")
        # the same number after its first digit, looked behind afterwards: a scan that begins with a
        # digit skips ahead to the next one instead of trying every character (see extract/timeref.py)
        self.digit_scan = re.compile(
            rf"\d(?<![\w.,/:#@]\d)(?<![^\W\d_]-\d)(?:\d{{0,2}}(?:{grp}\d{{3}})+|\d*)(?:{dec}\d+)?(?![\d])"
        )
        words = n["words"]
        self.units: dict[str, int] = {k.lower(): v for k, v in words.get("units", {}).items()}
        self.teens: dict[str, int] = {k.lower(): v for k, v in words.get("teens", {}).items()}
        self.tens: dict[str, int] = {k.lower(): v for k, v in words.get("tens", {}).items()}
        self.hundred = {w.lower() for w in words.get("hundred", [])}
        self.scales: dict[str, int] = {k.lower(): v for k, v in words.get("scales", {}).items()}
        self.joiners = {w.lower() for w in words.get("joiners", [])}
        self.fractions: dict[str, float] = {k.lower(): v for k, v in words.get("fractions", {}).items()}
        self.weak = {w.lower() for w in words.get("weak", [])}
        self.ordinal_dot = bool(lex.sentences.get("ordinal_dot"))
        self.glued = sorted(((k.lower(), float(v)) for k, v in n.get("glued_scales", {}).items()),
                            key=lambda kv: -len(kv[0]))
        self.glued_units = tuple(w.lower() for w in n.get("glued_units", []))
        self._glued_reach = max((len(w) for w in self.glued_units), default=0)
        morphemes = sorted(
            set(self.units) | set(self.teens) | set(self.tens) | self.hundred | set(self.scales) | self.joiners
            | set(self.fractions),
            key=len, reverse=True,
        )
        self._morph = re.compile("|".join(re.escape(m) for m in morphemes), re.IGNORECASE) if morphemes else None
        morph_alt = by_first_letter(morphemes, fold=True)
        # possessive: a glued compound is read greedily once, never re-split (no backtracking)
        token = rf"(?:{morph_alt})++" if n.get("compound_words") else morph_alt
        # (a look-ahead for the morphemes' first letters first: see letters.starts_like)
        # "and", "a", "ein": the same few runs in every sentence, read once per spelling
        self._read_words = lru_cache(maxsize=SPELLINGS_KEPT)(self._words_value)
        self.word_scan = re.compile(
            rf"{starts_like(morphemes)}(?<![\w\-])(?i:{token}(?:[\s\-]+{token})*)(?![\w])"
        )
        scale_entries = sorted(n.get("scale_suffixes", {}).items(), key=lambda kv: -len(kv[0]))
        self._scale_labels = {k.lower(): float(v) for k, v in scale_entries}
        self.scale_suffix = re.compile(
            "(?i:" + "|".join(re.escape(k) for k, _ in scale_entries) + r")(?![\w])"
        ) if scale_entries else None
        self.vague, self._vague_labels = compile_labelled([(k, str(v)) for k, v in n.get("vague", {}).items()])
        # "a dozen", "half a dozen": a set amount in words, qualified like any number ("more than a dozen")
        self.amounts, self._amount_labels = compile_labelled([(k, str(v)) for k, v in n.get("amounts", {}).items()])
        q = lex.qualifiers
        self.prefix_q = {k.lower(): v for k, v in q.get("prefix", {}).items()}
        self.prefix_blocked = {k.lower(): {w.lower() for w in v} for k, v in q.get("prefix_blocked_after", {}).items()}
        self.suffix_q = {k.lower(): v for k, v in q.get("suffix", {}).items()}
        fw = q.get("figure_words", {}).get("words", [])
        self.figure_words = {w.lower() for w in fw}
        left_phrases = list(self.prefix_q) + list(self.figure_words)
        self._left = re.compile(
            r"(?:^|(?<=[\s(\"„“'‚]))(?P<p>"
            + by_first_letter(sorted(left_phrases, key=len, reverse=True), fold=True)
            + r")[\s\u00a0]+$",
            re.IGNORECASE,
        ) if left_phrases else None
        self._suffix = re.compile(
            r"[\s\u00a0]*(?P<s>"
            + by_first_letter(sorted(self.suffix_q, key=len, reverse=True), fold=True)
            + r")(?![\w])",
            re.IGNORECASE,
        ) if self.suffix_q else None
        rng = q.get("range", {})
        joiners = rng.get("joiners", [])
        self._range_join = re.compile(
            r"^[\s\u00a0]*(?:" + "|".join(re.escape(j) for j in sorted(joiners, key=len, reverse=True))
            + r")[\s\u00a0]*$", re.IGNORECASE,
        ) if joiners else None
        self._between = [(a.lower(), b.lower()) for a, b in rng.get("between", [])]
        self._between_open = compile_phrases(a for a, _ in self._between)
        self._between_mid = compile_phrases(b for _, b in self._between)

    # -- values ---------------------------------------------------------------
    def _digit_value(self, m: re.Match[str] | str) -> float:
        s = m if isinstance(m, str) else m.group(0)
        intpart, _, frac = s.partition(self.dec)
        for g in self.groups:
            intpart = intpart.replace(g, "")
        return float(f"{intpart}.{frac}" if frac else intpart)

    def _segment(self, token: str) -> list[str] | None:
        """Split one lowercase number-word token into morphemes (longest first), or None."""
        out: list[str] = []
        pos = 0
        assert self._morph is not None
        while pos < len(token):
            m = self._morph.match(token, pos)
            if not m:
                return None
            out.append(m.group(0).lower())
            pos = m.end()
        return out

    def _word_value(self, s: str) -> float | None:
        if self._morph is None:
            return None
        parts: list[str] = []
        for tok in re.split(r"[\s\-]+", s.lower().strip()):
            if not tok:
                continue
            seg = self._segment(tok)
            if seg is None:
                return None
            parts.extend(seg)
        if not parts or all(p in self.weak or p in self.joiners for p in parts):
            return None
        if parts[0] in self.joiners or parts[-1] in self.joiners:
            return None
        total = 0.0
        current = 0.0
        fraction = 0.0
        seen_scale = False
        if any(p in self.fractions for p in parts):
            # "eine halbe Million", "one and a half million", "half a million": the fraction needs a scale
            if not any(p in self.scales for p in parts):
                return None
            parts = [p for i, p in enumerate(parts)
                     if not (p in self.weak and any(q in self.fractions for q in parts[i + 1: i + 2]))
                     and not (p in self.weak and i > 0 and parts[i - 1] in self.fractions)]
        if sum(p in self.scales or p in self.hundred for p in parts) > MAX_SCALE_WORDS:
            return None  # "tausend tausend tausend …": not a figure, and it would overflow
        for p in parts:
            if p in self.joiners:
                continue
            if p in self.fractions:
                fraction = self.fractions[p]
            elif p in self.units:
                current += self.units[p]
            elif p in self.teens:
                current += self.teens[p]
            elif p in self.tens:
                current += self.tens[p]
            elif p in self.hundred:
                current = (current or 1) * 100
                seen_scale = True
            elif p in self.scales:
                total += ((current + fraction) if (current or fraction) else 1) * self.scales[p]
                current = 0
                fraction = 0.0
                seen_scale = True
        value = total + current
        # a lone weak word ("ein", "a") is an article, not a count
        if not seen_scale and all(p in self.weak or p in self.joiners for p in parts):
            return None
        return float(value) if value > 0 else None

    # -- finding --------------------------------------------------------------
    def find(self, text: str, start: int = 0, end: int | None = None,
             blocked: list[tuple[int, int]] | None = None) -> list[Mention]:
        """Every figure in ``text[start:end]`` not inside a blocked span (dates, URLs, ids)."""
        end = len(text) if end is None else end
        raw: list[Mention] = []
        if self.vague is not None:
            for m in self.vague.finditer(text, start, end):
                v = float(self._vague_labels[m.lastgroup or ""])
                raw.append(Mention(m.start(), m.end(), m.start(), m.end(), v, v, None, "vague", m.group(0), "vague"))
        if self.amounts is not None:
            for m in self.amounts.finditer(text, start, end):
                v = float(self._amount_labels[m.lastgroup or ""])
                raw.append(Mention(m.start(), m.end(), m.start(), m.end(), v, v, v, "exact", m.group(0), "words"))
        for m in self.word_scan.finditer(text, start, end):
            a, b, v = self._read_words(m.group(0))
            if v is not None:
                a, b = m.start() + a, m.start() + b
                raw.append(Mention(a, b, a, b, v, v, v, "exact", text[a:b], "words"))
        for m in self.digit_scan.finditer(text, start, end):
            s = m.group(0)
            nxt = text[m.end(): m.end() + 2]
            glued = self._glued_scale(text, m.end())
            if nxt[:1].isalpha() and not glued and not self._glued_unit_ok(text, m.end()):
                continue  # "521907833Vergrößern", "3rd": an id or an ordinal
            if s.isdigit() and len(s) >= MAX_PLAIN_DIGITS:
                continue
            if len(s) > 1 and s[0] == "0" and s[1] != self.dec:
                continue  # "0 800 300 529", "007": a phone number or a code, never a count
            v = self._digit_value(s)
            if not math.isfinite(v) or v > MAX_VALUE:
                continue  # hundreds of digit groups: no count, and float cannot hold it
            mention = Mention(m.start(), m.end(), m.start(), m.end(), v, v, v, "exact", s, "digits")
            if glued:
                factor, length = glued
                mention.value = mention.low = mention.high = round(v * factor, 6)
                mention.num_end = mention.end = m.end() + length
                mention.surface = text[m.start(): mention.num_end]
            else:
                self._scale(text, mention, end)
            if mention.num_end == m.end() and nxt[:1] == "-" and nxt[1:].isalpha() and not (
                    self._suffix is not None and self._suffix.match(text, m.end(), end)):
                continue  # a compound modifier: "23-year-old", "1,000-for-1,000"; not "10,000-plus"
            if self.ordinal_dot and text[m.end(): m.end() + 1] == "." and m.end() + 2 < end and \
                    text[m.end() + 1: m.end() + 2].isspace() and len(s) <= 3:
                continue  # "im 2. Weltkrieg", "die 47. Brigade": an ordinal inside the sentence
            raw.append(mention)
        mentions = drop_overlaps(raw, lambda x: (x.num_start, x.num_end))
        if blocked:
            mentions = [x for x in mentions if not _inside(x.num_start, x.num_end, blocked)]
        mentions = self._ranges(text, mentions, start)
        for x in mentions:
            self._qualify(text, x, start, end)
        return mentions

    def _words_value(self, words: str) -> tuple[int, int, float | None]:
        """A run of number words: where its number stands in it (joiners trimmed) and its value."""
        a, b = self._trim_joiners(words, 0, len(words))
        return a, b, self._word_value(words[a:b]) if a < b else None

    def _trim_joiners(self, text: str, a: int, b: int) -> tuple[int, int]:
        """'und zweitausend': a joiner standing alone belongs to the sentence, not the number."""
        words = list(re.finditer(r"[^\s\-]+", text[a:b]))
        while words and words[0].group(0).lower() in self.joiners:
            words.pop(0)
        while words and words[-1].group(0).lower() in self.joiners:
            words.pop()
        if not words:
            return a, a
        return a + words[0].start(), a + words[-1].end()

    def _glued_scale(self, text: str, pos: int) -> tuple[float, int] | None:
        """'1.5m', '2bn': a scale letter written onto the digits, then no more letters."""
        for suffix, factor in self.glued:
            after = pos + len(suffix)
            if text[pos: after].lower() == suffix and not text[after: after + 1].isalnum():
                return factor, len(suffix)
        return None

    def _glued_unit_ok(self, text: str, pos: int) -> bool:
        """'5km', '3Mio': letters on the digits that the lexicon names as a unit or scale abbreviation."""
        return bool(self.glued_units) and text[pos: pos + self._glued_reach].lower().startswith(self.glued_units)

    def _scale(self, text: str, x: Mention, end: int) -> None:
        """'1,5 Millionen', '27-hundred': multiply by a following scale word."""
        if self.scale_suffix is None:
            return
        c = text[x.num_end: x.num_end + 1]  # one space or hyphen may stand between ("27-hundred")
        pos = x.num_end + (1 if c and (c.isspace() or c == "-") else 0)
        sm = self.scale_suffix.match(text, pos, min(end, pos + 20))
        if sm:
            factor = self._scale_labels[sm.group(0).lower()]
            x.value = x.low = x.high = round(x.value * factor, 6)
            x.num_end = x.end = sm.end()
            x.surface = text[x.num_start: x.num_end]

    def _ranges(self, text: str, ms: list[Mention], floor: int = 0) -> list[Mention]:
        """Join '10.000 bis 12.000' and 'zwischen 10.000 und 12.000' into one range."""
        out: list[Mention] = []
        i = 0
        while i < len(ms):
            a = ms[i]
            if i + 1 < len(ms) and not a.is_vague and not ms[i + 1].is_vague:
                b = ms[i + 1]
                gap = text[a.num_end: b.num_start]
                joined = False
                if self._range_join and self._range_join.match(gap) and b.value > a.value:
                    joined = True
                elif self._between_mid and b.value > a.value:
                    mid = self._between_mid.fullmatch(gap.strip()) if gap.strip() else None
                    lead_start = max(floor, a.num_start - 30)
                    lead = text[lead_start: a.num_start]
                    op = None
                    if mid and self._between_open:
                        for om in self._between_open.finditer(lead):
                            op = om
                    if mid and op and not lead[op.end():].strip(" \u00a0"):
                        joined = True
                        a.start = a.num_start = lead_start + op.start()
                if joined:
                    a.low, a.high, a.value = a.value, b.value, a.value
                    a.num_end = a.end = b.num_end
                    a.qualifier = "range"
                    a.kind = "range"
                    a.surface = text[a.start: a.end]
                    out.append(a)
                    i += 2
                    continue
            out.append(a)
            i += 1
        return out

    def _qualify(self, text: str, x: Mention, floor: int, ceiling: int) -> None:
        """Read the qualifier before (and after) a figure into qualifier/low/high."""
        if x.qualifier == "range":
            return
        lo = max(floor, x.start - QUALIFIER_WINDOW)
        q = None
        start = x.start
        for _ in range(3):  # "insgesamt etwa", "mehr als weitere"
            if self._left is None:
                break
            m = self._left.search(text, lo, start)
            if not m:
                break
            phrase = m.group("p").lower()
            if phrase in self.prefix_q and q is None and not x.is_vague:
                before = text[max(lo, m.start() - 30): m.start()].split()
                if before and before[-1].lower().strip(".,;:") in self.prefix_blocked.get(phrase, set()):
                    break
                q = self.prefix_q[phrase]
                x.qspan = (m.start("p"), m.end("p"))
            elif phrase not in self.figure_words:
                break
            start = m.start()
        if self._suffix is not None and q is None and not x.is_vague:
            sm = self._suffix.match(text, x.num_end, min(ceiling, x.num_end + 12))
            if sm:
                q = self.suffix_q[sm.group("s").lower()]
                x.end = sm.end()
        x.start = start
        x.surface = text[x.start: x.end]
        if q is None:
            return
        x.qualifier = q
        v = x.value
        if q in ("at_least", "more_than"):
            x.low, x.high = v, None
        elif q in ("at_most", "less_than", "up_to"):
            x.low, x.high = None, v
        else:
            x.low = x.high = v


def _inside(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``[a, b)`` overlaps one of ``spans`` (sorted by start, as ``blocked_spans`` returns them).

    The spans are the whole document's and this runs per figure: comparing with
    every span made a page of many dates quadratic (a 2 MB line took minutes).
    An overlap exists iff some span starting before ``b`` ends after ``a``; the
    largest end among the first i spans is kept per list, so a test is one bisection.
    """
    starts, max_ends = _span_index(spans)
    i = bisect.bisect_left(starts, b)
    return i > 0 and max_ends[i - 1] > a


_last_index: tuple[list[tuple[int, int]], list[int], list[int]] | None = None


def _span_index(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Starts and running maximum of ends of ``spans``, built once per list (the engine reuses one per document)."""
    global _last_index
    last = _last_index
    if last is not None and last[0] is spans and len(last[1]) == len(spans):
        return last[1], last[2]
    starts, max_ends, top = [], [], -1
    for s, e in spans:
        starts.append(s)
        top = max(top, e)
        max_ends.append(top)
    _last_index = (spans, starts, max_ends)
    return starts, max_ends


@cache
def finder(lang: str) -> NumberFinder:
    return NumberFinder(get_lexicon(lang))

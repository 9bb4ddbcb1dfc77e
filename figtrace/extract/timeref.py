"""When a figure holds, and which numbers are dates rather than figures.

Two jobs that share one set of patterns: ``blocked_spans`` marks dates,
times, URLs and ids so the number finder skips them; ``find_times`` reads
time expressions into periods (``2025-06-15``, ``2025-01..2025-02``,
``2024``), resolving relative ones ("am Dienstag", "last year") against the
publication date. Month names, seasons and relative phrases come from the
lexicon's ``time.toml``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from figtrace.extract.spans import drop_overlaps
from figtrace.extract.wordstarts import NOWHERE, by_first_letter, matches_from, starts_in, word_starts
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_phrases
from figtrace.letters import folds, starts_like
from figtrace.periods import Precision, iso_at, precise_date

#: "seit … <date>": how far before a date (characters, words) its "since" may stand.
SINCE_REACH = 60
SINCE_WORDS = 7
_URL = re.compile(r"https?://\S+|www\.\S+|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}|!\[[^\]\n]{0,300}\]\([^)\n]{0,500}\)|\]\([^)\n]{0,500}\)")
# The patterns below that read digits begin with the first digit and look behind it afterwards
# ("\d(?<![\d.]\d)" for "(?<![\d.])\d"): the same matches, but a pattern that begins with a
# look-behind is tried at every character of a document, one that begins with a digit lets the
# regex engine skip ahead to the next digit (about five times faster on news text).
#: "14:30" after its first digit; "14.30" needs a clock word after it (the lexicon's ``clock_words``).
_CLOCK = r"(?<!\d\d)\d?:\d{2}(?::\d{2})?(?!\d)"
_NUMDATE = re.compile(
    r"\d(?<![\d.]\d)(?:\d{3}-\d{2}-\d{2}|\d?\.\d{1,2}\.(?:\d{4}|\d{2})(?!\d)|\d?/\d{1,2}/\d{2,4})"
)
_PHONE = re.compile(r"\+(?<!\w\+)\d[\d\s/()\-]{7,}\d")
#: What any match of ``_URL`` holds: a scheme, "www.", an e-mail's "@", a Markdown link's "](".
_URL_SIGNS = ("http", "www.", "@", "](")
#: The lexicon's lists of relative expressions, each resolved against the publication date its own way.
_RELATIVE = ("this_year", "last_year", "this_month", "last_month", "last_week", "this_week", "today", "yesterday")
#: Which list of words, and whether its words match in any case (see ``TimeFinder._starts``).
_Key = tuple[str | bool, ...]
#: The capitalised months and the parts of a year as ``my`` spells them: where it may begin.
_MONTHS_OR_PARTS: _Key = ("months", "parts_of_year")
#: A year after a space, as ``year_after`` reads it (its first digit first: see the note above).
_SPACED_YEAR = re.compile(r"(?:1(?<=\s1)9|2(?<=\s2)0)\d\d(?![\d.,]\d)")
_YEAR = re.compile(r"(1(?<![\d.,]1)9[5-9]\d|2(?<![\d.,]2)0\d\d)(?![\d.,]\d)(?!-(?:0[1-9]|1[0-2])(?![\d\-]))")


@dataclass(frozen=True, slots=True)
class Published:
    """A publication date at the precision its metadata has: a day, a month or a year.

    A month-only date ("2025-08") still anchors "last year" and "im Juni"; a
    weekday or "yesterday" against it resolves to that month, never to a
    made-up day.
    """

    date: dt.date  # the first day of the period
    precision: Precision

    @property
    def iso(self) -> str:
        return iso_at(self.date, self.precision)

    @classmethod
    def parse(cls, value: object) -> Published | None:
        if isinstance(value, dt.datetime):
            return cls(value.date(), "day")
        if isinstance(value, dt.date):
            return cls(value, "day")
        found = precise_date(value)  # the one reader of dates at their precision
        return cls(*found) if found else None


@dataclass(frozen=True, slots=True)
class TimeExpr:
    start: int
    end: int
    period: str | None  # None: a time we could not resolve (no publication date)
    kind: str  # explicit, relative, period, present


def _fmt_month(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _shift_months(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


class TimeFinder:
    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        t = lex.time
        self.lang = lang
        self.months = {k.lower(): v for k, v in t["months"].items()}
        self.weekdays = {k.lower(): v for k, v in t["weekdays"].items()}
        self.seasons = {k.lower(): v for k, v in t["seasons"].items()}
        self.parts_year = {k.lower(): v for k, v in t["parts_of_year"].items()}
        self.units = {k.lower(): v for k, v in t.get("units", {}).items()}
        self.previous = {w.lower() for w in t.get("previous", [])}
        mon = _alt(self.months, cap=True)
        wd = _alt(self.weekdays, cap=True)
        season = _alt(self.seasons, cap=None)
        parts = _alt(self.parts_year, cap=None)
        yw = _alt(t.get("year_words", []), cap=None)
        # "15. Juni 2025", "15 June 2025"
        self.dmy = re.compile(
            rf"(?P<d>\d(?<!\d\d)\d?)\.?[\s\u00a0]+(?P<m>{mon})\.?(?:[\s\u00a0]+(?P<y>\d{{4}}))?(?!\w)")
        # "June 15, 2025"
        sfx = _alt(t.get("day_suffixes", []), cap=None)
        # (each keyword-led pattern opens with a look-ahead for its words' first letters: see letters.starts_like)
        self.mdy = re.compile(
            rf"{starts_like(self.months)}(?<!\w)(?P<m>{mon})\.?[\s\u00a0]+(?P<d>\d{{1,2}})(?:{sfx})?(?!\d)(?:,?[\s\u00a0]+(?P<y>\d{{4}}))?")
        # "Januar und Februar 2025", "Anfang März", "June 2025"
        self.my = re.compile(
            rf"{starts_like([*self.parts_year, *self.months])}(?<!\w)(?:(?P<part>{parts})[\s\u00a0]+)?(?P<m>{mon})\.?"
            rf"(?:[\s\u00a0]+\w{{1,4}}[\s\u00a0]+(?P<m2>{mon}))?(?:[\s\u00a0]+(?P<y>\d{{4}}))?(?!\w)"
        )
        self.season = re.compile(
            rf"{starts_like(self.seasons)}(?<!\w)(?P<s>{season})(?:(?:[\s\u00a0]+\w{{1,3}})?[\s\u00a0]+(?P<y>\d{{4}}))?(?!\w)",
            re.IGNORECASE)
        self.part_year = re.compile(
            rf"{starts_like(self.parts_year)}(?<!\w)(?P<part>{parts})[\s\u00a0]+(?:\w{{1,4}}[\s\u00a0]+){{0,2}}(?:(?:{yw})[\s\u00a0]+)?(?P<y>\d{{4}})(?!\d)",
            re.IGNORECASE,
        )
        self.weekday = re.compile(rf"{starts_like(self.weekdays)}(?<!\w)(?P<w>{wd})\w*", re.UNICODE)
        self.rel: list[tuple[re.Pattern[str], str]] = []
        for key in _RELATIVE:
            p = compile_phrases(t.get(key, []))
            if p is not None:
                self.rel.append((p, key))
        # every relative expression in one pattern: a window where it finds none skips the eight (exact:
        # wherever one of them matches, the joined pattern finds a match there or one overlapping it)
        self.rel_any = compile_phrases([w for key in _RELATIVE for w in t.get(key, [])])
        units_alt = _alt(self.units, cap=None)
        pl = _alt(t.get("period_last", []), cap=None)
        pl_first = starts_like(t.get("period_last", []))
        self.period_last = re.compile(
            rf"{pl_first}(?<!\w)(?:{pl})[\s\u00a0]+(?:(?P<n>[\w.,]+)[\s\u00a0]+)?(?P<u>{units_alt})(?!\w)",
            re.IGNORECASE
        ) if pl else None
        ab = _alt(t.get("ago_before", []), cap=None)
        ab_first = starts_like(t.get("ago_before", []))
        aa = _alt(t.get("ago_after", []), cap=None)
        self.ago_before = re.compile(
            rf"{ab_first}(?<!\w)(?:{ab})[\s\u00a0]+(?P<n>[\w.,]+)[\s\u00a0]+(?P<u>{units_alt})(?!\w)",
            re.IGNORECASE
        ) if ab else None
        self.ago_after = re.compile(
            rf"(?<![\w.,])(?P<n>[\w.,]{{1,20}})[\s\u00a0]+(?P<u>{units_alt})[\s\u00a0]+(?:{aa})(?!\w)", re.IGNORECASE
        ) if aa else None
        self.present = compile_phrases(t.get("present", []))
        self.since = compile_phrases(t.get("since", []))
        yp = _alt(t.get("year_prepositions", []), cap=None)
        yp_first = starts_like(t.get("year_prepositions", []))
        self.year_after = re.compile(
            rf"{yp_first}(?<!\w)(?i:{yp})[\s\u00a0]+(?P<y>(?:19|20)\d\d)(?![\d.,]\d)"
        ) if t.get("year_prepositions") else None
        # read back from the year: a preposition that ends where the spaces before it begin
        self._ends_preposition = re.compile(rf"(?<!\w)(?i:{yp})\Z") if t.get("year_prepositions") else None
        self._preposition_reach = max((len(w) for w in t.get("year_prepositions", [])), default=0)
        clock = _alt(t.get("clock_words", []), cap=False)
        self.clock = re.compile(r"\d(?:" + _CLOCK + (
            rf"|(?<![\d.]\d)\d?\.\d{{2}}(?=\s*(?:{clock})\b)" if t.get("clock_words") else "") + ")")
        lower = lex.sentences.get("lowercase_letters", "")
        lower_alt = f"[{re.escape(lower)}]|" if lower else ""
        self.ordinal = re.compile(
            rf"\d(?<![\d.,]\d)\d{{0,2}}\.(?=[\s\u00a0]+(?:{lower_alt}(?:{mon})))"
        ) if lex.sentences.get("ordinal_dot") else None

        # Where each keyword-led pattern may begin: where one of its words begins a word (months and
        # weekdays as the patterns spell them, capitalised and case-sensitive; the rest in any case).
        # Found once per document, these few positions are all the pattern is tried at (wordstarts.py).
        cased = lambda ws: [w[:1].upper() + w[1:] for w in ws]  # noqa: E731
        # (keyed by the lexicon's list and whether its words match in any case)
        lists: dict[_Key, tuple[list[str], bool, str]] = {
            ("months", False): (cased(self.months), False, ""),
            ("weekdays", False): (cased(self.weekdays), False, ""),
            ("parts_of_year", False): (list(self.parts_year), False, ""),
            ("seasons", True): (list(self.seasons), True, ""),
            ("parts_of_year", True): (list(self.parts_year), True, r"[\s\u00a0]"),
            ("period_last", True): (t.get("period_last", []), True, r"[\s\u00a0]"),
            ("ago_before", True): (t.get("ago_before", []), True, r"[\s\u00a0]"),
            ("ago_after", True): (t.get("ago_after", []), True, ""),
        }
        self._leads = {key: word_starts(words, fold=fold, tail=tail) for key, (words, fold, tail) in lists.items()}
        # Capitalised month and weekday names are rare letters to skip to; the other lists begin with
        # common ones ("seit", "ende", "vor"), so they share one scan from the characters before words,
        # and each position it finds is then tried with the lists whose words begin with its letter.
        self._shared = [key for key in lists if key[0] not in ("months", "weekdays")
                        and self._leads[key] is not None and self._leads[key] is not NOWHERE]
        shared_words = sorted({w for key in self._shared for w in lists[key][0]}, key=len, reverse=True)
        ahead = rf"(?=(?i:{by_first_letter(shared_words, fold=True)}))"
        # the character before a word, in three classes the engine tests fast: a space (a literal it
        # searches for), other ASCII characters that are no word character, and any other character
        # that is none ("\W" itself is tested per character against the Unicode tables: slower)
        self._shared_scans = [re.compile(" " + ahead), re.compile(r"[\x00-\x1f!-/:-@\[-^`{-\x7f]" + ahead),
                              re.compile(r"[^\x00-\x7f](?<=\W)" + ahead)] if shared_words else []
        self._by_letter: dict[str, list[_Key]] = {}
        for key in self._shared:
            for c in {c for w in lists[key][0] for c in folds(w[0])}:
                self._by_letter.setdefault(c, []).append(key)
        #: Each pattern led by words and the positions it may begin at; ``dmy`` and ``ago_after`` end in
        #: their words (a month, "ago"): a window without one cannot hold them.
        #: (keyed by the patterns' ids: a pattern's hash reads its whole compiled code)
        self._led_by: dict[int, _Key] = {id(rx): key for rx, key in (
            (self.mdy, ("months", False)), (self.my, _MONTHS_OR_PARTS), (self.weekday, ("weekdays", False)),
            (self.season, ("seasons", True)), (self.part_year, ("parts_of_year", True)),
            (self.period_last, ("period_last", True)), (self.ago_before, ("ago_before", True))) if rx is not None}
        self._gated_by: dict[int, _Key] = {id(rx): key for rx, key in (
            (self.dmy, ("months", False)), (self.ago_after, ("ago_after", True))) if rx is not None}
        self._last: tuple[str, dict[_Key, list[int] | None]] | None = None

    def _starts(self, text: str) -> dict[_Key, list[int] | None]:
        """Where each list's words begin a word in ``text`` (None: anywhere), kept for the last text:
        the engine asks once for the whole document, then once per sentence."""
        last = self._last
        if last is not None and last[0] is text:
            return last[1]
        starts: dict[_Key, list[int] | None] = {
            key: None if rx is None else [] if rx is NOWHERE or key in self._shared
            else [m.start() for m in rx.finditer(text)]
            for key, rx in self._leads.items()}
        if self._shared_scans and text:
            leads, by_letter, shared = self._leads, self._by_letter, self._shared
            after = [m.end() for rx in self._shared_scans for m in rx.finditer(text)]
            after.sort()
            for p in (0, *after):
                for key in by_letter.get(text[p], shared):
                    if leads[key].match(text, p):  # type: ignore[union-attr]
                        starts[key].append(p)  # type: ignore[union-attr]
        months, parts = starts[("months", False)], starts[("parts_of_year", False)]
        starts[_MONTHS_OR_PARTS] = None if months is None or parts is None else sorted({*months, *parts})
        self._last = (text, starts)
        return starts

    def _scan(self, rx: re.Pattern[str] | None, text: str, start: int, end: int,
              starts: dict[_Key, list[int] | None]) -> list[re.Match[str]]:
        """``rx.finditer(text, start, end)``, tried only where it may begin or where its words stand."""
        if rx is None:
            return []
        key = self._led_by.get(id(rx))
        if key is not None:
            at = starts[key]
            return list(rx.finditer(text, start, end)) if at is None else matches_from(rx, text, start, end, at)
        key = self._gated_by.get(id(rx))
        if key is not None:
            at = starts[key]
            if at is not None and not starts_in(at, start, end):
                return []
        return list(rx.finditer(text, start, end))

    # -- numbers that are not figures -------------------------------------------
    def blocked_spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        n = len(text)
        starts = self._starts(text)
        if any(sign in text for sign in _URL_SIGNS):
            spans.extend(m.span() for m in _URL.finditer(text))
        for rx in (self.clock, _NUMDATE, _PHONE):
            spans.extend(m.span() for m in rx.finditer(text))
        for rx in (self.dmy, self.mdy):
            spans.extend(m.span() for m in self._scan(rx, text, 0, n, starts))
        for rx in (self.my, self.season, self.part_year):
            for m in self._scan(rx, text, 0, n, starts):
                if m.groupdict().get("y"):
                    spans.append(m.span("y"))
        if self.ordinal is not None:
            spans.extend(m.span() for m in self.ordinal.finditer(text))
        spans.extend(self._years_after_prepositions(text))
        spans.sort()
        return spans

    def _years_after_prepositions(self, text: str) -> list[tuple[int, int]]:
        """Where ``year_after`` finds its year: each year after spaces that follow one of the prepositions.

        Read from the years back (a few per document) rather than from the prepositions ("in", "im",
        everywhere): a match is a preposition, spaces and a year and two matches cannot overlap, so
        these are the years of ``year_after.finditer`` (tests/test_scan_patterns.py).
        """
        if self.year_after is None or self._ends_preposition is None:
            return []
        out = []
        for m in _SPACED_YEAR.finditer(text):
            q = m.start()
            while q > 0 and text[q - 1].isspace():
                q -= 1
            if self._ends_preposition.search(text, max(0, q - self._preposition_reach), q):
                out.append(m.span())
        return out

    # -- time expressions -------------------------------------------------------
    def find(self, text: str, start: int, end: int, published: Published | dt.date | None,
             inferred: bool = False) -> list[TimeExpr]:
        """Time expressions in ``text[start:end]``.

        With an ``inferred`` publication date (a lower bound), only year- and
        month-level relative times are resolved; a weekday or "yesterday" against
        a bound would give a date before the bound.
        """
        pub = published if isinstance(published, Published) or published is None else Published.parse(published)
        try:
            return self._find(text, start, end, pub, inferred)
        except (OverflowError, ValueError):
            # a publication date at the edge of the calendar: resolve nothing relative
            return self._find(text, start, end, None, False)

    def _find(self, text: str, start: int, end: int, published: Published | None,
              inferred: bool) -> list[TimeExpr]:
        found: list[TimeExpr] = []
        pub = published.date if published is not None and published.precision != "year" else None
        day_pub = None if inferred or published is None or published.precision != "day" else published.date
        # what a day-level expression resolves to against a month or year: that month or year
        coarse = published.iso if published is not None and not inferred and day_pub is None else None
        for m in _NUMDATE.finditer(text, start, end):
            d = _parse_numdate(m.group(0))
            if d:
                found.append(TimeExpr(m.start(), m.end(), d.isoformat(), "explicit"))
        starts = self._starts(text)
        for rx in (self.dmy, self.mdy):
            for m in self._scan(rx, text, start, end, starts):
                mo = self.months[m.group("m").lower().rstrip(".")]
                day = int(m.group("d"))
                y = int(m.group("y")) if m.group("y") else _year_for(mo, pub)
                if y is None or not 1 <= day <= 31:
                    found.append(TimeExpr(m.start(), m.end(), None, "explicit"))
                    continue
                day = min(day, calendar.monthrange(y, mo)[1])
                found.append(TimeExpr(m.start(), m.end(), f"{y:04d}-{mo:02d}-{day:02d}", "explicit"))
        for m in self._scan(self.my, text, start, end, starts):
            mo = self.months[m.group("m").lower().rstrip(".")]
            mo2 = self.months[m.group("m2").lower().rstrip(".")] if m.group("m2") else mo
            y = int(m.group("y")) if m.group("y") else _year_for(mo, pub)
            if y is None:
                found.append(TimeExpr(m.start(), m.end(), None, "explicit"))
                continue
            y1 = y - 1 if mo > mo2 else y
            p = _fmt_month(y1, mo) if mo == mo2 else f"{_fmt_month(y1, mo)}..{_fmt_month(y, mo2)}"
            found.append(TimeExpr(m.start(), m.end(), p, "explicit"))
        for m in self._scan(self.part_year, text, start, end, starts):
            a, b = self.parts_year[m.group("part").lower()]
            y = int(m.group("y"))
            found.append(TimeExpr(m.start(), m.end(), f"{_fmt_month(y, a)}..{_fmt_month(y, b)}", "explicit"))
        for m in self._scan(self.season, text, start, end, starts):
            a, b = self.seasons[m.group("s").lower()]
            if m.group("y"):
                y = int(m.group("y"))
            elif pub is not None:
                y = pub.year if pub.month >= a else pub.year - 1
                lead = text[max(start, m.start() - 16): m.start()].lower().split()
                ongoing = a <= pub.month <= b if a <= b else (pub.month >= a or pub.month <= b)
                if lead and lead[-1] in self.previous and ongoing:
                    y -= 1  # "last autumn" said during the autumn: the one before (said in June: the latest)
            else:
                found.append(TimeExpr(m.start(), m.end(), None, "explicit"))
                continue
            y2 = y + 1 if b < a else y
            found.append(TimeExpr(m.start(), m.end(), f"{_fmt_month(y, a)}..{_fmt_month(y2, b)}", "explicit"))
        for m in _YEAR.finditer(text, start, end):
            found.append(TimeExpr(m.start(), m.end(), m.group(1), "explicit"))
        for m in self._scan(self.weekday, text, start, end, starts):
            if day_pub is None:
                found.append(TimeExpr(m.start(), m.end(), coarse, "relative"))
                continue
            wd = self.weekdays[m.group("w").lower()]
            back = (day_pub.weekday() - wd) % 7
            found.append(TimeExpr(m.start(), m.end(), (day_pub - dt.timedelta(days=back)).isoformat(), "relative"))
        for rx, key in (self.rel if self.rel_any is None or self.rel_any.search(text, start, end) else ()):
            for m in rx.finditer(text, start, end):
                if key in ("this_year", "last_year"):
                    ref = published.date if published is not None else None
                else:
                    ref = pub if key in ("this_month", "last_month") else day_pub
                found.append(TimeExpr(m.start(), m.end(), _relative(key, ref) or coarse, "relative"))
        for rx, sign in ((self.period_last, 0), (self.ago_before, 1), (self.ago_after, 1)):
            for m in self._scan(rx, text, start, end, starts):
                n = _count(m.groupdict().get("n"), self.lang)
                unit = self.units[m.group("u").lower()]
                anchor = day_pub if unit in ("hour", "day", "week") else pub
                period = _span_back(anchor, n, unit, point=bool(sign)) if anchor is not None else coarse
                if period and anchor is not None and anchor is not day_pub and published is not None:
                    period = period.replace(anchor.isoformat(), published.iso)
                found.append(TimeExpr(m.start(), m.end(), period, "period"))
        if self.present is not None:
            for m in self.present.finditer(text, start, end):
                found.append(TimeExpr(m.start(), m.end(), published.iso if published else None, "present"))
        found = drop_overlaps(found, lambda t: (t.start, t.end))
        return self._since(text, found, published)

    def _since(self, text: str, found: list[TimeExpr], pub: Published | None) -> list[TimeExpr]:
        """'seit Oktober 2023' is a period from then until publication."""
        if self.since is None:
            return found
        out = []
        for t in found:
            m = None
            for m2 in self.since.finditer(text, max(0, t.start - SINCE_REACH), t.start):
                m = m2
            gap = text[m.end(): t.start] if m else ""
            if t.kind == "explicit" and t.period and m and len(gap.split()) <= SINCE_WORDS and not re.search(
                    r"[,;.]", gap):
                # "seit Kriegsbeginn im Oktober 2023", "since the war began in October 2023"
                begin = t.period.split("..")[0]
                end = pub.iso if pub else None
                out.append(TimeExpr(t.start, t.end, f"{begin}..{end}" if end else None, "period"))
            else:
                out.append(t)
        return out


def _alt(words, cap: bool | None) -> str:  # type: ignore[no-untyped-def]
    ws = sorted({w for w in words}, key=len, reverse=True)
    if cap:
        ws = [w[:1].upper() + w[1:] for w in ws]
    return "|".join(re.escape(w) for w in ws) or r"(?!x)x"


def _parse_numdate(s: str) -> dt.date | None:
    try:
        if "-" in s:
            return dt.date.fromisoformat(s)
        if "." in s:
            d, m, y = s.split(".")
        else:
            m, d, y = s.split("/")
        yy = int(y)
        if yy < 100:
            yy += 2000
        return dt.date(yy, int(m), int(d))
    except ValueError:
        return None


def _year_for(month: int, pub: dt.date | None) -> int | None:
    """A month named without a year is the latest such month up to publication."""
    if pub is None:
        return None
    return pub.year if month <= pub.month else pub.year - 1


def _relative(key: str, pub: dt.date | None) -> str | None:
    if pub is None:
        return None
    if key == "this_year":
        return f"{pub.year:04d}"
    if key == "last_year":
        return f"{pub.year - 1:04d}"
    if key == "this_month":
        return _fmt_month(pub.year, pub.month)
    if key == "last_month":
        return _fmt_month(*_shift_months(pub.year, pub.month, -1))
    if key == "today":
        return pub.isoformat()
    if key == "yesterday":
        return (pub - dt.timedelta(days=1)).isoformat()
    monday = pub - dt.timedelta(days=pub.weekday())
    if key == "this_week":
        return f"{monday.isoformat()}..{pub.isoformat()}"
    if key == "last_week":
        a = monday - dt.timedelta(days=7)
        return f"{a.isoformat()}..{(a + dt.timedelta(days=6)).isoformat()}"
    return None


def _count(s: str | None, lang: str) -> int:
    if not s:
        return 1
    from figtrace.extract.numbers import parse_number

    v = parse_number(s, lang)
    return int(v) if v and v < 10000 else 1


def _span_back(pub: dt.date | None, n: int, unit: str, point: bool) -> str | None:
    if pub is None:
        return None
    if unit == "hour":
        unit, n = "day", max(1, n // 24)
    if unit == "day":
        a = pub - dt.timedelta(days=n)
        return a.isoformat() if point else f"{a.isoformat()}..{pub.isoformat()}"
    if unit == "week":
        a = pub - dt.timedelta(weeks=n)
        return a.isoformat() if point else f"{a.isoformat()}..{pub.isoformat()}"
    if unit == "month":
        y, m = _shift_months(pub.year, pub.month, -n)
        return _fmt_month(y, m) if point else f"{_fmt_month(y, m)}..{pub.isoformat()}"
    y = pub.year - n
    return f"{y:04d}" if point else f"{y:04d}..{pub.isoformat()}"


@cache
def time_finder(lang: str) -> TimeFinder:
    return TimeFinder(lang)

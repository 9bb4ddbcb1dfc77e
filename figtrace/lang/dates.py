"""Absolute dates written in a text, from the patterns in ``lang/<code>/dates.toml``.

Part of the language registry because it is language data compiled for
matching, like :mod:`figtrace.lang.phrases`. Used twice: the cleaner spots
timestamp lines with it, and :mod:`figtrace.meta` takes a publication date
(or a lower bound for one) from what it finds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from figtrace.errors import LexiconError
from figtrace.lang import compile_patterns, file_label, language_file, languages_with, load_toml
from figtrace.periods import Precision, iso_at

#: Language-neutral forms: ISO dates and clock times.
# (each begins with a digit and looks behind it, so the regex engine skips from digit to digit)
_ISO = re.compile(r"(?P<y>\d(?<![\w.]\d)\d{3})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
#: "2025-06": a year and month as scraped pages and feeds write them (not "2014-15", a span of years)
_ISO_MONTH = re.compile(r"(?P<y>\d(?<![\w.\-]\d)\d{3})-(?P<m>0[1-9]|1[0-2])(?![\d\-])")
TIME = re.compile(r"(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?")
# A date begins where no letter or digit precedes it.
_LEAD = r"(?<!\w)(?:"
_TAIL = r")(?!\d)"


@dataclass(frozen=True, slots=True)
class DateMention:
    """An absolute date in the text, at the precision it was written."""

    start: int
    end: int
    date: dt.date
    precision: Precision

    @property
    def iso(self) -> str:
        return iso_at(self.date, self.precision)


@dataclass(frozen=True, slots=True)
class DateLexicon:
    months: dict[str, int]
    full: tuple[re.Pattern[str], ...]
    month_year: tuple[re.Pattern[str], ...]
    year: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=16)
def date_lexicon(langs: tuple[str, ...] | None = None) -> DateLexicon:
    """Patterns of the given languages (all present when None), merged."""
    codes = (
        languages_with("dates.toml") if langs is None else [c for c in langs if language_file(c, "dates.toml")]
    )
    months: dict[str, int] = {}
    full: list[re.Pattern[str]] = [_ISO]
    month_year: list[re.Pattern[str]] = [_ISO_MONTH]
    year: list[re.Pattern[str]] = []
    problems: list[str] = []
    for code in codes:
        path = file_label(code, "dates.toml")
        data = load_toml(code, "dates.toml")
        lang_months = data.get("months", {})
        if not isinstance(lang_months, dict):
            problems.append(f"{path}: [months]: expected a table of name = number")
            lang_months = {}
        for name, num in lang_months.items():
            if not isinstance(num, int) or not 1 <= num <= 12:
                problems.append(f"{path}: months.{name}: expected a month number 1-12, got {num!r}")
                continue
            months[name.lower()] = num
        names = sorted((n for n, v in lang_months.items() if isinstance(v, int)), key=len, reverse=True)
        alt = "(?i:" + "|".join(re.escape(n) for n in names) + ")" if names else "(?!)"
        pats = data.get("patterns", {})
        for key, bucket in (("full_re", full), ("month_year_re", month_year), ("year_re", year)):
            raw = pats.get(key, [])
            wrapped = [_LEAD + p + _TAIL if isinstance(p, str) else p for p in raw] if isinstance(raw, list) else raw
            bucket.extend(compile_patterns(path, f"patterns.{key}", wrapped, problems, subst={"MONTH": alt}))
    if problems:
        raise LexiconError("; ".join(problems))
    return DateLexicon(months, tuple(full), tuple(month_year), tuple(year))


#: Dated folders in URLs (``/2025/01/`` or ``/2025/01/16/``), as CMSs and image hosts file them.
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0[1-9]|1[0-2])/(?:(?P<d>0[1-9]|[12]\d|3[01])/)?")
_URL = re.compile(r"https?://[^\s)\]]+")


def url_dates(text: str) -> list[DateMention]:
    """Dates in the paths of URLs in ``text``; an upload folder bounds the article's date from below."""
    out = []
    for u in _URL.finditer(text):
        for m in _URL_DATE.finditer(u.group()):
            d = m.group("d")
            try:
                date = dt.date(int(m.group("y")), int(m.group("m")), int(d or 1))
            except ValueError:
                continue
            out.append(DateMention(u.start() + m.start() + 1, u.start() + m.end() - 1, date, "day" if d else "month"))
    return out


def blank_times(text: str) -> str:
    """Times replaced by spaces, so a date glued to a time ("14:4916.06.2025") still starts cleanly."""
    if ":" not in text:
        return text
    return TIME.sub(lambda m: " " * (m.end() - m.start()), text)


def find_dates(text: str, langs: tuple[str, ...] | None = None) -> list[DateMention]:
    """Every absolute date, most precise form first where forms overlap; in text order."""
    lex = date_lexicon(langs)
    scan = blank_times(text)
    found: list[DateMention] = []
    # characters taken by a date found so far, one byte each: a new date is checked against
    # its own few characters (comparing it with every earlier date made a page of many dates
    # quadratic: a 2 MB line took minutes)
    taken = bytearray(len(scan))

    def free(s: int, e: int) -> bool:
        return taken.find(1, s, e) < 0

    def take(s: int, e: int) -> None:
        taken[s:e] = b"\x01" * (e - s)

    for patterns, precision in ((lex.full, "day"), (lex.month_year, "month"), (lex.year, "year")):
        for pat in patterns:
            for m in pat.finditer(scan):
                s, e = m.span("y") if precision == "year" else m.span()
                if not free(s, e):
                    continue
                d = _to_date(m, lex.months, precision)
                if d is None:
                    continue
                found.append(DateMention(s, e, d, precision))  # type: ignore[arg-type]
                take(s, e)
    found.sort(key=lambda x: x.start)
    return found


def _to_date(m: re.Match[str], months: dict[str, int], precision: str) -> dt.date | None:
    groups = m.groupdict()
    try:
        y = int(groups["y"])
        if precision == "year":
            return dt.date(y, 1, 1)
        mo = months.get(groups["month"].lower().rstrip(".")) if groups.get("month") else int(groups["m"])
        if mo is None:
            return None
        d = int(groups["d"]) if precision == "day" else 1
        return dt.date(y, mo, d)
    except (ValueError, KeyError, TypeError):
        return None

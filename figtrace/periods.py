"""Dates and periods: the one parser for ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and ``A..B``.

Every as-of in figtrace is a *period*, not a point: "2025-06" holds for the
whole of June, "2024-09..2024-11" for an autumn. Merging, ordering and the
consistency rules all reason about overlap and distance between periods, the
report draws them as spans, and a publication date is one too: "2025-08"
from a feed is the month, not its first day. Every place that reads such a
date (readers, options, the ledger's filters, the API, charts) uses this
module, so a date means the same everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from figtrace.errors import FigtraceError

_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: A date at any precision, maybe followed by a time ("2025-08-14T10:00:00Z", "2025-08-14 10:00").
_STAMP = re.compile(r"^\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:[T ]\d{2}:\d{2}[^\n]*)?\s*$")


#: How precisely a date is given.
Precision = Literal["day", "month", "year"]


class PeriodError(FigtraceError):
    """An as-of string that is none of the accepted forms."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A closed span of days ``[start, end]``; ``start == end`` for a single day."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def mid(self) -> dt.date:
        """The middle day: where a chart draws a period as one point."""
        return self.start + (self.end - self.start) / 2

    @property
    def is_day(self) -> bool:
        return self.start == self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def gap_days(self, other: Period) -> int:
        """Days between the two periods; 0 when they overlap or touch."""
        if self.overlaps(other):
            return 0
        if self.end < other.start:
            return (other.start - self.end).days
        return (self.start - other.end).days

    def intersection(self, other: Period) -> Period | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Period(start, end) if start <= end else None

    def label(self) -> str:
        """The shortest as-of string for this period (inverse of :func:`parse_period`)."""
        return format_period(self)


def _bounds(part: str, text: str) -> tuple[dt.date, dt.date]:
    m = _PART.match(part.strip())
    if not m:
        raise PeriodError(f"as-of {text!r} is not YYYY, YYYY-MM, YYYY-MM-DD or START..END")
    year = int(m.group(1))
    try:
        if m.group(3):
            day = dt.date(year, int(m.group(2)), int(m.group(3)))
            return day, day
        if m.group(2):
            month = int(m.group(2))
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last)
    except ValueError as e:
        raise PeriodError(f"as-of {text!r} is not a real date: {e}") from None
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def parse_period(text: str | None) -> Period | None:
    """``None`` for a missing as-of; raises :class:`PeriodError` for a malformed one."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if ".." in text:
        a, _, b = text.partition("..")
        start, _ = _bounds(a, text)
        _, end = _bounds(b, text)
        if end < start:
            raise PeriodError(f"as-of {text!r} ends before it starts")
        return Period(start, end)
    start, end = _bounds(text, text)
    return Period(start, end)


def try_parse_period(text: str | None) -> Period | None:
    """Like :func:`parse_period` but a malformed as-of counts as unknown.

    Stored claims come from many extractors; one odd as-of must not stop a
    timeline, it only loses its date.
    """
    try:
        return parse_period(text)
    except PeriodError:
        return None


def _part_label(start: dt.date, end: dt.date) -> str | None:
    if start == end:
        return start.isoformat()
    if start.day == 1 and start.year == end.year and start.month == end.month \
            and end.day == calendar.monthrange(end.year, end.month)[1]:
        return f"{start.year:04d}-{start.month:02d}"
    if (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31) and start.year == end.year:
        return f"{start.year:04d}"
    return None


def _start_label(d: dt.date, whole_month: bool) -> str:
    return f"{d.year:04d}-{d.month:02d}" if whole_month and d.day == 1 else d.isoformat()


def _end_label(d: dt.date, whole_month: bool) -> str:
    last = calendar.monthrange(d.year, d.month)[1]
    return f"{d.year:04d}-{d.month:02d}" if whole_month and d.day == last else d.isoformat()


def format_period(p: Period) -> str:
    single = _part_label(p.start, p.end)
    if single:
        return single
    last = calendar.monthrange(p.end.year, p.end.month)[1]
    whole_months = p.start.day == 1 and p.end.day == last
    return f"{_start_label(p.start, whole_months)}..{_end_label(p.end, whole_months)}"


def iso_date(value: object) -> str | None:
    """A date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, at the precision it was given; None if it is none.

    A time after the day is dropped ("2025-08-14T10:00:00Z" → "2025-08-14"), as
    metadata writes it; the precision is never raised ("2025-08" stays the month).
    """
    if not isinstance(value, str):
        return None
    m = _STAMP.match(value)
    if not m:
        return None
    try:
        _bounds(m.group(1), value)
    except PeriodError:
        return None
    return m.group(1)


def precise_date(value: object) -> tuple[dt.date, Precision] | None:
    """A date at the precision it was given: its first day and ``day``, ``month`` or ``year`` (None if none).

    The inverse of :func:`iso_at`; a publication date that anchors relative times is read by it.
    """
    iso = iso_date(value)
    if iso is None:
        return None
    start, _ = _bounds(iso, iso)
    return start, ("day" if len(iso) == 10 else "month" if len(iso) == 7 else "year")


def iso_at(date: dt.date, precision: Precision) -> str:
    """``date`` written at ``precision``: ``2025-08-14``, ``2025-08`` or ``2025``."""
    if precision == "day":
        return date.isoformat()
    if precision == "month":
        return f"{date.year:04d}-{date.month:02d}"
    return f"{date.year:04d}"


def published_period(published: str | None) -> Period | None:
    """The publication date as a period (a day, a month or a year): the fallback ordering basis."""
    date = iso_date(published)
    return parse_period(date) if date else None

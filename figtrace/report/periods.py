"""Turn a claim's ``as_of`` into dates a chart can place.

``as_of`` is coarse on purpose (``2025-06``, ``2024``, ``2024-09..2024-11``):
a chart must draw that coarseness as a span, not invent a day.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    """A closed date interval; ``start == end`` for a single day."""

    start: dt.date
    end: dt.date

    @property
    def mid(self) -> dt.date:
        return self.start + (self.end - self.start) / 2

    @property
    def is_day(self) -> bool:
        return self.start == self.end


def _bounds(part: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    bits = part.strip().split("-")
    year = int(bits[0])
    if len(bits) == 1:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(bits[1])
    if len(bits) == 2:
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    day = dt.date(year, month, int(bits[2]))
    return day, day


def parse_period(as_of: str | None) -> Period | None:
    """The period an ``as_of`` string covers, or None when unknown or malformed.

    Malformed values return None rather than raising: a chart should still
    draw the claim (at its publication date) instead of failing the report.
    """
    if not as_of:
        return None
    try:
        if ".." in as_of:
            left, right = as_of.split("..", 1)
            start = _bounds(left)[0]
            end = _bounds(right)[1]
        else:
            start, end = _bounds(as_of)
    except (ValueError, IndexError):
        return None
    if end < start:
        start, end = end, start
    return Period(start, end)


def parse_date(value: str | None) -> dt.date | None:
    """A publication date (``YYYY-MM-DD``, maybe with a time) or None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None

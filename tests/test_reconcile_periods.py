import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from figtrace.periods import (
    Period,
    PeriodError,
    format_period,
    iso_at,
    iso_date,
    parse_period,
    precise_date,
    published_period,
    try_parse_period,
)
from figtrace.reconcile.clusters import effective_period, merge_period
from figtrace.reconcile.settings import UNDATED_WINDOW_DAYS


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025", "2025-01-01", "2025-12-31"),
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("2025-06-15", "2025-06-15", "2025-06-15"),
    ("2024-09..2024-11", "2024-09-01", "2024-11-30"),
    ("2025-01..2025-02-10", "2025-01-01", "2025-02-10"),
    (" 2025-06 ", "2025-06-01", "2025-06-30"),
])
def test_parse_period_forms(text, start, end):
    assert parse_period(text) == Period(d(start), d(end))


@pytest.mark.parametrize("text", ["June 2025", "2025-13", "2025-02-30", "2025-06..2025-01", "25-06",
                                  "2025-6"])
def test_parse_period_rejects_malformed_with_message(text):
    with pytest.raises(PeriodError, match="as-of"):
        parse_period(text)
    assert try_parse_period(text) is None


@pytest.mark.parametrize(("value", "iso"), [
    ("2025", "2025"), ("2025-08", "2025-08"), ("2025-08-14", "2025-08-14"),
    ("2025-08-14T10:00:00Z", "2025-08-14"), ("2025-08-14 10:00", "2025-08-14"), (" 2025-08 ", "2025-08"),
    ("2025-13", None), ("2025-02-30", None), ("14.08.2025", None), ("Aug 2025", None), ("", None), (None, None),
    (20250814, None),
])
def test_iso_date_keeps_the_precision_it_was_given(value, iso):
    assert iso_date(value) == iso


@pytest.mark.parametrize(("value", "date", "precision"), [
    ("2025", "2025-01-01", "year"), ("2025-08", "2025-08-01", "month"), ("2025-08-14", "2025-08-14", "day"),
    ("2025-08-14T10:00:00Z", "2025-08-14", "day"),
])
def test_a_date_at_its_precision_is_read_and_written_back(value, date, precision):
    assert precise_date(value) == (d(date), precision)
    assert iso_at(d(date), precision) == iso_date(value)


@pytest.mark.parametrize("value", ["2025-13", "2025-02-30", "Aug 2025", "", None, 2025])
def test_no_date_has_no_precision(value):
    assert precise_date(value) is None


def test_a_month_publication_date_is_the_month():
    assert published_period("2025-08") == Period(d("2025-08-01"), d("2025-08-31"))
    assert published_period("2025-08-14T09:30:00+02:00") == Period(d("2025-08-14"), d("2025-08-14"))
    assert published_period("no date") is None
    assert parse_period("2025-08").mid == d("2025-08-16") and parse_period("2025-08-14").is_day


def test_missing_as_of_is_none():
    assert parse_period(None) is None
    assert parse_period("") is None


def test_overlap_and_gap():
    june, sept = parse_period("2025-06"), parse_period("2025-09")
    summer = parse_period("2025-06..2025-08")
    assert june.overlaps(summer) and summer.overlaps(june)
    assert not june.overlaps(sept)
    assert june.gap_days(sept) == (d("2025-09-01") - d("2025-06-30")).days
    assert sept.gap_days(june) == june.gap_days(sept)
    assert june.gap_days(summer) == 0
    assert june.intersection(summer) == june
    assert june.intersection(sept) is None


@pytest.mark.parametrize("text", ["2025", "2025-06", "2025-06-15", "2024-09..2024-11",
                                  "2025-01-03..2025-02-10",
                                  "2024..2025", "2025-06..2025-06-20"])
def test_format_is_inverse_of_parse(text):
    p = parse_period(text)
    assert parse_period(format_period(p)) == p


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
       st.integers(min_value=0, max_value=800))
def test_format_round_trip_any_span(start, length):
    p = Period(start, start + dt.timedelta(days=length))
    assert parse_period(format_period(p)) == p


def test_effective_period_falls_back_to_publication_and_says_so():
    assert effective_period("2025-06", "2025-09-02") == (parse_period("2025-06"), "as_of")
    assert effective_period(None, "2025-09-02") == (parse_period("2025-09-02"), "published")
    assert effective_period(None, None) == (None, "none")
    # a malformed as-of loses its date instead of stopping a timeline
    assert effective_period("autumn", "2025-09-02")[1] == "published"


def test_undated_claim_merges_over_the_window_before_publication():
    p = merge_period(None, "2025-09-02")
    assert p.end == d("2025-09-02")
    assert p.days == UNDATED_WINDOW_DAYS + 1
    assert merge_period("2025-06", "2025-09-02") == parse_period("2025-06")

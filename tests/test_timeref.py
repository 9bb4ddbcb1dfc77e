"""When a figure holds: time expressions → periods, and numbers that are dates, not figures.

Relative expressions ("am Dienstag", "last year") resolve against the
publication date and stay unresolved (None) without one: a guessed year
would put a figure on the wrong point of a timeline.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import figtrace
from figtrace.extract import extract_document
from figtrace.extract.timeref import TimeExpr, time_finder
from figtrace.model import Document

PUB = "2025-09-02"  # a Tuesday
_POINT = r"-?\d{4}(?:-\d{2}(?:-\d{2})?)?"
PERIOD = re.compile(rf"{_POINT}(?:\.\.{_POINT})?")


def times(text: str, lang: str, published: str | None = PUB) -> list[TimeExpr]:
    pub = dt.date.fromisoformat(published) if published else None
    return time_finder(lang).find(text, 0, len(text), pub)


def period(text: str, lang: str, published: str | None = PUB) -> str | None:
    found = times(text, lang, published)
    assert len(found) == 1, [(text[t.start:t.end], t.period) for t in found]
    return found[0].period


# -- explicit dates ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "am 15. Juni 2025", "2025-06-15"),
        ("de", "Stand 16.06.2025", "2025-06-16"),
        ("de", "am 3.4.2024", "2024-04-03"),
        ("de", "im Juni 2025", "2025-06"),
        ("de", "im Jahr 2024", "2024"),
        ("en", "on 15 June 2025", "2025-06-15"),
        ("en", "on June 15, 2025", "2025-06-15"),
        ("en", "on 2025-06-15", "2025-06-15"),
        ("en", "in June 2025", "2025-06"),
    ],
)
def test_explicit_dates(lang: str, text: str, expected: str) -> None:
    assert period(text, lang) == expected
    assert period(text, lang, None) == expected  # needs no publication date


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "im Januar und Februar 2025", "2025-01..2025-02"),
        ("en", "in January and February 2025", "2025-01..2025-02"),
        ("de", "im Herbst 2024", "2024-09..2024-11"),
        ("en", "in autumn 2024", "2024-09..2024-11"),
        pytest.param("en", "in the fall of 2024", "2024-09..2024-11"),
        ("de", "im Winter 2024", "2024-12..2025-02"),
        ("de", "zu Beginn des Jahres 2025", "2025-01..2025-03"),
        ("de", "Ende 2024", "2024-10..2024-12"),
        ("en", "in late 2024", "2024-10..2024-12"),
    ],
)
def test_month_ranges_seasons_and_parts_of_a_year(lang: str, text: str, expected: str) -> None:
    assert period(text, lang) == expected


def test_a_month_without_a_year_is_the_latest_one_up_to_publication() -> None:
    assert period("im Oktober", "de", "2025-09-02") == "2024-10"
    assert period("im August", "de", "2025-09-02") == "2025-08"
    assert period("im Oktober", "de", None) is None


# -- relative to the publication date -------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("de", "am Dienstag", "2025-09-02", "2025-09-02"),
        ("de", "am Dienstag", "2025-09-04", "2025-09-02"),
        ("de", "am Montag", "2025-09-02", "2025-09-01"),
        ("en", "on Tuesday", "2025-09-02", "2025-09-02"),
        ("en", "on Sunday", "2025-09-02", "2025-08-31"),
        ("de", "im vergangenen Jahr", "2025-09-02", "2024"),
        ("de", "im Vorjahr", "2025-01-10", "2024"),
        ("en", "last year", "2025-09-02", "2024"),
        ("de", "gestern", "2025-03-01", "2025-02-28"),
        ("en", "yesterday", "2024-03-01", "2024-02-29"),
        ("de", "im vergangenen Monat", "2025-01-15", "2024-12"),
        ("en", "last month", "2025-01-15", "2024-12"),
        ("de", "vor sechs Monaten", "2025-09-02", "2025-03"),
        ("en", "three months ago", "2025-09-02", "2025-06"),
        ("de", "vor zwei Wochen", "2025-09-02", "2025-08-19"),
    ],
)
def test_relative_expressions(lang: str, text: str, published: str, expected: str) -> None:
    assert period(text, lang, published) == expected


@settings(max_examples=100, deadline=None)
@given(pub=st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)),
       day=st.sampled_from([("Montag", "Monday", 0), ("Mittwoch", "Wednesday", 2), ("Samstag", "Saturday", 5)]))
def test_a_weekday_is_the_latest_such_day_up_to_publication(pub: dt.date, day: tuple[str, str, int]) -> None:
    for lang, word in (("de", f"am {day[0]}"), ("en", f"on {day[1]}")):
        got = dt.date.fromisoformat(period(word, lang, pub.isoformat()) or "")
        assert got.weekday() == day[2]
        assert 0 <= (pub - got).days <= 6


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("de", "in den letzten drei Monaten", "2025-06"),
        ("en", "in the past three months", "2025-06"),
        ("de", "in den vergangenen zwei Wochen", "2025-08-19"),
        ("en", "over the last 10 days", "2025-08-23"),
    ],
)
def test_the_last_n_units_is_a_period_ending_at_publication(lang: str, text: str, start: str) -> None:
    p = period(text, lang)
    assert p is not None
    a, _, b = p.partition("..")
    assert b == PUB
    assert a == start


@pytest.mark.parametrize(("lang", "text", "start"),
                         [("de", "seit Oktober 2023", "2023-10"), ("en", "since October 2023", "2023-10")])
def test_since_is_a_period_up_to_publication(lang: str, text: str, start: str) -> None:
    assert period(text, lang) == f"{start}..{PUB}"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "am Dienstag"), ("en", "on Tuesday"), ("de", "im vergangenen Jahr"), ("en", "last year"),
        ("de", "in den letzten drei Monaten"), ("en", "in the past three months"), ("de", "seit Oktober 2023"),
        ("de", "bereits"), ("en", "so far"), ("de", "im Herbst"), ("de", "gestern"),
    ],
)
def test_without_a_publication_date_relative_times_stay_unresolved(lang: str, text: str) -> None:
    assert period(text, lang, None) is None


# -- spans that are not figures ---------------------------------------------------------

def blocked_text(text: str, lang: str) -> list[str]:
    return [text[a:b] for a, b in time_finder(lang).blocked_spans(text)]


@pytest.mark.parametrize(
    ("lang", "text", "covered"),
    [
        ("de", "Stand: 16.06.2025, 14:49 Uhr", ["16.06.2025", "14:49"]),
        ("de", "um 9.30 Uhr", ["9.30"]),
        ("de", "Mehr: https://nachrichten.example/a/2025/06/123456 lesen", ["https://nachrichten.example/a/2025/06/123456"]),
        ("de", "Bild ![Foto 4711 Soldaten](https://bild.example/x/4711.jpg) Text",
         ["![Foto 4711 Soldaten](https://bild.example/x/4711.jpg)"]),
        ("de", "Hotline: +49 30 1234 5678", ["+49 30 1234 5678"]),
        ("en", "Call +1 202 555 0147 today", ["+1 202 555 0147"]),
        ("en", "Updated June 16, 2025 at 14:49", ["June 16, 2025", "14:49"]),
        ("en", "see www.example.org/page-300", ["www.example.org/page-300"]),
        ("de", "Im Herbst 2024 kamen Soldaten", ["2024"]),
    ],
)
def test_blocked_spans_cover_dates_times_urls_images_and_phones(lang: str, text: str, covered: list[str]) -> None:
    spans = time_finder(lang).blocked_spans(text)
    for piece in covered:
        a = text.index(piece)
        assert any(s <= a and a + len(piece) <= e for s, e in spans), (piece, blocked_text(text, lang))


@pytest.mark.parametrize(("lang", "text"), [("de", "11.000 Soldaten"), ("en", "2,025 troops"),
                                            ("de", "2024 Soldaten kamen"), ("en", "300 troops")])
def test_counts_are_not_blocked(lang: str, text: str) -> None:
    assert time_finder(lang).blocked_spans(text) == []


_PIECES = st.sampled_from([
    "am ", "im ", "seit ", "vor ", "in den letzten ", "last ", "since ", "Dienstag", "Tuesday", "Juni", "June",
    "Herbst", "autumn", "Anfang ", "Ende ", "2024", "2025", "15", ".", ",", " ", "und ", "drei ", "Monaten",
    "months", "ago", "Jahr", "year", "16.06.2025", "14:49", "https://x.example/1", "+49 30 1234567", "\n",
])


@settings(max_examples=200, deadline=None)
@given(lang=st.sampled_from(["de", "en"]), text=st.one_of(st.text(), st.lists(_PIECES, max_size=30).map("".join)),
       pub=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31))))
def test_find_never_raises_and_gives_well_formed_periods(lang: str, text: str, pub: dt.date | None) -> None:
    tf = time_finder(lang)
    last = -1
    for t in tf.find(text, 0, len(text), pub):
        assert 0 <= t.start < t.end <= len(text)
        assert t.start >= last
        last = t.end
        assert t.period is None or PERIOD.fullmatch(t.period), t.period
    for a, b in tf.blocked_spans(text):
        assert 0 <= a < b <= len(text)


# -- as_of of claims -------------------------------------------------------------------

def claim_as_of(text: str, lang: str, published: str | None) -> list[str | None]:
    return [c.as_of for c in figtrace.extract(text, lang=lang, published=published)]


@pytest.mark.parametrize(
    ("lang", "text", "published", "expected"),
    [
        ("de", "Am 15. Juni 2025 wurden 40 Soldaten getötet.", "2025-06-17", "2025-06-15"),
        ("en", "On 15 June 2025, 40 soldiers were killed.", "2025-06-17", "2025-06-15"),
        ("de", "Im Herbst 2024 hatte Nordkorea 11.000 Soldaten nach Russland entsandt.", "2025-06-17",
         "2024-09..2024-11"),
        ("de", "Am Dienstag wurden 40 Soldaten getötet.", "2025-09-04", "2025-09-02"),
        ("en", "Russian forces lost 1,000 soldiers last year.", "2025-07-30", "2024"),
        ("en", "Since October 2023, more than 60,000 people have been killed.", "2025-07-30",
         "2023-10..2025-07-30"),
        ("de", "Bisher sind 2.000 nordkoreanische Soldaten gefallen.", "2025-06-17", "2025-06-17"),
    ],
)
def test_as_of_from_a_time_expression(lang: str, text: str, published: str, expected: str) -> None:
    assert claim_as_of(text, lang, published) == [expected]


def test_as_of_is_the_publication_date_when_nothing_else_says() -> None:
    text = "Bei dem Angriff wurden 40 Soldaten getötet."
    assert claim_as_of(text, "de", "2025-06-17") == ["2025-06-17"]
    assert claim_as_of(text, "de", None) == [None]


def test_an_inferred_publication_date_is_marked_as_such() -> None:
    """A date guessed from the text bounds the claim but is not stated by the article: the rule says so."""
    text = "Bei dem Angriff wurden 40 Soldaten getötet."
    inferred = extract_document(Document(text=text, lang="de", published="2025-06-17", published_inferred=True))
    stated = extract_document(Document(text=text, lang="de", published="2025-06-17"))
    assert [c.as_of for c in inferred] == [c.as_of for c in stated] == ["2025-06-17"]
    assert inferred[0].rules["as_of"] == "published_inferred"
    assert stated[0].rules["as_of"] == "published"


def test_relative_as_of_without_publication_date_is_none() -> None:
    assert claim_as_of("Am Dienstag wurden 40 Soldaten getötet.", "de", None) == [None]


def test_a_weekday_is_not_resolved_before_an_inferred_lower_bound() -> None:
    doc = Document(text="Am Dienstag wurden 40 Soldaten getötet.", lang="de", published="2024-01-01",
                   published_inferred=True, meta={"published_bound": "not_before"})
    for c in extract_document(doc):
        assert c.as_of is None or c.as_of >= "2024-01-01", c.as_of


@pytest.mark.parametrize(("lang", "text", "blocked"), [
    ("de", "um 14.30 Uhr begann es", ["14.30"]),
    ("en", "at 14.30 h it began", ["14.30"]),
    ("en", "at 14.30 Uhr it began", []),  # "Uhr" is a German clock word: English text keeps its figure
])
def test_a_dotted_time_needs_a_clock_word_of_its_language(lang: str, text: str, blocked: list[str]) -> None:
    assert blocked_text(text, lang) == blocked


def test_a_lower_case_word_after_a_dotted_ordinal_comes_from_the_lexicon() -> None:
    """German writes "die 3. armee" with an ordinal: letters of ``sentences.toml`` decide, none in code."""
    assert blocked_text("die 3. ärztliche Einheit", "de") == ["3."]
    assert blocked_text("die 3. Einheit", "de") == []


def test_the_day_of_the_statement_beats_the_days_of_sentences_before() -> None:
    text = ("The war began on Oct. 7, 2023.\n\n"
            "An airstrike killed at least 12 people, among them three brothers, in a town in the north overnight, "
            "local medics said Monday.")
    claims = figtrace.extract(text, lang="en", published="2024-12-16")
    assert claims[0].as_of == "2024-12-16"


def test_a_day_in_a_clause_of_its_own_is_not_the_statement_s() -> None:
    text = ("The ministry says more than 31,000 people have been killed in the war, which began with an attack "
            "on October 7, 2023.")
    assert figtrace.extract(text, lang="en", published="2024-03-20")[0].as_of == "2024-03-20"


def test_since_binds_a_day_a_few_words_on() -> None:
    text = "Strikes since the start of the air campaign on June 13 have killed 310 people."
    assert figtrace.extract(text, lang="en", published="2025-06-24")[0].as_of == "2025-06-13..2025-06-24"


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("last autumn", "2025-06-14", "2024-09..2024-11"),  # said in June: the latest autumn
    ("last autumn", "2025-10-02", "2024-09..2024-11"),  # said during an autumn: the one before
    ("last summer", "2025-06-14", "2024-06..2024-08"),
    ("last winter", "2025-06-14", "2024-12..2025-02"),
    ("last winter", "2025-01-10", "2023-12..2024-02"),  # a winter that runs over the new year
])
def test_last_season_is_the_one_before_only_while_a_season_runs(text: str, published: str, expected: str) -> None:
    assert period(text, "en", published) == expected

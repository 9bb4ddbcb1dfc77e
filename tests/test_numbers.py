"""The number finder: notation round trips, number words, qualifiers, ranges, vague amounts.

Round trips are property tests (hypothesis): whatever ``format_number``
writes, ``parse_number`` must read back, in both notations. ``find`` must
never raise and must keep its offsets consistent on any text, because it
runs on whatever a scraper hands us.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import figtrace
from figtrace.extract.numbers import Mention, finder, format_number, parse_number
from figtrace.extract.timeref import time_finder
from figtrace.lang import get_lexicon

LANGS = ("de", "en")
SETTINGS = settings(max_examples=200, deadline=None)


def found(text: str, lang: str) -> list[Mention]:
    """Figures as the engine sees them: dates, times, URLs and ids blocked first."""
    return finder(lang).find(text, blocked=time_finder(lang).blocked_spans(text))


def only(text: str, lang: str) -> Mention:
    ms = found(text, lang)
    assert len(ms) == 1, [m.surface for m in ms]
    return ms[0]


# -- digits: round trips ---------------------------------------------------------


@SETTINGS
@given(lang=st.sampled_from(LANGS), n=st.integers(0, 10**9))
def test_integers_round_trip(lang: str, n: int) -> None:
    assert parse_number(format_number(n, lang), lang) == n
    assert parse_number(format_number(n, lang, group=False), lang) == n


@SETTINGS
@given(lang=st.sampled_from(LANGS), n=st.integers(0, 10**9), places=st.sampled_from([1, 2]))
def test_decimals_round_trip(lang: str, n: int, places: int) -> None:
    value = n / 10**places
    assert parse_number(format_number(value, lang), lang) == value


@pytest.mark.parametrize(
    ("lang", "value", "written"),
    [
        ("de", 11000, "11.000"),
        ("de", 2.5, "2,5"),
        ("de", 1234567.25, "1.234.567,25"),
        ("en", 11000, "11,000"),
        ("en", 2.5, "2.5"),
        ("en", 1234567.25, "1,234,567.25"),
    ],
)
def test_notation_of_each_language(lang: str, value: float, written: str) -> None:
    assert format_number(value, lang) == written
    assert parse_number(written, lang) == value


@SETTINGS
@given(
    lang=st.sampled_from(LANGS),
    n=st.integers(1000, 10**9),
    sep=st.sampled_from([" ", "\u00a0", "\u202f"]),
)
def test_space_grouped_digits(lang: str, n: int, sep: str) -> None:
    assert parse_number(f"{n:,}".replace(",", sep), lang) == n


def test_swiss_apostrophe_groups_german_digits() -> None:
    assert parse_number("12'000", "de") == 12000


@pytest.mark.parametrize(
    ("lang", "written", "value"),
    [
        ("en", "11.000", 11.0),  # an English reader sees a decimal point
        ("de", "11000", 11000),  # a plain run of digits needs no groups
        ("en", "11000", 11000),
    ],
)
def test_separators_are_read_in_the_articles_language(lang: str, written: str, value: float) -> None:
    assert parse_number(written, lang) == value


@pytest.mark.parametrize(("lang", "written"), [("de", ""), ("de", "abc"), ("de", "1.2.3"), ("en", "2,5"),
                                               ("de", "1.5")])
def test_not_a_number(lang: str, written: str) -> None:
    assert parse_number(written, lang) is None


# -- number words ------------------------------------------------------------------

_DE_ONES = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_DE_TEENS = ["zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn",
             "neunzehn"]
_DE_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
_EN_ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
             "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def de_words(n: int, ein_prefix: bool) -> str:
    """German number words for 2..9999 as one compound ("zweitausendvierhundertelf")."""

    def below_100(k: int, last: bool) -> str:
        if k == 0:
            return ""
        if k == 1:
            return "eins" if last else "ein"
        if k < 10:
            return _DE_ONES[k]
        if k < 20:
            return _DE_TEENS[k - 10]
        ones, tens = k % 10, k // 10
        return (_DE_ONES[ones] + "und" if ones else "") + _DE_TENS[tens]

    def below_1000(k: int) -> str:
        h, rest = divmod(k, 100)
        head = ""
        if h:
            head = ("ein" if ein_prefix else "") + "hundert" if h == 1 else _DE_ONES[h] + "hundert"
        return head + below_100(rest, last=True)

    th, rest = divmod(n, 1000)
    head = ""
    if th:
        head = ("ein" if ein_prefix else "") + "tausend" if th == 1 else below_1000(th).removesuffix("s") + "tausend"
    return head + below_1000(rest)


def en_words(n: int, hyphen: bool, use_and: bool, article: bool) -> str:
    """English number words for 2..9999 ("nine thousand four hundred and eleven")."""

    def below_100(k: int) -> list[str]:
        if k == 0:
            return []
        if k < 10:
            return [_EN_ONES[k]]
        if k < 20:
            return [_EN_TEENS[k - 10]]
        ones, tens = k % 10, k // 10
        if not ones:
            return [_EN_TENS[tens]]
        return [f"{_EN_TENS[tens]}-{_EN_ONES[ones]}"] if hyphen else [_EN_TENS[tens], _EN_ONES[ones]]

    def below_1000(k: int) -> list[str]:
        h, rest = divmod(k, 100)
        out: list[str] = []
        if h:
            out += ["a" if h == 1 and article else _EN_ONES[h], "hundred"]
            if rest and use_and:
                out.append("and")
        return out + below_100(rest)

    th, rest = divmod(n, 1000)
    words: list[str] = []
    if th:
        words += ["a" if th == 1 and article else _EN_ONES[th], "thousand"]
        if rest and rest < 100 and use_and:
            words.append("and")
    return " ".join(words + below_1000(rest))


def test_word_tables_are_the_lexicons() -> None:
    """The words the generators below compose must be lexicon words, or the round trip tests nothing."""
    for lang, tables in (("de", (_DE_ONES, _DE_TEENS, _DE_TENS)), ("en", (_EN_ONES, _EN_TEENS, _EN_TENS))):
        w = get_lexicon(lang).numbers["words"]
        known = {k.lower() for part in ("units", "teens", "tens") for k in w[part]}
        used = {x for table in tables for x in table if x}
        assert used <= known, sorted(used - known)


@SETTINGS
@given(n=st.integers(2, 9999), ein_prefix=st.booleans(), capital=st.booleans())
@example(n=1001, ein_prefix=True, capital=False)
@example(n=777, ein_prefix=False, capital=True)
def test_german_number_words_round_trip(n: int, ein_prefix: bool, capital: bool) -> None:
    words = de_words(n, ein_prefix)
    if capital:
        words = words[:1].upper() + words[1:]
    assert parse_number(words, "de") == n, words


@SETTINGS
@given(n=st.integers(2, 9999), hyphen=st.booleans(), use_and=st.booleans(), article=st.booleans())
@example(n=9999, hyphen=True, use_and=True, article=False)
def test_english_number_words_round_trip(n: int, hyphen: bool, use_and: bool, article: bool) -> None:
    words = en_words(n, hyphen, use_and, article)
    assert parse_number(words, "en") == n, words


@pytest.mark.parametrize(("lang", "word"), [("de", "ein"), ("de", "eine"), ("en", "a"), ("en", "one"),
                                            ("de", "und"), ("en", "and")])
def test_an_article_alone_is_not_a_number(lang: str, word: str) -> None:
    assert parse_number(word, lang) is None


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("de", "Neun Soldaten", 9),
        ("de", "zweitausendfünfhundert Soldaten", 2500),
        ("de", "eine Million Menschen", 1_000_000),
        ("en", "twelve soldiers", 12),
        ("en", "some three-thousand troops", 3000),
        ("en", "roughly 27-hundred troops", 2700),
        ("de", "2,5 Millionen Menschen", 2_500_000),
        ("de", "1,5 Mio. Menschen", 1_500_000),
        ("en", "1.2 million people", 1_200_000),
    ],
)
def test_words_and_scales_in_text(lang: str, text: str, value: float) -> None:
    assert only(text, lang).value == value


# -- qualifiers and ranges ----------------------------------------------------------

QUALIFIED = [
    # lang, text, figure, value, low, high, qualifier
    ("de", "mehr als 10.000 Soldaten", "mehr als 10.000", 10000, 10000, None, "more_than"),
    ("de", "über 400 Verletzte", "über 400", 400, 400, None, "more_than"),
    ("de", "rund 2.000 Soldaten", "rund 2.000", 2000, 2000, 2000, "approx"),
    ("de", "etwa 3000 Mann", "etwa 3000", 3000, 3000, 3000, "approx"),
    ("de", "knapp 600 Tote", "knapp 600", 600, 600, 600, "approx"),
    ("de", "mindestens 50 Tote", "mindestens 50", 50, 50, None, "at_least"),
    ("de", "bis zu 12.000 Soldaten", "bis zu 12.000", 12000, None, 12000, "up_to"),
    ("de", "weniger als 100 Soldaten", "weniger als 100", 100, None, 100, "less_than"),
    ("de", "höchstens 80 Soldaten", "höchstens 80", 80, None, 80, "at_most"),
    ("de", "zwischen 10.000 und 12.000 Soldaten", "zwischen 10.000 und 12.000", 10000, 10000, 12000, "range"),
    ("de", "10.000 bis 12.000 Soldaten", "10.000 bis 12.000", 10000, 10000, 12000, "range"),
    ("de", "10.000-12.000 Soldaten", "10.000-12.000", 10000, 10000, 12000, "range"),
    ("de", "500 oder mehr Soldaten", "500 oder mehr", 500, 500, None, "at_least"),
    ("de", "11.000 Soldaten", "11.000", 11000, 11000, 11000, "exact"),
    ("en", "more than 10,000 troops", "more than 10,000", 10000, 10000, None, "more_than"),
    ("en", "at least 50 people", "at least 50", 50, 50, None, "at_least"),
    ("en", "up to 12,000 soldiers", "up to 12,000", 12000, None, 12000, "up_to"),
    ("en", "about 2,000 troops", "about 2,000", 2000, 2000, 2000, "approx"),
    ("en", "fewer than 100 troops", "fewer than 100", 100, None, 100, "less_than"),
    ("en", "between 10,000 and 12,000 soldiers", "between 10,000 and 12,000", 10000, 10000, 12000, "range"),
    ("en", "11,000-12,000 soldiers", "11,000-12,000", 11000, 11000, 12000, "range"),
    ("en", "10,000 to 12,000 soldiers", "10,000 to 12,000", 10000, 10000, 12000, "range"),
    ("en", "3,000 or more troops", "3,000 or more", 3000, 3000, None, "at_least"),
    pytest.param("en", "a 10,000-plus force", "10,000-plus", 10000, 10000, None, "more_than"),
    ("en", "11,000 troops", "11,000", 11000, 11000, 11000, "exact"),
]


@pytest.mark.parametrize(("lang", "text", "figure", "value", "low", "high", "qualifier"), QUALIFIED)
def test_qualifiers_and_ranges(lang: str, text: str, figure: str, value: float, low: float | None,
                               high: float | None, qualifier: str) -> None:
    m = only(text, lang)
    assert (m.surface, m.value, m.low, m.high, m.qualifier) == (figure, value, low, high, qualifier)
    assert text[m.start:m.end] == figure


@pytest.mark.parametrize(("lang", "text"), [("de", "Angaben über 400 Verletzte"),
                                            ("de", "Berichte über 30 Tote")])
def test_a_preposition_after_a_noun_does_not_bound_the_figure(lang: str, text: str) -> None:
    m = only(text, lang)
    assert m.qualifier == "exact"
    assert m.low == m.high == m.value


def test_a_change_is_not_a_range() -> None:
    """'von 10.000 auf 12.000' reports a change: two figures, neither a range."""
    ms = found("Die Zahl stieg von 10.000 auf 12.000 Soldaten.", "de")
    assert [(m.value, m.qualifier) for m in ms] == [(10000, "exact"), (12000, "exact")]


@pytest.mark.parametrize(
    ("lang", "text", "figure", "qualifier"),
    [
        ("de", "gut 500 Soldaten", "gut 500", "more_than"),
        ("de", "an die 300 Soldaten", "an die 300", "approx"),
        ("en", "nearly 300 troops", "nearly 300", "approx"),
        ("de", "insgesamt etwa 3000 Soldaten", "insgesamt etwa 3000", "approx"),
        ("de", "weitere 2.000 Soldaten", "weitere 2.000", "exact"),
        ("en", "another 2,000 troops", "another 2,000", "exact"),
    ],
)
def test_figure_words_join_the_surface_without_bounding_it(lang: str, text: str, figure: str,
                                                           qualifier: str) -> None:
    m = only(text, lang)
    assert (m.surface, m.qualifier) == (figure, qualifier)


@pytest.mark.parametrize(("lang", "text", "value"), [("de", "ein Dutzend Soldaten", 12),
                                                     ("en", "a dozen soldiers", 12),
                                                     ("en", "1.5m people fled", 1_500_000)])
def test_a_dozen_and_m_for_million(lang: str, text: str, value: float) -> None:
    assert [m.value for m in found(text, lang)] == [value]


def test_a_falling_pair_is_not_a_range() -> None:
    """'von 12.000 auf 10.000' or '12.000-10.000' is no range: the second figure is not larger."""
    ms = found("12.000-10.000 Soldaten", "de")
    assert all(m.qualifier != "range" for m in ms)


# -- vague amounts ---------------------------------------------------------------

VAGUE = [
    ("de", "Hunderte Soldaten", "Hunderte", 100),
    ("de", "Dutzende Tote", "Dutzende", 12),
    ("de", "Tausende Menschen", "Tausende", 1000),
    ("de", "Zehntausende Soldaten", "Zehntausende", 10000),
    ("de", "mehrere hundert Soldaten", "mehrere hundert", 100),
    ("en", "hundreds of soldiers", "hundreds", 100),
    ("en", "dozens of soldiers", "dozens", 12),
    ("en", "thousands of people", "thousands", 1000),
    ("en", "tens of thousands of troops", "tens of thousands", 10000),
    ("en", "several dozen soldiers", "several dozen", 12),
    ("de", "Hunderttausende Menschen", "Hunderttausende", 100000),
    ("en", "hundreds of thousands of people", "hundreds of thousands", 100000),
]


@pytest.mark.parametrize(("lang", "text", "figure", "value"), VAGUE)
def test_vague_amounts_take_the_smallest_round_number(lang: str, text: str, figure: str, value: float) -> None:
    m = only(text, lang)
    assert (m.surface, m.value, m.qualifier) == (figure, value, "vague")
    assert m.low == value and m.high is None


# -- what is not a figure ------------------------------------------------------------

NOT_FIGURES = [
    ("de", "am 15. Juni", "15"),
    ("de", "Stand: 16.06.2025, 14:49 Uhr", "16"),
    ("de", "Stand: 16.06.2025, 14:49 Uhr", "14"),
    ("de", "um 14.30 Uhr", "14.30"),
    ("de", "Artikel 521907833 lesen", "521907833"),
    ("de", "Foto 521907833Vergrößern", "521907833"),
    ("de", "![Bild 4711](https://bild.example/4711.jpg)", "4711"),
    ("de", "https://nachrichten.example/krieg/2025/06/300-soldaten", "300"),
    ("de", "Hotline +49 30 1234 5678", "30"),
    ("en", "the 3rd brigade", "3"),
    ("en", "the 21st century", "21"),
    ("en", "at 14:49 GMT", "14"),
    ("en", "on June 15, 2025", "15"),
    ("en", "call +1 202 555 0147", "202"),
]


@pytest.mark.parametrize(("lang", "text", "number"), NOT_FIGURES)
def test_ids_ordinals_dates_and_times_are_not_figures(lang: str, text: str, number: str) -> None:
    spans = {(m.num_start, m.num_end) for m in found(text, lang)}
    pos = text.index(number)
    assert not any(a <= pos < b for a, b in spans), [text[a:b] for a, b in spans]


def test_a_figure_next_to_a_date_is_still_found() -> None:
    m = only("Am 15. Juni 2025 wurden 300 Soldaten getötet.", "de")
    assert m.value == 300


# -- find: properties on any input ---------------------------------------------------


def check_mentions(text: str, ms: list[Mention]) -> None:
    last = -1
    for m in ms:
        assert 0 <= m.start <= m.num_start <= m.num_end <= m.end <= len(text)
        assert m.surface == text[m.start:m.end]
        assert math.isfinite(m.value) and m.value >= 0
        if m.low is not None and m.high is not None:
            assert m.low <= m.high
        assert m.num_start >= last  # ordered and not overlapping
        last = m.num_end


_PIECES = st.sampled_from([
    "1", "2", "0", "9", "12", "000", ".", ",", " ", "\u00a0", "\u202f", "'", "-", "–", "+", "/", ":",
    "\u200b", "\u200d", "\ufeff", "\u2060", "bis", "und", "zwischen ", "mehr als ", "über ", "rund ", "or more",
    "between ", "and ", "to ", "Mio.", "Millionen", "million", "tausend", "hundert", "Hunderte", "dozens",
    " Soldaten", " troops", "km", "Juni ", "2025", "\n", "zwei", "three",
])
MIXED = st.lists(_PIECES, max_size=40).map("".join)
LONG_DIGITS = st.text(alphabet="0123456789.,  '\u00a0", min_size=50, max_size=3000)


@SETTINGS
@given(lang=st.sampled_from(LANGS), text=st.one_of(st.text(), MIXED, LONG_DIGITS))
@example(lang="de", text="11\u200b000 Soldaten")
@example(lang="en", text="\u200b300\u200b troops")
@example(lang="de", text="1.000.000.000.000.000.000.000,5")
@example(lang="en", text="9" * 500)
def test_find_never_raises_and_keeps_offsets(lang: str, text: str) -> None:
    check_mentions(text, finder(lang).find(text))
    check_mentions(text, found(text, lang))


@SETTINGS
@given(lang=st.sampled_from(LANGS), text=MIXED, data=st.data())
def test_find_in_a_window_reports_offsets_into_the_whole_text(lang: str, text: str, data: st.DataObject) -> None:
    a = data.draw(st.integers(0, len(text)))
    ms = finder(lang).find(text, a)
    check_mentions(text, ms)
    assert all(m.num_start >= a for m in ms)


def test_find_keeps_a_range_inside_the_window() -> None:
    text = "zwischen 10 und 20 Soldaten"
    ms = finder("de").find(text, 9)
    assert all(m.start >= 9 for m in ms), [(m.start, m.surface) for m in ms]


def test_find_keeps_a_suffix_inside_the_window() -> None:
    text = "300 oder mehr Soldaten"
    ms = finder("de").find(text, 0, 4)
    assert all(m.end <= 4 for m in ms), [(m.end, m.surface) for m in ms]


@pytest.mark.parametrize("lang", LANGS)
def test_adversarial_inputs_finish_fast(lang: str) -> None:
    """No pattern may backtrack catastrophically on separator soup or long word runs."""
    texts = [
        "1." * 5000 + "x",
        "1, " * 5000,
        "1 000 " * 3000 + "bis",
        "zwischen " * 3000 + "1",
        "und " * 5000,
        "mehr als " * 3000 + "5",
        "- " * 5000 + "7",
    ]
    t0 = time.process_time()  # CPU seconds: what backtracking costs, the same on a quiet or a loaded machine
    for t in texts:
        check_mentions(t, found(t, lang))
    assert time.process_time() - t0 < 5


@pytest.mark.parametrize(("lang", "text"), [("de", "hundert" * 200), ("en", "hundred " * 200)])
def test_a_run_of_scale_words_does_not_overflow(lang: str, text: str) -> None:
    check_mentions(text, found(text, lang))


def test_overlaps_are_settled_leftmost_then_longest() -> None:
    from figtrace.extract.spans import drop_overlaps

    spans = [(5, 9), (0, 4), (0, 7), (8, 12), (12, 14)]
    assert drop_overlaps(spans, lambda s: s) == [(0, 7), (8, 12), (12, 14)]
    assert drop_overlaps([], lambda s: s) == []


@pytest.mark.parametrize(("text", "lang", "value", "qualifier"), [
    ("More than a dozen soldiers were killed.", "en", 12, "more_than"),
    ("About half a dozen people were wounded.", "en", 6, "approx"),
    ("Mehr als ein Dutzend Soldaten wurden getötet.", "de", 12, "more_than"),
    ("Dozens of people were wounded.", "en", 12, "vague"),
])
def test_a_set_amount_in_words_is_qualified_like_a_number(text: str, lang: str, value: int, qualifier: str) -> None:
    claim = figtrace.extract(text, lang=lang)[0]
    assert (claim.value, claim.qualifier) == (value, qualifier)


@pytest.mark.parametrize(("lang", "text", "values"), [
    ("de", "ein 5km langer Konvoi", [5.0]),
    ("de", "rund 3Mio Menschen", [3_000_000.0]),
    ("en", "a 5km convoy", [5.0]),
    ("en", "the 3rd brigade", []),  # letters on digits the lexicon does not name: an ordinal, no figure
])
def test_letters_glued_to_digits_are_a_unit_only_when_the_lexicon_says_so(lang: str, text: str,
                                                                         values: list[float]) -> None:
    assert [m.value for m in found(text, lang)] == values

"""The public ``figtrace.extract``: Claim objects whose evidence points back into the text.

Every claim must be checkable by a person: ``text[start:end]`` is the figure
and ``text[quote_start:quote_end]`` the quote, on any input. The texts are
generated from sentences written for these tests, plus the project's own
sample corpus and arbitrary strings.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import figtrace
from figtrace.model import MEASURES, QUALIFIERS, RULES, SPEC_FIELDS, UNITS, Claim

_POINT = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
PERIOD = re.compile(rf"{_POINT}(?:\.\.{_POINT})?")

DE_SENTENCES = [
    "Laut UN wurden mindestens 50 Menschen getötet.",
    "Nordkorea hat im Herbst 2024 rund 11.000 Soldaten nach Russland entsandt.",
    "Am Dienstag wurden 40 nordkoreanische Soldaten verwundet.",
    "Demnach seien weitere 3.000 Soldaten eingetroffen.",
    "Weitere 5000 Soldaten sollen folgen.",
    "Mehr als 2.700 Soldaten wurden verletzt und mindestens 300 getötet.",
    "Die Armee zerstörte zwischen 10 und 12 Panzer.",
    "Hunderte Soldaten gerieten in Gefangenschaft.",
    "Das erklärte der ukrainische Generalstab.",
    "Die Kämpfe dauerten 40 Tage.",
    "Stand: 16.06.2025, 14:49 Uhr",
    "Die Truppen eroberten 120 Quadratkilometer.",
]
EN_SENTENCES = [
    "According to the UN, at least 50 people were killed.",
    "North Korea has deployed some 11,000 troops to Russia.",
    "On Tuesday 40 North Korean soldiers were wounded.",
    "Another 5,000 troops are expected to follow.",
    "More than 2,700 soldiers were wounded and at least 300 were killed, the UN said.",
    "The army destroyed between 10 and 12 tanks.",
    "Hundreds of soldiers were captured.",
    "The offensive lasted 40 days.",
    "Updated June 16, 2025 at 14:49",
    "Russian troops advanced 12 kilometres.",
]


def check_claim(text: str, c: Claim) -> None:
    assert isinstance(c, Claim)
    assert text[c.start:c.end] == c.figure
    assert text[c.quote_start:c.quote_end] == c.quote
    assert c.quote_start <= c.start < c.end <= c.quote_end
    assert c.qualifier in QUALIFIERS
    assert c.measure in MEASURES
    assert c.unit in UNITS
    assert c.source
    assert c.as_of is None or PERIOD.fullmatch(c.as_of), c.as_of
    if c.qualifier in ("at_least", "more_than", "vague"):
        assert c.low == c.value and c.high is None
    elif c.qualifier in ("at_most", "less_than", "up_to"):
        assert c.low is None and c.high == c.value
    elif c.qualifier == "range":
        assert c.low == c.value and c.high is not None and c.high > c.low
    else:
        assert c.low == c.high == c.value


def test_extract_returns_claims_with_evidence() -> None:
    text = "\n".join(DE_SENTENCES)
    cs = figtrace.extract(text, lang="de", published="2025-06-17", doc="kursk.txt")
    assert len(cs) >= 8
    for c in cs:
        check_claim(text, c)
        assert c.doc == "kursk.txt"
        assert c.lang == "de"
        assert c.published == "2025-06-17"
        assert c.why["figure"] and c.why["measure"]


def test_claims_come_in_text_order() -> None:
    text = " ".join(EN_SENTENCES)
    starts = [c.start for c in figtrace.extract(text, lang="en")]
    assert starts == sorted(starts)


def test_language_is_detected_when_not_given() -> None:
    assert {c.lang for c in figtrace.extract(" ".join(DE_SENTENCES))} == {"de"}
    assert {c.lang for c in figtrace.extract(" ".join(EN_SENTENCES))} == {"en"}


def test_without_a_doc_name_claims_name_the_content() -> None:
    text = DE_SENTENCES[0]
    a = figtrace.extract(text, lang="de")
    b = figtrace.extract(text, lang="de")
    assert a and a[0].doc == b[0].doc == a[0].doc_id
    assert figtrace.extract(text + " ", lang="de")[0].doc != a[0].doc


@pytest.mark.parametrize("text", ["", "   \n\n", "Keine Zahlen hier.", "2025"])
def test_nothing_to_find(text: str) -> None:
    assert figtrace.extract(text, lang="de") == []


def test_a_bad_published_value_is_ignored_not_fatal() -> None:
    cs = figtrace.extract("Am Dienstag wurden 40 Soldaten getötet.", lang="de", published="not a date")
    assert [c.as_of for c in cs] == [None]


def test_claims_round_trip_through_dicts() -> None:
    text = "\n".join(EN_SENTENCES)
    for c in figtrace.extract(text, lang="en", published="2025-06-17"):
        d = c.to_dict()
        assert tuple(d)[: len(SPEC_FIELDS)] == SPEC_FIELDS
        assert Claim.from_dict(d) == c
        assert tuple(c.to_dict(spec_only=True)) == SPEC_FIELDS


@settings(max_examples=60, deadline=None)
@given(
    lang=st.sampled_from(["de", "en"]),
    picks=st.lists(st.integers(0, 11), min_size=1, max_size=8),
    seps=st.lists(st.sampled_from([" ", "\n", "\n\n", "  ", " \u00a0"]), min_size=8, max_size=8),
    published=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)),
)
def test_offsets_hold_on_generated_articles(lang: str, picks: list[int], seps: list[str],
                                            published: str | None) -> None:
    pool = DE_SENTENCES if lang == "de" else EN_SENTENCES
    text = "".join(pool[i % len(pool)] + seps[k] for k, i in enumerate(picks))
    for c in figtrace.extract(text, lang=lang, published=published):
        check_claim(text, c)


@settings(max_examples=60, deadline=None)
@given(lang=st.sampled_from(["de", "en"]), text=st.text(max_size=300))
def test_extract_never_raises_on_any_text(lang: str, text: str) -> None:
    for c in figtrace.extract(text, lang=lang):
        check_claim(text, c)


def _corpus() -> list[tuple[str, str]]:
    root = resources.files("figtrace").joinpath("data", "corpus")
    out = []
    for lang_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if lang_dir.is_dir():
            out += [(lang_dir.name, p.name) for p in sorted(lang_dir.iterdir(), key=lambda p: p.name)
                    if p.name.endswith(".txt")]
    return out


@pytest.mark.parametrize(("lang", "name"), _corpus())
def test_offsets_hold_on_the_sample_corpus(lang: str, name: str) -> None:
    text = resources.files("figtrace").joinpath("data", "corpus", lang, name).read_text(encoding="utf-8")
    cs = figtrace.extract(text, lang=lang, published="2025-06-17", doc=name)
    assert cs
    for c in cs:
        check_claim(text, c)


@pytest.mark.parametrize("text", ["Am Dienstag wurden 40 Soldaten getötet.", "Gestern wurden 40 Soldaten getötet."])
def test_an_extreme_publication_date_does_not_raise(text: str) -> None:
    for c in figtrace.extract(text, lang="de", published="0001-01-01"):
        check_claim(text, c)


def test_every_rule_a_claim_names_is_a_documented_rule() -> None:
    """``Claim.rules`` speaks the vocabulary of ``model.RULES``, and every field there is in use."""
    seen: set[tuple[str, str]] = set()
    root = resources.files("figtrace").joinpath("data", "corpus")
    for lang, name in _corpus():
        text = root.joinpath(lang, name).read_text(encoding="utf-8")
        seen |= {kv for c in figtrace.extract(text, lang=lang, published="2025-06-17") for kv in c.rules.items()}
    documented = {(f, rule) for f, rules in RULES.items() for rule in rules}
    assert seen <= documented, sorted(seen - documented)
    assert {f for f, _ in seen} == set(RULES)


def test_api_json_is_what_the_standard_library_wrote() -> None:
    """The fast encoder changes no byte: dates, keys that are not strings, other scripts, plain objects."""
    import dataclasses
    import datetime as dt
    import json

    from figtrace.web.api import dumps

    @dataclasses.dataclass
    class Point:
        x: int

    content = {"claims": [{"id": 1, "value": 6000.5, "quote": "über 6000 Soldaten – «ок»", "low": None,
                           "published": dt.date(2025, 6, 17), "at": dt.datetime(2025, 6, 17, 8, 30),
                           "ok": True, "point": Point(3)}],
               "by_id": {7: "seven"}, "total": 2**40}
    assert dumps(content) == json.dumps(content, ensure_ascii=False, default=str, separators=(",", ":")).encode()

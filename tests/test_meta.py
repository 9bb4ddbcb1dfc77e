"""Publication dates, outlets and languages."""

from __future__ import annotations

import datetime as dt

import pytest

from figtrace.clean import segment
from figtrace.errors import LexiconError
from figtrace.lang.dates import date_lexicon, url_dates
from figtrace.meta import detect_language, find_dates
from figtrace.meta import enrich as meta_enrich
from figtrace.meta.outlet import outlet_from_url, registrable
from figtrace.model import Document


def enrich(doc: Document, **kw) -> Document:  # type: ignore[no-untyped-def]
    """The metadata stage as the pipeline runs it: on a document the cleaner has segmented."""
    doc.segments = segment(doc.text, doc.lang, title=doc.title)
    return meta_enrich(doc, **kw)


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("16.06.2025, 14:49", "2025-06-16", "day"),
        ("02.09.2025 - 11:33 Uhr", "2025-09-02", "day"),
        ("14:4916.06.2025, 14:49", "2025-06-16", "day"),
        ("am 3. März 2024 in Kiew", "2024-03-03", "day"),
        ("June 16, 2025", "2025-06-16", "day"),
        ("on 16 June 2025 at noon", "2025-06-16", "day"),
        ("Published 2025-06-16T10:00", "2025-06-16", "day"),
        ("seit Februar 2022", "2022-02", "month"),
        ("in October 2023", "2023-10", "month"),
        ("im Herbst 2024", "2024", "year"),
        ("zu Beginn des Jahres 2025", "2025", "year"),
    ],
)
def test_dates_in_text(text, iso, precision):
    found = find_dates(text)
    assert found, text
    assert (found[0].iso, found[0].precision) == (iso, precision)
    assert text[found[0].start : found[0].end]


@pytest.mark.parametrize(
    "text",
    [
        "Nordkorea schickte 2025 Soldaten.",  # a bare number is a count, not a year
        "31.02.2025",  # no such day
        "um 14:49 Uhr",
        "Telefon 030 1234 5678, Artikel 20251604",
    ],
)
def test_not_dates(text):
    assert find_dates(text) == []


def test_dates_respect_language():
    assert find_dates("16. Juni 2025", ("de",))
    assert not [m for m in find_dates("16. Juni 2025", ("en",)) if m.precision == "day"]


def test_url_dates():
    found = url_dates("![a](https://img.example.de/2025/01/abc.jpg) and https://x.example/2024/13/9/")
    assert [m.iso for m in found] == ["2025-01"]


def test_published_from_timestamp_line():
    doc = enrich(Document("Titel der Meldung hier\n16.06.2025, 14:49\nDer Text ist hier ein ganzer Satz.\n"))
    assert (doc.published, doc.published_inferred, doc.meta["published_source"]) == (
        "2025-06-16",
        False,
        "text",
    )


def test_earliest_timestamp_is_the_original():
    text = (
        "Eine Überschrift zum Test\nAktualisiert am 18.06.2025, 10:00 Uhr\n"
        "Erstellt am 16.06.2025, 08:00 Uhr\n"
        "Die Armee meldete am Morgen neue Angriffe in der Region.\n"
    )
    assert enrich(Document(text)).published == "2025-06-16"


def test_inferred_lower_bound_with_evidence():
    text = (
        "Im Herbst 2024 wurden Soldaten verlegt. Seit Februar 2025 kämpfen sie an der Front.\n"
        "Bis 2030 soll die Armee wachsen, heißt es im Jahr 2031 geplanten Bericht.\n"
    )
    doc = enrich(Document(text), today=dt.date(2026, 1, 1))
    assert (doc.published, doc.published_inferred) == ("2025-02", True)  # at the precision the text gives
    ev = doc.meta["published_evidence"]
    assert text[ev["start"] : ev["end"]] == "Februar 2025" and ev["precision"] == "month"
    # a date beyond today is a plan, not a bound
    doc = enrich(
        Document("Im Jahr 2031 sollen neue Truppen kommen. Im Herbst 2024 war es ruhig.\n"),
        today=dt.date(2026, 1, 1),
    )
    assert doc.published == "2024"


def test_undated_text_stays_undated():
    doc = enrich(Document("Die Soldaten kämpfen weiter.\nAm Dienstag gab es neue Angriffe.\n"))
    assert doc.published is None and doc.published_inferred is False


def test_given_values_are_kept():
    doc = enrich(
        Document(
            "16.06.2025\nThe troops were sent to Kursk, officials said on Tuesday.\n",
            published="2025-01-05",
            lang="de",
            outlet="example.org",
        )
    )
    assert (doc.published, doc.published_inferred, doc.lang, doc.outlet) == (
        "2025-01-05",
        False,
        "de",
        "example.org",
    )


@pytest.mark.parametrize(
    ("text", "outlet", "how"),
    [
        (
            "Text des Artikels in einem Satz.\nTransparenzhinweis\nFragen an redaktion@beispiel.de.\n",
            "beispiel.de",
            "contact",
        ),
        (
            "Titel der Meldung\n![Bild](https://images.beispiel-online.de/2025/01/a.jpg)\nText in einem Satz.\n",
            "beispiel-online.de",
            "image_host",
        ),
        ("Titel der Meldung\nVon dpa\nText in einem Satz.\n", "DPA", "byline"),
        ("Titel der Meldung\nVon Anna Beispiel\nText in einem Satz.\n", None, None),
        ("Titel\n![Bild](https://media.gettyimages.com/2025/01/a.jpg)\nText in einem Satz.\n", None, None),
    ],
)
def test_outlet_from_page(text, outlet, how):
    doc = enrich(Document(text))
    assert doc.outlet == outlet
    assert doc.meta.get("outlet_source") == how


def test_outlet_from_url_wins():
    doc = enrich(Document("Titel\nVon dpa\nText.\n", url="https://www.beispiel.de/politik/a.html"))
    assert (doc.outlet, doc.meta["outlet_source"]) == ("beispiel.de", "url")
    assert registrable("news.bbc.co.uk") == "bbc.co.uk"
    assert outlet_from_url("https://images.t-online.de/x.jpg") == "t-online.de"


def test_detect_language():
    assert detect_language("Die Soldaten wurden nach Russland geschickt, teilte der Geheimdienst mit.") == "de"
    assert detect_language("The soldiers were sent to Russia, the intelligence agency said on Tuesday.") == "en"
    assert detect_language("", default="en") == "en"
    # only languages with a lexicon folder come out
    assert detect_language("Les soldats ont été envoyés en Russie, selon les services de renseignement.") in (
        "de",
        "en",
    )


_GERMAN = ("Nach Angaben der Behörden wurden bei dem Angriff auf die Stadt mindestens zwölf Menschen getötet. "
           "Die Armee teilte mit, dass sie die Lage unter Kontrolle habe, und kündigte eine Untersuchung an. "
           "Es sei der schwerste Angriff auf die Region seit dem Beginn des Jahres, hieß es aus der Verwaltung.")
_ENGLISH = ("At least twelve people were killed in the attack on the city, the authorities said on Monday. "
            "The army said that it had the situation under control and that an inquiry had been opened. "
            "It was the heaviest attack on the region since the start of the year, according to officials.")


@pytest.mark.parametrize("text, code", [(_GERMAN, "de"), (_ENGLISH, "en")])
def test_function_words_decide_a_plain_text_as_the_identifier_would(text, code):
    from figtrace.lang import available_languages
    from figtrace.meta.language import _by_function_words, _identifier

    langs = tuple(available_languages())
    assert _by_function_words(text, langs) == code
    assert _identifier(langs).classify(text)[0] == code
    assert detect_language(text) == code


def test_function_words_leave_mixed_and_short_texts_to_the_identifier():
    from figtrace.lang import available_languages
    from figtrace.meta.language import _by_function_words

    langs = tuple(available_languages())
    half = _GERMAN[:160] + " " + _ENGLISH[:160]  # a quote in the other language: no clear lead
    assert _by_function_words(half, langs) is None
    assert _by_function_words("Die Armee und der Staat", langs) is None  # too few to tell
    assert detect_language(half) in ("de", "en")


def test_a_language_without_function_words_turns_the_count_off(lang_root):
    from figtrace.meta.language import _by_function_words, _function_words

    for code, words in (("aa", '["alpha", "beta"]'), ("bb", None)):
        (lang_root / code).mkdir()
        (lang_root / code / "sentences.toml").write_text(
            f"function_words = {words}\n" if words else "abbreviations = []\n", encoding="utf-8")
    _function_words.cache_clear()
    try:
        assert _by_function_words("alpha beta " * 20, ("aa", "bb")) is None  # no count can speak for "bb"
        assert _by_function_words("alpha beta " * 20, ("aa",)) == "aa"
    finally:
        _function_words.cache_clear()


def test_bad_date_lexicon_lists_every_problem(lang_root):
    (lang_root / "xx").mkdir()
    (lang_root / "xx" / "dates.toml").write_text(
        '[months]\nfoo = 13\n[patterns]\nfull_re = ["(?P<d>\\\\d+", 5]\n', encoding="utf-8"
    )
    with pytest.raises(LexiconError) as e:
        date_lexicon(("xx",))
    msg = str(e.value)
    assert "lang/xx/dates.toml" in msg and "months.foo" in msg
    assert "full_re[0]" in msg and "full_re[1]" in msg

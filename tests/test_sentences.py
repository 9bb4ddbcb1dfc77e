"""The sentence splitter: where a quote starts and ends.

A claim's ``quote`` is the sentence around its figure, so a wrong cut either
drops the cue that gives the figure its meaning or glues two claims'
evidence together. Offsets must always slice back to the sentence text.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from figtrace.extract.sentences import splitter


def texts(text: str, lang: str) -> list[str]:
    return [s.text(text) for s in splitter(lang).split(text)]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Die Truppen griffen an. Danach blieb es ruhig.",
         ["Die Truppen griffen an.", "Danach blieb es ruhig."]),
        ("de", "Wurden Soldaten verlegt? Ja! Es waren viele.",
         ["Wurden Soldaten verlegt?", "Ja!", "Es waren viele."]),
        ("en", "Troops moved in. Nobody was hurt.", ["Troops moved in.", "Nobody was hurt."]),
        ("de", "Es waren 11.000. 2025 kamen weitere hinzu.", ["Es waren 11.000.", "2025 kamen weitere hinzu."]),
    ],
)
def test_sentence_ends(lang: str, text: str, expected: list[str]) -> None:
    assert texts(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Laut Dr. Weber kamen ca. 300 Soldaten an. Sie blieben.",
         ["Laut Dr. Weber kamen ca. 300 Soldaten an.", "Sie blieben."]),
        ("de", "Es gab z. B. neue Zahlen. Diese stiegen.", ["Es gab z. B. neue Zahlen.", "Diese stiegen."]),
        ("de", "Es kamen ca. 1,5 Mio. Menschen. Viele flohen.", ["Es kamen ca. 1,5 Mio. Menschen.", "Viele flohen."]),
        ("en", "Mr. Grant said 300 troops were sent. The U.S. military agreed.",
         ["Mr. Grant said 300 troops were sent.", "The U.S. military agreed."]),
        ("en", "On Jan. 5 the count changed. It rose.", ["On Jan. 5 the count changed.", "It rose."]),
        ("en", "It was J. Grant who spoke. Others followed.", ["It was J. Grant who spoke.", "Others followed."]),
    ],
)
def test_abbreviations_and_initials_do_not_end_a_sentence(lang: str, text: str, expected: list[str]) -> None:
    assert texts(text, lang) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Am 15. Juni griffen die Truppen an.",
        "Bis zum 3. März kamen keine weiteren Soldaten.",
        "Die 3. Armee rückte vor.",
        "Seit dem 24. Februar 2022 dauern die Kämpfe an.",
    ],
)
def test_german_ordinals_do_not_end_a_sentence(text: str) -> None:
    assert texts(text, "de") == [text]


def test_english_has_no_ordinal_dot() -> None:
    """In English '15. June' is the end of a sentence and a heading, not a date."""
    assert len(texts("The count was 15. June brought more.", "en")) == 2


def test_line_breaks_end_sentences_and_paragraphs() -> None:
    text = "Überschrift ohne Punkt\nErster Satz hier. Zweiter Satz dort!\n\nDritter Absatz?\r\nLetzte Zeile"
    ss = splitter("de").split(text)
    assert [s.text(text) for s in ss] == [
        "Überschrift ohne Punkt", "Erster Satz hier.", "Zweiter Satz dort!", "Dritter Absatz?", "Letzte Zeile",
    ]
    assert [s.paragraph for s in ss] == [0, 1, 1, 2, 3]
    assert [s.index for s in ss] == [0, 1, 2, 3, 4]


def test_a_quote_after_a_full_stop() -> None:
    text = 'Er sagte: "Wir haben 40 Soldaten verloren." Dann ging er.'
    assert texts(text, "de") == ['Er sagte: "Wir haben 40 Soldaten verloren."', "Dann ging er."]


def test_split_within_a_window_keeps_offsets_into_the_whole_text() -> None:
    text = "Kopfzeile. Erster Satz. Zweiter Satz. Fußzeile."
    a = text.index("Erster")
    b = text.index("Fußzeile")
    ss = splitter("de").split(text, a, b)
    assert [s.text(text) for s in ss] == ["Erster Satz.", "Zweiter Satz."]


def test_blank_text_has_no_sentences() -> None:
    assert splitter("de").split("") == []
    assert splitter("en").split("  \n\n \t\n") == []


_PIECES = st.sampled_from([
    "Soldaten", "troops", " ", "  ", ".", "!", "?", "…", "\n", "\r\n", "\u2028", "\u00a0", "z. B.", "Dr.", "U.S.",
    "15.", " Juni", "3", "11.000", '"', "„", "“", "(", ")", "A", "b", "Ä", "\t", "'", "»", "«",
])
SOUP = st.lists(_PIECES, max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(lang=st.sampled_from(["de", "en"]), text=st.one_of(st.text(), SOUP))
@example(lang="de", text="a.\u2029b")
@example(lang="en", text="\n\n. .\n")
def test_sentences_are_ordered_non_overlapping_and_trimmed(lang: str, text: str) -> None:
    ss = splitter(lang).split(text)
    last_end = 0
    for k, s in enumerate(ss):
        assert last_end <= s.start < s.end <= len(text)
        assert s.index == k
        body = s.text(text)
        assert body == text[s.start:s.end]
        assert body.strip() == body and body
        assert "\n" not in body and "\r" not in body
        last_end = s.end
    assert [s.paragraph for s in ss] == sorted(s.paragraph for s in ss)
    # nothing but whitespace is lost between sentences
    covered = "".join(text[s.start:s.end] for s in ss)
    assert "".join(covered.split()) == "".join(text.split())

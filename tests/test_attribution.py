"""Who says it: a claim's source, from cues in its sentence or carried from a neighbour.

Sentences are written for these tests. Each case is one the spec decides
without doubt; the carry rules follow design.md ("demnach", Konjunktiv I,
"it added" keep the last source; a new paragraph in the indicative ends it).
"""

from __future__ import annotations

import pytest

import figtrace
from figtrace.extract.attribution import UNATTRIBUTED, source_reader
from figtrace.model import Claim


def claims(text: str, lang: str) -> list[Claim]:
    return figtrace.extract(text, lang=lang, published="2025-06-17")


def sources(text: str, lang: str) -> list[str]:
    return [c.source for c in claims(text, lang)]


@pytest.mark.parametrize(
    ("lang", "text", "source"),
    [
        ("de", "Laut UN wurden mindestens 50 Menschen getötet.", "UN"),
        ("de", "Dem britischen Geheimdienst zufolge wurden 600 nordkoreanische Soldaten getötet.",
         "UK Defence Intelligence"),
        ("de", "Nach Angaben des südkoreanischen Geheimdienstes wurden 300 Soldaten getötet.", "South Korea NIS"),
        ("de", "Nach Angaben von Selenskyj wurden 200 russische Soldaten getötet.", "Volodymyr Zelensky"),
        ("de", "Der NIS schätzt, dass 300 nordkoreanische Soldaten getötet wurden.", "South Korea NIS"),
        ("de", "Selenskyj sagte, 200 russische Soldaten seien gefallen.", "Volodymyr Zelensky"),
        ("en", "According to the UN, 50 people were killed.", "UN"),
        ("en", "The UN said 40 people were killed in the assault.", "UN"),
        ("en", "In the assault 40 people were killed, the UN said.", "UN"),
        ("en", "Zelenskyy said 200 Russian soldiers were killed.", "Volodymyr Zelensky"),
        ("en", "South Korea's spy agency estimated that 300 North Korean soldiers had been killed.",
         "South Korea NIS"),
    ],
)
def test_a_source_named_with_a_cue(lang: str, text: str, source: str) -> None:
    assert sources(text, lang) == [source]


def test_aliases_in_both_languages_give_one_canonical_name() -> None:
    de = sources("Laut NIS wurden 300 nordkoreanische Soldaten getötet.", "de")
    en = sources("According to the NIS, 300 North Korean soldiers were killed.", "en")
    assert de == en == ["South Korea NIS"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Bei dem Angriff wurden 40 Soldaten getötet."),
        ("en", "In the assault 40 soldiers were killed."),
        # a known name without a cue that binds it is a topic, not a source
        ("de", "Die UN bereiten Hilfe vor. Bei dem Angriff wurden 40 Menschen getötet."),
    ],
)
def test_no_cue_means_unattributed(lang: str, text: str) -> None:
    cs = claims(text, lang)
    assert [c.source for c in cs] == [UNATTRIBUTED]
    assert cs[0].rules["source"] == "no_cue"


@pytest.mark.parametrize(
    ("lang", "text", "source"),
    [
        ("de", "Der ukrainische Generalstab teilte am Morgen neue Zahlen mit. "
               "Demnach wurden 900 russische Soldaten getötet.", "Ukrainian armed forces"),
        ("de", "Laut ukrainischem Generalstab ist die Lage angespannt. "
               "In der Nacht seien 900 russische Soldaten getötet worden.", "Ukrainian armed forces"),
        ("en", "The UN said on Monday that fighting continued. It added that 40 people were killed.", "UN"),
    ],
)
def test_reported_speech_carries_the_last_source(lang: str, text: str, source: str) -> None:
    cs = claims(text, lang)
    assert [c.source for c in cs] == [source]
    assert cs[0].rules["source"] == "carried"


def test_a_new_indicative_paragraph_ends_the_carry() -> None:
    text = ("Der ukrainische Generalstab teilte neue Zahlen mit. Demnach wurden 900 russische Soldaten getötet.\n"
            "Im Osten wurden 50 Soldaten verletzt.")
    assert sources(text, "de") == ["Ukrainian armed forces", UNATTRIBUTED]


def test_an_indicative_sentence_in_a_new_paragraph_is_not_attributed() -> None:
    text = "Laut ukrainischem Generalstab ist die Lage angespannt.\nIn der Nacht wurden 900 russische Soldaten getötet."
    assert sources(text, "de") == [UNATTRIBUTED]


@pytest.mark.parametrize(
    ("lang", "text", "source"),
    [
        ("de", "Bei dem Angriff wurden 40 Soldaten getötet. Das erklärte der ukrainische Generalstab.",
         "Ukrainian armed forces"),
        ("de", "Bei dem Angriff wurden 40 Soldaten getötet. Dies teilte die UN am Abend mit.", "UN"),
    ],
)
def test_a_following_sentence_can_name_the_source(lang: str, text: str, source: str) -> None:
    cs = claims(text, lang)
    assert [c.source for c in cs] == [source]
    assert cs[0].rules["source"] == "next"


def test_a_relayed_agency_beats_the_person_relaying_it() -> None:
    text = "Selenskyj sagte nach einer Unterrichtung durch den NIS, 300 nordkoreanische Soldaten seien getötet worden."
    assert sources(text, "de") == ["South Korea NIS"]
    text = "Zelenskyy said, citing the NIS, that 300 North Korean soldiers were killed."
    assert sources(text, "en") == ["South Korea NIS"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Im Lagebericht des ISW stehen 300 getötete Soldaten.", "ISW"),
        ("Das ISW hat neue Karten veröffentlicht.", "ISW"),
        ("Das ISW hat neue Karten.", None),  # named, but nothing says it asserts anything
        ("Die Berichte über Kämpfe häufen sich.", None),  # a cue with no known source
    ],
)
def test_the_reader_needs_a_known_source_and_a_cue(text: str, expected: str | None) -> None:
    reader = source_reader("de")
    att = reader.own(text, 0, len(text), reader.mentions(text, 0, len(text)))
    assert (att.source if att else None) == expected
    if att is not None:
        assert text[att.start:att.end] == "ISW"


def test_two_clauses_with_two_sources() -> None:
    """Each figure takes the speaker whose cue is nearest it in its own clause."""
    text = "Laut NIS wurden 300 Soldaten getötet, die ukrainische Armee spricht dagegen von 500 Toten."
    assert sources(text, "de") == ["South Korea NIS", "Ukrainian armed forces"]


def test_a_cue_after_a_missing_space_still_binds() -> None:
    assert sources("Die Lage ist ernst.Laut NIS wurden 300 Soldaten getötet.", "de") == ["South Korea NIS"]

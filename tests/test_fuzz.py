"""Fuzzing the whole text path: no input may crash extraction or break a claim's evidence.

What every test checks, whatever the input: the only exceptions that may
leave the text path are the documented ones (:class:`ExtractionTimeout`, a
:class:`FigtraceError`; readers yield :class:`InputError` values instead of
raising), and every claim still points at its evidence: its offsets slice
the document back to its figure and its quote, and its numbers are finite.

The corpus articles are the seeds of the mutations because they hold the
shapes that matter (figures with qualifiers, dates, sources) in both
languages; mutations then break them the way scraping does. Examples are
kept few (the file runs in seconds); the big single inputs are marked slow.
Deeper runs: ``fuzz/fuzz_extract.py`` (atheris) and ``--hypothesis-profile``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import figtrace
from figtrace.clean import segment
from figtrace.errors import ExtractionTimeout, FigtraceError, InputError
from figtrace.extract.engine import extract_document
from figtrace.ingest import iter_documents
from figtrace.model import Claim, Document
from figtrace.pipeline import Options, prepare

CORPUS = Path(figtrace.__file__).parent / "data" / "corpus"
ARTICLES = sorted((p.parent.name, p.read_text(encoding="utf-8")) for p in CORPUS.glob("*/*.txt"))
ZERO_WIDTH = ("\u200b", "\u2060", "\ufeff", "\u200c", "\u200d")
MARKS = ("\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202e", "\u2066", "\u2069")
CONTROL = tuple(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x85))
SEPARATORS = (".", ",", "\u00a0", "\u202f", "\u2009", "'", "\u2019", " ")
#: Other scripts, so detection, case folding and word boundaries meet what they were not written for.
FOREIGN = ("Киев", "سوريا", "北朝鮮", "Ελλάδα", "עזה", "🇺🇦", "١٢٣", "१२३", "ﬁ", "ß", "ẞ", "Σ")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_claims(text: str, claims: list[Claim]) -> None:
    """The evidence contract: offsets slice back to figure and quote; numbers are finite."""
    for c in claims:
        assert 0 <= c.quote_start <= c.start <= c.end <= c.quote_end <= len(text), c
        assert text[c.start: c.end] == c.figure, (c.figure, text[c.start: c.end])
        assert text[c.quote_start: c.quote_end] == c.quote
        for v in (c.value, c.low, c.high):
            assert v is None or math.isfinite(v), c
        assert c.measure and c.unit


def run_text(text: str, lang: str | None) -> list[Claim]:
    try:
        claims = figtrace.extract(text, lang=lang)
    except ExtractionTimeout:
        return []
    except FigtraceError as e:  # documented: the user's problem, one clear line
        assert str(e) and "\n" not in str(e)
        return []
    check_claims(text, claims)
    return claims


# -- mutations ----------------------------------------------------------------------

@st.composite
def mutated_article(draw: st.DrawFn) -> tuple[str, str]:
    lang, text = draw(st.sampled_from(ARTICLES))
    chars = list(text)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(("insert", "delete", "duplicate", "separator", "zero_width", "control",
                                     "mark", "foreign", "digits")))
        pos = draw(st.integers(0, max(0, len(chars) - 1)))
        if kind == "insert":
            chars.insert(pos, draw(st.characters(codec="utf-8")))
        elif kind == "delete" and chars:
            del chars[pos]
        elif kind == "duplicate" and chars:
            end = min(len(chars), pos + draw(st.integers(1, 200)))
            chars[pos:pos] = chars[pos:end] * draw(st.integers(1, 5))
        elif kind == "separator":
            digits = [i for i, ch in enumerate(chars) if ch in ".,"]
            if digits:
                chars[draw(st.sampled_from(digits))] = draw(st.sampled_from(SEPARATORS))
        elif kind == "zero_width":
            digits = [i for i, ch in enumerate(chars) if ch.isdigit()] or [pos]
            chars.insert(draw(st.sampled_from(digits)), draw(st.sampled_from(ZERO_WIDTH)))
        elif kind == "control":
            chars.insert(pos, draw(st.sampled_from(CONTROL)))
        elif kind == "mark":
            chars.insert(pos, draw(st.sampled_from(MARKS)))
        elif kind == "foreign":
            chars[pos:pos] = list(draw(st.sampled_from(FOREIGN)))
        elif kind == "digits":
            chars[pos:pos] = list(str(draw(st.integers(0, 10**15))))
    return lang, "".join(chars)


@FAST
@given(mutated_article())
def test_mutated_articles_never_crash_and_keep_their_evidence(article: tuple[str, str]) -> None:
    lang, text = article
    run_text(text, lang)


@FAST
@given(mutated_article(), st.booleans())
def test_extract_document_with_cleaner_segments(article: tuple[str, str], detect: bool) -> None:
    """The pipeline as the readers run it: the cleaner's segments (furniture, titles) then the engine."""
    lang, text = article
    segs = segment(text, lang)
    for s in segs:
        assert 0 <= s.start <= s.end <= len(text)
    doc = Document(text=text, name="mutated.txt", lang=None if detect else lang, segments=segs)
    try:
        claims = extract_document(doc)
    except FigtraceError:
        return
    check_claims(text, claims)
    assert all(c.segment in ("title", "body", "furniture") for c in claims)


_ALPHABET = st.sampled_from(
    list("0123456789.,;:-–—'’()\n ") + list(SEPARATORS) + list(ZERO_WIDTH) + list(MARKS) + list(CONTROL)
    + ["Soldaten", "getötet", "laut", "rund", "mehr als", "bis", "und", "Tausende", "killed", "troops",
       "at least", "according to", "Juni", "2025", "March", "NIS", "Selenskyj", "tausend", "million", "Mio."]
    + list(FOREIGN)
)


@FAST
@given(st.lists(_ALPHABET, max_size=120).map("".join), st.sampled_from(["de", "en", None]))
def test_random_word_salad(text: str, lang: str | None) -> None:
    run_text(text, lang)


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(), max_size=400), st.sampled_from(["de", "en"]))
def test_random_unicode(text: str, lang: str) -> None:
    run_text(text, lang)


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("sep", SEPARATORS, ids=lambda s: f"U+{ord(s):04X}")
def test_every_separator_variant(sep: str, lang: str) -> None:
    """Group and decimal separators of every kind, inside and between figures."""
    if lang == "de":
        text = (f"Laut UN wurden 11{sep}000 Soldaten getötet und 2{sep}5 Millionen Menschen vertrieben, "
                f"1{sep}234{sep}567 verletzt.\n")
    else:
        text = (f"According to the UN, 11{sep}000 soldiers were killed and 1{sep}234{sep}567 wounded, "
                f"2{sep}5 million fled.\n")
    claims = run_text(text, lang)
    for zw in ZERO_WIDTH:
        run_text(text.replace(sep, sep + zw), lang)
    if sep in ".," and (lang == "de") == (sep == "."):
        assert any(c.value == 11000 for c in claims), [c.figure for c in claims]


@pytest.mark.parametrize("zw", ZERO_WIDTH, ids=lambda s: f"U+{ord(s):04X}")
def test_zero_width_inside_a_number_never_splits_it_into_a_false_figure(zw: str) -> None:
    text = f"Laut UN wurden 11.{zw}000 Soldaten getötet.\n"
    claims = run_text(text, "de")
    assert all(c.value != 0 for c in claims)


# -- readers --------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".html", ".md", ".jsonl", ".xml", ".warc", ""]),
       mutated_article())
def test_readers_turn_any_bytes_into_documents_or_input_errors(
        tmp_path: Path, data: bytes, suffix: str, article: tuple[str, str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / f"random{suffix}").write_bytes(data)
    (folder / f"article{suffix}").write_bytes(article[1].encode("utf-8", "surrogatepass"))
    (folder / "latin1.txt").write_bytes(article[1].encode("cp1252", "replace"))
    (folder / "utf16.txt").write_bytes(article[1].encode("utf-16"))
    seen = 0
    for item in iter_documents([str(folder)]):
        seen += 1
        if isinstance(item, InputError):
            assert item.message and "Traceback" not in item.message
            continue
        assert isinstance(item, Document)
        prepare(item, Options(lang=article[0]))
        for s in item.segments:
            assert 0 <= s.start <= s.end <= len(item.text)
    assert seen >= 2  # the latin-1 and UTF-16 copies of a text article are always read


def test_deeply_nested_html_is_read_or_refused_cleanly(tmp_path: Path) -> None:
    depth = 10_000
    body = "<div>" * depth + "<p>Laut UN wurden am Montag 50 Menschen getötet.</p>" + "</div>" * depth
    path = tmp_path / "nested.html"
    path.write_text(f"<html><head><title>Tief</title></head><body>{body}</body></html>", encoding="utf-8")
    items = list(iter_documents([str(path)]))
    assert len(items) == 1
    item = items[0]
    if isinstance(item, InputError):
        assert "nested.html" in str(item) and item.message
    else:
        check_claims(item.text, extract_document(prepare(item, Options(lang="de"))))


def test_ten_thousand_digit_number_is_no_figure() -> None:
    for lang, text in (("de", "Es wurden " + "9" * 10_000 + " Soldaten getötet.\n"),
                       ("en", "Some " + "7" * 10_000 + " troops were killed.\n")):
        assert run_text(text, lang) == []


def test_words_starting_with_dotted_capital_i_do_not_crash() -> None:
    for text in ("İstanbul meldet 50 Tote.\n", "Laut UN wurden 50 Menschen in İzmir getötet.\n"):
        run_text(text, "de")


def test_huge_grouped_number_has_a_finite_value() -> None:
    text = "Es wurden 1" + ".000" * 3000 + " Soldaten getötet.\n"
    claims = figtrace.extract(text, lang="de")
    assert all(math.isfinite(c.value) for c in claims)


@pytest.mark.slow
def test_one_megabyte_on_a_single_line_is_extracted_or_skipped() -> None:
    sentence = "Laut UN wurden rund 50 Menschen getötet, 12 weitere verletzt. "
    text = sentence * (1_000_000 // len(sentence))
    assert "\n" not in text and len(text) > 990_000
    try:
        claims = extract_document(Document(text=text, name="big.txt", lang="de"), budget=2.0)
    except ExtractionTimeout as e:
        assert "took longer than 2 s" in str(e)
        return
    check_claims(text, claims)


@pytest.mark.slow
def test_one_megabyte_of_one_character_class() -> None:
    for text in ("x" * 1_000_000, "1" * 1_000_000, "\u00a0" * 1_000_000):
        run_text(text, "de")

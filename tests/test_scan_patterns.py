"""The document-wide scans begin with a digit, not a look-behind, and find exactly what they found before.

``extract/timeref.py`` and ``extract/numbers.py`` write ``(?<![\\d.])\\d{1,2}`` as
``\\d(?<![\\d.]\\d)\\d?`` so that the regex engine can skip to the next digit instead of
trying a look-behind at every character. The old forms stay here as the reference: on
random text made of digits, separators, clock words and month names, with any span, both
give the same matches and the same groups.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from figtrace.extract.numbers import finder
from figtrace.extract.timeref import _NUMDATE, _PHONE, _RELATIVE, _YEAR, _alt, time_finder
from figtrace.lang import get_lexicon
from figtrace.letters import UPPER

LANGS = ("de", "en")


def _old_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    """The scans as they were written before (look-behind first)."""
    lex = get_lexicon(lang)
    t = lex.time
    mon = _alt({k.lower(): v for k, v in t["months"].items()}, cap=True)
    clock = _alt(t.get("clock_words", []), cap=False)
    lower = lex.sentences.get("lowercase_letters", "")
    lower_alt = f"[{re.escape(lower)}]|" if lower else ""
    f = finder(lang)
    out = {
        "numdate": re.compile(r"(?<![\d.])(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?!\d)"
                              r"|\d{1,2}/\d{1,2}/\d{2,4})"),
        "phone": re.compile(r"(?<!\w)\+\d[\d\s/()\-]{7,}\d"),
        # (a year followed by its month, "2025-06", is no year of its own)
        "year": re.compile(r"(?<![\d.,])(19[5-9]\d|20\d\d)(?![\d.,]\d)(?!-(?:0[1-9]|1[0-2])(?![\d\-]))"),
        "clock": re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
                            + (rf"|(?<![\d.])\d{{1,2}}\.\d{{2}}(?=\s*(?:{clock})\b)" if clock else "")),
        "dmy": re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\.?[\s\u00a0]+(?P<m>{mon})\.?(?:[\s\u00a0]+(?P<y>\d{{4}}))?(?!\w)"),
        "digits": re.compile(rf"(?<![\w.,/:#@])(?<![^\W\d_]-){f.digits.pattern}(?![\d])"),
    }
    if lex.sentences.get("ordinal_dot"):
        out["ordinal"] = re.compile(rf"(?<![\d.,])\d{{1,3}}\.(?=[\s\u00a0]+(?:{lower_alt}(?:{mon})))")
    return out


def _new_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    tf = time_finder(lang)
    out = {"numdate": _NUMDATE, "phone": _PHONE, "year": _YEAR, "clock": tf.clock, "dmy": tf.dmy,
           "digits": finder(lang).digit_scan}
    if tf.ordinal is not None:
        out["ordinal"] = tf.ordinal
    return out


_PIECES = st.sampled_from([
    "1", "2", "3", "0", "9", "12", "19", "20", "2025", "1999", "07", ".", ",", ":", "/", "-", "+", " ", "  ",
    "\u00a0", "\n", "a", "x", "#", "@", "Uhr", "h", "Juni", "June", "Mai", "oct", "Okt.", "armee", "ärzte",
    "Z", "(", ")", "'",
])


@pytest.mark.parametrize("lang", LANGS)
def test_every_rewritten_scan_has_its_reference(lang: str) -> None:
    assert set(_old_patterns(lang)) == set(_new_patterns(lang))


@settings(max_examples=300, deadline=None)
@given(lang=st.sampled_from(LANGS), pieces=st.lists(_PIECES, max_size=40), data=st.data())
def test_digit_first_scans_match_the_look_behind_ones(lang: str, pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    old, new = _old_patterns(lang), _new_patterns(lang)
    for name in old:
        for lo, hi in ((0, len(text)), (a, b)):
            want = [(m.span(), m.groups()) for m in old[name].finditer(text, lo, hi)]
            got = [(m.span(), m.groups()) for m in new[name].finditer(text, lo, hi)]
            assert got == want, (name, lang, text, lo, hi)


@pytest.mark.parametrize(("lang", "text", "found"), [
    ("de", "Am 15. Juni 2025 um 14.30 Uhr, Tel. +49 30 1234 5678", ["15. Juni 2025", "14.30", "+49 30 1234 5678"]),
    ("en", "On 2025-06-15 at 14:30, about 1,200 people", ["2025-06-15", "14:30"]),
])
def test_the_rewritten_scans_still_block_dates_times_and_phones(lang: str, text: str, found: list[str]) -> None:
    blocked = [text[s:e] for s, e in time_finder(lang).blocked_spans(text)]
    for piece in found:
        assert piece in blocked, blocked


# -- keyword gates: a window without a pattern's words skips it, and nothing else changes -----------

def _words(lang: str) -> list[str]:
    t = get_lexicon(lang).time
    keys = ("months", "weekdays", "seasons", "parts_of_year", "period_last", "ago_before", "ago_after",
            "year_prepositions", "units", *_RELATIVE)
    return sorted({w for k in keys for w in (t.get(k) or [])})


def _gate_text(lang: str) -> st.SearchStrategy[str]:
    words = _words(lang)
    piece = st.one_of(
        st.sampled_from(words), st.sampled_from(words).map(str.upper), st.sampled_from(words).map(str.lower),
        st.sampled_from(["2024", "15", "3.", "12:30", " ", "  ", ", ", ". ", "\n", "-", "vor", "ago"]),
        st.sampled_from(["\u0130", "\u0131", "\u017f", "\u212a", "ẞ", "ß"]),  # letters folded unlike lower()
        st.text(alphabet="abcXYZäü 0123.,", max_size=6))
    return st.lists(piece, max_size=14).map("".join)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_keyword_gates_change_no_time_expression(lang: str, data: st.DataObject) -> None:
    tf = time_finder(lang)
    text = data.draw(_gate_text(lang))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    pub = data.draw(st.sampled_from([None, "2025-06-14", "2025-06", "2025"]))
    ungated = type(tf).__new__(type(tf))
    ungated.__dict__.update(tf.__dict__)
    ungated._scan = lambda rx, text, start, end, starts: (  # type: ignore[method-assign]
        [] if rx is None else list(rx.finditer(text, start, end)))
    ungated.rel_any = None  # every list of relative expressions tried everywhere
    assert tf.find(text, a, b, pub) == ungated.find(text, a, b, pub)
    assert tf.blocked_spans(text) == ungated.blocked_spans(text)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_cue_nouns_found_by_substring_as_by_their_pattern(lang: str, data: st.DataObject) -> None:
    from figtrace.extract.speakers import speaker_reader

    sp = speaker_reader(lang)
    nouns = sorted(sp.cue_nouns)
    piece = st.one_of(st.sampled_from(nouns), st.sampled_from(nouns).map(str.upper),
                      st.sampled_from(nouns).map(str.title),
                      st.sampled_from(["UN-", "Behörden", "army ", " ", "'s", "'", ".", "-", "\n", "İ", "ſ", "K"]),
                      st.text(alphabet="abSOZäß -.'", max_size=5))
    text = data.draw(st.lists(piece, max_size=12).map("".join))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    assert [m.span() for m in sp.cue_noun_matches(text, a, b)] == \
        [m.span() for m in sp.cue_noun_words.finditer(text, a, b)]


# -- reading and cleaning: scans that begin with the character they need, then look behind it -------

_LANGUAGE_NEUTRAL = {
    # name: (the form with its look-behind first, the scan in use)
    "teaser words": (rf"(?<![\w-])[{UPPER}][\w-]*", "figtrace.clean.teaser:_TOKEN"),
    "iso date": (r"(?<![\w.])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)", "figtrace.lang.dates:_ISO"),
    "iso month": (r"(?<![\w.\-])(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])(?![\d\-])", "figtrace.lang.dates:_ISO_MONTH"),
    "date-shaped digits": (r"\d[.:/-]\d|\d\.\s?[^\W\d_]|\d{4}", "figtrace.clean.lines:_DATEISH"),
    "noun phrase stop": (r"[,;:()\[\]!?]|\.(?:\s|$)|\s[–—-]\s", "figtrace.extract.frames:_STOP"),
    "sentence end": (r"(?<![.!?…])[.!?…]++[\"'”“»«’)\]]*(?=[\s\u00a0]+[\"'„“»«‚(\[]?[^\W\d_]|[\s\u00a0]+\d)",
                     "figtrace.extract.sentences:_CANDIDATE"),
}
_NEUTRAL_PIECES = st.sampled_from([
    "2025", "1999", "06", "13", "-", ".", "..", "!", "?", "…", "!?", "\"", "”", "»", ")", " ", "\u00a0", "\n",
    "Nord", "korea", "Ä", "é", "x", "_", "a.b", "K", "İ", "ſ", "Σ", "3", "w-", "(", "'", "„", " – ", " - ", ",",
    ";", "[", "—",
])


def _in_use(where: str) -> re.Pattern[str]:
    import importlib

    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_NEUTRAL_PIECES, max_size=30), data=st.data())
def test_character_first_scans_match_the_look_behind_ones(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    for name, (old, where) in _LANGUAGE_NEUTRAL.items():
        ref, new = re.compile(old), _in_use(where)
        for lo, hi in ((0, len(text)), (a, b)):
            want = [(m.span(), m.groups()) for m in ref.finditer(text, lo, hi)]
            assert [(m.span(), m.groups()) for m in new.finditer(text, lo, hi)] == want, (name, text, lo, hi)


# -- look-aheads for first letters: a position they reject is one where the words cannot begin --------

@pytest.mark.parametrize("lang", LANGS)
def test_first_letter_look_ahead_admits_every_letter_the_engine_folds(lang: str) -> None:
    from figtrace.letters import starts_like

    t = get_lexicon(lang).time
    lists = [t.get(k) or [] for k in ("months", "weekdays", "seasons", "parts_of_year", "period_last", "ago_before",
                                      "year_prepositions")]
    lists.append(finder(lang)._morph.pattern.replace("\\", "").split("|"))
    for words in filter(None, lists):
        words = [str(w) for w in words]
        gate = re.compile(starts_like(words))
        may_begin = re.compile("(?i:[" + "".join(re.escape(w[0]) for w in words) + "])")
        missed = [x for x in map(chr, range(0x10000)) if may_begin.fullmatch(x) and not gate.match(x)]
        assert not missed, (words[:3], missed)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_keyword_scans_find_the_same_with_and_without_their_look_ahead(lang: str, data: st.DataObject) -> None:
    tf, nf = time_finder(lang), finder(lang)
    text = data.draw(_gate_text(lang)) + data.draw(st.sampled_from(["", " drei", " three", " zwanzig", " İn 2024"]))
    for rx in (tf.mdy, tf.my, tf.season, tf.part_year, tf.weekday, tf.period_last, tf.ago_before, tf.year_after,
               nf.word_scan):
        if rx is None or "(?!x)x" in rx.pattern:
            continue  # a language without this list: the pattern never matches
        assert rx.pattern.startswith("(?=[")
        plain = re.compile(rx.pattern[rx.pattern.index("])") + 2:], rx.flags)  # without "(?=[…])"
        assert [(m.span(), m.groups()) for m in rx.finditer(text)] == [
            (m.span(), m.groups()) for m in plain.finditer(text)], (rx.pattern[:60], text)


# -- keyword-led patterns tried only where one of their words begins a word ------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_word_start_scans_admit_every_letter_the_engine_folds(lang: str) -> None:
    from figtrace.letters import folds

    t = get_lexicon(lang).time
    firsts = {str(w)[0] for k in ("seasons", "parts_of_year", "period_last", "ago_before", "ago_after",
                                  "year_prepositions") for w in (t.get(k) or [])}
    firsts |= {w[0] for w in finder(lang)._morph.pattern.replace("\\", "").split("|")}  # type: ignore[union-attr]
    for c in firsts:
        folded = re.compile(re.escape(c), re.IGNORECASE)
        assert {x for x in map(chr, range(0x10000)) if folded.fullmatch(x)} <= set(folds(c)), c


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_keyword_patterns_tried_at_word_starts_find_what_finditer_finds(lang: str, data: st.DataObject) -> None:
    from figtrace.extract.wordstarts import matches_from

    tf = time_finder(lang)
    text = data.draw(_gate_text(lang)) + data.draw(st.sampled_from(["", " 2024", " Jan 2024", " İn 2024"]))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    tf._last = None
    starts = tf._starts(text)
    for rx in (tf.mdy, tf.my, tf.weekday, tf.season, tf.part_year, tf.period_last, tf.ago_before):
        key = tf._led_by.get(id(rx))
        if rx is None or key is None or starts[key] is None:
            continue
        for lo, hi in ((0, len(text)), (a, b)):
            want = [(m.span(), m.groups()) for m in rx.finditer(text, lo, hi)]
            assert [(m.span(), m.groups()) for m in matches_from(rx, text, lo, hi, starts[key])] == want, (
                key, text, lo, hi)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_years_read_back_to_their_preposition_are_those_year_after_finds(lang: str, data: st.DataObject) -> None:
    tf = time_finder(lang)
    piece = st.one_of(_gate_text(lang), st.sampled_from(
        ["2024", "1999", "2025.", "2024,5", " ", "\u00a0", "\n", "  ", "-", "x", "İ", "ſeit", "IN", "im", "in"]))
    text = data.draw(st.lists(piece, max_size=8).map("".join))
    assert tf.year_after is not None
    assert tf._years_after_prepositions(text) == [m.span("y") for m in tf.year_after.finditer(text)], text


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_number_words_gathered_by_first_letter_match_as_one_alternation(lang: str, data: st.DataObject) -> None:
    from figtrace.letters import starts_like

    f = finder(lang)
    assert f._morph is not None
    morph_alt = f"(?:{f._morph.pattern})"  # every morpheme, longest first, as one alternation
    words = f._morph.pattern.replace("\\", "").split("|")
    token = rf"(?:{morph_alt})++" if get_lexicon(lang).numbers.get("compound_words") else morph_alt
    old = re.compile(rf"{starts_like(words)}(?<![\w\-])(?i:{token}(?:[\s\-]+{token})*)(?![\w])")
    piece = st.one_of(st.sampled_from(words), st.sampled_from(words).map(str.upper),
                      st.sampled_from(words).map(str.title),
                      st.sampled_from([" ", "-", "  ", ".", "x", "3", "İ", "ı", "ſ", "K", "ẞ", "\n"]))
    text = data.draw(st.lists(piece, max_size=12).map("".join))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    for lo, hi in ((0, len(text)), (a, b)):
        assert [m.span() for m in f.word_scan.finditer(text, lo, hi)] == [
            m.span() for m in old.finditer(text, lo, hi)], (text, lo, hi)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_shared_scan_finds_each_lists_word_starts(lang: str, data: st.DataObject) -> None:
    tf = time_finder(lang)
    piece = st.one_of(_gate_text(lang), st.sampled_from(["„", "\u00a0", "(", "😀", "—", "_", "x", "\t", "ä"]))
    text = data.draw(st.lists(piece, max_size=8).map("".join))
    tf._last = None
    starts = tf._starts(text)
    for key in tf._shared:
        rx = tf._leads[key]
        assert rx is not None
        assert starts[key] == [m.start() for m in rx.finditer(text)], (key, text)


@pytest.mark.parametrize("lang", LANGS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_qualifiers_gathered_by_first_letter_match_as_one_alternation(lang: str, data: st.DataObject) -> None:
    f = finder(lang)
    left = sorted([*f.prefix_q, *f.figure_words], key=len, reverse=True)
    suffix = sorted(f.suffix_q, key=len, reverse=True)
    old_left = re.compile(r"(?:^|(?<=[\s(\"„“'‚]))(?P<p>" + "|".join(map(re.escape, left)) + r")[\s\u00a0]+$",
                          re.IGNORECASE)
    old_suffix = re.compile(r"[\s\u00a0]*(?P<s>" + "|".join(map(re.escape, suffix)) + r")(?![\w])", re.IGNORECASE)
    words = left + suffix
    piece = st.one_of(st.sampled_from(words), st.sampled_from(words).map(str.upper),
                      st.sampled_from(words).map(str.title),
                      st.sampled_from([" ", "  ", "\u00a0", "(", "„", "x", "3", "İ", "ı", "ſ", "K", "\n", "."]))
    text = data.draw(st.lists(piece, max_size=10).map("".join))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    assert f._left is not None and f._suffix is not None
    for lo, hi in ((0, len(text)), (a, b)):
        new_m, old_m = f._left.search(text, lo, hi), old_left.search(text, lo, hi)
        assert (new_m and (new_m.span(), new_m.groups())) == (old_m and (old_m.span(), old_m.groups())), text
        new_m, old_m = f._suffix.match(text, lo, hi), old_suffix.match(text, lo, hi)
        assert (new_m and (new_m.span(), new_m.groups())) == (old_m and (old_m.span(), old_m.groups())), text


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_caption_tails_and_sentence_initial_words_as_the_one_scan_found_them(data: st.DataObject) -> None:
    from collections import Counter

    from figtrace.clean.cues import _alt, load_cues
    from figtrace.clean.teaser import initial_words
    from figtrace.lang import load_toml

    tails = sorted({t for lang in LANGS for t in load_toml(lang, "furniture.toml")["caption"]["credit_tails"]})
    rest = r"[^!?()\n]{0,80}(?<!\.)\)?\s*$"
    old_tail = re.compile(r"\(?" + _alt(tails) + rest)
    old_initial = re.compile(rf"(?:^|[.!?:;•–—])[\s\"„“”«»'‘’(\[]*([{UPPER}][\w-]*)")
    piece = st.one_of(st.sampled_from(tails), st.sampled_from(
        ["(", ")", " ", ". ", "!", "–", "„", "Nord", "korea", "AP", "x", ".", "\n", "İ", "Ä"]))
    text = data.draw(st.lists(piece, max_size=10).map("".join))
    a = data.draw(st.integers(0, len(text)))
    new_tail = load_cues(LANGS).caption_tail
    for pos in (0, a):
        m, o = new_tail.search(text, pos), old_tail.search(text, pos)
        assert (m and m.span()) == (o and o.span()), text
    assert Counter(initial_words(text)) == Counter(old_initial.findall(text)), text

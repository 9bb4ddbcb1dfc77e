"""The phrase matcher (``figtrace.lang.phrases``) on real lexicon entries.

``PhrasePattern`` tries entries only at word starts whose first letters can begin one, and
compiles each group of entries when a text first needs it. Both are speed-ups that must never
change a match: on random text made of the shipped lexicons' own phrases, it finds what the one
big alternation finds, for the whole text and for any span of it, whatever was asked of the
text before (the matches found at each word start are kept per text).
"""

from __future__ import annotations

import re
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from figtrace.kb import get_kb
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import PhrasePattern, compile_labelled, compile_phrases


@cache
def _entries() -> tuple[str, ...]:
    """Phrases of the shipped lexicons and knowledge base, German and English.

    Left out: entries with an apostrophe. The matcher starts only at word starts, and a word
    such as "Israel's" holds no start after its apostrophe, where the plain alternation may
    begin a match; that difference is by design (a name never starts inside a word).
    """
    found: set[str] = set()
    for code in ("de", "en"):
        lex = get_lexicon(code)
        for section in (lex.attribution, lex.speakers, lex.frames, lex.time, lex.scope, lex.items):
            for value in section.values():
                if isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                elif isinstance(value, dict):
                    found.update(k for k in value if isinstance(k, str))
        kb = get_kb()
        for table in (kb.sources, kb.actors, kb.places):
            for entity in table.values():
                found.update(entity.aliases.get(code, []))
    return tuple(sorted(p for p in found if p.strip() and "'" not in p and "’" not in p))


_SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "\n", " (", ") ", " „", "“ ", "/", "; ", "\u00a0", ": ", "-"])
_FILLER = st.sampled_from(["und", "the", "Soldaten", "killed", "50", "Angaben", "zufolge", "said", "x", "Über"])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_matcher_finds_what_the_plain_alternation_finds(data: st.DataObject) -> None:
    entries = _entries()
    chosen = data.draw(st.lists(st.sampled_from(entries), min_size=1, max_size=40, unique=True))
    words = data.draw(st.lists(st.one_of(st.sampled_from(chosen), _FILLER), max_size=30))
    seps = data.draw(st.lists(_SEPARATORS, min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps, strict=True))
    windows = [(0, len(text))]
    for _ in range(data.draw(st.integers(1, 4))):  # windows that may cut words: each is asked after the others
        a = data.draw(st.integers(0, len(text)))
        windows.append((a, data.draw(st.integers(a, len(text)))))
    rx = compile_phrases(chosen)
    assert rx is not None
    plain = re.compile(rx.pattern)
    for lo, hi in windows:
        got = [(m.span(), m.lastgroup) for m in rx.finditer(text, lo, hi)]
        assert got == [(m.span(), m.lastgroup) for m in plain.finditer(text, lo, hi)], (text, lo, hi)
        first, ref_first = rx.search(text, lo, hi), plain.search(text, lo, hi)
        assert (first.span() if first else None) == (ref_first.span() if ref_first else None), (text, lo, hi)
        at = data.draw(st.integers(lo, hi))
        one, ref = rx.match(text, at, hi), plain.match(text, at, hi)
        got_one = (one.span(), one.lastgroup) if one else None
        assert got_one == ((ref.span(), ref.lastgroup) if ref else None), (text, at, hi)


def test_groups_are_compiled_when_a_text_first_needs_them() -> None:
    rx = compile_phrases(["Angaben", "Amnesty", "nach Angaben", "Behörden*", "Zeitung"])
    assert rx is not None
    assert all(isinstance(g, str) for g in rx.groups.values())  # nothing compiled yet
    assert [m.group(0) for m in rx.finditer("Den Angaben zufolge")] == ["Angaben"]
    compiled = {k for k, g in rx.groups.items() if isinstance(g, re.Pattern)}
    assert compiled and compiled <= {"a", "an", "ang"}  # only the groups whose key the text met
    assert "zei" not in compiled and "beh" not in compiled
    assert [m.group(0) for m in rx.finditer("Behördenangaben, laut Zeitung")] == ["Behördenangaben", "Zeitung"]


def test_labels_survive_lazy_compilation() -> None:
    rx, labels = compile_labelled([("Vereinte Nationen", "UN"), ("UN", "UN"), ("Kiew", "Kyiv"), ("Kyjiw", "Kyiv")])
    assert isinstance(rx, PhrasePattern)
    text = "Die Vereinte Nationen und Kiew; UN-Angaben aus Kyjiw"
    assert [(m.group(0), labels[m.lastgroup or ""]) for m in rx.finditer(text)] == [
        ("Vereinte Nationen", "UN"), ("Kiew", "Kyiv"), ("UN", "UN"), ("Kyjiw", "Kyiv")]
    assert rx.fullmatch("Kiew") is not None and rx.fullmatch("Kiewer") is None

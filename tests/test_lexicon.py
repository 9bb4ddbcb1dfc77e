"""The lexicon registry, its pattern language and the knowledge base of sources and actors.

A typo in a lexicon file must fail at start-up naming file and entry (all of
them at once), never silently drop a cue; an unknown language must say which
ones exist. Broken lexicons are written to a temporary folder that stands in
for the package's data.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import figtrace
import figtrace.kb as kb_mod
import figtrace.lang as lang_mod
from figtrace.errors import LexiconError, UnknownLanguageError
from figtrace.kb import get_kb
from figtrace.lang import REQUIRED, SCHEMA, Lexicon, available_languages, get_lexicon, validate
from figtrace.lang.phrases import compile_labelled, compile_phrases

SHIPPED = available_languages()


# -- shipped lexicons ------------------------------------------------------------------

def test_german_and_english_are_shipped() -> None:
    assert {"de", "en"} <= set(SHIPPED)


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_language_loads(code: str) -> None:
    lex = get_lexicon(code)
    assert isinstance(lex, Lexicon) and lex.code == code
    for stem in REQUIRED:
        assert isinstance(getattr(lex, stem), dict) and getattr(lex, stem), stem


@pytest.mark.parametrize(("tag", "code"), [("de-DE", "de"), ("en_GB", "en"), ("DE", "de")])
def test_region_tags_fall_back_to_the_language(tag: str, code: str) -> None:
    lex = get_lexicon(tag)
    assert lex.code == code
    assert lex == get_lexicon(code)


@pytest.mark.parametrize("code", ["xx", "fr", ""])
def test_unknown_language_names_the_available_ones(code: str) -> None:
    with pytest.raises(UnknownLanguageError) as err:
        get_lexicon(code)
    msg = str(err.value)
    assert repr(code) in msg
    for known in SHIPPED:
        assert known in msg
    assert "\n" not in msg


def test_extract_in_an_unknown_language_fails_clearly() -> None:
    with pytest.raises(UnknownLanguageError, match="'xx'"):
        figtrace.extract("Es wurden 40 Soldaten getötet.", lang="xx")


# -- validation --------------------------------------------------------------------------

def test_validate_reports_every_problem_of_a_file() -> None:
    doc = {
        "prefix": {"rund": "approximately", "mehr als": "more_than"},
        "suffix": {"+": "plenty"},
        "prefx": {"etwa": "approx"},
        "range": ["not", "a", "table"],
    }
    errors = validate("qualifiers", doc, "figtrace/lang/zz/qualifiers.toml")
    assert len(errors) == 4, errors
    assert all(e.startswith("figtrace/lang/zz/qualifiers.toml: ") for e in errors)
    text = "\n".join(errors)
    for entry in ("'rund'", "'approximately'", "'+'", "'plenty'", "'prefx'", "'range'"):
        assert entry in text
    assert "mehr als" not in text  # a good entry is not reported


def test_validate_names_each_bad_measure_entry_by_index() -> None:
    doc = {
        "noun": [{"unit": "personnel", "words": ["Soldat*"]}, {"unit": "people", "words": ["Leute"]}],
        "cue": [
            {"measure": "killed", "priority": 1, "words": ["getötet"]},
            {"measure": "slain", "words": ["erschlagen"]},
            {"priority": "high", "words": ["verwundet"]},
            {"measure": "wounded", "words": [""], "colour": "red"},
        ],
    }
    errors = validate("measures", doc, "m.toml")
    text = "\n".join(errors)
    assert "[[noun]] #2: unit 'people'" in text
    assert "[[cue]] #2: measure 'slain'" in text
    assert "[[cue]] #3: a cue needs a measure" in text
    assert "[[cue]] #3: 'priority' must be an integer" in text
    assert "[[cue]] #4: unknown key 'colour'" in text
    assert "[[cue]] #4: 'words' must be a list of non-empty strings" in text
    assert "#1" not in text
    assert len(errors) == 6, errors


def test_validate_names_the_bad_entry_inside_a_table() -> None:
    errors = validate("time", {"months": {"januar": 1, "februar": "zwei"}}, "t.toml")
    assert len(errors) == 1 and "'februar'" in errors[0], errors
    errors = validate("qualifiers", {"prefix_blocked_after": {"über": ["angaben"], "etwa": "keine"}}, "q.toml")
    assert len(errors) == 1 and "'etwa'" in errors[0], errors


@pytest.mark.parametrize("stem", sorted(SCHEMA))
def test_every_shipped_file_validates_clean(stem: str) -> None:
    for code in SHIPPED:
        assert validate(stem, getattr(get_lexicon(code), stem), f"{code}/{stem}.toml") == []


@pytest.fixture
def fake_lang_root(lang_root: Path) -> Path:
    """A copy of the shipped lexicons in a temp folder, read in place of the package's."""
    for code in SHIPPED:
        shutil.copytree(Path(lang_mod.__file__).parent / code, lang_root / code)
    return lang_root


def test_a_copy_of_the_shipped_lexicon_loads(fake_lang_root: Path) -> None:
    assert get_lexicon("de").qualifiers == lang_mod.tomllib.loads(
        (fake_lang_root / "de" / "qualifiers.toml").read_text(encoding="utf-8"))


def test_a_broken_lexicon_reports_all_problems_at_once(fake_lang_root: Path) -> None:
    de = fake_lang_root / "de"
    qualifiers = (de / "qualifiers.toml").read_text(encoding="utf-8")
    assert "[prefix_blocked_after]\n" in qualifiers
    (de / "qualifiers.toml").write_text(
        qualifiers.replace("[prefix_blocked_after]\n", '[prefix_blocked_after]\n"etwa" = "keine Liste"\n'),
        encoding="utf-8")
    (de / "time.toml").write_text('months = { januar = "eins" }\nweekdays = {}\n[broken\n', encoding="utf-8")
    (de / "frames.toml").unlink()
    (de / "zahlen.toml").write_text("x = 1\n", encoding="utf-8")
    measures = (de / "measures.toml").read_text(encoding="utf-8")
    (de / "measures.toml").write_text(measures + '\n[[cue]]\nmeasure = "erschossen"\nwords = ["erschossen"]\n',
                                      encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        get_lexicon("de")
    msg = str(err.value)
    assert msg.startswith("5 problem(s) in the 'de' lexicon")
    assert "figtrace/lang/de/time.toml: not valid TOML" in msg
    assert "figtrace/lang/de/frames.toml: missing" in msg
    assert "figtrace/lang/de/zahlen.toml: unknown lexicon file" in msg
    assert "figtrace/lang/de/measures.toml: [[cue]] #" in msg and "'erschossen'" in msg
    assert "figtrace/lang/de/qualifiers.toml: [prefix_blocked_after] 'etwa'" in msg
    # the other language is not affected
    assert get_lexicon("en").code == "en"


def test_a_new_language_folder_is_picked_up(fake_lang_root: Path) -> None:
    shutil.copytree(fake_lang_root / "en", fake_lang_root / "xx")
    assert "xx" in available_languages()
    assert get_lexicon("xx").code == "xx"


def test_the_kept_list_of_languages_follows_the_folders(fake_lang_root: Path) -> None:
    before = available_languages()
    (fake_lang_root / "yy").mkdir()
    assert available_languages() == before  # a folder without numbers.toml is no language
    shutil.copy(fake_lang_root / "en" / "numbers.toml", fake_lang_root / "yy" / "numbers.toml")
    assert "yy" in available_languages()  # the file that makes it one, added later
    (fake_lang_root / "yy" / "numbers.toml").unlink()
    assert "yy" not in available_languages()
    shutil.copytree(fake_lang_root / "en", fake_lang_root / "zz")
    assert "zz" in available_languages()


def test_a_folder_without_numbers_is_no_language(fake_lang_root: Path) -> None:
    (fake_lang_root / "notes").mkdir()
    (fake_lang_root / "notes" / "readme.toml").write_text("a = 1\n", encoding="utf-8")
    assert "notes" not in available_languages()
    with pytest.raises(UnknownLanguageError):
        get_lexicon("notes")


# -- the pattern language of lexicon entries ------------------------------------------------

@pytest.mark.parametrize(
    ("entry", "text", "matched"),
    [
        ("nordkoreanisch*", "die nordkoreanischen Soldaten", "nordkoreanischen"),
        ("nordkoreanisch*", "Nordkoreanische Truppen", "Nordkoreanische"),
        ("teilte ... mit", "Die Armee teilte am Abend neue Zahlen mit.", "teilte am Abend neue Zahlen mit"),
        ("NIS", "Laut NIS kamen", "NIS"),
        ("NIS", "Laut Nis kamen", None),
        ("UN", "Laut UNO kamen", None),
        ("laut", "Nach Umlaute kamen", None),
        ("nach Angaben", "Nach  Angaben der", "Nach  Angaben"),
    ],
)
def test_phrase_entries(entry: str, text: str, matched: str | None) -> None:
    rx = compile_phrases([entry])
    assert rx is not None
    m = rx.search(text)
    assert (m.group(0) if m else None) == matched


def test_the_longest_labelled_entry_wins() -> None:
    rx, labels = compile_labelled([("Geheimdienst", "generic"), ("britischer Geheimdienst", "UK")])
    assert rx is not None
    m = rx.search("Der britischer Geheimdienst meldet")
    assert m is not None and labels[m.lastgroup or ""] == "UK"


def test_no_entries_compile_to_nothing() -> None:
    assert compile_phrases([]) is None
    assert compile_labelled([]) == (None, {})


_WORD = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters="*."),
                min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(_WORD, min_size=1, max_size=4))
def test_any_literal_entry_compiles_and_matches_itself(words: list[str]) -> None:
    phrase = " ".join(words)
    rx = compile_phrases([phrase])
    assert rx is not None
    assert rx.fullmatch(phrase), phrase


_ENTRIES = ["laut", "nach Angaben", "NIS", "UN", "nordkoreanisch*", "teilte ... mit", "%", "-jährige*",
            "Soldat*", "Zahl der Toten", "US-Militär*", "z. B.", "Tote", "Toten und Verletzten"]
_TEXT_WORDS = st.sampled_from([
    "Laut", "laut", "nach", "Angaben", "NIS", "Nis", "UN", "UNO", "nordkoreanischen", "Nordkoreanische", "teilte",
    "am", "Abend", "mit", "%", "25-jährige", "-jährige", "Soldaten", "Zahl", "der", "Toten", "Tote", "und",
    "Verletzten", "US-Militärs", "z.", "B.", "40", "Umlaut", "Anlaut", "Totenzahl",
])
_SEPS = st.sampled_from([" ", "  ", ", ", "\n", " (", ") ", " „", "“ ", "/", "; ", "\u00a0", ": "])


@settings(max_examples=200, deadline=None)
@given(entries=st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=6, unique=True),
       words=st.lists(st.tuples(_TEXT_WORDS, _SEPS), max_size=25), data=st.data())
def test_compiled_phrases_find_what_the_plain_regex_finds(entries: list[str], words: list[tuple[str, str]],
                                                           data: st.DataObject) -> None:
    """The compiled pattern may skip positions for speed, never matches."""
    text = "".join(w + sep for w, sep in words)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    rx = compile_phrases(entries)
    assert rx is not None
    plain = re.compile(rx.pattern)
    for lo, hi in ((0, len(text)), (a, b)):
        got = [(m.start(), m.end()) for m in rx.finditer(text, lo, hi)]
        assert got == [(m.start(), m.end()) for m in plain.finditer(text, lo, hi)], text
        first = rx.search(text, lo, hi)
        want = plain.search(text, lo, hi)
        assert (first.span() if first else None) == (want.span() if want else None)


def test_a_phrase_right_after_a_full_stop_is_found() -> None:
    rx = compile_phrases(["laut"])
    assert rx is not None
    assert [m.group(0) for m in rx.finditer("Die Lage ist ernst.Laut NIS")] == ["Laut"]


# -- knowledge base ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["sources", "actors", "places"])
def test_every_entity_has_aliases_in_every_shipped_language(kind: str) -> None:
    table = getattr(get_kb(), kind)
    assert table
    missing = [(name, code) for name, e in table.items() for code in SHIPPED if not e.aliases.get(code)]
    assert missing == []


@pytest.mark.parametrize(("lang", "text", "name"), [
    ("de", "Laut südkoreanischem Geheimdienst", "South Korea NIS"),
    ("en", "South Korea's spy agency said", "South Korea NIS"),
    ("de", "Selenskyj sagte", "Volodymyr Zelensky"),
    ("en", "Zelenskyy said", "Volodymyr Zelensky"),
])
def test_source_aliases_resolve_to_canonical_names(lang: str, text: str, name: str) -> None:
    m = get_kb().matcher("sources", lang)
    assert [m.label(x) for x in m.finditer(text)] == [name]


def test_actor_demonyms_resolve_in_both_languages() -> None:
    for lang, text in (("de", "nordkoreanische Soldaten"), ("en", "North Korean soldiers")):
        m = get_kb().matcher("actors", lang)
        assert [m.label(x) for x in m.finditer(text)] == ["North Korea"]


@pytest.fixture
def fake_kb_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    real = resources.files("figtrace.kb")
    for name in ("sources.toml", "actors.toml", "places.toml"):
        (tmp_path / name).write_text(real.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    original = resources.files

    def files(package: str):  # type: ignore[no-untyped-def]
        return tmp_path if package == "figtrace.kb" else original(package)

    monkeypatch.setattr(kb_mod.resources, "files", files)
    get_kb.cache_clear()
    yield tmp_path
    get_kb.cache_clear()


def test_a_broken_knowledge_base_reports_all_problems(fake_kb_root: Path) -> None:
    with (fake_kb_root / "sources.toml").open("a", encoding="utf-8") as f:
        f.write('\n[source."Test Agency"]\nkind = "agency"\nde = "Testamt"\nen = ["Test Agency"]\n')
    with (fake_kb_root / "actors.toml").open("a", encoding="utf-8") as f:
        f.write('\n[actor."Atlantis"]\nnote = "no aliases"\n\n[stray]\nx = 1\n')
    with pytest.raises(LexiconError) as err:
        get_kb()
    msg = str(err.value)
    assert msg.startswith("3 problem(s) in the knowledge base")
    assert "figtrace/kb/sources.toml: [source.'Test Agency'] de must be a list of names" in msg
    assert "figtrace/kb/actors.toml: [actor.'Atlantis'] has no aliases" in msg
    assert "figtrace/kb/actors.toml: unknown table(s) stray" in msg

"""Adding a language is adding a folder: a toy Esperanto lexicon, written here, run end to end.

The folder is created in a temporary directory and named by ``FIGTRACE_LANG_PATH``;
no code changes. The sentences and lexicon entries are written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import figtrace
from figtrace.cli import main
from figtrace.lang import PATH_VARIABLE, available_languages, get_lexicon

#: The toy language's files: only what the engine's schema asks for, a few words each.
FILES = {
    'attribution.toml': """\
prefix = ["laŭ"]
postfix = []
verbs = ["diris", "raportis", "anoncis"]
backward = []
carry = []
reported = []
pronouns = ["ĝi", "li", "ŝi"]
name_stopwords = ["La", "En"]
titles = []
addressee_verbs = []
metonym_after_verb = false
institutions = ["ministerio", "armeo"]
""",
    'frames.toml': """\
partitive = ["el"]
location_prepositions = ["en", "al", "kontraŭ", "ĉe"]
relay = ["citante"]
side_nouns = ["flanko"]
attack_nouns = ["atako*"]
cue_barriers = []
genitive_after_noun = false
own_markers = ["siaj"]
victim_nouns = ["civilulo*"]
subset_markers = ["inkluzive"]
attribution_nouns = ["takso"]
fraction_heads = ["duono"]
relative_pronouns = ["kiuj"]
""",
    'measures.toml': """\
[[noun]]
unit = "personnel"
words = ["soldato*", "civilulo*", "homo*"]

[[cue]]
measure = "killed"
priority = 1
units = ["personnel"]
words = ["mortigita*", "mortis"]

[[cue]]
measure = "wounded"
priority = 1
units = ["personnel"]
words = ["vundita*"]
""",
    'numbers.toml': """\
decimal_separator = ","
group_separators = [".", " "]
compound_words = false

[words]
units = { unu = 1, du = 2, tri = 3, kvar = 4, kvin = 5, ses = 6, sep = 7, ok = 8, "naŭ" = 9 }
teens = { dek = 10 }
tens = { dudek = 20, tridek = 30, kvardek = 40 }
hundred = ["cent"]
scales = { mil = 1000, miliono = 1_000_000 }
fractions = {}
joiners = []
weak = ["unu"]

[scale_suffixes]
mil = 1000

[vague]
centoj = 100
miloj = 1000
""",
    'qualifiers.toml': """\
[prefix]
"almenaŭ" = "at_least"
"ĉirkaŭ" = "approx"
"pli ol" = "more_than"

[prefix_blocked_after]

[suffix]

[figure_words]

[range]
""",
    'sentences.toml': """\
abbreviations = ["k.t.p."]
ordinal_dot = false
""",
    'time.toml': """\
weekdays = { lundo = 0, mardo = 1, merkredo = 2, "ĵaŭdo" = 3, vendredo = 4, sabato = 5, "dimanĉo" = 6 }
seasons = {}
parts_of_year = {}
parts_of_month = []
year_words = ["jaro"]
this_year = ["ĉi-jare"]
last_year = ["pasintjare"]
this_month = []
last_month = []
last_week = ["pasintsemajne"]
this_week = []
today = ["hodiaŭ"]
yesterday = ["hieraŭ"]
period_last = []
ago_before = ["antaŭ"]
ago_after = []
units = { tagoj = "day", semajnoj = "week" }
present = ["ĝis nun"]
since = ["ekde"]
year_prepositions = ["en", "ekde"]
previous = ["pasinta"]
day_suffixes = ["-a"]

[months]
januaro = 1
februaro = 2
marto = 3
junio = 6
"aŭgusto" = 8
decembro = 12
""",
}

TEXT = ("Laŭ Amnestio Internacia, almenaŭ 40 soldatoj estis mortigitaj hieraŭ.\n"
        "La armeo diris, ke ĉirkaŭ 12 civiluloj estis vunditaj.\n")


@pytest.fixture
def esperanto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "languages" / "eo"
    folder.mkdir(parents=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv(PATH_VARIABLE, str(folder.parent))
    return folder


def _fields(rows: list[dict]) -> list[tuple]:
    return [(r["figure"], r["value"], r["qualifier"], r["measure"], r["unit"], r["source"], r["as_of"], r["lang"])
            for r in rows]


EXPECTED = [
    ("almenaŭ 40", 40, "at_least", "killed", "personnel", "Amnestio Internacia", "2025-06-16", "eo"),
    ("ĉirkaŭ 12", 12, "approx", "wounded", "personnel", "armeo", "2025-06-17", "eo"),
]


def test_a_language_folder_is_a_language(esperanto: Path) -> None:
    assert "eo" in available_languages() and {"de", "en"} <= set(available_languages())
    assert get_lexicon("eo").code == "eo"


def test_the_toy_language_runs_through_every_stage(esperanto: Path, tmp_path: Path) -> None:
    api = [c.to_dict() for c in figtrace.extract(TEXT, lang="eo", published="2025-06-17", doc="eo.txt")]
    (tmp_path / "eo.txt").write_text(TEXT, encoding="utf-8")
    r = CliRunner().invoke(main, ["extract", str(tmp_path / "eo.txt"), "--lang", "eo", "--published", "2025-06-17"])
    assert r.exit_code == 0, r.stderr
    cli = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert _fields(cli) == _fields(api)
    assert [f[:5] for f in _fields(api)] == [e[:5] for e in EXPECTED]
    assert _fields(api)[0] == EXPECTED[0]  # a prefix cue names the source; "hieraŭ" is the day before


def test_a_broken_toy_file_is_named(esperanto: Path) -> None:
    (esperanto / "time.toml").write_text("months = [\n", encoding="utf-8")
    get_lexicon.cache_clear()
    try:
        with pytest.raises(figtrace.errors.LexiconError, match=r"eo/time\.toml: not valid TOML"):
            figtrace.extract(TEXT, lang="eo")
    finally:
        get_lexicon.cache_clear()

"""The engine holds no words of any language: they live in ``figtrace/lang/<code>/*.toml``.

Every string literal of the scanned modules (docstrings and comments aside, which may quote
examples) is read with its regex syntax, group names and format fields taken out; what letters
remain must be a name the engine itself uses (a lexicon key, a unit, a kind of figure or time),
never a word such as "Uhr", "km" or "gestern". A new language is then a folder, not a code change
(``tests/test_toy_language.py`` runs one).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from figtrace.lang import SCHEMA

ROOT = Path(__file__).resolve().parent.parent / "figtrace"
#: Modules whose words have all moved to the lexicons.
MODULES = ("extract/numbers.py", "extract/timeref.py")
#: Names the engine uses for its own data: lexicon keys and sub-tables, units of time, kinds of
#: figures and time expressions, qualifiers, and URL syntax. None is read from an article.
LABELS = {key for keys in SCHEMA.values() for key in keys} | {
    "units", "teens", "tens", "hundred", "scales", "joiners", "fractions", "weak", "between", "words",
    "hour", "day", "week", "month", "year", "explicit", "relative", "period", "present", "part",
    "digits", "vague", "range", "exact", "approx", "at_least", "more_than", "at_most", "less_than", "up_to",
    "https", "http", "www",
}
#: Regex syntax: group names and references, escapes ("\\u00a0", "\\d"), format fields, inline flags.
_SYNTAX = re.compile(r"\(\?P<\w+>|\(\?P=\w+\)|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[a-zA-Z]"
                     r"|\{[^{}]*\}|\(\?[a-zA-Z]+[:)]|\[:\w+:\]")
_LETTERS = re.compile(r"[^\W\d_]\w+")  # a word or a name like "last_year"


def _literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def words_in(path: Path) -> list[str]:
    found = []
    for line, text in _literals(path):
        for word in _LETTERS.findall(_SYNTAX.sub(" ", text)):
            if word not in LABELS and not any(c.isdigit() for c in word):  # "m2": a group name
                found.append(f"{path.name}:{line}: {word!r}")
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_words_of_a_language_in_the_engine(module: str) -> None:
    assert words_in(ROOT / module) == []


def test_the_scan_sees_a_word_in_a_pattern_and_not_in_a_docstring(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Reads \'14.30 Uhr\' (a docstring may quote)."""\n'
                      'import re\n'
                      'CLOCK = re.compile(r"(?P<h>\\d{1,2})\\.\\d{2}(?=\\s*(?:Uhr|h)\\b)")\n'
                      'KIND = "explicit"\n'
                      'UNITS = ("km", "mio")\n', encoding="utf-8")
    assert words_in(sample) == ["sample.py:3: 'Uhr'", "sample.py:5: 'km'", "sample.py:5: 'mio'"]


#: Where letters outside ASCII may stand in code: sign lists, not alphabets (the apostrophe-like
#: modifier letter of typographic normalisation; the mojibake signature of a wrong decoding).
_SIGN_MODULES = {"extract/typography.py", "ingest/decode.py"}


def _alphabet_literals() -> list[str]:
    found = []
    for folder in ("extract", "clean", "meta"):
        for path in sorted((ROOT / folder).glob("*.py")):
            rel = f"{folder}/{path.name}"
            if rel in _SIGN_MODULES:
                continue
            for line, text in _literals(path):
                letters = sorted({c for c in text if not c.isascii() and c.isalpha()})
                if letters and (text.startswith(("(?", "[", "^", "\\")) or "[" in text):  # a pattern
                    found.append(f"{rel}:{line}: {''.join(letters)}")
    return found


def test_patterns_take_letters_from_unicode_not_from_one_alphabet() -> None:
    """'[A-ZÄÖÜ]' is German: a capital is any upper-case letter (``figtrace.letters``)."""
    assert _alphabet_literals() == []


def test_letter_classes_hold_every_cased_alphabet() -> None:
    from figtrace.letters import LOWER, UPPER

    upper, lower = re.compile(f"[{UPPER}]"), re.compile(f"[{LOWER}]")
    for ch in "AZÄÉŁŻДΩ":
        assert upper.fullmatch(ch) and not lower.fullmatch(ch), ch
    for ch in "azäßéłżдω":
        assert lower.fullmatch(ch) and not upper.fullmatch(ch), ch
    for ch in "1-_ 'ب中":
        assert not upper.fullmatch(ch) and not lower.fullmatch(ch), ch

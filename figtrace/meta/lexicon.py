"""Where language data lives: one folder per language under ``figtrace/lang``.

Supporting a new language means adding a folder with its files; nothing here
lists languages by name.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from figtrace.errors import LexiconError

LANG_DIR = Path(__file__).resolve().parent.parent / "lang"
_CODE = re.compile(r"^[a-z]{2,3}$")


def language_codes() -> list[str]:
    """Codes of the language folders present (``['de', 'en']`` today)."""
    if not LANG_DIR.is_dir():
        return []
    return sorted(p.name for p in LANG_DIR.iterdir() if p.is_dir() and _CODE.match(p.name))


def languages_with(filename: str) -> list[str]:
    return [code for code in language_codes() if (LANG_DIR / code / filename).is_file()]


def load_toml(code: str, filename: str) -> dict[str, Any]:
    """One language file, or a :class:`LexiconError` naming the file."""
    path = LANG_DIR / code / filename
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise LexiconError(f"{path}: not valid TOML: {e}") from e


def compile_patterns(
    path: str,
    key: str,
    patterns: object,
    problems: list[str],
    flags: int = 0,
    subst: dict[str, str] | None = None,
) -> list[re.Pattern[str]]:
    """Compile a list of regexes from a lexicon, collecting every bad entry in ``problems``."""
    if not isinstance(patterns, list):
        problems.append(f"{path}: {key}: expected a list of strings")
        return []
    out = []
    for i, pat in enumerate(patterns):
        if not isinstance(pat, str):
            problems.append(f"{path}: {key}[{i}]: expected a string, got {type(pat).__name__}")
            continue
        src = pat
        for name, value in (subst or {}).items():
            src = src.replace("{" + name + "}", value)
        try:
            out.append(re.compile(src, flags))
        except re.error as e:
            problems.append(f"{path}: {key}[{i}]: bad regular expression {pat!r}: {e}")
    return out


def string_list(path: str, key: str, value: object, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{path}: {key}: expected a list of non-empty strings")
        return []
    return list(value)

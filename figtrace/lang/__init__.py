"""The one registry of language knowledge.

``get_lexicon("de")`` loads every TOML file in ``figtrace/lang/de/``, checks
it against the schema below and reports *all* problems at once (file and
entry), the way spaCy's Matcher validates patterns: a typo in a lexicon must
fail at start-up, not silently drop a cue. Adding a language means adding a
folder of these files; the engine has no words of any language in its code.

Every reader of language files goes through this module: the engine's
lexicon (:func:`get_lexicon`), the cleaner's furniture cues
(:mod:`figtrace.clean.cues`), the date formats (:mod:`figtrace.lang.dates`)
and the language detector's list of languages. Language folders are looked up
in the package first, then in the folders named by ``FIGTRACE_LANG_PATH``
(separated like ``PATH``), so a language can be added without touching the
package.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from figtrace.errors import LexiconError, UnknownLanguageError

#: The package's own language folders.
PACKAGE_DIR = Path(__file__).resolve().parent
#: The environment variable naming more folders of language folders.
PATH_VARIABLE = "FIGTRACE_LANG_PATH"
_CODE = re.compile(r"^[a-z]{2,3}$")

# file -> key -> expected type ("str", "strs", "map_num", "map_str", "map_pair", "bool", "table", "tables")
SCHEMA: dict[str, dict[str, str]] = {
    "numbers": {
        "decimal_separator": "str", "group_separators": "chars", "compound_words": "bool",
        "words": "table", "scale_suffixes": "map_num", "vague": "map_num", "amounts": "map_num",
        "glued_scales": "map_num", "glued_units": "strs",
    },
    "qualifiers": {
        "prefix": "map_str", "prefix_blocked_after": "map_strs", "suffix": "map_str",
        "figure_words": "table", "range": "table",
    },
    "measures": {
        "noun": "tables", "counter": "tables", "not_counted": "table", "cue": "tables", "modifiers": "table",
        "not_counted_before": "strs",
    },
    "attribution": {
        "prefix": "strs", "postfix": "strs", "verbs": "strs", "backward": "strs", "carry": "strs",
        "reported": "strs", "pronouns": "strs", "name_stopwords": "strs", "titles": "strs",
        "addressee_verbs": "strs", "metonym_after_verb": "bool", "institutions": "strs",
        "separable": "map_strs", "own_account": "strs", "continuation": "strs",
    },
    "time": {
        "months": "map_num", "weekdays": "map_num", "seasons": "map_pair", "parts_of_year": "map_pair",
        "parts_of_month": "strs", "year_words": "strs", "this_year": "strs", "last_year": "strs",
        "this_month": "strs", "last_month": "strs", "last_week": "strs", "this_week": "strs", "today": "strs",
        "yesterday": "strs", "period_last": "strs", "ago_before": "strs", "ago_after": "strs",
        "units": "map_str", "present": "strs", "since": "strs", "year_prepositions": "strs", "previous": "strs",
        "day_suffixes": "strs", "clock_words": "strs",
    },
    "sentences": {"abbreviations": "strs", "ordinal_dot": "bool", "lowercase_letters": "str", "function_words": "strs"},
    "speakers": {
        "determiners": "strs", "connectors": "strs", "stop": "strs", "adverbials": "strs",
        "clause_openers": "strs", "learn_verbs": "strs", "learn_from": "strs", "relay_cues": "strs",
        "cue_nouns": "strs", "country_speaker": "str", "titles": "strs", "media": "strs", "modifiers": "strs",
        "capitalised_nouns": "bool", "demonyms_as_written": "bool", "blocs": "map_str",
        "demonym_endings": "strs", "clause_breaks": "strs", "name_joiners": "strs", "modifier_suffixes": "strs",
        "cue_noun_openers": "strs", "generic_roles": "strs", "relative_pronouns": "strs", "auxiliaries": "strs",
        "own_side_functions": "strs", "own_force_functions": "strs", "possessive_suffixes": "strs",
        "cue_noun_links": "strs", "functions": "map_str",
        "roles": "map_str",
    },
    "frames": {
        "partitive": "strs", "location_prepositions": "strs", "relay": "strs", "side_nouns": "strs",
        "attack_nouns": "strs", "cue_barriers": "strs", "genitive_after_noun": "bool", "own_markers": "strs",
        "victim_nouns": "strs", "subset_markers": "strs", "attribution_nouns": "strs", "fraction_heads": "strs",
        "relative_pronouns": "strs", "force_nouns": "strs", "downed_cues": "strs", "state_personnel": "strs",
        "target_nouns": "strs", "agent_prepositions": "strs",
    },
    # what a figure counts beyond its measure (figtrace.extract.details)
    "items": {"items": "map_strs", "generic": "strs"},
    "scope": {"total": "strs", "period": "strs", "event": "strs"},
    "groups": {"groups": "map_strs", "whole": "strs", "part_markers": "strs"},
}
#: Files other modules own and validate themselves (furniture cues, date formats).
EXTRA_FILES = {"furniture", "dates"}
REQUIRED = ("numbers", "qualifiers", "measures", "attribution", "time", "sentences", "frames")
#: Files a language may leave out (its claims then carry no item, scope or group).
OPTIONAL = ("items", "scope", "groups", "speakers")

MEASURES_KEYS = {"noun": {"unit", "measure", "words"}, "counter": {"unit", "measure", "words"},
                 "cue": {"measure", "priority", "units", "words"}}


@dataclass(frozen=True)
class Lexicon:
    """All data files of one language, validated."""

    code: str
    numbers: dict[str, Any]
    qualifiers: dict[str, Any]
    measures: dict[str, Any]
    attribution: dict[str, Any]
    time: dict[str, Any]
    sentences: dict[str, Any]
    frames: dict[str, Any]
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)
    speakers: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)


# -- where language folders are ------------------------------------------------------

def language_roots() -> list[Path]:
    """Folders holding language folders: the package's, then those of ``FIGTRACE_LANG_PATH``."""
    extra = [Path(p) for p in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if p.strip()]
    return [PACKAGE_DIR, *extra]


def language_dir(code: str) -> Path | None:
    """The folder of one language (the first root that has it), or None."""
    for root in language_roots():
        folder = root / code
        if _CODE.match(code) and folder.is_dir():
            return folder
    return None


def language_codes() -> list[str]:
    """Codes of every language folder present, whatever files it holds."""
    codes: set[str] = set()
    for root in language_roots():
        if root.is_dir():
            codes.update(p.name for p in root.iterdir() if p.is_dir() and _CODE.match(p.name))
    return sorted(codes)


def available_languages() -> list[str]:
    """Languages the engine can read: folders with a ``numbers.toml`` (every lexicon has one).

    Asked for every document whose language is detected. Listing the folders costs more than
    detecting the language of a plain text, so the answer is kept while no folder of it changed:
    adding or removing a language folder, or a file in one, changes a folder's modification time.
    """
    global _available
    if _available is None or _available[2] != _folders_stamp(_available[1]):
        folders = tuple(language_codes())
        _available = (tuple(languages_with("numbers.toml")), folders, _folders_stamp(folders))
    return list(_available[0])


#: The languages last listed, every language folder then present, and the stamp of those folders.
_available: tuple[tuple[str, ...], tuple[str, ...], tuple[object, ...]] | None = None


def _folders_stamp(codes: Iterable[str]) -> tuple[object, ...]:
    """Where languages are looked up and what of those folders can change the answer: each root's
    modification time and number of links (one per subfolder, so a folder added within the clock's
    tick still shows), and for each language folder whether its ``numbers.toml`` is there."""
    out: list[object] = []
    roots = language_roots()
    for root in roots:
        try:
            st = root.stat()
            out.append((str(root), st.st_mtime_ns, st.st_nlink))
        except OSError:
            out.append((str(root), None, None))
    out.extend((str(root / code), (root / code / "numbers.toml").is_file()) for root in roots for code in codes)
    return tuple(out)


def languages_with(filename: str) -> list[str]:
    """Codes of the languages that have ``filename`` (``furniture.toml``, ``dates.toml``, ...)."""
    return [code for code in language_codes() if language_file(code, filename) is not None]


def language_file(code: str, filename: str) -> Path | None:
    folder = language_dir(code)
    path = folder / filename if folder is not None else None
    return path if path is not None and path.is_file() else None


def file_label(code: str, filename: str) -> str:
    """How messages name a language file: ``figtrace/lang/de/time.toml`` in the package, else its path."""
    folder = language_dir(code)
    if folder is None or folder.parent == PACKAGE_DIR:
        return f"figtrace/lang/{code}/{filename}"
    return str(folder / filename)


def load_toml(code: str, filename: str) -> dict[str, Any]:
    """One language file, or a :class:`LexiconError` naming the file."""
    path = language_file(code, filename)
    if path is None:
        raise LexiconError(f"{file_label(code, filename)}: missing")
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise LexiconError(f"{file_label(code, filename)}: not valid TOML: {e}") from e


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


# -- the engine's lexicon ------------------------------------------------------------

@cache
def get_lexicon(code: str) -> Lexicon:
    code = (code or "").lower().split("-")[0].split("_")[0]
    langs = available_languages()
    if code not in langs:
        raise UnknownLanguageError(code, langs)
    folder = language_dir(code)
    assert folder is not None  # listed as available just above
    data: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        stem = entry.name[:-5]
        where = file_label(code, entry.name)
        try:
            data[stem] = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            errors.append(f"{where}: not valid TOML: {e}")
            continue
        if stem in SCHEMA:
            errors.extend(validate(stem, data[stem], where))
        elif stem not in EXTRA_FILES:
            errors.append(f"{where}: unknown lexicon file (expected one of {', '.join(sorted(SCHEMA))})")
    for stem in REQUIRED:
        where = file_label(code, f"{stem}.toml")
        if stem not in data and not any(e.startswith(where) for e in errors):
            errors.append(f"{where}: missing")
    if errors:
        raise LexiconError(f"{len(errors)} problem(s) in the {code!r} lexicon:\n  " + "\n  ".join(errors))
    extra = {k: v for k, v in data.items() if k not in SCHEMA}
    return Lexicon(code=code, extra=extra, **{k: data[k] for k in REQUIRED},
                   **{k: data.get(k, {}) for k in OPTIONAL})


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check(kind: str, value: Any) -> bool:
    match kind:
        case "str":
            return isinstance(value, str)
        case "strs":
            return isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)
        case "chars":
            return isinstance(value, list) and all(isinstance(x, str) and len(x) == 1 for x in value)
        case "bool":
            return isinstance(value, bool)
        case "table":
            return isinstance(value, dict)
        case "tables":
            return isinstance(value, list) and all(isinstance(x, dict) for x in value)
        case "num":
            return _is_num(value)
        case "pair":
            return isinstance(value, list) and len(value) == 2 and all(isinstance(x, int) for x in value)
        case "map_num":
            return isinstance(value, dict) and all(_is_num(v) for v in value.values())
        case "map_str":
            return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        case "map_strs":
            return isinstance(value, dict) and all(_check("strs", v) for v in value.values())
        case "map_pair":
            return isinstance(value, dict) and all(
                isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v) for v in value.values()
            )
    return False


def validate(stem: str, doc: dict[str, Any], where: str) -> list[str]:
    """Every problem in one lexicon file, each naming file and entry."""
    from figtrace.model import MEASURES, QUALIFIERS, UNITS

    errors: list[str] = []
    schema = SCHEMA[stem]
    for key, value in doc.items():
        if key not in schema:
            errors.append(f"{where}: unknown key {key!r}")
        elif schema[key].startswith("map_") and isinstance(value, dict):
            inner = {"map_num": "num", "map_str": "str", "map_strs": "strs", "map_pair": "pair"}[schema[key]]
            for k, v in value.items():
                if not _check(inner, v):
                    errors.append(f"{where}: [{key}] {k!r} = {v!r} should be {inner}")
        elif not _check(schema[key], value):
            errors.append(f"{where}: {key!r} should be {schema[key]}")
    if stem == "qualifiers":
        for table in ("prefix", "suffix"):
            for phrase, q in (doc.get(table) or {}).items():
                if q not in QUALIFIERS:
                    errors.append(f"{where}: [{table}] {phrase!r} = {q!r} is not a qualifier ({', '.join(QUALIFIERS)})")
    if stem == "measures":
        for table in ("noun", "counter", "cue"):
            for i, entry in enumerate(doc.get(table) or []):
                if not isinstance(entry, dict):
                    continue
                label = f"{where}: [[{table}]] #{i + 1}"
                for k in entry:
                    if k not in MEASURES_KEYS[table]:
                        errors.append(f"{label}: unknown key {k!r}")
                if not _check("strs", entry.get("words")):
                    errors.append(f"{label}: 'words' must be a list of non-empty strings")
                m = entry.get("measure")
                if m is not None and m not in MEASURES and not (table == "cue" and m == "none"):
                    errors.append(f"{label}: measure {m!r} is not one of {', '.join(MEASURES)}")
                if table == "cue" and m is None:
                    errors.append(f"{label}: a cue needs a measure")
                if table == "cue" and not isinstance(entry.get("priority", 5), int):
                    errors.append(f"{label}: 'priority' must be an integer")
                for u in ([entry["unit"]] if "unit" in entry else []) + list(entry.get("units", [])):
                    if u not in UNITS:
                        errors.append(f"{label}: unit {u!r} is not one of {', '.join(UNITS)}")
    return errors

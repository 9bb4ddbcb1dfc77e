"""Furniture cues, read from ``figtrace/lang/<code>/furniture.toml`` for every language present.

The cleaner's code knows only the *shapes* of furniture (a credit starts a short
line, a link list follows a header); which words signal them is data, so a new
language is a new file. Files are validated on load and every problem is
reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from figtrace.errors import LexiconError
from figtrace.lang import compile_patterns, file_label, languages_with, load_toml, string_list

FILENAME = "furniture.toml"
_BLOCKS = ("link_list", "sources_list", "transparency")
_SECTIONS = {"credit", "caption", "image", "reading_time", "timestamp", "byline", "blocks", "lines", "topic"}


@dataclass(frozen=True, slots=True)
class Cues:
    """Compiled cues of one or more languages."""

    langs: tuple[str, ...]
    credit: re.Pattern[str]
    caption_tail: re.Pattern[str]
    caption_marker: re.Pattern[str]
    image: re.Pattern[str]
    reading_time: re.Pattern[str]
    timestamp_words: re.Pattern[str]
    byline: re.Pattern[str]
    link_list: re.Pattern[str]
    sources_list: frozenset[str]
    transparency: frozenset[str]
    transparency_continues: re.Pattern[str]
    lines: dict[str, str]
    topic_ignore: frozenset[str]


def _alt(items: list[str]) -> str:
    if not items:
        return "(?!)"
    return "(?:" + "|".join(re.escape(i) for i in sorted(set(items), key=len, reverse=True)) + ")"


def _opened_by(items: list[str], rest: str) -> str:
    """``\\(?(?:item|…)rest``, one alternative per first character (the parenthesis and each first
    letter): a search then skips from one such character to the next, where the optional
    parenthesis in front made the regex engine try every position. At one position only the
    alternatives of its character can match, in their order: the same matches."""
    if not items or "" in items:
        return r"\(?" + _alt(items) + rest
    groups: dict[str, list[str]] = {}
    for i in sorted(set(items), key=len, reverse=True):
        groups.setdefault(i[0], []).append(i[1:])
    return "|".join([r"\(" + _alt(items) + rest] + [
        re.escape(c) + "(?:" + "|".join(re.escape(r) for r in rests) + ")" + rest for c, rests in groups.items()])


def _words(items: list[str]) -> str:
    """Alternation of words; short words must stand alone, longer ones may be glued ("UhrLesedauer")."""
    short = [i for i in items if len(i) <= 2]
    long_ = [i for i in items if len(i) > 2]
    parts = []
    if long_:
        parts.append(_alt(long_))
    if short:
        parts.append(r"\b" + _alt(short) + r"\b")
    return "|".join(parts) or "(?!)"


@lru_cache(maxsize=16)
def load_cues(langs: tuple[str, ...] | None = None) -> Cues:
    """Cues of ``langs`` (every language with a furniture file when None), merged.

    Raises :class:`LexiconError` listing every malformed entry, naming file and key.
    """
    available = languages_with(FILENAME)
    codes = [c for c in langs or () if c in available] or available  # no file for a language: use all
    problems: list[str] = []
    acc: dict[str, list[str]] = {
        k: []
        for k in (
            "credit",
            "tails",
            "markers",
            "image",
            "ts_words",
            "byline",
            "transp_cont",
            "ignore",
            *(f"{b}_headers" for b in _BLOCKS),
        )
    }
    reading: list[re.Pattern[str]] = []
    line_map: dict[str, str] = {}
    for code in codes:
        path = file_label(code, FILENAME)
        data = load_toml(code, FILENAME)
        for section in data:
            if section not in _SECTIONS:
                problems.append(f"{path}: unknown section [{section}]")

        def get(section: str, key: str, *, data: dict = data, path: str = path) -> list[str]:
            value = data.get(section, {}).get(key, [])
            return string_list(path, f"{section}.{key}", value, problems)

        acc["credit"] += get("credit", "prefixes")
        acc["tails"] += get("caption", "credit_tails")
        acc["markers"] += get("caption", "markers")
        acc["image"] += get("image", "contains")
        acc["ts_words"] += get("timestamp", "words")
        acc["byline"] += get("byline", "prefixes")
        acc["ignore"] += get("topic", "ignore")
        reading += compile_patterns(
            path, "reading_time.patterns_re", data.get("reading_time", {}).get("patterns_re", []), problems
        )
        blocks = data.get("blocks", {})
        for block in blocks:
            if block not in _BLOCKS:
                problems.append(f"{path}: unknown block [blocks.{block}] (known: {', '.join(_BLOCKS)})")
        for block in _BLOCKS:
            acc[f"{block}_headers"] += string_list(
                path, f"blocks.{block}.headers", blocks.get(block, {}).get("headers", []), problems
            )
        acc["transp_cont"] += string_list(
            path,
            "blocks.transparency.continues",
            blocks.get("transparency", {}).get("continues", []),
            problems,
        )
        for label, words in data.get("lines", {}).items():
            for w in string_list(path, f"lines.{label}", words, problems):
                line_map[w] = label
    if problems:
        raise LexiconError("; ".join(problems))
    rt = "|".join(f"(?:{p.pattern})" for p in reading) or "(?!)"
    return Cues(
        langs=tuple(codes),
        credit=re.compile(r"^\s*\(?" + _alt(acc["credit"])),
        caption_tail=re.compile(_opened_by(acc["tails"], r"[^!?()\n]{0,80}(?<!\.)\)?\s*$")),
        caption_marker=re.compile(_alt(acc["markers"])),
        image=re.compile(_alt(acc["image"])),
        reading_time=re.compile(rt),
        timestamp_words=re.compile(_words(acc["ts_words"])),
        byline=re.compile(r"^\s*" + _alt(acc["byline"])),
        link_list=re.compile(r"^\s*" + _alt(acc["link_list_headers"]) + r"\b"),
        sources_list=frozenset(acc["sources_list_headers"]),
        transparency=frozenset(acc["transparency_headers"]),
        transparency_continues=re.compile(r"\b" + _alt(acc["transp_cont"]) + r"\b|@"),
        lines=line_map,
        topic_ignore=frozenset(w.lower()[:6] for w in acc["ignore"]),
    )

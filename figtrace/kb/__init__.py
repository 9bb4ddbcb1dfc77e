"""Canonical sources, actors and places with aliases in every language.

One file per kind (``sources.toml``, ``actors.toml``, ``places.toml``); the
extraction engine asks :func:`get_kb` for compiled matchers per language. The
canonical names are English and language-neutral, so claims from German and
English articles reconcile in one ledger.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from figtrace.errors import LexiconError
from figtrace.lang.phrases import compile_labelled

KINDS = {"sources": "source", "actors": "actor", "places": "place"}
#: Extra tables inside a kind's file: names that stand for an entity only in one role.
EXTRA = {"sources": ("metonym",)}


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str
    aliases: dict[str, list[str]]
    attrs: dict[str, Any]


@dataclass(frozen=True)
class Matcher:
    """One compiled alternation; ``label(m)`` is the canonical name a match stands for."""

    pattern: re.Pattern[str] | None
    labels: dict[str, str]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):  # type: ignore[no-untyped-def]
        if self.pattern is None:
            return iter(())
        return self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return None if self.pattern is None else self.pattern.match(text, pos)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return next(self.finditer(text, pos, endpos), None)

    def label(self, m: re.Match[str]) -> str:
        return self.labels[m.lastgroup or ""]


@dataclass(frozen=True)
class KnowledgeBase:
    sources: dict[str, Entity]
    actors: dict[str, Entity]
    places: dict[str, Entity]
    metonyms: dict[str, Entity]

    def matcher(self, kind: str, lang: str) -> Matcher:
        return _matcher(self, kind, lang)

    def _build(self, kind: str, lang: str) -> Matcher:
        table = {"sources": self.sources, "actors": self.actors, "places": self.places,
                 "metonyms": self.metonyms}[kind]
        entries = [(alias, e.name) for e in table.values() for alias in e.aliases.get(lang, [])]
        pattern, labels = compile_labelled(entries)
        return Matcher(pattern, labels)

    def source_aliases(self, name: str) -> list[str]:
        e = self.sources.get(name)
        return sorted({a for v in e.aliases.values() for a in v}) if e else []


_MATCHERS: dict[tuple[int, str, str], Matcher] = {}


def _matcher(kb: KnowledgeBase, kind: str, lang: str) -> Matcher:
    key = (id(kb), kind, lang)
    m = _MATCHERS.get(key)
    if m is None:
        m = _MATCHERS[key] = kb._build(kind, lang)
    return m


@cache
def get_kb() -> KnowledgeBase:
    from figtrace.lang import available_languages

    langs = set(available_languages())
    errors: list[str] = []
    tables: dict[str, dict[str, Entity]] = {}
    root = resources.files("figtrace.kb")
    for fname, kind in KINDS.items():
        where = f"figtrace/kb/{fname}.toml"
        try:
            doc = tomllib.loads(root.joinpath(f"{fname}.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            errors.append(f"{where}: {e}")
            continue
        entities: dict[str, Entity] = {}
        for sub in EXTRA.get(fname, ()):
            for name, body in (doc.get(sub) or {}).items():
                tables.setdefault(sub + "s", {})[name] = Entity(
                    name, sub, {k: v for k, v in body.items() if isinstance(v, list)}, {})
                if name not in (doc.get(kind) or {}):
                    errors.append(f"{where}: [{sub}.{name!r}] names no {kind} of that name")
        for name, body in (doc.get(kind) or {}).items():
            aliases: dict[str, list[str]] = {}
            attrs: dict[str, Any] = {}
            for k, v in body.items():
                if k in langs or (isinstance(v, list) and len(k) == 2):
                    if not (isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)):
                        errors.append(f"{where}: [{kind}.{name!r}] {k} must be a list of names")
                        continue
                    aliases[k] = v
                else:
                    attrs[k] = v
            if not aliases:
                errors.append(f"{where}: [{kind}.{name!r}] has no aliases")
            entities[name] = Entity(name, kind, aliases, attrs)
        extra = set(doc) - {kind} - set(EXTRA.get(fname, ()))
        if extra:
            errors.append(f"{where}: unknown table(s) {', '.join(sorted(extra))}")
        tables[fname] = entities
    if errors:
        raise LexiconError(f"{len(errors)} problem(s) in the knowledge base:\n  " + "\n  ".join(errors))
    return KnowledgeBase(tables["sources"], tables["actors"], tables["places"], tables.get("metonyms", {}))


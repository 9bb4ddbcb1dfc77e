"""What a figure counts beyond its measure: the equipment ``item``, the ``scope`` and the ``group``.

Reconciliation compares only figures that count the same thing. Two
equipment figures of different items ("19 tanks", "more than 100 drones"), a
day's count and a running total, the toll of one strike and of a whole war,
or "20 children" among the killed and the killed themselves are not the same
thing, however close their measure. This module reads those three fields
from the words around a figure, all of them from the lexicon files
``items.toml``, ``scope.toml`` and ``groups.toml`` of the language (the
subset markers come from ``frames.toml``).

It works from a claim's offsets alone (the figure's span and its sentence),
so the engine calls it once per claim and the same reading can be applied to
claims annotated by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_labelled, compile_phrases
from figtrace.model import Claim

#: Characters after a figure read as its noun phrase ("19 main battle tanks", "20 Kinder").
NP_CHARS = 45
#: Characters around a figure in which an item named elsewhere in the sentence still counts
#: ("Panzer: 19", "lost 19 of its tanks", "drones, more than 100 of them").
ITEM_REACH = 60
#: Characters before a figure in which a subset marker makes it a part ("darunter 20 Kinder").
PART_REACH = 30
#: Characters either side of a figure in which a scope cue counts; farther cues belong to other clauses.
SCOPE_REACH = 90
#: A scope cue after the figure counts this much farther away than one before it
#: ("since the war began, 60,000 killed" vs "60,000 killed in the strike"), and only
#: this close (characters): farther right, "… had arrived and that the total could
#: reach …" opens another clause.
RIGHT_PENALTY = 1.5
SCOPE_RIGHT_REACH = 45
#: Characters from one figure to the next in which both still belong to one list
#: ("10,930 tanks, 22,800 armoured combat vehicles, …"); farther apart, a figure opens
#: another clause ("3,000 had arrived … the total could reach 10,000").
LIST_GAP = 45
_NP_STOP = re.compile(r"[,;:()\[\]!?]|\.(?:\s|$)|\s[–—-]\s|\d")
_CLAUSE = re.compile(r";|\s[–—]\s|\n")


@dataclass(frozen=True, slots=True)
class Details:
    """The three fields and the cue that decided each (for the claim's ``why``)."""

    item: str | None = None
    scope: str | None = None
    group: str | None = None
    why: tuple[tuple[str, str], ...] = ()


class DetailReader:
    """The compiled lexicon entries of one language."""

    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        items = lex.items.get("items", {})
        self.items, self.item_labels = compile_labelled([(w, name) for name, ws in items.items() for w in ws])
        self.generic = compile_phrases(lex.items.get("generic", []))
        cues = [(w, kind) for kind in ("total", "period", "event") for w in lex.scope.get(kind, [])]
        self.scope, self.scope_labels = compile_labelled(cues)
        groups = lex.groups.get("groups", {})
        self.groups, self.group_labels = compile_labelled([(w, name) for name, ws in groups.items() for w in ws])
        self.whole = set(lex.groups.get("whole", []))
        self.subset = compile_phrases([*lex.frames.get("subset_markers", []), *lex.groups.get("part_markers", [])])

    def read(self, text: str, start: int, end: int, quote_start: int, quote_end: int, unit: str) -> Details:
        """Item, scope and group of the figure at ``start:end`` inside the sentence ``quote_start:quote_end``."""
        why: list[tuple[str, str]] = []
        np_end = _np_end(text, end, quote_end)
        item = self._item(text, start, end, np_end, quote_start, quote_end, why) if unit == "equipment" else None
        group = self._group(text, start, end, np_end, quote_start, why) if unit == "personnel" else None
        scope = self._scope(text, start, end, quote_start, quote_end, why)
        return Details(item, scope, group, tuple(why))

    def _item(self, text: str, start: int, end: int, np_end: int, qs: int, qe: int,
              why: list[tuple[str, str]]) -> str | None:
        if self.items is None:
            return None
        m = self.items.search(text, end, np_end)
        if m is not None and not (self.generic is not None and self.generic.match(text, m.start())):
            why.append(("item", f"in the figure's noun phrase: {m.group(0)!r}"))
            return self.item_labels[m.lastgroup or ""]
        # a generic noun ("systems", "equipment") or none: the nearest item word in the same clause
        best: tuple[int, re.Match[str]] | None = None
        lo, hi = max(qs, start - ITEM_REACH), min(qe, end + ITEM_REACH)
        for m in self.items.finditer(text, lo, hi):
            a, b = (m.end(), start) if m.end() <= start else (end, m.start())
            if _CLAUSE.search(text, a, b):
                continue
            d = b - a
            if best is None or d < best[0]:
                best = (d, m)
        if best is None:
            return None
        why.append(("item", f"named near the figure: {best[1].group(0)!r}"))
        return self.item_labels[best[1].lastgroup or ""]

    def _group(self, text: str, start: int, end: int, np_end: int, qs: int,
               why: list[tuple[str, str]]) -> str | None:
        if self.groups is None:
            return None
        part = self.subset.search(text, max(qs, start - PART_REACH), start) if self.subset is not None else None
        if part is not None and text[part.end(): start].strip(" ,:"):
            part = None  # the marker must lead up to the figure: "including 454", not "including …, 454"
        m = self.groups.search(text, end, np_end)
        if m is None:
            if part is not None:
                why.append(("group", f"a part: {part.group(0)!r}"))
                return "part"  # "including 454 during the ground offensive": a part of the figure before
            return None
        name = self.group_labels[m.lastgroup or ""]
        if name in self.whole and not part:
            return None  # "11,000 soldiers", "60,000 people": the whole, not a part of it
        why.append(("group", f"{m.group(0)!r}" + (f" after {part.group(0)!r}" if part else "")))
        return name

    def _scope(self, text: str, start: int, end: int, qs: int, qe: int,
               why: list[tuple[str, str]]) -> str | None:
        if self.scope is None:
            return None
        best: tuple[float, re.Match[str]] | None = None
        for m in self.scope.finditer(text, max(qs, start - SCOPE_REACH), min(qe, end + SCOPE_REACH)):
            if m.start() < end and start < m.end():
                best = (0.0, m)  # part of the figure itself: "insgesamt 11.000"
                break
            before = m.end() <= start
            a, b = (m.end(), start) if before else (end, m.start())
            if not before and b - a > SCOPE_RIGHT_REACH:
                continue
            if _CLAUSE.search(text, a, b) or (not before and "," in text[a:b]):
                continue  # a cue after a comma opens the next clause: "1,140, bringing the total to …"
            d = (b - a) * (1.0 if before else RIGHT_PENALTY)
            if best is None or d < best[0]:
                best = (d, m)
        if best is None:
            return None
        why.append(("scope", f"{best[1].group(0)!r}"))
        return self.scope_labels[best[1].lastgroup or ""]


def _np_end(text: str, end: int, limit: int) -> int:
    """Where the figure's noun phrase ends: the next punctuation or figure, at most NP_CHARS on."""
    hi = min(limit, end + NP_CHARS)
    stop = _NP_STOP.search(text, end, hi)
    return stop.start() if stop else hi


@cache
def detail_reader(lang: str) -> DetailReader:
    return DetailReader(lang)


def add_details(claim: Claim, text: str, lang: str) -> Claim:
    """Fill ``item``, ``scope`` and ``group`` of ``claim`` from ``text`` (a no-op where the text says nothing)."""
    d = detail_reader(lang).read(text, claim.start, claim.end, claim.quote_start, claim.quote_end, claim.unit)
    claim.item, claim.scope, claim.group = d.item, d.scope, d.group
    claim.why.update(dict(d.why))
    if d.scope is not None:
        claim.rules["scope"] = "cue"
    return claim


def add_all_details(claims: list[Claim], text: str, lang: str) -> list[Claim]:
    """:func:`add_details` for every claim of a document, then one scope for a coordinated list.

    "Russia lost 10,930 tanks, 22,800 armoured vehicles … since the invasion
    began": the cue stands once for the whole list, so figures of one sentence
    and one measure that say nothing take the scope the others state (only
    when those agree).
    """
    for c in claims:
        add_details(c, text, lang)
    for run in _lists(claims):
        stated = {c.scope for c in run if c.scope}
        if len(stated) != 1:
            continue
        scope = stated.pop()
        for c in run:
            if c.scope is None:
                c.scope = scope
                c.why["scope"] = "shared with the list it is part of"
                c.rules["scope"] = "list"
    return claims


def _lists(claims: list[Claim]) -> list[list[Claim]]:
    """Runs of figures of one sentence and measure that follow each other closely: a coordinated list."""
    by_sentence: dict[tuple[int, str], list[Claim]] = {}
    for c in claims:
        by_sentence.setdefault((c.quote_start, c.measure), []).append(c)
    runs: list[list[Claim]] = []
    for group in by_sentence.values():
        group = sorted(group, key=lambda c: c.start)
        run = [group[0]]
        for c in group[1:]:
            if c.start - run[-1].end <= LIST_GAP:
                run.append(c)
            else:
                runs.append(run)
                run = [c]
        runs.append(run)
    return [r for r in runs if len(r) > 1]

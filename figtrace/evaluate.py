"""Score predicted claims against annotated ones, by the rules of spec/claims.md.

Three levels, each with precision, recall and F1: *found* (same document,
a number that agrees, quotes that overlap), *typed* (also measure and actor),
*attributed* (also source, qualifier class and overlapping as-of). Gold
claims marked ``optional`` neither count as misses nor, when matched, as
false positives. Matching is one-to-one (maximum bipartite matching), so a
claim printed twice must be found twice.

This is figtrace's own implementation, used by the golden-file tests and the
``figtrace eval`` command, so the quality gate runs without anything outside
the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from figtrace.periods import try_parse_period

LEVELS = ("found", "typed", "attributed")
QUALIFIER_CLASS = {
    "exact": "exact", "approx": "approx", "at_least": "lower", "more_than": "lower",
    "at_most": "upper", "less_than": "upper", "up_to": "upper", "range": "range", "vague": "vague",
}


@dataclass
class LevelScore:
    tp: int
    gold: int
    pred: int

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "gold": self.gold, "pred": self.pred}


@dataclass
class Score:
    levels: dict[str, LevelScore]
    missed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    spurious: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def f1(self, level: str) -> float:
        return self.levels[level].f1

    def to_dict(self) -> dict[str, dict[str, float | int]]:
        return {k: v.to_dict() for k, v in self.levels.items()}


def _norm(s: Any) -> str:
    return re.sub(r"\s+", " ", str(s or "")).strip().lower()


def _base(doc: Any) -> str:
    return str(doc or "").replace("\\", "/").rsplit("/", 1)[-1]


def _num(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def quotes_overlap(a: str, b: str) -> bool:
    """Same sentence, or one contains the other, or they share half of the shorter one."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= 0.5 * min(len(a), len(b))


def _numbers_agree(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    g = _num(gold.get("value"))
    if g is None:
        return False
    for key in ("value", "low", "high"):
        p = _num(pred.get(key))
        if p is not None and abs(p - g) <= 1e-9 * max(1.0, abs(g)):
            return True
    return False


def _accepted(gold: dict[str, Any], one: str, many: str) -> set[str]:
    vals = gold.get(many) or [gold.get(one)]
    return set().union(*(name_forms(v) for v in vals if v is not None))


def name_forms(name: Any) -> set[str]:
    """The spellings of one name the spec counts as the same.

    Case and spacing, a leading "the", straight or curly apostrophes,
    defence/defense, "Long Name (ABBR)" as either part, and "Ministry of X" /
    "X ministry" (spec/claims.md, section *source*).
    """
    s = _norm(name).replace("\u2019", "'").replace("\u2018", "'").replace("defense", "defence")
    s = re.sub(r"^the ", "", s)
    forms = {s}
    m = re.fullmatch(r"(.+?) \((.+)\)", s)
    if m:
        forms |= {m.group(1), m.group(2)}
    for f in list(forms):
        m = re.fullmatch(r"(.*?)ministry of (\w+)", f)
        if m:
            forms.add(f"{m.group(1)}{m.group(2)} ministry")
        m = re.fullmatch(r"(.*?)(\w+) ministry", f)
        if m:
            forms.add(f"{m.group(1)}ministry of {m.group(2)}")
    return forms


def _as_of_agrees(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    g = try_parse_period(gold.get("as_of"))
    if g is None:
        return True
    p = try_parse_period(pred.get("as_of"))
    return p is not None and p.overlaps(g)


def level_of(pred: dict[str, Any], gold: dict[str, Any]) -> int:
    """0 no match, 1 found, 2 typed, 3 attributed."""
    if _base(pred.get("doc")) != _base(gold.get("doc")):
        return 0
    if not _numbers_agree(pred, gold) or not quotes_overlap(pred.get("quote", ""), gold.get("quote", "")):
        return 0
    if _norm(pred.get("measure")) != _norm(gold.get("measure")):
        return 1
    if not name_forms(pred.get("actor")) & _accepted(gold, "actor", "actors"):
        return 1
    if not name_forms(pred.get("source")) & _accepted(gold, "source", "sources"):
        return 2
    if QUALIFIER_CLASS.get(_norm(pred.get("qualifier"))) != QUALIFIER_CLASS.get(_norm(gold.get("qualifier"))):
        return 2
    if not _as_of_agrees(pred, gold):
        return 2
    return 3


def _matching(edges: dict[int, list[int]], left: Iterable[int], taken: set[int]) -> dict[int, int]:
    owner: dict[int, int] = {}

    def augment(g: int, seen: set[int]) -> bool:
        for p in edges.get(g, ()):
            if p in taken or p in seen:
                continue
            seen.add(p)
            if p not in owner or augment(owner[p], seen):
                owner[p] = g
                return True
        return False

    for g in left:
        augment(g, set())
    return {g: p for p, g in owner.items()}


def score(gold: Sequence[dict[str, Any]], pred: Sequence[dict[str, Any]]) -> Score:
    """Scores of ``pred`` against ``gold``; predictions for documents without gold are ignored."""
    docs = {_base(g.get("doc")) for g in gold}
    pred = [p for p in pred if _base(p.get("doc")) in docs]
    by_doc: dict[str, list[int]] = {}
    for pi, p in enumerate(pred):
        by_doc.setdefault(_base(p.get("doc")), []).append(pi)
    levels = [{pi: level_of(pred[pi], g) for pi in by_doc.get(_base(g.get("doc")), [])} for g in gold]
    out = Score({})
    required = [gi for gi, g in enumerate(gold) if not g.get("optional")]
    optional = [gi for gi, g in enumerate(gold) if g.get("optional")]
    for li, name in enumerate(LEVELS, 1):
        edges = {gi: [pi for pi, lv in row.items() if lv >= li] for gi, row in enumerate(levels)}
        matched = _matching(edges, required, set())
        matched.update(_matching(edges, optional, set(matched.values())))
        tp = sum(1 for gi in matched if not gold[gi].get("optional"))
        opt = sum(1 for gi in matched if gold[gi].get("optional"))
        out.levels[name] = LevelScore(tp, len(required), len(pred) - opt)
        used = set(matched.values())
        out.missed[name] = [gold[gi] for gi in required if gi not in matched]
        out.spurious[name] = [pred[pi] for pi in range(len(pred)) if pi not in used]
    return out

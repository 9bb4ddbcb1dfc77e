"""Scoring findings against a reviewed truth: which groups are contradictions, disagreements, explained.

A reviewed file (JSON Lines, one group a line) is written by a person who
read the articles: ``kind``, ``actor``, ``measure``, ``window``, the claims
that make up the group as ``[doc, figure]`` pairs, and a ``note`` saying
why. A finding of the tool matches a reviewed group when the kind and the
actor agree and its strongest pair are two claims of that group. Precision
is the share of the tool's findings of a kind that match a reviewed group
of that kind; recall the share of reviewed groups of that kind that some
finding matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figtrace.errors import FigtraceError
from figtrace.reconcile.rules import KINDS

_LEAD = re.compile(r"^(?:the|die|der|das)\s+", re.IGNORECASE)


def _norm(figure: str) -> str:
    return re.sub(r"\s+", " ", _LEAD.sub("", figure.strip())).casefold()


@dataclass(slots=True)
class Reviewed:
    """One group a reviewer read in the articles."""

    kind: str
    actor: str
    claims: set[tuple[str, str]]
    measure: str = ""
    window: str = ""
    note: str = ""
    reason: str | None = None


@dataclass(slots=True)
class ReviewScore:
    """Precision and recall of one kind, with what matched and what did not (for the failure message)."""

    kind: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_findings: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_reviewed(path: str | Path) -> list[Reviewed]:
    """Read a reviewed file; a bad line fails with its number."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if d["kind"] not in KINDS:
                raise ValueError(f"kind {d['kind']!r} is not one of {', '.join(KINDS)}")
            claims = {(str(doc), _norm(str(fig))) for doc, fig in d["claims"]}
            out.append(Reviewed(d["kind"], d["actor"], claims, d.get("measure", ""), d.get("window", ""),
                                d.get("note", ""), d.get("reason")))
        except (ValueError, KeyError, TypeError) as e:
            raise FigtraceError(f"{path}:{n}: not a reviewed finding: {e}") from None
    return out


def _pair(finding: Mapping[str, Any] | Any) -> set[tuple[str, str]]:
    claims = finding["claims"] if isinstance(finding, Mapping) else finding.claims
    return {(str(c["doc"]), _norm(str(c["figure"]))) for c in claims}


def _label(finding: Mapping[str, Any] | Any) -> str:
    get = finding.get if isinstance(finding, Mapping) else (lambda k: getattr(finding, k))
    return f"{get('kind')} {get('rule')} ({get('actor')}): {get('explanation')}"


def matches(finding: Mapping[str, Any] | Any, group: Reviewed) -> bool:
    """Same kind and actor, and two of the group's claims are the finding's strongest pair."""
    get = finding.get if isinstance(finding, Mapping) else (lambda k: getattr(finding, k))
    if get("kind") != group.kind or str(get("actor") or "").casefold() != group.actor.casefold():
        return False
    return len(_pair(finding) & group.claims) >= 2


def score(findings: Iterable[Mapping[str, Any] | Any], reviewed: list[Reviewed], kind: str) -> ReviewScore:
    """Precision and recall of the tool's findings of ``kind`` against the reviewed groups of that kind."""
    result = ReviewScore(kind)
    groups = [g for g in reviewed if g.kind == kind]
    found = [f for f in findings if (f.get("kind") if isinstance(f, Mapping) else f.kind) == kind]
    hit: set[int] = set()
    for f in found:
        match = next((i for i, g in enumerate(groups) if matches(f, g)), None)
        if match is None:
            result.fp += 1
            result.false_findings.append(_label(f))
        else:
            result.tp += 1
            hit.add(match)
    result.tp = len(hit)  # two findings of one reviewed group count once
    for i, g in enumerate(groups):
        if i not in hit:
            result.fn += 1
            result.missed.append(f"{g.actor} {g.measure} {g.window}: {g.note}")
    return result

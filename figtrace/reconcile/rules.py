"""Consistency rules: when do two reported figures really contradict each other?

Each rule is one function over timeline points (clusters) and returns
:class:`Finding` objects. A finding is ``flagged`` when the figures cannot
both be true, and ``explained`` when they look far apart but the rule shows
why they are compatible (different measures, a lower bound, time passing).
Every explanation names the figures and their sources. The thresholds live
in :mod:`figtrace.reconcile.settings`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from figtrace.reconcile.settings import (
    CLOSE_DAYS,
    CONFUSABLE,
    CUMULATIVE_MEASURES,
    DEFAULT_FACTOR,
    HIERARCHY,
    RELATED_DAYS,
)
from figtrace.reconcile.timeline import point_period
from figtrace.reconcile.values import bounds, describe_with_source, qualifier_class

Point = dict[str, Any]
Members = Mapping[str, list[dict[str, Any]]]


@dataclass(slots=True)
class Finding:
    """One consistency check result with the claims behind it."""

    rule: str
    status: str  # 'flagged' | 'explained'
    explanation: str
    clusters: list[str]
    claims: list[dict[str, Any]] = field(default_factory=list)
    actor: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finding(rule: str, status: str, explanation: str, pts: Iterable[Point], members: Members) -> Finding:
    pts = list(pts)
    clusters = [p["cluster"] for p in pts]
    claims = [c for cid in clusters for c in members.get(cid, [])]
    return Finding(rule, status, explanation, clusters, claims, pts[0].get("actor") if pts else None)


def _ratio(a: Point, b: Point) -> float:
    lo, hi = sorted((abs(float(a["value"])), abs(float(b["value"]))))
    return hi / lo if lo else float("inf")


def _gap(a: Point, b: Point) -> int | None:
    pa, pb = point_period(a), point_period(b)
    if pa is None or pb is None:
        return None
    return pa.gap_days(pb)


def _pairs_within(points: list[Point], max_gap: int) -> Iterator[tuple[Point, Point]]:
    """Each unordered pair of dated points at most ``max_gap`` days apart.

    A sweep in start order, so a timeline of thousands of points does not
    compare every point with every other (the rules only look at near dates).
    """
    dated = sorted(((point_period(p), p) for p in points if p.get("period_start")),
                   key=lambda t: (t[0].start, t[0].end))  # type: ignore[union-attr]
    for i, (pa, a) in enumerate(dated):
        assert pa is not None
        for pb, b in dated[i + 1:]:
            assert pb is not None
            if (pb.start - pa.end).days > max_gap:
                break
            if pa.gap_days(pb) <= max_gap:
                yield a, b


def _by(points: Iterable[Point], *keys: str) -> dict[tuple[Any, ...], list[Point]]:
    out: dict[tuple[Any, ...], list[Point]] = defaultdict(list)
    for p in points:
        out[tuple(p.get(k) for k in keys)].append(p)
    return out


def _hierarchy_pairs() -> list[tuple[str, str]]:
    """The listed pairs plus what follows from them (killed ≤ killed_or_wounded ≤ deployed)."""
    pairs = set(HIERARCHY)
    changed = True
    while changed:
        changed = False
        for (a, b), (c, d) in itertools.product(list(pairs), repeat=2):
            if b == c and (a, d) not in pairs:
                pairs.add((a, d))
                changed = True
    return sorted(pairs)


def measure_hierarchy(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """A part (killed) never exceeds its whole (killed_or_wounded) at the same or a later date.

    Flagged: the part's lowest possible value exceeds the whole's highest, and
    the part is not dated more than CLOSE_DAYS after the whole (a later part
    may outgrow an old whole). Explained: two sources a factor apart whose
    figures are consistent because they count different things (for the
    CONFUSABLE pairs only).
    """
    out: list[Finding] = []
    by_actor_measure = _by(points, "actor", "measure")
    actors = {p.get("actor") for p in points}
    for actor in sorted(actors, key=str):
        for part, whole in _hierarchy_pairs():
            for a in by_actor_measure.get((actor, part), []):
                for b in by_actor_measure.get((actor, whole), []):
                    pa, pb = point_period(a), point_period(b)
                    if pa is None or pb is None:
                        continue
                    lag = (pa.start - pb.end).days if pa.start > pb.end else 0
                    lo_a, _ = bounds(a)
                    _, hi_b = bounds(b)
                    part_w, whole_w = part.replace("_", " "), whole.replace("_", " ")
                    if lag <= CLOSE_DAYS and lo_a > hi_b:
                        out.append(_finding("measure_hierarchy", "flagged", (
                            f"{describe_with_source(a)} exceeds {describe_with_source(b)}, "
                            f"but {part_w} cannot exceed {whole_w} for the same actor "
                            f"at a close or later date."
                        ), (a, b), members))
                    elif ((part, whole) in CONFUSABLE and a.get("source") != b.get("source")
                          and _ratio(a, b) > factor
                          and float(a["value"]) < float(b["value"]) and pa.gap_days(pb) <= RELATED_DAYS):
                        out.append(_finding("measure_hierarchy", "explained", (
                            f"{describe_with_source(b)} and {describe_with_source(a)} "
                            f"count different things: "
                            f"{part_w} is a part of {whole_w}, so the smaller figure does not contradict "
                            f"the larger one."
                        ), (b, a), members))
    return out


def cumulative_falls(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """A cumulative figure (losses, troops deployed) of one source does not fall over time.

    Flagged: a later figure's highest possible value is below an earlier
    figure's lowest. Explained: the stated number falls but the later one is
    only a lower bound or within the rounding of "about".
    """
    out: list[Finding] = []
    for (_src, _actor, measure), pts in sorted(_by(points, "source", "actor", "measure").items(), key=str):
        if measure not in CUMULATIVE_MEASURES:
            continue
        for p, q in itertools.permutations(pts, 2):
            pp, pq = point_period(p), point_period(q)
            if pp is None or pq is None or not pp.end < pq.start:
                continue
            if float(q["value"]) >= float(p["value"]):
                continue
            lo_p, _ = bounds(p)
            _, hi_q = bounds(q)
            head = f"{describe_with_source(p)} is followed by {describe_with_source(q)}"
            if hi_q < lo_p:
                out.append(_finding("cumulative_falls", "flagged",
                                    f"{head}: a cumulative figure of one source should not fall over time.",
                                    (p, q), members))
            else:
                lower = qualifier_class(q.get("qualifier")) == "lower"
                why = ("the later figure is only a lower bound" if lower
                       else "the two agree within the rounding of an approximate figure")
                out.append(_finding("cumulative_falls", "explained",
                                    f"{head}, but {why}, so the count need not have fallen.",
                                    (p, q), members))
    return out


def source_factor(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """Two sources' closed figures for the same thing differ by more than ``factor`` at close dates.

    Open-ended figures are left to :func:`lower_bound`. Explained: the two
    stated numbers are a factor apart but hold at dates more than CLOSE_DAYS
    apart (the count can have grown), or agree within rounding.
    """
    out: list[Finding] = []
    for (_actor, _measure), pts in sorted(_by(points, "actor", "measure").items(), key=str):
        for a, b in _pairs_within(pts, RELATED_DAYS):
            if a.get("source") == b.get("source"):
                continue
            gap = _gap(a, b)
            if gap is None or max(bounds(a)[1], bounds(b)[1]) == float("inf") or _ratio(a, b) <= factor:
                continue
            small, big = (a, b) if float(a["value"]) <= float(b["value"]) else (b, a)
            lo_big = bounds(big)[0]
            hi_small = bounds(small)[1]
            pair = f"{describe_with_source(small)} and {describe_with_source(big)}"
            if gap <= CLOSE_DAYS and lo_big > factor * hi_small:
                out.append(_finding("source_factor", "flagged", (
                    f"{pair} differ by more than a factor of {factor:g} at dates {gap} days apart."
                ), (small, big), members))
            elif gap <= CLOSE_DAYS:
                out.append(_finding("source_factor", "explained", (
                    f"{pair} look more than a factor of {factor:g} apart, but agree within the rounding "
                    f"of an approximate figure."
                ), (small, big), members))
            elif gap <= RELATED_DAYS:
                out.append(_finding("source_factor", "explained", (
                    f"{pair} are more than a factor of {factor:g} apart, but hold at dates {gap} days apart, "
                    f"more than the {CLOSE_DAYS} days within which figures are compared."
                ), (small, big), members))
    return out


def lower_bound(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """A lower bound ("over 6,000") is contradicted only by a smaller closed figure at a close date.

    Flagged: the other figure's highest possible value is below the bound.
    Explained: a larger figure a factor above the bound, which agrees with it.
    """
    out: list[Finding] = []
    for (_actor, _measure), pts in sorted(_by(points, "actor", "measure").items(), key=str):
        near = list(_pairs_within(pts, CLOSE_DAYS))
        for p, q in near + [(b, a) for a, b in near]:
            if qualifier_class(p.get("qualifier")) != "lower":
                continue
            gap = _gap(p, q)
            if gap is None or gap > CLOSE_DAYS:
                continue
            lo_p, _ = bounds(p)
            _, hi_q = bounds(q)
            if hi_q == float("inf"):
                continue
            if hi_q < lo_p:
                out.append(_finding("lower_bound", "flagged", (
                    f"{describe_with_source(p)} is a lower bound, but {describe_with_source(q)} "
                    f"at a date {gap} days away is smaller."
                ), (p, q), members))
            elif p.get("source") != q.get("source") and float(q["value"]) > factor * float(p["value"]):
                out.append(_finding("lower_bound", "explained", (
                    f"{describe_with_source(p)} is a lower bound, so the larger {describe_with_source(q)} "
                    f"does not contradict it."
                ), (p, q), members))
    return out


RULES: tuple[Callable[[list[Point], Members, float], list[Finding]], ...] = (
    measure_hierarchy, cumulative_falls, source_factor, lower_bound,
)


def check(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """Every rule over the points; flagged findings first."""
    if factor <= 1:
        from figtrace.errors import FigtraceError

        raise FigtraceError(f"--factor must be greater than 1, got {factor:g}")
    findings = [f for rule in RULES for f in rule(points, members, factor)]
    findings.sort(key=lambda f: (f.status != "flagged", f.rule, str(f.actor), f.clusters))
    return findings

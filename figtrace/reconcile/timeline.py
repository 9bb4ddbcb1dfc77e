"""Timelines: each source's figures for one (actor, measure) in as-of order.

A point is a cluster (one figure of one source, however many outlets printed
it). Claims without an as-of are ordered by publication date and say so in
``as_of_basis``, so a reader never mistakes a print date for an as-of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from figtrace.periods import Period
from figtrace.reconcile.clusters import effective_period
from figtrace.reconcile.values import format_number, stated_bounds


@lru_cache(maxsize=4096)
def _period_of(as_of: str | None, published: str | None) -> tuple[str | None, str | None, str, int]:
    """Start, end, basis and length in days; cached because a timeline repeats few distinct as-ofs."""
    p, basis = effective_period(as_of, published)
    if p is None:
        return None, None, basis, 0
    return p.start.isoformat(), p.end.isoformat(), basis, p.days


def _representative_key(c: Mapping[str, Any]) -> tuple[Any, ...]:
    """Prefer the most precise as-of, then the first printing."""
    start, _, _, days = _period_of(c.get("as_of"), None)
    return (
        0 if start is not None else 1,
        days,
        c.get("published") or "9999",
        c.get("doc") or "",
        c.get("start") or 0,
    )


Members = dict[str, list[dict[str, Any]]]


def build_points(claims: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], Members]:
    """One point per cluster, plus each cluster's member claims (for evidence)."""
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in claims:
        members[str(c["cluster"])].append(c)  # type: ignore[arg-type]  # read, never written
    points = []
    for cid, group in members.items():
        single = len(group) == 1  # most clusters: skip the sorting
        if not single:
            group.sort(key=_representative_key)
        rep = group[0]
        start, end, basis, _ = _period_of(rep.get("as_of"), None)
        if start is None:
            published = min((str(m["published"]) for m in group if m.get("published")), default=None)
            start, end, basis, _ = _period_of(None, published)
        if single:
            docs, ids, outlets = [rep["doc"]], [rep["id"]], [rep["outlet"]] if rep.get("outlet") else []
        else:
            printed = sorted(group, key=lambda m: (m.get("published") or "", m.get("doc") or ""))
            docs = list(dict.fromkeys(m["doc"] for m in printed))
            ids = sorted(m["id"] for m in group)
            outlets = sorted({m["outlet"] for m in group if m.get("outlet")})
        points.append({
            "actor": rep.get("actor"),
            "measure": rep.get("measure"),
            "source": rep.get("source"),
            "as_of": rep.get("as_of"),
            "value": rep.get("value"),
            "low": rep.get("low"),
            "high": rep.get("high"),
            "qualifier": rep.get("qualifier"),
            "cluster": cid,
            "docs": docs,
            "latest": False,
            "quote": rep.get("quote"),
            "figure": rep.get("figure"),
            "claim_ids": ids,
            "as_of_basis": basis,
            "period_start": start,
            "period_end": end,
            "outlets": outlets,
            "published": rep.get("published"),
            "item": rep.get("item"),
            # an outlet that states the scope ("so far") speaks for the reprints that do not
            "scope": rep.get("scope") or next((m["scope"] for m in group if m.get("scope")), None),
            "group": rep.get("group"),
            # the best-read printing decides how far the cluster can be trusted
            "confidence": max(float(m.get("confidence") if m.get("confidence") is not None else 1.0)
                              for m in group),
        })
    points.sort(key=point_order)
    return points, dict(members)


def point_order(p: Mapping[str, Any]) -> tuple[Any, ...]:
    return (str(p.get("source") or ""), p.get("period_start") or "", p.get("period_end") or "",
            float(p.get("value") or 0), p["cluster"])


def point_period(p: Mapping[str, Any]) -> Period | None:
    import datetime as dt

    if not p.get("period_start"):
        return None
    return Period(dt.date.fromisoformat(p["period_start"]), dt.date.fromisoformat(p["period_end"]))


def _recency(p: Mapping[str, Any]) -> tuple[Any, ...]:
    return (p.get("period_end") or "", p.get("period_start") or "", p.get("published") or "", p["cluster"])


def latest_per_source(points: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest point of each source; undated points count only when a source has nothing else."""
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        by_source[str(p.get("source") or "unattributed")].append(p)
    return {src: max(pts, key=_recency) for src, pts in by_source.items()}


def span(points: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The range all sources' latest figures cover, the way Iraq Body Count prints min–max."""
    points = list(points)
    if not points:
        return {"low": None, "high": None, "open_high": False, "text": "", "claim_ids": [], "clusters": []}
    lows, highs = [], []
    for p in points:
        lo, hi, open_high = stated_bounds(p)
        lows.append(lo)
        highs.append((hi, open_high))
    low = min(lows)
    high = max(h for h, _ in highs)
    open_high = any(o for h, o in highs if h >= high)
    text = format_number(low) if low == high else f"{format_number(low)}–{format_number(high)}"
    if open_high:
        text += "+"
    return {
        "low": low, "high": high, "open_high": open_high, "text": text,
        "claim_ids": sorted(i for p in points for i in p["claim_ids"]),
        "clusters": [p["cluster"] for p in points],
    }


@dataclass(slots=True)
class Timeline:
    """Every source's figures for one actor and measure, the latest of each and their span."""

    actor: str
    measure: str
    points: list[dict[str, Any]] = field(default_factory=list)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    span: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_timeline(actor: str, measure: str, claims: Iterable[Mapping[str, Any]]) -> Timeline:
    points, _ = build_points(claims)
    latest = latest_per_source(points)
    for p in latest.values():
        p["latest"] = True
    if points:
        actor = str(points[0].get("actor") or actor)
    return Timeline(actor=actor, measure=measure, points=points, latest=latest, span=span(latest.values()))

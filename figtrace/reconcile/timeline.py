"""Timelines: each source's figures for one (actor, measure) in as-of order.

A point is a cluster (one figure of one source, however many outlets printed
it). Claims without an as-of are ordered by publication date and say so in
``as_of_basis``, so a reader never mistakes a print date for an as-of.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from figtrace.periods import Period
from figtrace.reconcile.clusters import effective_period
from figtrace.reconcile.settings import SPAN_WINDOW_DAYS
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
    """When a point holds, for "newest": a stated period's last day, a single date's first.

    "since February 2022" (as-of ``2022-02..2025-06-16``) holds up to its end;
    an as-of of a whole month or year says only that it held some time in it,
    so a precise day inside it is not older than it. Dated points always beat
    undated ones (placed at publication).
    """
    dated = p.get("as_of_basis", "as_of") == "as_of"
    ranged = ".." in str(p.get("as_of") or "")
    when = (p.get("period_end") if ranged else p.get("period_start")) or ""
    return (dated, when, p.get("period_end") or "", p.get("published") or "", p["cluster"])


def main_series(points: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The points that count the whole thing: no part (group), no single period or event, the commonest item.

    A source's latest figure and the span across sources are read from these,
    so "20 children among the dead" or one day's losses never pose as a
    source's latest toll; the other points stay on the timeline.
    """
    points = list(points)
    items = Counter(p.get("item") for p in points if p.get("item"))
    item = items.most_common(1)[0][0] if items else None
    main = [p for p in points if not p.get("group") and p.get("scope") not in ("period", "event")
            and (item is None or p.get("item") == item)]
    return main


def latest_per_source(points: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest point of each source, from its whole-count figures when it has any (:func:`main_series`)."""
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        by_source[str(p.get("source") or "unattributed")].append(p)
    out = {}
    for src, pts in by_source.items():
        main = main_series(pts)
        out[src] = max(main or pts, key=_recency)  # type: ignore[arg-type]
    return out


def current_latest(latest: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sources' latest points that speak of the present: whole counts, at most SPAN_WINDOW_DAYS older
    than the newest; a source silent for months is left out of the span (its point stays on the timeline)."""
    import datetime as dt

    pts = main_series(latest.values()) or list(latest.values())
    dated = [p for p in pts if p.get("period_end")]
    if not dated:
        return pts
    newest = max(dt.date.fromisoformat(str(p["period_end"])) for p in dated)
    keep = [p for p in dated
            if (newest - dt.date.fromisoformat(str(p["period_end"]))).days <= SPAN_WINDOW_DAYS]
    return keep


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
    for p in points:
        p["lane"] = "dated" if p.get("as_of_basis") == "as_of" else "undated"
    if points:
        actor = str(points[0].get("actor") or actor)
    return Timeline(actor=actor, measure=measure, points=points, latest=latest, span=span(current_latest(latest)))

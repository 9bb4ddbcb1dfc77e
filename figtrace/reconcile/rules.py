"""Consistency rules: which reported figures really contradict each other, and which only seem to.

Only comparable figures are compared (design.md, "Reconciliation rules"):
the same actor, item and group; the same measure or measures ordered by the
hierarchy; compatible scopes (a running total is never compared with one
day's count or one strike's toll; an unstated scope is read as a running
total, the commonest unmarked figure). Each finding has a kind:

- **contradiction**: a source against itself (its running total falls), or
  an impossible relation (a part above its whole; a lower bound above an
  upper bound for the same thing at the same time);
- **disagreement**: sources differ about the same thing at the same time,
  reported once per group as the spread of what they say;
- **explained**: looks like one of the above but is not, with the reason
  (``measure``, ``scope``, ``period``, ``bound``, ``rounding``, ``growth``).

Findings scale: every rule first collects the offending pairs, then keeps
one finding per group (rule, actor, measure, item, group, scope, time
window or source series) with its strongest pair and a count of the rest,
so a ledger of 100,000 claims gives a list a person can read. ``status`` is
kept for the spec's JSON Lines form: ``flagged`` for contradictions and
disagreements, ``explained`` otherwise. The thresholds live in
:mod:`figtrace.reconcile.settings`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from figtrace.periods import Period, iso_at, try_parse_period
from figtrace.reconcile.settings import (
    APPARENT_FACTOR,
    CLOSE_DAYS,
    CONFUSABLE,
    CUMULATIVE_MEASURES,
    DEFAULT_FACTOR,
    FALL_FACTOR,
    GROUNDED_CONFIDENCE,
    HIERARCHY,
    RELATED_DAYS,
    SPREAD_MAX_DAYS,
)
from figtrace.reconcile.timeline import point_period
from figtrace.reconcile.values import bounds, describe_with_source, format_number, qualifier_class

Point = dict[str, Any]
Members = Mapping[str, list[dict[str, Any]]]

#: Clusters whose points are new since the stored findings: only pairs with one of them are looked at.
Focus = set[str] | frozenset[str] | None

KINDS: tuple[str, ...] = ("contradiction", "disagreement", "explained")
#: Reasons an apparent conflict is explained, in words for the reader.
REASONS: dict[str, str] = {
    "measure": "they count different things",
    "scope": "one is not a running total",
    "period": "they hold at different times",
    "growth": "the count can have grown in between",
    "bound": "one is only a bound",
    "rounding": "they agree within the rounding of an approximate figure",
    "inferred": "one of them takes its side or measure from the context, not from its own words",
}


@dataclass(slots=True)
class Finding:
    """One group of comparable claims that conflict (or seem to), with its strongest pair.

    ``clusters`` and ``claims`` are the strongest pair's; ``n_more`` counts the
    other offending pairs of the same group, so nothing is hidden and nothing
    is repeated.
    """

    rule: str
    status: str  # 'flagged' | 'explained'
    explanation: str
    clusters: list[str]
    claims: list[dict[str, Any]] = field(default_factory=list)
    actor: str | None = None
    kind: str = "contradiction"
    reason: str | None = None
    measure: str | None = None
    item: str | None = None
    group: str | None = None
    scope: str | None = None
    window: str | None = None
    n_more: int = 0
    strength: float = 0.0
    spread: dict[str, Any] | None = None
    key: str = ""
    claim_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Every field, the evidence copied one level deep.

        Not :func:`dataclasses.asdict`: it deep-copies every value of every claim
        (quotes, reasons), which was 40% of the dashboard's CPU under load
        (bench/load_test.py); a claim here is a flat dict, so copying each is enough.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["clusters"] = list(self.clusters)
        out["claim_ids"] = list(self.claim_ids)
        out["claims"] = [dict(c) for c in self.claims]
        out["spread"] = dict(self.spread) if self.spread is not None else None
        return out


@dataclass(slots=True)
class _Hit:
    """One offending pair before grouping."""

    rule: str
    kind: str
    reason: str | None
    a: Point
    b: Point
    strength: float
    window: str
    measure: str
    text: Callable[[], str]  # written only for the pair a finding shows
    spread: dict[str, Any] | None = None


# -- comparability ------------------------------------------------------------------
def _scope_class(p: Point) -> str:
    """Running totals and figures that do not say are compared; periods and events only among their own.

    A figure that does not say but holds over a stated period that ends in a
    later month than it starts ("since the end of May", as-of ``START..END``)
    counts that period, not the running total; a range within one month ("last
    week") only says when. The as-of is read by :mod:`figtrace.periods`.
    """
    scope = p.get("scope")
    if scope is None and ".." in str(p.get("as_of") or ""):
        period = try_parse_period(str(p["as_of"]))
        if period is not None and (period.end.year, period.end.month) > (period.start.year, period.start.month):
            return "period"
    return "total" if scope in (None, "total") else str(scope)


def _prepared(points: Iterable[Point]) -> list[Point]:
    """Copies of the points with what every comparison reads worked out once per point.

    The rules compare points pairwise, so reading a point's period, bounds and
    classes anew per pair was most of the time of a large actor's check (a
    million-claim ledger, bench/bench_ledger.py); the copies keep the caller's
    points as they were.
    """
    out = []
    for p in points:
        q = dict(p)
        q["_per"] = per = point_period(p)
        # days as integers and the month label: what the pairwise loops compare and print
        q["_s"], q["_e"] = (per.start.toordinal(), per.end.toordinal()) if per is not None else (0, 0)
        q["_mo"] = _month(per) if per is not None else None
        q["_lo"], q["_hi"] = bounds(p)
        q["_v"] = float(p["value"])
        q["_qc"] = qualifier_class(p.get("qualifier"))
        q["_sc"] = _scope_class(p)
        q["_gr"] = float(p.get("confidence", 1.0)) >= GROUNDED_CONFIDENCE
        out.append(q)
    return out


def _stated(a: Point, b: Point) -> bool:
    """Both say what they count over time, and say the same (needed where counts may fall)."""
    return a.get("scope") is not None and a.get("scope") == b.get("scope")


def _grounded(a: Point, b: Point) -> bool:
    return bool(a["_gr"] and b["_gr"])


def _say(*parts: str | Point) -> Callable[[], str]:
    """An explanation written only if its pair is the one a finding shows (most pairs are only counted)."""
    return lambda: "".join(x if isinstance(x, str) else describe_with_source(x) for x in parts)


def _inferred(rule: str, a: Point, b: Point, strength: float, window: str, measure: str,
              *head: str | Point) -> _Hit:
    return _Hit(rule, "explained", "inferred", a, b, strength, window, measure,
                _say(*head, f"; but {REASONS['inferred']}, so this is left to a reader to check."))


def _same_slot(a: Point, b: Point) -> bool:
    """Counts over a period compare only over the same period; event tolls only within one event (day)."""
    sa = a["_sc"]
    if sa != b["_sc"]:
        return False
    if sa == "total":
        return True
    pa, pb = a["_per"], b["_per"]
    if pa is None or pb is None:
        return False
    if sa == "period":
        return bool(pa == pb)
    return bool(pa.overlaps(pb))


def _by(points: Iterable[Point], *keys: str) -> dict[tuple[Any, ...], list[Point]]:
    out: dict[tuple[Any, ...], list[Point]] = defaultdict(list)
    for p in points:
        out[tuple([p.get(k) for k in keys])].append(p)
    return out


def _ratio(lo: float, hi: float) -> float:
    return lo / hi if hi > 0 else float("inf")


def _month(p: Period) -> str:
    return iso_at(p.end, "month")


def _dated(points: Iterable[Point]) -> list[tuple[Period, Point]]:
    out = [(p["_per"], p) for p in points if p["_per"] is not None]
    out.sort(key=lambda t: (t[0].start, t[0].end))
    return out


def _pairs_within(dated: list[tuple[Period, Point]], max_gap: int,
                  focus: Focus = None) -> Iterator[tuple[Period, Point, Period, Point]]:
    """Each pair of dated points at most ``max_gap`` days apart (a sweep in start order); with ``focus``,
    only the pairs with a point of a focus cluster."""
    n = len(dated)
    focused = None if focus is None else [j for j in range(n) if dated[j][1]["cluster"] in focus]
    for i in range(n):
        pa, a = dated[i]
        sa, ea = a["_s"], a["_e"]
        if focused is None or a["cluster"] in focus:  # type: ignore[operator]
            later: Iterable[int] = range(i + 1, n)
        else:
            later = (j for j in focused if j > i)
        for j in later:
            pb, b = dated[j]
            if b["_s"] - ea > max_gap:
                break
            if _gap(sa, ea, b["_s"], b["_e"]) <= max_gap:
                yield pa, a, pb, b


def _focused(dated: list[tuple[Period, Point]],
             focus: Focus) -> tuple[list[tuple[Period, Point]], list[dt.date]] | None:
    """The focus points of a start-ordered list, in its order, with their starts (None without a focus)."""
    if focus is None:
        return None
    mine = [t for t in dated if t[1]["cluster"] in focus]
    return mine, [pp.start for pp, _ in mine]


def _gap(sa: int, ea: int, sb: int, eb: int) -> int:
    """:meth:`Period.gap_days` on day numbers: 0 when the periods overlap or touch."""
    return max(0, sb - ea, sa - eb)


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


_HIERARCHY_PAIRS = _hierarchy_pairs()
_HIERARCHY_MEASURES = frozenset(m for pair in _HIERARCHY_PAIRS for m in pair)


def _families() -> dict[str, str]:
    """Measures the rules compare with one another, by name: the connected parts of the hierarchy."""
    family = {m: m for pair in HIERARCHY for m in pair}
    changed = True
    while changed:
        changed = False
        for a, b in HIERARCHY:
            low = min(family[a], family[b])
            for m in (a, b):
                if family[m] != low:
                    family[m], changed = low, True
    return {m: "+".join(sorted(k for k in family if family[k] == family[m])) for m in family}


_FAMILY = _families()


def measure_family(measure: str | None) -> str:
    """The measures a figure of ``measure`` can be compared with, as one name (``killed+...+wounded``).

    Every rule compares only points of one measure or of two measures the
    hierarchy relates, so an actor's findings split into one independent set per
    family: a write recomputes the families it touched, not the whole actor. A
    hierarchy label (``killed<deployed``) belongs to its part's family.
    """
    m = str(measure or "").split("<")[0].casefold()
    return _FAMILY.get(m, m)


def family_measures(family: str) -> list[str]:
    """The measure names of a family (what :func:`measure_family` folds together)."""
    return family.split("+") if family in _FAMILY.values() else [family]
_RELATED = dt.timedelta(days=RELATED_DAYS)


# -- rules ----------------------------------------------------------------------------
def running_total(points: list[Point], factor: float, focus: Focus = None) -> Iterator[_Hit]:
    """A source's running total does not fall: its later figure may not be below its earlier one.

    Contradiction: the later figure's highest possible value is below the
    earlier one's lowest. Explained: the stated number falls but the later one
    is only a lower bound or within rounding (``bound``/``rounding``), or it is
    more than FALL_FACTOR times smaller while one of the two does not say it is
    a running total (``scope``: a day's count or a part, not a revision).
    """
    for (src, measure), pts in _by(points, "source", "measure").items():
        if measure not in CUMULATIVE_MEASURES or src in (None, "unattributed"):
            continue  # an outlet's own figures across articles are no one source's series
        series = _dated(p for p in pts if p["_sc"] == "total")
        starts = [pp.start for pp, _ in series]
        mine = _focused(series, focus)
        if mine is not None and not mine[0]:
            continue
        for pp, p in series:
            # in start order, the points that begin after this one ends are one suffix
            if mine is None or p["cluster"] in focus:  # type: ignore[operator]
                later = series[bisect.bisect_right(starts, pp.end):]
            else:
                later = mine[0][bisect.bisect_right(mine[1], pp.end):]
            for _, q in later:
                if q["_v"] >= p["_v"]:
                    continue
                lo_p, hi_q = p["_lo"], q["_hi"]
                head = (p, " is followed by ", q)
                both_total = p.get("scope") == "total" and q.get("scope") == "total"
                if hi_q < lo_p and not both_total and _ratio(lo_p, hi_q) > APPARENT_FACTOR:
                    continue  # thousands against a handful: no reader takes it for a fall
                if hi_q < lo_p and not both_total and _ratio(lo_p, hi_q) > FALL_FACTOR:
                    yield _Hit("running_total", "explained", "scope", p, q, _ratio(lo_p, hi_q), str(p.get("source")),
                               measure, _say(*head, ", but the later figure is far smaller: it counts a period or "
                                                    "a part, not the running total."))
                elif hi_q < lo_p and not _grounded(p, q):
                    yield _inferred("running_total", p, q, _ratio(lo_p, hi_q), str(p.get("source")), measure,
                                    *head, ", a fall")
                elif hi_q < lo_p:
                    yield _Hit("running_total", "contradiction", None, p, q, _ratio(lo_p, hi_q),
                               str(p.get("source")), measure,
                               _say(*head, ": a running total of one source should not fall."))
                else:
                    lower = q["_qc"] == "lower"
                    reason = "bound" if lower else "rounding"
                    why = "the later figure is only a lower bound" if lower else REASONS["rounding"]
                    yield _Hit("running_total", "explained", reason, p, q, _ratio(p["_v"], q["_v"]),
                               str(p.get("source")), measure,
                               _say(*head, f", but {why}, so the count need not have fallen."))


def measure_hierarchy(points: list[Point], factor: float, focus: Focus = None) -> Iterator[_Hit]:
    """A part (killed) never exceeds its whole (killed or wounded, deployed) at the same time.

    Contradiction: one source's part has a lowest possible value above its
    whole's highest and the part is not dated after the whole (a later part may
    outgrow an old whole): at most RELATED_DAYS before it, or CLOSE_DAYS where
    the two overlap. Between two
    sources the same is a disagreement: sources count differently, and
    "killed" of one against "killed or wounded" of another says they differ on
    the size, not that one relation is absurd. Explained (``measure``):
    two sources a factor apart on the CONFUSABLE pairs, the smaller counting
    the part.
    """
    # each measure's points in time order, sorted once: a measure is in several pairs of the hierarchy
    dated = {m: _dated(pts) for (m,), pts in _by(points, "measure").items() if m in _HIERARCHY_MEASURES}
    for part, whole in _HIERARCHY_PAIRS:
        parts, wholes = dated.get(part), dated.get(whole)
        if not parts or not wholes:
            continue
        starts = [pb.start for pb, _ in wholes]
        mine = _focused(wholes, focus)
        if mine is not None and not mine[0] and not any(a["cluster"] in focus for _, a in parts):  # type: ignore[operator]
            continue
        part_w, whole_w = part.replace("_", " "), whole.replace("_", " ")
        label = f"{part}<{whole}"
        confusable = (part, whole) in CONFUSABLE
        for pa, a in parts:
            sa, ea = a["_s"], a["_e"]
            # wholes that start more than RELATED_DAYS after the part ends are too far: a suffix in start order
            if mine is None or a["cluster"] in focus:  # type: ignore[operator]
                near = wholes[:bisect.bisect_right(starts, pa.end + _RELATED)]
            else:
                near = mine[0][:bisect.bisect_right(mine[1], pa.end + _RELATED)]
            for pb, b in near:
                if not _same_slot(a, b):
                    continue
                gap = _gap(sa, ea, b["_s"], b["_e"])
                if gap > RELATED_DAYS:
                    continue
                lo_a, hi_b = a["_lo"], b["_hi"]
                # a part dated before its whole: both only grow, so any gap within RELATED_DAYS compares
                if lo_a > hi_b and (pa.end <= pb.start or (pa.start <= pb.end and gap <= CLOSE_DAYS)):
                    head = (a, " exceeds ", b)
                    if not _grounded(a, b):
                        yield _inferred("measure_hierarchy", a, b, _ratio(lo_a, hi_b), b["_mo"], label, *head)
                    elif a.get("source") == b.get("source"):
                        yield _Hit("measure_hierarchy", "contradiction", None, a, b, _ratio(lo_a, hi_b), b["_mo"],
                                   label, _say(*head, f", but {part_w} cannot exceed {whole_w} for the same "
                                                      f"side at the same time."))
                    else:
                        # two sources: each counts in its own way, so they disagree rather than one being absurd
                        yield _Hit("measure_hierarchy", "disagreement", None, a, b, _ratio(lo_a, hi_b), b["_mo"],
                                   label, _say(*head, f": the two sources disagree, since {part_w} "
                                                      f"cannot exceed {whole_w} for the same side at the same time."))
                elif confusable and a.get("source") != b.get("source") and b["_v"] > factor * a["_v"]:
                    yield _Hit("measure_hierarchy", "explained", "measure", b, a,
                               b["_v"] / max(a["_v"], 1e-9), b["_mo"], label,
                               _say(b, " and ", a, f" count different things: {part_w} is a part of {whole_w}, "
                                                   "so the smaller figure does not contradict the larger one."))


def lower_bound(points: list[Point], factor: float, focus: Focus = None) -> Iterator[_Hit]:
    """A lower bound ("over 6,000") conflicts only with a smaller upper bound for the same thing and time.

    Contradiction: another figure of the same measure, not dated before the
    bound and at most CLOSE_DAYS from it, whose highest possible value is
    below the bound. Explained (``growth``): the smaller figure is dated
    before the bound, so a running count can have grown in between.
    """
    for (measure,), pts in _by(points, "measure").items():
        cumulative = measure in CUMULATIVE_MEASURES
        dated = _dated(pts)
        if not any(p["_qc"] == "lower" for _, p in dated):
            continue  # only a lower bound can be the first of a pair
        for pa, a, pb, b in _pairs_within(dated, CLOSE_DAYS, focus):
            if a["_qc"] != "lower" and b["_qc"] != "lower":
                continue
            if max(pa.days, pb.days) > SPREAD_MAX_DAYS:
                continue  # a year-long as-of cannot show that two figures hold at the same time
            if not cumulative and not _stated(a, b):
                continue  # prisoners held and freed, equipment fired or lost: only stated like scopes compare
            for (pp, p), (pq, q) in (((pa, a), (pb, b)), ((pb, b), (pa, a))):
                if p["_qc"] != "lower" or not _same_slot(p, q):
                    continue
                lo_p, hi_q = p["_lo"], q["_hi"]
                if hi_q == float("inf") or hi_q >= lo_p:
                    continue
                gap = _gap(p["_s"], p["_e"], q["_s"], q["_e"])
                if cumulative and pq.end < pp.start and _ratio(lo_p, hi_q) > APPARENT_FACTOR:
                    continue  # not even an apparent conflict
                if cumulative and pq.end < pp.start:
                    yield _Hit("lower_bound", "explained", "growth", p, q, _ratio(lo_p, hi_q), p["_mo"], measure,
                               _say(q, " is smaller than ", p, f", but it holds {gap} days earlier and "
                                                               f"{REASONS['growth']}."))
                elif not cumulative and not pp.overlaps(pq):
                    continue  # prisoners held, equipment: counts that may fall; only the same time compares
                elif not _grounded(p, q):
                    yield _inferred("lower_bound", p, q, _ratio(lo_p, hi_q), p["_mo"], measure,
                                    q, " is below the lower bound ", p)
                else:
                    yield _Hit("lower_bound", "contradiction", None, p, q, _ratio(lo_p, hi_q), p["_mo"], measure,
                               _say(p, " is a lower bound, but ", q, " for the same thing "
                                    f"{'at the same time' if gap == 0 else f'{gap} days away'} is smaller."))


def spread(points: list[Point], factor: float, focus: Focus = None,
           touched: list[tuple[str, str, str]] | None = None) -> Iterator[_Hit]:
    """Sources that differ about the same thing at the same time, once per group as a spread.

    Per measure, scope slot and calendar month, each source's newest closed
    figure; a disagreement when the largest lower end exceeds ``factor`` times
    the smallest upper end. Figures dated only to a period longer than
    SPREAD_MAX_DAYS cannot show that two sources speak of the same time and
    stay out.
    """
    for (measure,), pts in _by(points, "measure").items():
        windows: dict[tuple[Any, ...], dict[str, tuple[Period, Point]]] = defaultdict(dict)
        with_focus: set[tuple[Any, ...]] = set()
        cumulative = measure in CUMULATIVE_MEASURES
        for pp, p in _dated(pts):
            if pp.days > SPREAD_MAX_DAYS or p["_hi"] == float("inf"):
                continue
            if not cumulative and p.get("scope") is None:
                continue  # counts that may fall (prisoners, equipment) compare only when they say what they count
            slot = p["_sc"]
            key = (slot, p["_mo"], (pp.start, pp.end) if slot != "total" else None)
            source = str(p.get("source") or "unattributed")
            windows[key][source] = (pp, p)  # _dated is in time order: the newest stays
            if focus is not None and p["cluster"] in focus:
                with_focus.add(key)
        for (slot, month, span), by_source in windows.items():
            if focus is not None:
                # a window without a focus point is as it was (with one, even an older figure of a source
                # changes the order its sources are listed and ties broken in)
                if (slot, month, span) not in with_focus:
                    continue
                if touched is not None:
                    touched.append((measure, slot, month if span is None else f"{span[0]}..{span[1]}"))
            if len(by_source) < 2:
                continue
            latest = [p for _, p in by_source.values()]
            low_pt = min(latest, key=lambda p: p["_hi"])
            high_pt = max(latest, key=lambda p: p["_lo"])
            hi_low, lo_high = low_pt["_hi"], high_pt["_lo"]
            if lo_high <= factor * hi_low:
                continue
            values = sorted(float(p["value"]) for p in latest)
            sources = sorted(by_source)
            text = _say(f"{len(sources)} sources put {measure.replace('_', ' ')} in {month} between "
                        f"{format_number(values[0])} and {format_number(values[-1])}: ", low_pt, " against ",
                        high_pt, ".")
            window = month if span is None else f"{span[0].isoformat()}..{span[1].isoformat()}"
            yield _Hit("spread", "disagreement", None, low_pt, high_pt, _ratio(lo_high, hi_low), window, measure, text,
                       {"low": values[0], "high": values[-1], "sources": sources,
                        "clusters": [p["cluster"] for p in latest]})


def nested_periods(points: list[Point], factor: float, focus: Focus = None) -> Iterator[_Hit]:
    """A count over a period never exceeds the count over a period that contains it (a day's ≤ its month's).

    Only counts that say they are over a period (scope ``period``) and only
    for measures that add up over time. Contradiction for one source;
    between two sources a disagreement, as for the measure hierarchy.
    """
    for (measure,), pts in _by(points, "measure").items():
        if measure not in CUMULATIVE_MEASURES:
            continue
        counts = _dated(p for p in pts if p.get("scope") == "period")
        for pa, a in counts:
            for pb, b in counts:
                if a is b or not (pb.start <= pa.start and pa.end <= pb.end) or pa == pb:
                    continue  # only a strictly nested period
                if focus is not None and a["cluster"] not in focus and b["cluster"] not in focus:
                    continue
                lo_a, hi_b = a["_lo"], b["_hi"]
                if lo_a <= hi_b:
                    continue
                head = (a, " exceeds ", b, f", but a count over {pa.label()} is part of the count over {pb.label()}")
                if not _grounded(a, b):
                    yield _inferred("nested_periods", a, b, _ratio(lo_a, hi_b), pb.label(), measure, *head)
                elif a.get("source") == b.get("source"):
                    yield _Hit("nested_periods", "contradiction", None, a, b, _ratio(lo_a, hi_b), pb.label(),
                               measure, _say(*head, "."))
                else:
                    yield _Hit("nested_periods", "disagreement", None, a, b, _ratio(lo_a, hi_b), pb.label(),
                               measure, _say(*head, ": the two sources disagree."))


RULES: tuple[Callable[[list[Point], float], Iterator[_Hit]], ...] = (
    running_total, measure_hierarchy, nested_periods, lower_bound, spread,
)


# -- what a finding reads of a point ---------------------------------------------------
#: The point fields the rules compare and a finding shows (``published`` only says when for an
#: undated point): a point that keeps them keeps every finding it is in, but for the claim ids.
POINT_FIELDS: tuple[str, ...] = ("actor", "measure", "source", "as_of", "value", "low", "high", "qualifier", "item",
                                 "group", "scope", "confidence", "period_start", "period_end", "cluster")


def can_conflict(p: Point) -> bool:
    """Whether any rule compares ``p`` with another point.

    A count that may fall (not in CUMULATIVE_MEASURES, so outside the hierarchy too)
    and does not say what it counts (no scope) is compared with nothing: such a new
    point leaves every finding as it was.
    """
    return p.get("measure") in CUMULATIVE_MEASURES or p.get("scope") is not None


def point_signature(p: Point) -> tuple[Any, ...]:
    """What of ``p`` the findings depend on (see :data:`POINT_FIELDS`)."""
    return (*(p.get(k) for k in POINT_FIELDS), None if p.get("as_of") else p.get("published"))


# -- grouping -----------------------------------------------------------------------
def _group_key(actor: Any, item: Any, group: Any, hit: _Hit) -> tuple[str, ...]:
    return (hit.kind, hit.rule, str(actor), str(item), str(group), hit.measure, hit.a["_sc"], hit.window)


def _claims_of(pts: Iterable[Point], members: Members) -> list[dict[str, Any]]:
    return [c for p in pts for c in members.get(p["cluster"], [])]


def _check_factor(factor: float) -> None:
    if factor <= 1:
        from figtrace.errors import FigtraceError

        raise FigtraceError(f"--factor must be greater than 1, got {factor:g}")


class _Tally:
    """A group's pairs as a finding needs them: how many, and the strongest (the first of equals).

    Only a spread window keeps its pairs; every other group keeps a count and its strongest pair,
    so a unit of thousands of points does not hold millions of pairs."""

    __slots__ = ("best", "best_key", "n")

    def __init__(self) -> None:
        self.n = 0
        self.best: _Hit | None = None
        self.best_key: tuple[Any, ...] | None = None

    def add(self, hit: _Hit) -> None:
        self.n += 1
        key = _best_key(hit)
        if self.best_key is None or key > self.best_key:
            self.best, self.best_key = hit, key


Groups = dict[tuple[str, ...], "_Tally | list[_Hit]"]


def _hits(prepared: list[Point], factor: float, focus: Focus = None,
          touched: list[tuple[str, ...]] | None = None) -> tuple[Groups, set[frozenset[str]]]:
    """Every rule's hits by group, and the spread pairs that are contradictions; with ``focus``, only hits
    with a focus point (and in ``touched`` the group keys of the spread windows a focus point is in,
    whose one hit is the whole group). A spread window keeps its hits, any other group a tally.

    A disagreement is not said for a pair that is also a contradiction, which is known only once every
    rule has run: so the rules that disagree run a second time, after the contradictions of their
    points are known (as numbers, one per pair), instead of keeping every disagreeing pair meanwhile."""
    groups: Groups = {}
    contradicted: set[frozenset[str]] = set()
    for (actor, item, group), pts in _by(prepared, "actor", "item", "group").items():
        at = {p["cluster"]: i for i, p in enumerate(pts)}
        size = len(pts)

        def pair(hit: _Hit, at: dict[str, int] = at, size: int = size) -> int:
            i, j = at[hit.a["cluster"]], at[hit.b["cluster"]]
            return i * size + j if i < j else j * size + i

        windows: list[tuple[str, str, str]] = []
        contra = _PairSet(size)
        again: list[Callable[..., Any]] = []
        spread_hits: list[_Hit] = []
        for rule in RULES:
            found = (spread(pts, factor, focus, windows) if rule is spread  # type: ignore[call-arg]
                     else rule(pts, factor, focus))  # type: ignore[call-arg]
            deferred = False
            for hit in found:
                if hit.kind == "contradiction":
                    contra.add(pair(hit))
                key = _group_key(actor, item, group, hit)
                if key[0] == "disagreement" and rule is not spread:
                    deferred = True  # counted in the second run, once the contradictions are known
                    continue
                held = groups.get(key)
                if held is None:
                    held = groups[key] = [] if key[0] == "disagreement" else _Tally()  # a spread window
                if isinstance(held, list):
                    held.append(hit)
                    spread_hits.append(hit)
                else:
                    held.add(hit)
            if deferred:
                again.append(rule)
        for rule in again:
            for hit in rule(pts, factor, focus):
                if hit.kind != "disagreement" or pair(hit) in contra:
                    continue
                key = _group_key(actor, item, group, hit)
                held = groups.get(key)
                if held is None:
                    held = groups[key] = _Tally()
                held.add(hit)  # type: ignore[union-attr]
        contradicted.update(_pair_key(h) for h in spread_hits if pair(h) in contra)
        if touched is not None:
            touched += [("disagreement", "spread", str(actor), str(item), str(group), *w) for w in windows]
    return groups, contradicted


#: Up to this many possible pairs (64 MiB of bits) a unit marks its contradicted pairs in a bitmap.
BITMAP_PAIRS = 1 << 29


class _PairSet:
    """The pairs of a unit's points (numbered ``i * size + j``) that are contradictions.

    One bit per possible pair while that is small (a unit of 5,000 points: 3 MB, where a set of a few
    million numbers took hundreds of MB), else a set of the numbers."""

    __slots__ = ("bits", "numbers", "size")

    def __init__(self, size: int):
        self.size = size
        self.bits: bytearray | None = None
        self.numbers: set[int] | None = None

    def add(self, k: int) -> None:
        if self.bits is None and self.numbers is None:
            if self.size * self.size <= BITMAP_PAIRS:
                self.bits = bytearray((self.size * self.size + 7) // 8)
            else:
                self.numbers = set()
        if self.bits is not None:
            self.bits[k >> 3] |= 1 << (k & 7)
        else:
            self.numbers.add(k)  # type: ignore[union-attr]

    def __contains__(self, k: int) -> bool:
        if self.bits is not None:
            return bool(self.bits[k >> 3] >> (k & 7) & 1)
        return self.numbers is not None and k in self.numbers


def _said(held: _Tally | list[_Hit], contradicted: set[frozenset[str]]) -> tuple[_Hit, int] | None:
    """A group's strongest pair and its number of pairs, leaving out disagreements that are contradictions."""
    if isinstance(held, _Tally):
        return (held.best, held.n) if held.best is not None else None
    hits = [h for h in held if _pair_key(h) not in contradicted]
    if not hits:
        return None  # the same pair is already a contradiction: say it once
    return max(hits, key=_best_key), len(hits)


def _pair_key(h: _Hit) -> frozenset[str]:
    return frozenset((h.a["cluster"], h.b["cluster"]))


def _best_key(h: _Hit) -> tuple[Any, ...]:
    return (h.strength, h.a["cluster"], h.b["cluster"])


def _gkey(key: tuple[str, ...]) -> str:
    return hashlib.sha1("|".join(key).encode()).hexdigest()[:16]


def _finding(key: tuple[str, ...], best: _Hit, n_hits: int, members: Members) -> Finding:
    """A group's finding: its strongest pair (``best``) and how many pairs it has in all."""
    pair = (best.a, best.b)
    claims = _claims_of(pair, members)
    text = best.text()
    if n_hits > 1:
        text += f" ({n_hits - 1} more such pair{'s' if n_hits > 2 else ''} in this group.)"
    return Finding(
        rule=best.rule, status="explained" if best.kind == "explained" else "flagged", explanation=text,
        clusters=[p["cluster"] for p in pair], claims=claims, actor=best.a.get("actor"), kind=best.kind,
        reason=best.reason, measure=best.measure, item=best.a.get("item"), group=best.a.get("group"),
        scope=best.a.get("scope") or best.b.get("scope"), window=best.window, n_more=n_hits - 1,
        strength=round(min(best.strength, 1e9), 3), spread=best.spread, key=_gkey(key),
        claim_ids=sorted({int(c["id"]) for c in claims if c.get("id") is not None}),
    )


def check(points: list[Point], members: Members, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """Every rule over the points, one finding per group: contradictions, then disagreements, then explained."""
    _check_factor(factor)
    groups, contradicted = _hits(_prepared(points), factor)
    findings: list[Finding] = []
    for key, held in groups.items():
        said = _said(held, contradicted)
        if said is not None:
            findings.append(_finding(key, said[0], said[1], members))
    findings.sort(key=finding_order)
    return findings


def update(points: list[Point], members: Members, stored: Iterable[Finding] | Callable[[set[str]], Iterable[Finding]],
           new: set[str], factor: float = DEFAULT_FACTOR) -> tuple[list[Finding], set[str]] | None:
    """The findings of ``points`` from those ``stored`` for them without the points of the ``new`` clusters.

    Equal to :func:`check` over all the points, provided the other points are as they were when
    ``stored`` was computed (:func:`point_signature`): only pairs with a new point are compared. A
    group's new pairs are counted with its stored ones and its strongest pair is the stronger of the
    two; a spread window with a new point is worked out again whole. Returns the findings to write
    (each replaces the stored one of its key) and the keys of stored findings that are gone, or None
    when ``stored`` does not fit the points (then recompute with :func:`check`). ``stored`` may be a
    function from group keys (``Finding.key``) to the stored findings of those keys: only the groups
    with a new pair are read (a unit of a large ledger holds many more).
    """
    _check_factor(factor)
    prepared = _prepared(points)
    by_cluster = {p["cluster"]: p for p in prepared}
    focus = {c for c in new if c in by_cluster}
    touched: list[tuple[str, ...]] = []
    # a pair is a contradiction or not whatever else is stored: pairs with a new point are all here
    groups, contradicted = _hits(prepared, factor, focus, touched) if focus else ({}, set())
    out: list[Finding] = []
    gone: set[str] = set()
    windows = set(touched)
    if callable(stored):
        stored = stored({_gkey(k) for k in groups} | {_gkey(k) for k in windows})
    by_key = {f.key: f for f in stored}
    for key, held in groups.items():
        if key in windows:
            continue
        said = _said(held, contradicted)
        if said is None:
            continue
        best, n_hits = said
        old = by_key.get(_gkey(key))
        if old is not None:
            old_best = _stored_best(old, key, by_cluster, factor)
            if old_best is None:
                return None
            n_hits += old.n_more + 1
            best = max(best, old_best, key=_best_key)
        out.append(_finding(key, best, n_hits, members))
    for key in windows:
        held = groups.get(key, [])
        hits = held if isinstance(held, list) else ([held.best] if held.best is not None else [])
        if hits and _contradicted(hits[0], factor):
            hits = []
        if hits:
            out.append(_finding(key, hits[0], 1, members))
        elif _gkey(key) in by_key:
            gone.add(_gkey(key))
    return out, gone


def _pair_hits(a: Point, b: Point, factor: float) -> Iterator[tuple[tuple[str, ...], _Hit]]:
    """Every hit of the two points alone, with its group key (the pairwise rules need nothing else)."""
    for rule in RULES:
        if rule is spread:
            continue
        for hit in rule([a, b], factor):
            yield _group_key(a.get("actor"), a.get("item"), a.get("group"), hit), hit


def _stored_best(old: Finding, key: tuple[str, ...], by_cluster: dict[str, Point], factor: float) -> _Hit | None:
    """The hit of a stored finding's strongest pair, worked out again (its strength is stored rounded)."""
    if len(old.clusters) != 2 or not all(c in by_cluster for c in old.clusters):
        return None
    a, b = by_cluster[old.clusters[0]], by_cluster[old.clusters[1]]
    for k, hit in _pair_hits(a, b, factor):
        if k == key and (hit.a["cluster"], hit.b["cluster"]) == (old.clusters[0], old.clusters[1]):
            return hit
    return None


def _contradicted(hit: _Hit, factor: float) -> bool:
    """Whether the pair of a spread hit is a contradiction of some rule (then the spread is not said)."""
    pair = _pair_key(hit)
    return any(h.kind == "contradiction" and _pair_key(h) == pair for _, h in _pair_hits(hit.a, hit.b, factor))


def finding_order(f: Finding | Mapping[str, Any]) -> tuple[Any, ...]:
    """Contradictions first, then disagreements, then the explained; the strongest first within each."""
    get = f.get if isinstance(f, Mapping) else (lambda k: getattr(f, k))
    kind = get("kind") or ("explained" if get("status") == "explained" else "contradiction")
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), -float(get("strength") or 0),
            str(get("actor")), str(get("rule")), list(get("clusters") or []))


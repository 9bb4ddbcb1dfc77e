"""What the report and the dashboard read from a ledger, shaped for templates.

Both front ends show the same things (timelines with charts, claims with
their evidence, conflicts, sources); building them here once keeps the
report file and the dashboard from drifting apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from figtrace.model import MEASURES
from figtrace.report.charts import render_svg, source_colors, timeline_spec
from figtrace.report.figures import fmt_claim, measure_label
from figtrace.report.highlight import quote_html


class LedgerView(Protocol):
    """The read-only part of ``figtrace.store.Ledger`` the views need."""

    def claims(self, **filters: Any) -> list[dict[str, Any]]: ...
    def claim(self, id: int) -> dict[str, Any] | None: ...
    def timeline(self, actor: str, measure: str) -> Any: ...
    def metrics(self) -> list[dict[str, Any]]: ...
    def sources(self) -> list[dict[str, Any]]: ...
    def conflicts(self, *, factor: float = 2.0, actor: str | None = None) -> list[Any]: ...


@dataclass
class MetricView:
    """One (actor, measure) timeline, ready to render."""

    actor: str
    measure: str
    label: str
    points: list[dict[str, Any]]
    latest: list[dict[str, Any]]
    span: dict[str, Any] | None
    n_claims: int
    n_sources: int
    svg: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    n_points: int = 0  # all points of the timeline (``points`` may list fewer in a report)

    @property
    def anchor(self) -> str:
        return "tl-" + "".join(c if c.isalnum() else "-" for c in f"{self.actor}-{self.measure}").lower()


def _progress(items: Sequence[Any], enabled: bool, desc: str) -> Sequence[Any]:
    """A progress bar on standard error over ``items`` (charts take ~0.1 s each), when enabled."""
    if not enabled:
        return items
    import sys

    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="chart", file=sys.stderr, dynamic_ncols=True)  # type: ignore[no-any-return]


def measure_order(measure: str) -> int:
    return MEASURES.index(measure) if measure in MEASURES else len(MEASURES)


def sorted_metrics(metrics: Sequence[dict[str, Any]], actor: str | None = None) -> list[dict[str, Any]]:
    """Actors with most claims first, measures in the spec's order within an actor.

    Claims without an actor have no timeline (a timeline is per actor); they
    still appear in the claims table.
    """
    rows = [m for m in metrics if m.get("actor") and (actor is None or m.get("actor") == actor)]
    weight: dict[str, int] = {}
    for m in rows:
        weight[m.get("actor") or ""] = weight.get(m.get("actor") or "", 0) + int(m.get("n_claims") or 0)
    return sorted(rows, key=lambda m: (-weight[m.get("actor") or ""], m.get("actor") or "",
                                       measure_order(m.get("measure") or "")))


def _as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _published_by_point(points: Sequence[dict[str, Any]], claims: Sequence[dict[str, Any]]
                        ) -> dict[int, str | None]:
    """Earliest publication date of the claims behind each point (for undated figures)."""
    by_id = {c.get("id"): c.get("published") for c in claims}
    by_cluster: dict[Any, list[str]] = {}
    for c in claims:
        if c.get("published"):
            by_cluster.setdefault(c.get("cluster"), []).append(c["published"])
    out: dict[int, str | None] = {}
    for i, p in enumerate(points):
        dates = [by_id[cid] for cid in p.get("claim_ids") or () if by_id.get(cid)]
        dates = dates or by_cluster.get(p.get("cluster"), [])
        out[i] = min(dates) if dates else p.get("published")
    return out


def metric_view(ledger: LedgerView, actor: str, measure: str, *, colors: dict[str, str] | None = None,
                n_claims: int = 0, n_sources: int = 0, chart: bool = True, counted: bool = True,
                draw: Callable[[dict[str, Any]], str] = render_svg) -> MetricView:
    """The timeline of one metric with its chart (reinforcements drawn on deployed).

    ``draw`` turns the chart's spec into checked SVG (the dashboard draws in a
    worker process, so a chart does not hold up its other requests). Without
    a chart and with ``counted=False`` the pair's claims are not read at all
    (``n_claims``/``n_sources`` stay as given): the API's timeline shows neither,
    and reading every claim of a busy pair was most of its time."""
    tl = ledger.timeline(actor, measure)
    points = [dict(p) for p in tl.points]
    claims = ledger.claims(actor=actor, measure=measure) if chart or counted else []
    for p in points:
        p["label"] = fmt_claim(p)
    span = dict(tl.span) if tl.span else None
    view = MetricView(
        actor=actor, measure=measure, label=measure_label(measure), points=points,
        latest=sorted((dict(p) for p in tl.latest.values()), key=lambda p: p.get("source") or ""),
        span=span, n_claims=n_claims or len(claims),
        n_sources=n_sources or len({c.get("source") for c in claims}),
    )
    if chart and points:
        additions: list[dict[str, Any]] = []
        if measure == "deployed":
            additions = [dict(p) for p in ledger.timeline(actor, "reinforcement").points]
        view.spec = timeline_spec(
            points, actor=actor, measure=measure, span=span, colors=colors,
            published=_published_by_point(points, claims), additions=additions,
            unit=(claims[0].get("unit") if claims else None) or "personnel",
        )
        view.svg = draw(view.spec)
    return view


def claim_rows(claims: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims with their display fields: the compact figure and the marked quote."""
    return [{**c, "label": fmt_claim(c), "quote_html": quote_html(c),
             "measure_label": measure_label(c.get("measure"))} for c in claims]


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are clickable; a ``javascript:`` URL from a feed is shown as text."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


#: Findings a report lists. There is one per group of comparable claims, so even a
#: large ledger has few; the bound keeps a pathological ledger's report small.
MAX_REPORT_FINDINGS = 300
#: Claims a report prints with their sentences. A report is for reading: past this
#: it keeps the evidence of every listed finding and of each source's latest figure,
#: then the most recently published; ``figtrace claims`` (or the dashboard) lists all.
#: With the table bounds below, a report over 1,000 articles stays a few MB.
MAX_REPORT_CLAIMS = 1000
#: Points listed under each chart (each source's latest first, then the newest).
MAX_TABLE_POINTS = 40


def report_claims(claims: Sequence[dict[str, Any]], keep: set[Any], limit: int = MAX_REPORT_CLAIMS
                  ) -> list[dict[str, Any]]:
    """At most ``limit`` claims: those whose ids are in ``keep`` first, then the newest published."""
    if len(claims) <= limit:
        return list(claims)
    first = [c for c in claims if c.get("id") in keep]
    rest = sorted((c for c in claims if c.get("id") not in keep),
                  key=lambda c: (c.get("published") or "", c.get("id") or 0), reverse=True)
    return first + rest[: max(0, limit - len(first))]


def table_points(points: Sequence[dict[str, Any]], limit: int = MAX_TABLE_POINTS) -> list[dict[str, Any]]:
    """The points listed under a chart: all of them up to ``limit``, else each latest then the newest."""
    if len(points) <= limit:
        return list(points)
    latest = [p for p in points if p.get("latest")]
    newest = sorted((p for p in points if not p.get("latest")),
                    key=lambda p: (p.get("period_end") or "", p.get("cluster") or ""), reverse=True)
    chosen = {id(p) for p in latest + newest[: max(0, limit - len(latest))]}
    return [p for p in points if id(p) in chosen]


def flagged_first(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contradictions, then disagreements, then the explained (stable within each kind)."""
    from figtrace.reconcile.rules import KINDS

    def rank(f: dict[str, Any]) -> int:
        kind = f.get("kind") or ("explained" if f.get("status") == "explained" else "contradiction")
        return KINDS.index(kind) if kind in KINDS else len(KINDS)

    return sorted(findings, key=rank)


def report_context(ledger: LedgerView, *, actor: str | None = None, factor: float = 2.0,
                   progress: bool = False) -> dict[str, Any]:
    """Everything the HTML report shows, in the order it shows it (``progress``: a bar per chart on stderr)."""
    metrics = sorted_metrics(ledger.metrics(), actor)
    claims = ledger.claims(actor=actor) if actor else ledger.claims()
    sources = ledger.sources()
    colors = source_colors([s.get("name") for s in sources] + [c.get("source") for c in claims])
    views = [metric_view(ledger, m["actor"], m["measure"], colors=colors,
                         n_claims=int(m.get("n_claims") or 0), n_sources=int(m.get("n_sources") or 0))
             for m in _progress(metrics, progress, "report")]
    conflicts = flagged_first([_as_dict(f) for f in ledger.conflicts(factor=factor, actor=actor)])
    used = {c.get("source") for c in claims}
    shown = conflicts[:MAX_REPORT_FINDINGS]
    keep = {c.get("id") if isinstance(c, dict) else c for f in shown for c in f.get("claims") or ()}
    keep |= {i for v in views for p in v.latest for i in p.get("claim_ids") or ()}
    for v in views:
        v.n_points = len(v.points)
        v.points = table_points(v.points)
    listed = report_claims(claims, keep)
    return {
        "actor": actor,
        "metrics": views,
        "actors": sorted({v.actor for v in views}),
        "claims": claim_rows(sorted(listed, key=lambda c: (
            c.get("actor") or "", measure_order(c.get("measure") or ""), c.get("as_of") or "",
            c.get("published") or ""))),
        "n_claims": len(claims),
        "conflicts": shown,
        "n_conflicts": len(conflicts),
        "sources": [s for s in sources if not actor or s.get("name") in used],
        "n_documents": len({c.get("doc_id") or c.get("doc") for c in claims}),
    }

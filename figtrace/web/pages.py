"""The dashboard's HTML pages: overview, timeline, claims, one claim, conflicts, sources, documents.

Every page takes the shared filters (figtrace/store/filters.py) as query
parameters and shows them in one form (``_filters.html``).

Handlers are plain functions (Starlette runs them in a thread pool) that
parse bounded parameters, read the ledger and render an autoescaping
template; no handler builds HTML itself.
"""

from __future__ import annotations

import dataclasses
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from figtrace import __version__
from figtrace.reconcile.settings import DEFAULT_FACTOR
from figtrace.report.charts import source_colors
from figtrace.report.highlight import context_html
from figtrace.report.render import environment
from figtrace.report.view import claim_rows, flagged_first, measure_order, metric_view, sorted_metrics
from figtrace.store.filters import FilteredLedger, Filters
from figtrace.web.budget import DEADLINE
from figtrace.web.charts import CHART_BUDGET_S
from figtrace.web.paging import Page, link, page_of
from figtrace.web.params import CLAIM_FILTERS, paging, parse_params, path_id

TEMPLATES = Path(__file__).with_name("templates")
_env = environment(TEMPLATES)
# the templates are package files: checking their modification time on every render cost 3% of the
# server's CPU under load (bench/load_test.py), so each is read and compiled once per server run
_env.auto_reload = False


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("title", "figtrace")
    html = _env.get_template(template).render(request=request, path=request.url.path, version=__version__,
                                              db_name=request.app.state.db_name, **ctx)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, title=f"{status}", message=message,
                  status_code=status)


def _ledger(request: Request) -> Any:
    return request.app.state.open_ledger()


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed, as ``?a=b`` (for links that keep the view)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def page_filters(request: Request) -> dict[str, Any]:
    """The shared filters of a page request (figtrace/store/filters.py), parsed and bounded."""
    return parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))


def _pager(request: Request, page: Page) -> dict[str, Any]:
    """Links and counts a listing page shows under its table."""
    return {"total": page.total, "exact": page.exact, "offset": page.offset, "limit": page.limit,
            "prev_url": link(request, max(0, page.offset - page.limit)) if page.has_prev else None,
            "next_url": link(request, page.offset + page.limit) if page.has_next else None,
            "qs": str(request.url.query)}


def findings(request: Request, factor: float = 2.0, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Consistency findings as dicts, contradictions first, remembered until the ledger changes (slow)."""
    filters = dict(filters or {})

    def compute() -> list[dict[str, Any]]:
        with _ledger(request) as ledger:
            return flagged_first([f.to_dict() if hasattr(f, "to_dict") else dict(f)
                                  for f in ledger.conflicts(factor=factor, **filters)])

    key = ("conflicts", factor, tuple(sorted(filters.items())))
    return request.app.state.memo.get(key, compute)  # type: ignore[no-any-return]


#: Findings one conflicts page shows (each is a card with its evidence; the pager leads on).
CONFLICTS_PAGE = 25


def findings_page(request: Request, default_limit: int | None = None) -> tuple[Page, dict[str, Any]]:
    """One page of findings (contradictions first) and the filters it was made with.

    The usual views (all findings, or one actor's, at the default factor) read
    one page of the stored rows, as an ingest left them: no request recomputes
    findings. Other filters or factors compute the findings of what they keep
    (remembered per ledger version).
    """
    params = parse_params(request.query_params, (*CLAIM_FILTERS, "factor"), str(request.url.query))
    limit, offset = paging(request.query_params)
    if default_limit is not None and "limit" not in request.query_params:
        limit = default_limit
    factor = params.pop("factor", DEFAULT_FACTOR)
    if factor == DEFAULT_FACTOR and set(params) <= {"actor"}:
        actor = Filters.of(**params).resolved().actor
        with _ledger(request) as ledger:
            rows = ledger.conflicts(actor=actor, limit=limit, offset=offset, recompute_stale=False)
            total = sum(ledger.count_findings(actor=actor, recompute_stale=False).values())
        return page_of(flagged_first([f.to_dict() for f in rows]), total, limit, offset), params
    found = findings(request, factor, params)
    return page_of(found[offset:offset + limit], len(found), limit, offset), params


def filter_options(request: Request) -> dict[str, list[str]]:
    """The choices of the filter form (every source, measure, actor, language and outlet in the ledger)."""

    def compute() -> dict[str, list[str]]:
        with _ledger(request) as ledger:
            metrics = ledger.metrics()
            facets = ledger.document_facets()
            return {
                "sources": sorted({s.get("name") for s in ledger.sources() if s.get("name")}),
                "measures": sorted({m.get("measure") for m in metrics if m.get("measure")}, key=measure_order),
                "actors": sorted({m.get("actor") for m in metrics if m.get("actor")}),
                "langs": facets["lang"],
                "outlets": facets["outlet"],
            }

    return request.app.state.memo.get("filter_options", compute)  # type: ignore[no-any-return]


def _form(request: Request, filters: dict[str, Any], action: str) -> dict[str, Any]:
    """What the shared filter form (_filters.html) needs."""
    return {"filters": filters, "action": action, "opts": filter_options(request)}


def source_palette(request: Request) -> dict[str, str]:
    """One colour per source, the same on every chart of the ledger."""
    return source_colors(filter_options(request)["sources"])


#: Actors one overview page shows (most claims first); the pager leads to the others.
OVERVIEW_ACTORS = 24


def overview(request: Request) -> HTMLResponse:
    """The actors with most claims, a page at a time, each measure with its span across sources.

    Only the page's actors have their spans computed (a timeline each), so the
    page costs the same on a ledger of a hundred actors or of ten thousand.
    """
    filters = page_filters(request)
    bounds = parse_params(request.query_params, ("limit", "offset"))
    limit, offset = int(bounds.get("limit", OVERVIEW_ACTORS)), int(bounds.get("offset", 0))

    def compute() -> dict[str, Any]:
        with _ledger(request) as opened:
            ledger = FilteredLedger(opened, Filters.of(**filters))
            metrics = sorted_metrics(ledger.metrics())
            by_actor: dict[str, list[dict[str, Any]]] = {}
            for m in metrics:
                by_actor.setdefault(m["actor"] or "unknown", []).append(m)
            actors = {name: [{**m, "span": ledger.timeline(m["actor"], m["measure"]).span} for m in rows]
                      for name, rows in list(by_actor.items())[offset:offset + limit]}
        cards = Markup(_env.get_template("_actor_cards.html").render(actors=actors, filters=filters))
        return {"actors": actors, "cards": cards, "n_actors": len(by_actor),
                "n_claims": sum(int(m.get("n_claims") or 0) for m in metrics)}

    ctx = request.app.state.memo.get(("overview", offset, limit, tuple(sorted(filters.items()))), compute)
    page = page_of(list(ctx["actors"]), ctx["n_actors"], limit, offset)
    pager = {**_pager(request, page), "qs": query_string(filters)}
    return render(request, "overview.html", **ctx, sources=source_rows(request, filters),
                  **_form(request, filters, "/"), **pager)


#: Claims listed under a timeline's chart (the first ones by publication; the page links to all of them).
TIMELINE_CLAIMS = 100


def pair_version(request: Request, actor: str, measure: str) -> tuple[Any, ...]:
    """What a remembered timeline of (actor, measure) depends on (its reinforcements too, for deployed)."""
    with _ledger(request) as ledger:
        version = ledger.pair_version(actor, measure)
        if measure == "deployed":
            version += ledger.pair_version(actor, "reinforcement")
    return version  # type: ignore[no-any-return]


#: Threads for timeline pages, beside the handler threads (``figtrace/web/budget.py``). A page whose
#: chart is not drawn yet waits for the chart worker; with the pages in the common pool, every handler
#: thread was seen waiting for charts under load and nothing else was answered (bench/load_test.py).
CHART_PAGE_THREADS = 3
_chart_pages: RunVar[CapacityLimiter] = RunVar("figtrace_chart_pages")


def _chart_page_limiter() -> CapacityLimiter:
    """The running event loop's limiter of timeline pages (a limiter belongs to one loop)."""
    try:
        return _chart_pages.get()
    except LookupError:
        limiter = CapacityLimiter(CHART_PAGE_THREADS)
        _chart_pages.set(limiter)
        return limiter


async def timeline(request: Request) -> HTMLResponse:
    """A timeline page, made on the timeline pages' own threads (it may wait for its chart)."""
    return await anyio.to_thread.run_sync(partial(timeline_page, request), limiter=_chart_page_limiter())


#: Where a timeline page's chart goes: the page's tables are rendered once per version of the pair,
#: the chart (drawn apart, see figtrace/web/charts.py) is put in on every answer.
CHART_SLOT = "<!--figtrace:chart-->"
#: In place of a chart still being drawn (the page script puts the chart in when it is ready).
CHART_PENDING = ('<p class="empty" id="chart-pending">The chart is being drawn and appears here in a moment '
                 '(or reload the page).</p>')


def _chart_html(request: Request, spec: dict[str, Any] | None, view_key: Any) -> tuple[str, bool]:
    """The chart of ``spec`` as HTML for the page, and whether it is drawn (else a placeholder)."""
    if spec is None:
        return "", True
    deadline = DEADLINE.get()
    wait = CHART_BUDGET_S if deadline is None else max(0.0, deadline - time.monotonic() - 0.5)
    chart = request.app.state.charts.get(spec, view_key, wait)
    if chart is None:
        return CHART_PENDING, False
    if chart.svg is None:
        return f'<p class="empty">The chart could not be drawn: {escape(chart.error or "")}</p>', True
    return chart.svg, True  # checked by charts.check_svg


def timeline_page(request: Request) -> HTMLResponse:
    params = page_filters(request)
    if "actor" not in params or "measure" not in params:
        raise HTTPException(400, "a timeline needs both 'actor' and 'measure'")
    colors = source_palette(request)
    params["actor"] = Filters.of(actor=params["actor"]).resolved().actor  # any alias: "Nordkorea"
    rest = {k: v for k, v in params.items() if k not in ("actor", "measure")}

    def compute() -> tuple[Any, Markup, dict[str, Any] | None]:
        # a page's tables take a tenth of a second: rendered once per version of the pair's claims, then
        # remembered with the chart's spec (the chart is drawn apart, once per spec)
        specs: list[dict[str, Any]] = []

        def slot(spec: dict[str, Any]) -> str:
            specs.append(spec)
            return CHART_SLOT

        with _ledger(request) as opened:
            ledger = FilteredLedger(opened, Filters.of(**rest))
            view = metric_view(ledger, params["actor"], params["measure"], colors=colors, draw=slot)
            if not view.points:
                return view, Markup(""), None
            rows = claim_rows(ledger.claims(actor=view.actor, measure=params["measure"], limit=TIMELINE_CLAIMS))
        view = dataclasses.replace(view, svg=Markup(view.svg))
        body = _env.get_template("_timeline_body.html").render(m=view, claims=rows, qs=query_string(params))
        return view, Markup(body), (specs[0] if specs else None)

    key = ("timeline-page", params["actor"], params["measure"], tuple(sorted(rest.items())))
    view, body, spec = request.app.state.memo.get(
        key, compute, (pair_version(request, params["actor"], params["measure"]), tuple(colors.items())))
    if not view.points:
        raise HTTPException(404, f"no claims for {params['actor']} / {params['measure']}"
                            + (f" ({Filters.of(**rest).describe()})" if rest else ""))
    chart, drawn = _chart_html(request, spec, key)
    response = render(request, "timeline.html", title=f"{view.actor}: {view.label}", m=view,
                      body=Markup(str(body).replace(CHART_SLOT, chart)), **_form(request, params, "/timeline"))
    if not drawn:  # neither kept (figtrace/web/answers.py) nor by the browser: the next answer has the chart
        response.headers["cache-control"] = "no-store"
    return response


def claims(request: Request) -> HTMLResponse:
    from figtrace.web.api import claim_filters, claims_page

    page = claims_page(request)
    filters = claim_filters(request)
    return render(request, "claims.html", title="claims", claims=claim_rows(page.rows),
                  **_form(request, filters, "/claims"), **_pager(request, page))


def claim(request: Request) -> HTMLResponse:
    claim_id = path_id(request.path_params["id"])
    row = None
    if claim_id is not None:
        with _ledger(request) as ledger:
            row = ledger.claim(claim_id)
    if row is None:
        raise HTTPException(404, f"no claim with id {claim_id}")
    members = [m for m in row.get("cluster_members") or [] if m.get("id") != claim_id]
    context = context_html(row.get("document_text") or row.get("quote") or "", row)
    review = None
    if request.app.state.allow_review:
        from figtrace.model import MEASURES
        from figtrace.web.review import review_token

        review = {"token": review_token(request, int(row["id"])), "measures": MEASURES,
                  "sources": filter_options(request)["sources"], "actors": filter_options(request)["actors"]}
    return render(request, "claim.html", title=f"claim {claim_id}", c=claim_rows([row])[0], context=context,
                  members=claim_rows(members), review=review,
                  timeline_qs=query_string({"actor": row.get("actor"), "measure": row.get("measure")}))


def conflicts(request: Request) -> HTMLResponse:
    page, params = findings_page(request, CONFLICTS_PAGE)
    return render(request, "conflicts.html", title="conflicts", conflicts=page.rows,
                  **_form(request, params, "/conflicts"), **_pager(request, page))


def source_rows(request: Request, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Every source with its counts: a whole-ledger aggregate, remembered per ledger version and filters."""

    def compute() -> list[dict[str, Any]]:
        with _ledger(request) as ledger:
            return ledger.sources(**filters)  # type: ignore[no-any-return]

    return request.app.state.memo.get(("sources", tuple(sorted(filters.items()))), compute)  # type: ignore[no-any-return]


def sources(request: Request) -> HTMLResponse:
    filters = page_filters(request)
    rows = source_rows(request, filters)
    return render(request, "sources.html", title="sources", sources=rows, **_form(request, filters, "/sources"))


def documents(request: Request) -> HTMLResponse:
    from figtrace.web.api import documents_page

    page = documents_page(request)
    filters = page_filters(request)
    status = parse_params(request.query_params, ("status",)).get("status")
    return render(request, "documents.html", title="documents", documents=page.rows, doc_status=status,
                  **_form(request, filters, "/documents"), **_pager(request, page))

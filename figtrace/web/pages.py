"""The dashboard's HTML pages: overview, timeline, claims, one claim, conflicts, sources.

Handlers are plain functions (Starlette runs them in a thread pool) that
parse bounded parameters, read the ledger and render an autoescaping
template; no handler builds HTML itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from figtrace import __version__
from figtrace.report.charts import source_colors
from figtrace.report.highlight import context_html
from figtrace.report.render import environment
from figtrace.report.view import claim_rows, flagged_first, measure_order, metric_view, sorted_metrics
from figtrace.web.params import CLAIM_FILTERS, DEFAULT_LIMIT, paging, parse_params, path_id

TEMPLATES = Path(__file__).with_name("templates")
_env = environment(TEMPLATES)


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


def findings(request: Request, factor: float = 2.0, actor: str | None = None) -> list[dict[str, Any]]:
    """Consistency findings as dicts, contradictions first, remembered until the ledger changes (slow)."""

    def compute() -> list[dict[str, Any]]:
        with _ledger(request) as ledger:
            return flagged_first([f.to_dict() if hasattr(f, "to_dict") else dict(f)
                                  for f in ledger.conflicts(factor=factor, actor=actor)])

    return request.app.state.memo.get(("conflicts", factor, actor), compute)  # type: ignore[no-any-return]


def findings_page(request: Request) -> tuple[list[dict[str, Any]], int, int, int, dict[str, Any]]:
    """One page of findings (contradictions first): ``(rows, total, limit, offset, params)``."""
    params = parse_params(request.query_params, ("actor", "factor"), str(request.url.query))
    limit, offset = paging(request.query_params)
    found = findings(request, params.get("factor", 2.0), params.get("actor"))
    return found[offset:offset + limit], len(found), limit, offset, params


def filter_options(request: Request) -> dict[str, list[str]]:
    """The choices of the filter form (every source, measure, actor, language in the ledger)."""

    def compute() -> dict[str, list[str]]:
        with _ledger(request) as ledger:
            metrics = ledger.metrics()
            return {
                "sources": sorted({s.get("name") for s in ledger.sources() if s.get("name")}),
                "measures": sorted({m.get("measure") for m in metrics if m.get("measure")}, key=measure_order),
                "actors": sorted({m.get("actor") for m in metrics if m.get("actor")}),
                "langs": sorted({d.get("lang") for d in ledger.documents() if d.get("lang")}),
            }

    return request.app.state.memo.get("filter_options", compute)  # type: ignore[no-any-return]


def source_palette(request: Request) -> dict[str, str]:
    """One colour per source, the same on every chart of the ledger."""
    return source_colors(filter_options(request)["sources"])


def overview(request: Request) -> HTMLResponse:
    def compute() -> dict[str, Any]:
        with _ledger(request) as ledger:
            metrics = sorted_metrics(ledger.metrics())
            actors: dict[str, list[dict[str, Any]]] = {}
            for m in metrics:
                tl = ledger.timeline(m["actor"], m["measure"])
                actors.setdefault(m["actor"] or "unknown", []).append({**m, "span": tl.span})
            return {"actors": actors, "sources": ledger.sources(),
                    "n_claims": sum(int(m.get("n_claims") or 0) for m in metrics)}

    ctx = request.app.state.memo.get("overview", compute)
    return render(request, "overview.html", **ctx)


def timeline(request: Request) -> HTMLResponse:
    params = parse_params(request.query_params, ("actor", "measure"), str(request.url.query))
    if "actor" not in params or "measure" not in params:
        raise HTTPException(400, "a timeline needs both 'actor' and 'measure'")
    colors = source_palette(request)
    with _ledger(request) as ledger:
        view = metric_view(ledger, params["actor"], params["measure"], colors=colors)
        if not view.points:
            raise HTTPException(404, f"no claims for {params['actor']} / {params['measure']}")
        claims = claim_rows(ledger.claims(actor=params["actor"], measure=params["measure"],
                                          limit=500))
    view.svg = Markup(view.svg)  # checked by charts.check_svg
    return render(request, "timeline.html", title=f"{view.actor}: {view.label}", m=view, claims=claims,
                  qs=query_string(params))


def claims(request: Request) -> HTMLResponse:
    filters = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))
    limit, offset = paging(request.query_params)
    with _ledger(request) as ledger:
        rows = ledger.claims(**filters, limit=limit + 1, offset=offset)
    more = len(rows) > limit
    rows = rows[:limit]
    keep = {**filters, "limit": limit if limit != DEFAULT_LIMIT else None}
    return render(
        request, "claims.html", title="claims", claims=claim_rows(rows), filters=filters,
        **filter_options(request), offset=offset, limit=limit,
        qs=query_string(keep, offset=offset or None),
        prev_qs=query_string(keep, offset=max(0, offset - limit) or None) if offset else None,
        next_qs=query_string(keep, offset=offset + limit) if more else None,
    )


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
    return render(request, "claim.html", title=f"claim {claim_id}", c=claim_rows([row])[0], context=context,
                  members=claim_rows(members),
                  timeline_qs=query_string({"actor": row.get("actor"), "measure": row.get("measure")}))


def conflicts(request: Request) -> HTMLResponse:
    rows, total, limit, offset, params = findings_page(request)
    keep = {**params, "limit": limit if limit != DEFAULT_LIMIT else None}
    return render(request, "conflicts.html", title="conflicts", conflicts=rows, total=total, offset=offset,
                  prev_qs=query_string(keep, offset=max(0, offset - limit) or None) if offset else None,
                  next_qs=query_string(keep, offset=offset + limit) if offset + limit < total else None)


def sources(request: Request) -> HTMLResponse:
    with _ledger(request) as ledger:
        rows = ledger.sources()
    return render(request, "sources.html", title="sources", sources=rows)

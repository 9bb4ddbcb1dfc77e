"""The JSON API under ``/api/`` and the downloads of what a page shows.

Downloads are a fixed set of names, not paths: ``/download/claims.csv`` is
looked up in ``DOWNLOADS``; nothing from the URL ever reaches the file
system.
"""

from __future__ import annotations

import io
import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from figtrace import __version__
from figtrace.model import SPEC_FIELDS
from figtrace.output import write_rows
from figtrace.report.view import metric_view
from figtrace.web.params import CLAIM_FILTERS, PARAMS, paging, parse_params, path_id

#: Columns of a claims CSV: the spec's fields, then where the claim comes from.
CLAIM_CSV_FIELDS: tuple[str, ...] = (
    "id", *SPEC_FIELDS, "scope", "group", "cluster", "outlet", "published", "url", "lang", "start", "end",
)
TIMELINE_FIELDS: tuple[str, ...] = (
    "actor", "measure", "source", "as_of", "value", "low", "high", "qualifier", "cluster", "latest", "figure",
)


class JSON(JSONResponse):
    """JSON that tolerates dates and other plain objects from the ledger."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")


def _ledger(request: Request) -> Any:
    return request.app.state.open_ledger()


def _claims(request: Request) -> tuple[list[dict[str, Any]], int, int, bool]:
    filters = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))
    limit, offset = paging(request.query_params)
    with _ledger(request) as ledger:
        rows = ledger.claims(**filters, limit=limit + 1, offset=offset)
    return rows[:limit], limit, offset, len(rows) > limit


def api_claims(request: Request) -> Response:
    rows, limit, offset, more = _claims(request)
    return JSON({"claims": rows, "limit": limit, "offset": offset,
                 "next_offset": offset + limit if more else None})


def api_claim(request: Request) -> Response:
    claim_id = path_id(request.path_params["id"])
    row = None
    if claim_id is not None:
        with _ledger(request) as ledger:
            row = ledger.claim(claim_id)
    if row is None:
        raise HTTPException(404, f"no claim with id {claim_id}")
    return JSON(row)


def _timeline(request: Request) -> dict[str, Any]:
    params = parse_params(request.query_params, ("actor", "measure"), str(request.url.query))
    if "actor" not in params or "measure" not in params:
        raise HTTPException(400, "a timeline needs both 'actor' and 'measure'")
    with _ledger(request) as ledger:
        view = metric_view(ledger, params["actor"], params["measure"], chart=False)
    return {"actor": view.actor, "measure": view.measure, "points": view.points,
            "latest": view.latest, "span": view.span}


def api_timeline(request: Request) -> Response:
    return JSON(_timeline(request))


def api_metrics(request: Request) -> Response:
    with _ledger(request) as ledger:
        return JSON({"metrics": ledger.metrics()})


def api_sources(request: Request) -> Response:
    with _ledger(request) as ledger:
        return JSON({"sources": ledger.sources()})


def api_conflicts(request: Request) -> Response:
    from figtrace.web.pages import findings_page

    rows, total, limit, offset, _ = findings_page(request)
    return JSON({"conflicts": rows, "total": total, "limit": limit, "offset": offset,
                 "next_offset": offset + limit if offset + limit < total else None})


def _csv(rows: list[dict[str, Any]], fields: tuple[str, ...], filename: str) -> Response:
    buf = io.StringIO()
    write_rows(rows, "csv", fields, out=buf)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _json_download(content: Any, filename: str) -> Response:
    return JSON(content, headers={"content-disposition": f'attachment; filename="{filename}"'})


def download(request: Request) -> Response:
    """``claims.csv``/``claims.json``/``timeline.csv``/``timeline.json`` with the page's filters."""
    name = request.path_params["name"]
    kind = DOWNLOADS.get(name)
    if kind is None:
        raise HTTPException(404, f"no download called {name[:80]!r}; try one of {', '.join(DOWNLOADS)}")
    if kind[0] == "claims":
        rows = _claims(request)[0]
        return _csv(rows, CLAIM_CSV_FIELDS, name) if kind[1] == "csv" else _json_download(rows, name)
    tl = _timeline(request)
    if kind[1] == "csv":
        return _csv(tl["points"], TIMELINE_FIELDS, name)
    return _json_download(tl, name)


DOWNLOADS: dict[str, tuple[str, str]] = {
    "claims.csv": ("claims", "csv"), "claims.json": ("claims", "json"),
    "timeline.csv": ("timeline", "csv"), "timeline.json": ("timeline", "json"),
}

#: (path, summary, query parameter names) of every JSON endpoint.
ENDPOINTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/api/claims", "Claims matching the filters, one page at a time.", (*CLAIM_FILTERS, "limit", "offset")),
    ("/api/claims/{id}", "One claim with its article text and every outlet that printed it.", ()),
    ("/api/timeline", "Each source's figures for one actor and measure, with the span.",
     ("actor", "measure")),
    ("/api/metrics", "Every (actor, measure) with how many claims and sources.", ()),
    ("/api/sources", "Canonical sources with their aliases.", ()),
    ("/api/conflicts", "Consistency findings with explanations, contradictions first.",
     ("actor", "factor", "limit", "offset")),
    ("/download/{name}", "The claims or timeline on a page as CSV or JSON.",
     (*CLAIM_FILTERS, "limit", "offset")),
)


def openapi() -> dict[str, Any]:
    """OpenAPI 3.1 description, generated from ``ENDPOINTS`` and the parameter table."""
    paths: dict[str, Any] = {}
    for path, summary, names in ENDPOINTS:
        params: list[dict[str, Any]] = [
            {"name": n, "in": "query", "required": False, "description": PARAMS[n].description,
             "schema": PARAMS[n].schema} for n in names]
        if "{id}" in path:
            params.append({"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}})
        if "{name}" in path:
            params.append({"name": "name", "in": "path", "required": True,
                           "schema": {"type": "string", "enum": list(DOWNLOADS)}})
        paths[path] = {"get": {
            "summary": summary, "parameters": params,
            "responses": {"200": {"description": "OK"},
                          "400": {"description": "A parameter is outside its bounds (the message names it)."},
                          "404": {"description": "Not found."}},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "figtrace dashboard API", "version": __version__,
                 "description": "Read-only access to a figtrace ledger. Only GET and HEAD are served."},
        "paths": paths,
    }


def api_openapi(request: Request) -> Response:
    return JSON(openapi())


def routes() -> list[BaseRoute]:
    return [
        Route("/api/claims", api_claims),
        Route("/api/claims/{id:int}", api_claim),
        Route("/api/timeline", api_timeline),
        Route("/api/metrics", api_metrics),
        Route("/api/sources", api_sources),
        Route("/api/conflicts", api_conflicts),
        Route("/api/openapi.json", api_openapi),
        Route("/download/{name}", download),
    ]

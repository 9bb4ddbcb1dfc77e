"""The JSON API under ``/api/`` and the downloads of what a page shows.

Downloads are a fixed set of names, not paths: ``/download/claims.csv`` is
looked up in ``DOWNLOADS``; nothing from the URL ever reaches the file
system.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from figtrace import __version__
from figtrace.model import SPEC_FIELDS
from figtrace.output import parquet_bytes, write_rows
from figtrace.report.view import metric_view
from figtrace.store.documents import DOCUMENT_FIELDS
from figtrace.store.filters import FilteredLedger, Filters
from figtrace.store.reviews import REVIEW_COLUMNS
from figtrace.web.paging import COUNT_CAP, Page, page_body, page_of
from figtrace.web.params import CLAIM_FILTERS, PARAMS, paging, parse_params, path_id

#: Columns of a claims CSV: the spec's fields, then where the claim comes from.
CLAIM_CSV_FIELDS: tuple[str, ...] = (
    "id", *SPEC_FIELDS, "scope", "group", "cluster", "outlet", "published", "url", "lang", "start", "end",
    *REVIEW_COLUMNS,
)
CONFLICT_EXPORT_FIELDS: tuple[str, ...] = ("rule", "status", "explanation", "actor", "clusters", "claim_ids")
TIMELINE_FIELDS: tuple[str, ...] = (
    "actor", "measure", "source", "as_of", "value", "low", "high", "qualifier", "cluster", "latest", "figure",
)


#: orjson writes what ``json.dumps(ensure_ascii=False, separators=(",", ":"), default=str)`` wrote (dates,
#: datetimes and dataclasses through ``str``, keys that are not strings as strings), about 7 times faster:
#: a page of 500 claims took 3.5 ms of the server's interpreter lock.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON; what JSON cannot say directly is written as its ``str``."""
    return orjson.dumps(content, default=str, option=_ORJSON_OPTIONS)


class JSON(JSONResponse):
    """JSON that tolerates dates and other plain objects from the ledger."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _ledger(request: Request) -> Any:
    return request.app.state.open_ledger()


def claim_filters(request: Request) -> dict[str, Any]:
    """The shared filters of the request (plus ``reviewed``), parsed and bounded."""
    f = parse_params(request.query_params, (*CLAIM_FILTERS, "reviewed"), str(request.url.query))
    if f.pop("reviewed", False):
        f.update(reviewed=True, rejected=True)
    return f


def claims_page(request: Request) -> Page:
    """One page of the claims the filters keep, with how many there are in all."""
    filters = claim_filters(request)
    limit, offset = paging(request.query_params)
    with _ledger(request) as ledger:
        rows = ledger.claims(**filters, limit=limit, offset=offset)
        total = ledger.count_claims(**filters, cap=COUNT_CAP + offset) if rows or offset else 0
    return page_of(rows, total, limit, offset, cap=COUNT_CAP + offset)


def api_claims(request: Request) -> Response:
    return JSON(page_body(request, "claims", claims_page(request)))


def api_claim(request: Request) -> Response:
    claim_id = path_id(request.path_params["id"])
    row = None
    if claim_id is not None:
        with _ledger(request) as ledger:
            row = ledger.claim(claim_id)
    if row is None:
        raise HTTPException(404, f"no claim with id {claim_id}")
    return JSON(row)


def documents_page(request: Request) -> Page:
    """One page of the documents (and skipped inputs) the filters keep, with how many there are in all."""
    filters = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))
    status = parse_params(request.query_params, ("status",)).get("status")
    limit, offset = paging(request.query_params)
    with _ledger(request) as ledger:
        rows = ledger.documents(**filters, status=status, limit=limit, offset=offset)
        total = ledger.count_documents(**filters, status=status)
    return page_of(rows, total, limit, offset)


def api_documents(request: Request) -> Response:
    return JSON(page_body(request, "documents", documents_page(request)))


def _timeline(request: Request) -> dict[str, Any]:
    params = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))
    if "actor" not in params or "measure" not in params:
        raise HTTPException(400, "a timeline needs both 'actor' and 'measure'")
    named = Filters.of(actor=params.pop("actor"), measure=params.pop("measure")).resolved()
    actor, measure = named.actor or "", named.measure or ""

    def compute() -> Any:
        with _ledger(request) as ledger:
            return metric_view(FilteredLedger(ledger, Filters.of(**params)), actor, measure, chart=False,
                               counted=False)

    from figtrace.web.pages import pair_version

    view = request.app.state.memo.get(("timeline", actor, measure, tuple(sorted(params.items()))), compute,
                                      pair_version(request, actor, measure))
    return {"actor": view.actor, "measure": view.measure, "points": view.points,
            "latest": view.latest, "span": view.span, "filters": params}


def api_timeline(request: Request) -> Response:
    return JSON(_timeline(request))


def api_metrics(request: Request) -> Response:
    """Every (actor, measure) with its counts: a whole-ledger view, remembered per ledger version
    (refreshed in the background while an ingest writes, as the overview is) and sent as encoded."""
    filters = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))

    def compute() -> bytes:
        with _ledger(request) as ledger:
            return JSON({"metrics": ledger.metrics(**filters)}).body

    body = request.app.state.memo.get(("api-metrics", tuple(sorted(filters.items()))), compute)
    return Response(body, media_type="application/json")


def api_sources(request: Request) -> Response:
    from figtrace.web.pages import source_rows

    filters = parse_params(request.query_params, CLAIM_FILTERS, str(request.url.query))
    return JSON({"sources": source_rows(request, filters)})


def api_conflicts(request: Request) -> Response:
    from figtrace.web.pages import findings_page

    page, _ = findings_page(request)
    return JSON(page_body(request, "conflicts", page))


def _csv(rows: list[dict[str, Any]], fields: tuple[str, ...], filename: str) -> Response:
    buf = io.StringIO()
    write_rows(rows, "csv", fields, out=buf)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _parquet(rows: list[dict[str, Any]], fields: tuple[str, ...], filename: str) -> Response:
    return Response(parquet_bytes([{k: r.get(k) for k in fields} for r in rows]),
                    media_type="application/vnd.apache.parquet",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _json_download(content: Any, filename: str) -> Response:
    return JSON(content, headers={"content-disposition": f'attachment; filename="{filename}"'})


def _conflict_rows(request: Request) -> list[dict[str, Any]]:
    """The findings the conflicts page shows with the same query (``limit``/``offset`` page them)."""
    from figtrace.web.pages import findings_page

    page, _ = findings_page(request)
    out = []
    for f in page.rows:
        d = dict(f)
        d["claim_ids"] = sorted({c.get("id") for c in d.get("claims") or () if c.get("id") is not None})
        out.append(d)
    return out


def download(request: Request) -> Response:
    """A listing a page shows as CSV, JSON or Parquet, with the page's filters (see ``DOWNLOADS``)."""
    name = request.path_params["name"]
    kind = DOWNLOADS.get(name)
    if kind is None:
        raise HTTPException(404, f"no download called {name[:80]!r}; try one of {', '.join(DOWNLOADS)}")
    what, fmt = kind
    content: Any
    if what == "claims":
        page = claims_page(request)
        rows, fields, content = page.rows, CLAIM_CSV_FIELDS, page.rows
    elif what == "documents":
        rows = documents_page(request).rows
        fields, content = DOCUMENT_FIELDS, rows
    elif what == "conflicts":
        rows = _conflict_rows(request)
        fields, content = CONFLICT_EXPORT_FIELDS, rows
    else:
        tl = _timeline(request)
        rows, fields, content = tl["points"], TIMELINE_FIELDS, tl
    if fmt == "csv":
        return _csv(rows, fields, name)
    if fmt == "parquet":
        return _parquet(rows, fields, name)
    return _json_download(content, name)


#: Every download: ``<listing>.<format>``; a fixed table, so nothing from the URL reaches the file system.
DOWNLOADS: dict[str, tuple[str, str]] = {
    f"{what}.{fmt}": (what, fmt)
    for what in ("claims", "timeline", "conflicts", "documents") for fmt in ("csv", "json", "parquet")
}

#: (path, summary, query parameter names) of every JSON endpoint.
_FILTERED = (*CLAIM_FILTERS,)
ENDPOINTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/api/claims", "Claims matching the filters, one page at a time (total, next link).",
     (*_FILTERED, "reviewed", "limit", "offset")),
    ("/api/claims/{id}", "One claim with its article text and every outlet that printed it.", ()),
    ("/api/documents", "Stored documents and skipped inputs matching the filters, one page at a time.",
     (*_FILTERED, "status", "limit", "offset")),
    ("/api/timeline", "Each source's figures for one actor and measure, with the span.", _FILTERED),
    ("/api/metrics", "Every (actor, measure) with how many claims and sources.", _FILTERED),
    ("/api/sources", "Canonical sources with their aliases.", _FILTERED),
    ("/api/conflicts", "Consistency findings with explanations, contradictions first (total, next link).",
     (*_FILTERED, "factor", "limit", "offset")),
    ("/download/{name}", "A listing as CSV, JSON or Parquet, with the filters of its page.",
     (*_FILTERED, "factor", "limit", "offset")),
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
        Route("/api/documents", api_documents),
        Route("/api/timeline", api_timeline),
        Route("/api/metrics", api_metrics),
        Route("/api/sources", api_sources),
        Route("/api/conflicts", api_conflicts),
        Route("/api/openapi.json", api_openapi),
        Route("/download/{name}", download),
    ]

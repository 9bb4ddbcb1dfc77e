"""The documents view: what was read, with which date and where it came from, and what was skipped.

One row per stored document (every version) plus one per input an ingest
skipped or could not use, so "which files of outlet X were read, which were
skipped and why" is one listing. Filters are the shared ones
(:mod:`figtrace.store.filters`): document-level filters (doc, outlet, lang,
since/until on the publication date) apply to the document itself; claim-level
ones (actor, measure, source, search, reviewed) keep documents with at least
one matching claim.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from figtrace.errors import InputError
from figtrace.model import PUBLISHED_ORIGIN
from figtrace.store import db
from figtrace.store.filtered import run
from figtrace.store.filters import Filters, claim_conditions, period_bound, where_sql

if TYPE_CHECKING:
    from figtrace.store.ledger import Ledger

DOCUMENT_FIELDS = ("id", "name", "url", "outlet", "lang", "published", "published_from", "n_claims", "version",
                   "status", "reason", "title", "superseded_by", "ingested_at", "chars")
DOCUMENT_TABLE_FIELDS = ("name", "outlet", "lang", "published", "published_from", "n_claims", "version",
                         "status", "reason")

#: Where a publication date came from, from the reader's mark in ``meta`` (older
#: ledgers) to the words the documents view uses.
_PUBLISHED_FROM = {**PUBLISHED_ORIGIN, "inferred": "body (inferred bound)"}

#: Skips of documents that were read and stored but gave nothing: their reason goes on the document's row.
_EMPTY_KINDS = ("language", "no_text")

#: Claim-level filters: a document matches when one of its claims does.
_CLAIM_LEVEL = ("actor", "measure", "source", "q", "reviewed")


def _document_conditions(f: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if f.doc:
        where.append("(d.id = ? OR d.name = ? OR d.url = ?)")
        args += [f.doc, f.doc, f.doc]
    if f.outlet:
        where.append("d.outlet = ? COLLATE NOCASE")
        args.append(f.outlet)
    if f.lang:
        where.append("d.lang = ?")
        args.append(f.lang)
    if f.since:
        where.append("d.published >= ?")
        args.append(period_bound(f.since, "start", "since"))
    if f.until:
        where.append("substr(d.published, 1, 10) <= ?")
        args.append(period_bound(f.until, "end", "until"))
    if any(getattr(f, n) for n in _CLAIM_LEVEL):
        claim_f = Filters(**{n: getattr(f, n) for n in _CLAIM_LEVEL})
        conditions, extra = claim_conditions(claim_f)
        where.append("EXISTS (SELECT 1 FROM claims c WHERE c.doc_id = d.id AND " + " AND ".join(conditions) + ")")
        args += extra
    return where, args


def _has_column(ledger: Ledger, table: str, column: str) -> bool:
    return any(r[1] == column for r in ledger.conn.execute(f"PRAGMA table_info({table})"))


def _status(row: dict[str, Any]) -> tuple[str, str | None]:
    if row.get("superseded_by"):
        return "superseded", f"a newer version is {row['superseded_by'][:12]}"
    if row.get("n_claims"):
        return "read", None
    return "read, no claims", None


#: What ``--status`` (and the API's ``status``) can ask for.
STATUSES = ("read", "no-claims", "superseded", "skipped", "failed")

#: ``--status`` as SQL over ``documents d`` (a document is read, read without claims, or superseded).
_CURRENT_CLAIM = "EXISTS (SELECT 1 FROM claims c WHERE c.doc_id = d.id AND c.current = 1)"
_STATUS_SQL = {
    "read": f"d.superseded_by IS NULL AND {_CURRENT_CLAIM}",
    "no-claims": f"d.superseded_by IS NULL AND NOT {_CURRENT_CLAIM}",
    "superseded": "d.superseded_by IS NOT NULL",
}
#: Statuses only skipped inputs have.
_INPUT_STATUSES = ("skipped", "failed")


def _input_rows(ledger: Ledger, f: Filters, status: str | None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Skipped and failed inputs to list after the documents (filters and status applied), and the
    reasons of documents read but empty (by name), which go on the documents' own rows."""
    extra = skipped_inputs(ledger, f)
    empty = {r["name"]: r["reason"] for r in extra if r["kind"] in _EMPTY_KINDS}
    listed = [r for r in extra if r["kind"] not in _EMPTY_KINDS and (status is None or r["status"] == status)]
    if any(getattr(f, n) for n in (*_CLAIM_LEVEL, "lang", "since", "until")) or status in _STATUS_SQL:
        listed = []  # an input never read has no language, date or claims to match
    return listed, empty


def list_documents(ledger: Ledger, f: Filters, *, limit: int | None = None, offset: int = 0,
                   status: str | None = None) -> list[dict[str, Any]]:
    """Stored documents matching ``f`` and ``status`` (newest publication first), then the skipped inputs.

    Paged in SQL: a page of a ledger with a million documents reads one page of rows.
    """
    conditions, args = _document_conditions(f)
    if status in _STATUS_SQL:
        conditions.append(_STATUS_SQL[status])
    inputs, empty = _input_rows(ledger, f, status)
    rows: list[dict[str, Any]] = []
    if status not in _INPUT_STATUSES:
        has_from = _has_column(ledger, "documents", "published_from")
        sql = ("SELECT d.id, d.name, d.url, d.title, d.outlet, d.published, d.published_inferred, d.lang, "
               "d.version, d.superseded_by, d.ingested_at, length(d.text) AS chars, d.meta, "
               + ("d.published_from, " if has_from else "")
               + "(SELECT count(*) FROM claims c WHERE c.doc_id = d.id AND c.current = 1) AS n_claims "
               "FROM documents d" + where_sql(conditions) + " ORDER BY d.published DESC, d.name, d.version")
        page_args = list(args)
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            page_args += [-1 if limit is None else int(limit), int(offset)]
        for r in run(ledger, sql, page_args, f):
            d = dict(r)
            meta = json.loads(d.pop("meta") or "{}")
            if not d.get("published_from"):
                source = meta.get("published_source")
                d["published_from"] = _PUBLISHED_FROM.get(source, source) if d["published"] else None
            d["published_inferred"] = bool(d["published_inferred"])
            d["status"], d["reason"] = _status(d)
            if d["status"] == "read, no claims" and d["name"] in empty:
                d["reason"] = empty[d["name"]]
            rows.append(d)
    if limit is not None and len(rows) >= limit:
        return rows
    # the page runs past the documents: continue with the skipped inputs
    n_docs = _count(ledger, conditions, args, f) if (limit is not None or offset) else len(rows)
    start = max(0, offset - n_docs)
    return rows + inputs[start:None if limit is None else start + limit - len(rows)]


def _count(ledger: Ledger, conditions: list[str], args: list[Any], f: Filters) -> int:
    return int(run(ledger, "SELECT count(*) FROM documents d" + where_sql(conditions), args, f)[0][0])


def count_documents(ledger: Ledger, f: Filters, *, status: str | None = None) -> int:
    """How many rows :func:`list_documents` gives for ``f`` and ``status`` (documents plus inputs)."""
    conditions, args = _document_conditions(f)
    if status in _STATUS_SQL:
        conditions.append(_STATUS_SQL[status])
    inputs, _ = _input_rows(ledger, f, status)
    return (0 if status in _INPUT_STATUSES else _count(ledger, conditions, args, f)) + len(inputs)


def skipped_inputs(ledger: Ledger, f: Filters) -> list[dict[str, Any]]:
    """Inputs an ingest skipped or failed on, with the reason (filtered by doc and outlet when given)."""
    where, args = [], []
    if f.doc:
        where.append("(input = ? OR input LIKE ?)")
        args += [f.doc, "%/" + f.doc]
    if f.outlet:
        where.append("outlet = ? COLLATE NOCASE")
        args.append(f.outlet)
    sql = "SELECT input, reason, kind, outlet, at FROM skipped" + where_sql(where) + " ORDER BY input, reason"
    return [{"id": None, "name": r["input"], "url": r["input"] if "://" in r["input"] else None,
             "outlet": r["outlet"], "lang": None, "published": None, "published_from": None, "n_claims": 0,
             "version": None, "status": "skipped" if r["kind"] != "failed" else "failed",
             "reason": r["reason"], "ingested_at": r["at"], "kind": r["kind"]} for r in run(ledger, sql, args, f)]


def record_skipped(ledger: Ledger, items: Iterable[InputError],
                   outlet_of: Callable[[str], str | None] | None = None) -> int:
    """Remember every skipped or failed input with its reason (one row per input and reason).

    ``outlet_of`` names the outlet of a URL (the metadata stage's rule, given
    by the caller: the store computes no metadata).
    """
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = []
    for e in items:
        outlet = outlet_of(e.input) if outlet_of is not None and "://" in e.input else None
        rows.append((e.input, e.message, e.kind, outlet, now))
    if not rows:
        return 0
    with db.immediate(ledger.conn, ledger.path):
        ledger.conn.executemany(
            "INSERT OR REPLACE INTO skipped(input, reason, kind, outlet, at) VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)

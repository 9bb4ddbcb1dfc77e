"""Filtered overviews: the metrics and sources views over the claims a filter keeps.

The unfiltered views read precomputed counts (``pair_stats``) or the sources
table; once a filter narrows the claims, the counts are taken over exactly the
claims the same filter gives ``figtrace claims``, so every view agrees.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from figtrace.errors import FigtraceError
from figtrace.store import db
from figtrace.store.filters import Filters, claim_conditions, where_sql

if TYPE_CHECKING:
    from figtrace.store.ledger import Ledger

_FROM = " FROM claims c JOIN documents d ON d.id = c.doc_id"


def run(ledger: Ledger, sql: str, args: list[Any], f: Filters) -> list[sqlite3.Row]:
    """Run a filtered query; a bad search expression is the user's error, anything else the ledger's."""
    try:
        return ledger.conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as e:
        if f.q is not None and getattr(e, "sqlite_errorname", "") == "SQLITE_ERROR":
            raise FigtraceError(f"cannot search for {f.q!r}: {e} (use words, or FTS5 syntax)") from None
        raise db.ledger_error(e, ledger.path) from None


def filtered_metrics(ledger: Ledger, f: Filters) -> list[dict[str, Any]]:
    """Per (actor, measure): claims, sources, clusters and documents among the filtered claims."""
    conditions, args = claim_conditions(f)
    sql = ("SELECT c.actor, c.measure, count(*) AS n_claims, count(DISTINCT c.source) AS n_sources, "
           "count(DISTINCT c.cluster) AS n_clusters, count(DISTINCT c.doc_id) AS n_documents"
           + _FROM + where_sql(conditions) + " GROUP BY c.actor, c.measure")
    rows = [dict(r) for r in run(ledger, sql, args, f)]
    rows.sort(key=lambda r: (-r["n_claims"], r["actor"] or "", r["measure"]))
    return rows


def filtered_sources(ledger: Ledger, f: Filters, aliases: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The sources of the filtered claims, each with how often it is cited there."""
    conditions, args = claim_conditions(f)
    sql = ("SELECT c.source AS name, count(*) AS n_claims, count(DISTINCT c.doc_id) AS n_documents"
           + _FROM + where_sql(conditions) + " GROUP BY c.source ORDER BY n_claims DESC, c.source")
    return [{"name": r["name"], "aliases": aliases.get(r["name"].casefold(), []), "n_claims": r["n_claims"],
             "n_documents": r["n_documents"]} for r in run(ledger, sql, args, f)]

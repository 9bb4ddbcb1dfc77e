"""Reading the ledger: every view (claims, timeline, conflicts, overview) is a query over indexes
plus the pure functions of :mod:`figtrace.reconcile`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from figtrace.errors import FigtraceError
from figtrace.model import _num
from figtrace.reconcile.periods import PeriodError, parse_period
from figtrace.reconcile.rules import Finding, check
from figtrace.reconcile.settings import DEFAULT_FACTOR
from figtrace.reconcile.timeline import Timeline, build_points, build_timeline
from figtrace.store import db
from figtrace.store.base import LedgerBase
from figtrace.store.kb import canonical_source, load_aliases

_SELECT_CLAIMS = """
SELECT c.id, c.doc_name AS doc, c.quote, c.figure, c.value, c.low, c.high, c.qualifier, c.measure, c.actor,
       c.unit, c.source, c.as_of, c.location, c.cluster, c.outlet, c.published, d.url, c.doc_id, d.title,
       coalesce(c.lang, d.lang) AS lang, c.start, c."end", c.quote_start, c.quote_end, c.segment, c.why,
       c.confidence, c.as_of_basis, c.t_start, c.t_end, c.via, c.item, c.scope, c.grp AS "group"
FROM claims c JOIN documents d ON d.id = c.doc_id
"""


_TIMELINE_COLUMNS = ("id", "doc", "cluster", "source", "actor", "measure", "as_of", "value", "low", "high",
                     "qualifier", "quote", "figure", "published", "outlet", "start", "item", "scope", "group")
_SELECT_TIMELINE = (
    "SELECT c.id, c.doc_name, c.cluster, c.source, c.actor, c.measure, c.as_of, "
    + ", ".join(f"CASE WHEN c.{k} = CAST(c.{k} AS INTEGER) THEN CAST(c.{k} AS INTEGER) ELSE c.{k} END"
                for k in ("value", "low", "high"))
    + ", c.qualifier, c.quote, c.figure, c.published, c.outlet, c.start, c.item, c.scope, c.grp "
    "FROM claims c WHERE c.actor = ? AND c.measure = ? AND c.current = 1"
)

def _period_filter(value: str, which: str, name: str) -> str:
    """``since``/``until`` accept any as-of form; since takes its first day, until its last."""
    try:
        p = parse_period(value)
    except PeriodError:
        p = None
    if p is None:
        raise FigtraceError(f"{name} {value!r} is not a date like 2025, 2025-06 or 2025-06-16")
    return (p.start if which == "start" else p.end).isoformat()


def _fts_query(q: str) -> str:
    """Plain words are searched as words; FTS5 syntax passes through for those who use it."""
    if any(ch in q for ch in '"*():^') or any(t in ("AND", "OR", "NOT", "NEAR") for t in q.split()):
        return q
    return " ".join('"' + t.replace('"', "") + '"' for t in q.split())


def _row_to_claim(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    for k in ("value", "low", "high"):
        d[k] = _num(d[k])
    d["why"] = json.loads(d["why"]) if d.get("why") else {}
    d["via"] = json.loads(d["via"]) if d.get("via") else []
    return d

class Queries(LedgerBase):
    """The ledger's reading half: filters, views and frames."""

    # -- reading -------------------------------------------------------------
    def _claim_where(
        self, *, actor: str | None = None, measure: str | None = None, source: str | None = None,
        since: str | None = None, until: str | None = None, lang: str | None = None,
        outlet: str | None = None, q: str | None = None, current: bool = True,
    ) -> tuple[str, list[Any]]:
        where, args = [], []
        if current:
            where.append("c.current = 1")
        if actor:
            where.append("c.actor = ?")
            args.append(actor)
        if measure:
            where.append("c.measure = ?")
            args.append(measure)
        if source:
            where.append("c.source = ?")
            args.append(canonical_source(source))
        if since:
            where.append("c.t_end >= ?")
            args.append(_period_filter(since, "start", "since"))
        if until:
            where.append("c.t_start <= ?")
            args.append(_period_filter(until, "end", "until"))
        if lang:
            where.append("coalesce(c.lang, d.lang) = ?")
            args.append(lang)
        if outlet:
            where.append("c.outlet = ? COLLATE NOCASE")
            args.append(outlet)
        if q:
            where.append("c.id IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
            args.append(_fts_query(q))
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def _query(self, sql: str, args: list[Any], search: str | None = None) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            if search is not None and getattr(e, "sqlite_errorname", "") == "SQLITE_ERROR":
                raise FigtraceError(f"cannot search for {search!r}: {e} (use words, or FTS5 syntax)"
                                    ) from None
            raise db.ledger_error(e, self.path) from None

    def claims(
        self, *, actor: str | None = None, measure: str | None = None, source: str | None = None,
        since: str | None = None, until: str | None = None, lang: str | None = None,
        outlet: str | None = None, q: str | None = None, limit: int | None = None, offset: int = 0,
        include_superseded: bool = False,
    ) -> list[dict[str, Any]]:
        """Stored claims matching every given filter, in publication and text order."""
        where, args = self._claim_where(actor=actor, measure=measure, source=source, since=since, until=until,
                                        lang=lang, outlet=outlet, q=q, current=not include_superseded)
        sql = _SELECT_CLAIMS + where + " ORDER BY c.published, c.doc_name, c.start, c.id"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else int(limit), int(offset)]
        return [_row_to_claim(r) for r in self._query(sql, args, q)]

    def count_claims(self, **filters: Any) -> int:
        where, args = self._claim_where(**filters)
        sql = "SELECT count(*) FROM claims c JOIN documents d ON d.id = c.doc_id" + where
        return int(self._query(sql, args, filters.get("q"))[0][0])

    def claim(self, id: int) -> dict[str, Any] | None:
        """One claim with its article's text and every claim of its cluster (each outlet that printed it)."""
        row = self.conn.execute(_SELECT_CLAIMS + " WHERE c.id = ?", (int(id),)).fetchone()
        if row is None:
            return None
        d = _row_to_claim(row)
        d["document_text"] = self.conn.execute("SELECT text FROM documents WHERE id = ?",
                                               (d["doc_id"],)).fetchone()[0]
        members = self.conn.execute(
            _SELECT_CLAIMS + " WHERE c.cluster = ? ORDER BY c.published, c.doc_name, c.id", (d["cluster"],)
        ).fetchall()
        d["cluster_members"] = [_row_to_claim(r) for r in members]
        return d

    def timeline(self, actor: str, measure: str) -> Timeline:
        """Each source's figures for ``actor`` and ``measure`` ordered by as-of, latest per source, span."""
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: this is the hot path of the dashboard
        try:
            rows = cur.execute(_SELECT_TIMELINE, (actor, measure)).fetchall()
        except sqlite3.Error as e:
            raise db.ledger_error(e, self.path) from None
        # whole numbers come back as integers from the query itself (6000, not 6000.0)
        tl = build_timeline(actor, measure, (dict(zip(_TIMELINE_COLUMNS, r, strict=True)) for r in rows))
        for k in ("low", "high"):
            tl.span[k] = _num(tl.span.get(k))
        return tl

    def conflicts(self, *, factor: float = DEFAULT_FACTOR, actor: str | None = None,
                  status: str | None = None) -> list[Finding]:
        """Every consistency finding (flagged and explained) with the claims behind it."""
        points, members = build_points(self.claims(actor=actor))
        findings = check(points, members, factor)
        if status:
            findings = [f for f in findings if f.status == status]
        return findings

    def metrics(self) -> list[dict[str, Any]]:
        """Overview: how many claims and sources each (actor, measure) has."""
        rows = [dict(r) for r in self.conn.execute(
            "SELECT actor, measure, n_claims, n_sources, n_clusters, n_documents FROM pair_stats").fetchall()]
        for r in rows:
            if r["n_claims"] < 0:  # stale (an ingest is running or was killed): count it now
                fresh = self.conn.execute(
                    "SELECT count(*), count(DISTINCT source), count(DISTINCT cluster), count(DISTINCT doc_id) "
                    "FROM claims WHERE actor IS ? AND measure = ? AND current = 1", (r["actor"], r["measure"])
                ).fetchone()
                r.update(n_claims=fresh[0], n_sources=fresh[1], n_clusters=fresh[2], n_documents=fresh[3])
        rows = [r for r in rows if r["n_claims"] > 0]
        rows.sort(key=lambda r: (-r["n_claims"], r["actor"] or "", r["measure"]))
        return rows

    def sources(self) -> list[dict[str, Any]]:
        """Every source with its aliases (from the knowledge base) and how often it is cited."""
        aliases = load_aliases()
        folded = {k.casefold(): v for k, v in aliases.items()}
        rows = self.conn.execute(
            "SELECT s.name, count(c.id) AS n_claims, count(DISTINCT c.doc_id) AS n_documents "
            "FROM sources s LEFT JOIN claims c ON c.source = s.name AND c.current = 1 "
            "GROUP BY s.name ORDER BY n_claims DESC, s.name").fetchall()
        return [{"name": r["name"], "aliases": folded.get(r["name"].casefold(), []),
                 "n_claims": r["n_claims"], "n_documents": r["n_documents"]} for r in rows]

    def documents(self) -> list[dict[str, Any]]:
        """Stored documents without their text, newest publication first."""
        rows = self.conn.execute(
            "SELECT d.id, d.name, d.url, d.title, d.outlet, d.published, d.published_inferred, d.lang, "
            "d.version, d.superseded_by, d.ingested_at, length(d.text) AS chars, "
            "(SELECT count(*) FROM claims c WHERE c.doc_id = d.id) AS n_claims "
            "FROM documents d ORDER BY d.published DESC, d.name").fetchall()
        return [{**dict(r), "published_inferred": bool(r["published_inferred"])} for r in rows]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document with text, segments and claims; ``doc_id`` may also be its name."""
        row = self.conn.execute(
            "SELECT * FROM documents WHERE id = ? OR name = ? ORDER BY version DESC LIMIT 1", (doc_id, doc_id)
        ).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["published_inferred"] = bool(d["published_inferred"])
        d["meta"] = json.loads(d["meta"]) if d.get("meta") else {}
        d["segments"] = [dict(r) for r in self.conn.execute(
            'SELECT start, "end", kind, label FROM segments WHERE doc_id = ? ORDER BY idx', (d["id"],))]
        d["claims"] = [_row_to_claim(r) for r in self.conn.execute(
            _SELECT_CLAIMS + " WHERE c.doc_id = ? ORDER BY c.start, c.id", (d["id"],))]
        return d

    def frame(self, kind: str = "claims", **filters: Any) -> Any:
        """A pandas DataFrame of one view: claims, timeline, conflicts, metrics, sources or documents."""
        try:
            import pandas as pd
        except ImportError:
            raise FigtraceError("Ledger.frame needs pandas: pip install 'figtrace[frames]'") from None
        rows: list[dict[str, Any]]
        if kind == "claims":
            rows = self.claims(**filters)
        elif kind == "timeline":
            rows = self.timeline(filters["actor"], filters["measure"]).points
        elif kind == "conflicts":
            rows = [f.to_dict() for f in self.conflicts(**filters)]
        elif kind in ("metrics", "sources", "documents"):
            rows = getattr(self, kind)()
        else:
            raise FigtraceError(f"unknown frame kind {kind!r}: use claims, timeline, conflicts, metrics, "
                                f"sources or documents")
        return pd.DataFrame(rows)

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

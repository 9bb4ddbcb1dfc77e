"""Reading the ledger: every view (claims, timeline, conflicts, overview) is a query over indexes
plus the pure functions of :mod:`figtrace.reconcile`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from figtrace.errors import FigtraceError
from figtrace.model import _num
from figtrace.reconcile.timeline import Timeline, build_timeline
from figtrace.store import db
from figtrace.store.base import LedgerBase
from figtrace.store.documents import count_documents, list_documents
from figtrace.store.filtered import filtered_metrics, filtered_sources
from figtrace.store.filters import SEARCH_FROM, Filters, claim_conditions, needs_documents, where_sql
from figtrace.store.kb import canonical_actor, load_aliases
from figtrace.store.reviews import attach_reviews

_SELECT_CLAIMS = """
SELECT c.id, c.doc_name AS doc, c.quote, c.figure, c.value, c.low, c.high, c.qualifier, c.measure, c.actor,
       c.unit, c.source, c.as_of, c.location, c.cluster, c.outlet, c.published, d.published_from, d.url, c.doc_id,
       d.title, coalesce(c.lang, d.lang) AS lang, c.start, c."end", c.quote_start, c.quote_end, c.segment, c.why,
       c.confidence, c.as_of_basis, c.t_start, c.t_end, c.via, c.item, c.scope, c.grp AS "group", c.reviewed,
       c.rejected
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

def _row_to_claim(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    for k in ("value", "low", "high"):
        d[k] = _num(d[k])
    d["why"] = json.loads(d["why"]) if d.get("why") else {}
    d["via"] = json.loads(d["via"]) if d.get("via") else []
    return d

def _mark_reviewed(conn: sqlite3.Connection, points: list[dict[str, Any]]) -> None:
    """``reviewed`` on each timeline point an analyst reviewed a claim of (the reviews table is small)."""
    ids = {r[0] for r in conn.execute("SELECT claim_id FROM reviews WHERE claim_id IS NOT NULL")}
    for p in points:
        p["reviewed"] = bool(ids) and not ids.isdisjoint(p.get("claim_ids") or ())


class Queries(LedgerBase):
    """The ledger's reading half: filters, views and frames."""

    # -- reading -------------------------------------------------------------
    def _claim_where(self, *, current: bool = True, **filters: Any) -> tuple[str, list[Any]]:
        """``WHERE`` over ``claims c JOIN documents d`` from the shared filters (store/filters.py)."""
        conditions, args = claim_conditions(Filters.of(**filters).resolved(), current=current)
        return where_sql(conditions), args

    def _query(self, sql: str, args: list[Any], search: str | None = None) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            if search is not None and getattr(e, "sqlite_errorname", "") == "SQLITE_ERROR":
                raise FigtraceError(f"cannot search for {search!r}: {e} (use words, or FTS5 syntax)"
                                    ) from None
            raise db.ledger_error(e, self.path) from None

    def claims(self, *, limit: int | None = None, offset: int = 0, include_superseded: bool = False,
               **filters: Any) -> list[dict[str, Any]]:
        """Stored claims matching every filter of :class:`~figtrace.store.filters.Filters`,
        in publication and text order, each with its review (if any) applied and shown.

        A full-text search (``q``) lists the newest stored matches first instead: the
        index hands them out in that order, so a page costs its own rows even when
        the words match every claim (publication order would sort all matches first).
        """
        f = Filters.of(**filters).resolved()
        if f.q:
            conditions, args = claim_conditions(f, current=not include_superseded, fts_joined=True)
            sql = (_SELECT_CLAIMS.replace("\nFROM claims c JOIN documents d ON d.id = c.doc_id\n", SEARCH_FROM)
                   + where_sql(conditions) + " ORDER BY claims_fts.rowid DESC")
        else:
            conditions, args = claim_conditions(f, current=not include_superseded)
            sql = _SELECT_CLAIMS + where_sql(conditions) + " ORDER BY c.published, c.doc_name, c.start, c.id"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else int(limit), int(offset)]
        rows = [_row_to_claim(r) for r in self._query(sql, args, filters.get("q"))]
        return attach_reviews(self.conn, rows)

    def count_claims(self, *, include_superseded: bool = False, cap: int | None = None, **filters: Any) -> int:
        """How many claims the filters keep (the ``total`` of a paged listing).

        With ``cap``, counting stops after ``cap + 1`` rows: a result above ``cap``
        means "more than ``cap``" (a dashboard page does not count a whole ledger
        to say how many pages follow). Filters on actor and measure alone are read
        from the overview's stored counts, exact and at once.
        """
        f = Filters.of(**filters).resolved()
        if not include_superseded and not f.narrows("actor", "measure"):
            stored = self._stored_count(f)
            if stored is not None:
                return stored
        conditions, args = claim_conditions(f, current=not include_superseded, fts_joined=bool(f.q))
        source = SEARCH_FROM if f.q else \
            " FROM claims c JOIN documents d ON d.id = c.doc_id" if needs_documents(f) else " FROM claims c"
        inner = "SELECT 1" + source + where_sql(conditions)
        if cap is not None:
            inner += " LIMIT ?"
            args = [*args, int(cap) + 1]
        return int(self._query(f"SELECT count(*) FROM ({inner})", args, f.q)[0][0])

    def _stored_count(self, f: Filters) -> int | None:
        """The claims of an actor and/or measure (or of the whole ledger) from ``pair_stats``;
        None while a row the filters need is stale (an ingest is running or was killed)."""
        conditions, args = [], []
        if f.actor:
            conditions.append("actor IN (?, ?)")
            args += [f.actor, canonical_actor(f.actor)]
        if f.measure:
            conditions.append("measure = ?")
            args.append(f.measure)
        total, least = self.conn.execute(
            "SELECT coalesce(sum(n_claims), 0), min(n_claims) FROM pair_stats" + where_sql(conditions), args
        ).fetchone()
        return int(total) if least is None or least >= 0 else None

    def claim(self, id: int) -> dict[str, Any] | None:
        """One claim with its article's text and every claim of its cluster (each outlet that printed it)."""
        row = self.conn.execute(_SELECT_CLAIMS + " WHERE c.id = ?", (int(id),)).fetchone()
        if row is None:
            return None
        d = attach_reviews(self.conn, [_row_to_claim(row)])[0]
        d["document_text"] = self.conn.execute("SELECT text FROM documents WHERE id = ?",
                                               (d["doc_id"],)).fetchone()[0]
        members = self.conn.execute(
            _SELECT_CLAIMS + " WHERE c.cluster = ? ORDER BY c.published, c.doc_name, c.id", (d["cluster"],)
        ).fetchall()
        d["cluster_members"] = attach_reviews(self.conn, [_row_to_claim(r) for r in members])
        return d

    def timeline(self, actor: str, measure: str, **filters: Any) -> Timeline:
        """Each source's figures for ``actor`` and ``measure`` ordered by as-of, latest per source, span.

        ``actor`` may be any alias; other filters (source, dates, outlet, …) narrow the points.
        """
        f = Filters.of(**filters, actor=actor, measure=measure).resolved()
        actor, measure = f.actor or actor, f.measure or measure
        sql, args = _SELECT_TIMELINE, [actor, measure]
        if f.narrows("actor", "measure"):
            conditions, extra = claim_conditions(f.without("actor", "measure"))
            sql = sql.replace("FROM claims c WHERE", "FROM claims c JOIN documents d ON d.id = c.doc_id WHERE")
            sql += "".join(f" AND {c}" for c in conditions)
            args += extra
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: this is the hot path of the dashboard
        try:
            rows = cur.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise db.ledger_error(e, self.path) from None
        # whole numbers come back as integers from the query itself (6000, not 6000.0)
        tl = build_timeline(actor, measure, (dict(zip(_TIMELINE_COLUMNS, r, strict=True)) for r in rows))
        for k in ("low", "high"):
            tl.span[k] = _num(tl.span.get(k))
        _mark_reviewed(self.conn, tl.points)
        return tl

    def pair_version(self, actor: str, measure: str) -> tuple[Any, ...]:
        """A cheap signature of one (actor, measure)'s current claims and of the reviews: it changes
        when a claim of the pair is added, superseded, rejected or corrected (one index range, so
        the dashboard can tell whether a remembered chart is still that pair's without redrawing it)."""
        row = self.conn.execute(
            "SELECT count(*), max(id), total(id), total(value), total(length(source)) FROM claims "
            "WHERE actor = ? AND measure = ? AND current = 1", (actor, measure)).fetchone()
        reviews = self.conn.execute("SELECT count(*), max(reviewed_at) FROM reviews").fetchone()
        return (*row, *reviews)

    def metrics(self, **filters: Any) -> list[dict[str, Any]]:
        """Overview: how many claims and sources each (actor, measure) has (among the filtered claims)."""
        if Filters.of(**filters).narrows():
            return filtered_metrics(self, Filters.of(**filters).resolved())
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

    def sources(self, **filters: Any) -> list[dict[str, Any]]:
        """Every source with its aliases (from the knowledge base) and how often it is cited.

        With filters, only the sources of the claims they keep, counted over those claims.
        """
        aliases = load_aliases()
        folded = {k.casefold(): v for k, v in aliases.items()}
        if Filters.of(**filters).narrows():
            return filtered_sources(self, Filters.of(**filters).resolved(), folded)
        # counted as claims are written (schema 14): one row per source, whatever the ledger's size
        rows = self.conn.execute(
            "SELECT name, n_claims, n_documents FROM sources ORDER BY n_claims DESC, name").fetchall()
        return [{"name": r["name"], "aliases": folded.get(r["name"].casefold(), []),
                 "n_claims": r["n_claims"], "n_documents": r["n_documents"]} for r in rows]

    def documents(self, *, limit: int | None = None, offset: int = 0, status: str | None = None,
                  **filters: Any) -> list[dict[str, Any]]:
        """Stored documents without their text, newest publication first, then skipped inputs
        (``status``: read, no-claims, superseded, skipped, failed; see store/documents.py)."""
        return list_documents(self, Filters.of(**filters).resolved(), limit=limit, offset=offset, status=status)

    def count_documents(self, *, status: str | None = None, **filters: Any) -> int:
        return count_documents(self, Filters.of(**filters).resolved(), status=status)

    def document_facets(self) -> dict[str, list[str]]:
        """The languages and outlets of the stored documents (the choices of a filter form)."""
        return {k: [r[0] for r in self.conn.execute(
                    f"SELECT DISTINCT {k} FROM documents WHERE {k} IS NOT NULL AND {k} != '' ORDER BY {k}")]
                for k in ("lang", "outlet")}

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
            rows = [f.to_dict() for f in self.conflicts(**filters)]  # type: ignore[attr-defined]
        elif kind in ("metrics", "sources", "documents"):
            rows = getattr(self, kind)()
        else:
            raise FigtraceError(f"unknown frame kind {kind!r}: use claims, timeline, conflicts, metrics, "
                                f"sources or documents")
        return pd.DataFrame(rows)

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

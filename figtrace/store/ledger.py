"""The claims ledger: documents, segments, claims and sources in one SQLite file.

Writing: one document is one ``BEGIN IMMEDIATE`` transaction (its row,
segments, claims, sources and the re-clustering of the merge keys it
touched), so a crash or a full disk leaves only whole documents, and two
ingests on one file serialize instead of duplicating. Reading: every view
(claims, timeline, conflicts) is a query over indexes plus the pure
functions of :mod:`figtrace.reconcile`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from figtrace.errors import FigtraceError, InputError
from figtrace.model import Claim, Document, _num
from figtrace.reconcile.clusters import assign_clusters, claim_key, effective_period
from figtrace.reconcile.periods import PeriodError, parse_period
from figtrace.reconcile.rules import Finding, check
from figtrace.reconcile.settings import DEFAULT_FACTOR
from figtrace.reconcile.timeline import Timeline, build_points, build_timeline
from figtrace.store import db
from figtrace.store.kb import canonical_source, load_aliases

Extractor = Callable[[Document], list[Claim]]

_CLAIM_COLUMNS = (
    "quote", "figure", "value", "low", "high", "qualifier", "measure", "actor", "unit", "source", "as_of",
    "location", "start", "end", "quote_start", "quote_end", "lang", "segment", "confidence", "why",
    "t_start", "t_end", "as_of_basis", "ckey", "doc_name", "published", "outlet", "via", "item", "scope", "grp",
)

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


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did; ``failures`` names each input that could not be read or extracted."""

    documents_added: int = 0
    documents_skipped: int = 0
    claims_added: int = 0
    failures: list[InputError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failures"] = [str(f) for f in self.failures]
        return d

    def line(self) -> str:
        return (f"{self.documents_added} documents added, {self.documents_skipped} already stored, "
                f"{self.claims_added} claims, {len(self.failures)} failures")


class IngestAborted(db.LedgerError):
    """The ledger stopped accepting writes mid-run; ``summary`` says what was stored before."""

    def __init__(self, message: str, summary: IngestSummary):
        super().__init__(message)
        self.summary = summary


class InvalidClaim(FigtraceError):
    """An extractor produced a claim the ledger cannot store; the document is skipped, not the batch."""


def _check_claim(doc: Document, idx: int, c: Claim) -> None:
    problems = []
    try:
        if not math.isfinite(float(c.value)):
            problems.append(f"value {c.value!r} is not finite")
    except (TypeError, ValueError):
        problems.append(f"value {c.value!r} is not a number")
    for name in ("low", "high"):
        v = getattr(c, name)
        if v is not None and not isinstance(v, int | float):
            problems.append(f"{name} {v!r} is not a number")
    for name in ("measure", "qualifier", "unit", "quote", "figure"):
        if not isinstance(getattr(c, name), str) or not getattr(c, name):
            problems.append(f"{name} is empty")
    if problems:
        raise InvalidClaim(f"{doc.name}: claim {idx} ({c.figure!r}): {'; '.join(problems)}")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


class Ledger:
    """The claims ledger in one SQLite file (``figtrace.db`` by default)."""

    def __init__(self, path: str | Path = "figtrace.db", *, readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = db.connect(self.path, readonly=readonly)
        try:
            db.migrate(self._conn, self.path, readonly=readonly)
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise FigtraceError(f"the ledger {self.path} is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.path!r}{', readonly=True' if self.readonly else ''})"

    # -- writing -------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        try:
            return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None
        except sqlite3.Error as e:
            raise db.ledger_error(e, self.path) from None

    def add_document(self, doc: Document, claims: list[Claim]) -> bool:
        """Store one document with its claims in one transaction; False if its text is already stored."""
        if self.readonly:
            raise db.LedgerError(f"{self.path} was opened read-only: cannot add {doc.name}")
        for i, c in enumerate(claims):
            _check_claim(doc, i, c)
        rows = [self._claim_row(doc, i, c) for i, c in enumerate(claims)]
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                added = self._insert(doc, rows)
                conn.execute("COMMIT" if added else "ROLLBACK")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise db.ledger_error(e, self.path) from None
        return added

    def _claim_row(self, doc: Document, idx: int, c: Claim) -> tuple[Any, ...]:
        period, basis = effective_period(c.as_of, doc.published)
        source = c.source or "unattributed"
        d = {
            "quote": c.quote, "figure": c.figure, "value": float(c.value),
            "low": None if c.low is None else float(c.low), "high": None if c.high is None else float(c.high),
            "qualifier": c.qualifier, "measure": c.measure, "actor": c.actor, "unit": c.unit,
            "source": source,
            "as_of": c.as_of, "location": c.location, "start": c.start, "end": c.end,
            "quote_start": c.quote_start, "quote_end": c.quote_end, "lang": c.lang or doc.lang,
            "segment": c.segment, "confidence": c.confidence,
            "why": json.dumps(c.why, ensure_ascii=False, sort_keys=True) if c.why else None,
            "t_start": period.start.isoformat() if period else None,
            "t_end": period.end.isoformat() if period else None,
            "as_of_basis": basis, "doc_name": doc.name, "published": doc.published, "outlet": doc.outlet,
            "via": json.dumps(list(c.via), ensure_ascii=False) if c.via else None,
            "item": c.item, "scope": c.scope, "grp": c.group, "group": c.group,
        }
        d["ckey"] = claim_key(d)
        return (doc.id, idx, *(d[k] for k in _CLAIM_COLUMNS))

    def _insert(self, doc: Document, rows: list[tuple[Any, ...]]) -> bool:
        conn = self.conn
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone():
            return False
        version = 1
        if doc.url:
            prev = conn.execute("SELECT max(version) FROM documents WHERE url = ?", (doc.url,)).fetchone()[0]
            version = (prev or 0) + 1
        conn.execute(
            "INSERT INTO documents(id, name, url, title, outlet, published, published_inferred, lang, text, "
            "version, ingested_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.name, doc.url, doc.title, doc.outlet, doc.published, int(doc.published_inferred),
             doc.lang, doc.text, version, _now(),
             json.dumps(doc.meta, ensure_ascii=False, default=str) if doc.meta else None),
        )
        pairs = {(r[2 + _CLAIM_COLUMNS.index("actor")], r[2 + _CLAIM_COLUMNS.index("measure")]) for r in rows}
        if doc.url and version > 1:
            old = "SELECT id FROM documents WHERE url = ? AND id != ? AND superseded_by IS NULL"
            pairs |= {(r[0], r[1]) for r in conn.execute(
                f"SELECT DISTINCT actor, measure FROM claims WHERE doc_id IN ({old})", (doc.url, doc.id))}
            conn.execute(f"UPDATE claims SET current = 0 WHERE doc_id IN ({old})", (doc.url, doc.id))
            conn.execute("UPDATE documents SET superseded_by = ? WHERE url = ? AND id != ? "
                         "AND superseded_by IS NULL", (doc.id, doc.url, doc.id))
        conn.executemany(
            'INSERT INTO segments(doc_id, idx, start, "end", kind, label) VALUES (?, ?, ?, ?, ?, ?)',
            [(doc.id, i, s.start, s.end, s.kind, s.label) for i, s in enumerate(doc.segments)],
        )
        cols = ", ".join(f'"{c}"' for c in ("doc_id", "idx", *_CLAIM_COLUMNS))
        marks = ", ".join("?" * (len(_CLAIM_COLUMNS) + 2))
        conn.executemany(f"INSERT INTO claims({cols}) VALUES ({marks})", rows)
        sources = {r[2 + _CLAIM_COLUMNS.index("source")] for r in rows}
        conn.executemany("INSERT OR IGNORE INTO sources(name) VALUES (?)", [(s,) for s in sources])
        self._recluster({r[2 + _CLAIM_COLUMNS.index("ckey")] for r in rows})
        if getattr(self, "_batch_depth", 0):
            self._mark_stale(pairs)
        else:
            self._refresh_stats(pairs)
        return True

    def _mark_stale(self, pairs: Iterable[tuple[str | None, str]]) -> None:
        """In a batch, only mark the pairs a document touched (n_claims = -1), in its own transaction.

        Recounting distinct sources and clusters per document made a long ingest
        quadratic in the ledger's size; a stale row is recounted once at the end of
        the batch (or by the next writer, or on the fly by :meth:`metrics`), so a
        killed ingest never leaves a wrong count, only a stale one.
        """
        conn = self.conn
        for actor, measure in pairs:
            conn.execute("DELETE FROM pair_stats WHERE actor IS ? AND measure = ?", (actor, measure))
            conn.execute("INSERT INTO pair_stats VALUES (?, ?, -1, 0, 0, 0)", (actor, measure))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Store many documents, recounting the overview once at the end instead of per document."""
        self._batch_depth = getattr(self, "_batch_depth", 0) + 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth and not self.readonly:
                self.refresh_stale_stats()

    def refresh_stale_stats(self) -> None:
        """Recount the overview rows marked stale by a batch (also those a killed ingest left)."""
        conn = self.conn
        stale = conn.execute("SELECT actor, measure FROM pair_stats WHERE n_claims < 0").fetchall()
        if not stale:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._refresh_stats([(r[0], r[1]) for r in stale])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _refresh_stats(self, pairs: Iterable[tuple[str | None, str]]) -> None:
        """Recount the overview rows of the (actor, measure) pairs a document touched."""
        conn = self.conn
        for actor, measure in pairs:
            conn.execute("DELETE FROM pair_stats WHERE actor IS ? AND measure = ?", (actor, measure))
            conn.execute(
                "INSERT INTO pair_stats SELECT actor, measure, count(*), count(DISTINCT source), "
                "count(DISTINCT cluster), count(DISTINCT doc_id) FROM claims "
                "WHERE actor IS ? AND measure = ? AND current = 1 GROUP BY actor, measure", (actor, measure))

    def refresh_stats(self) -> None:
        """Recount the whole overview (after a bulk load that bypassed :meth:`add_document`)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM pair_stats")
            conn.execute(
                "INSERT INTO pair_stats SELECT actor, measure, count(*), count(DISTINCT source), "
                "count(DISTINCT cluster), count(DISTINCT doc_id) FROM claims WHERE current = 1 "
                "GROUP BY actor, measure")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _recluster(self, keys: Iterable[str]) -> None:
        """Recompute the clusters of the merge keys a new document touched."""
        conn = self.conn
        for key in keys:
            rows = conn.execute(
                "SELECT id, ckey, as_of, published, cluster FROM claims WHERE ckey = ?", (key,)).fetchall()
            new = assign_clusters(dict(r) for r in rows)
            changed = [(new[r["id"]], r["id"]) for r in rows if r["cluster"] != new[r["id"]]]
            conn.executemany("UPDATE claims SET cluster = ? WHERE id = ?", changed)

    def ingest(
        self, inputs: Iterable[str], *, lang: str | None = None, published: str | None = None,
        allow_private: bool = False, progress: bool = False, extractor: Extractor | None = None,
    ) -> IngestSummary:
        """Read, extract and store every input; a bad input is a failure, a bad ledger stops the run."""
        from figtrace.ingest import iter_documents

        if extractor is None:
            extractor = default_extractor()
        summary = IngestSummary()
        items = iter_documents(list(inputs), lang=lang, published=published, allow_private=allow_private)
        with self.batch():
            self._ingest_items(items, summary, extractor, progress)
        return summary

    def _ingest_items(self, items: Iterator[Document | InputError], summary: IngestSummary,
                      extractor: Extractor, progress: bool) -> None:
        for item in _progress(items, progress):
            if isinstance(item, InputError):
                summary.failures.append(item)
                continue
            try:
                stored = self.has_document(item.id)
            except db.LedgerError as e:
                raise IngestAborted(f"{e} ({summary.line()} before it stopped)", summary) from None
            if stored:
                summary.documents_skipped += 1
                continue
            try:
                claims = extractor(item)
            except Exception as e:  # one article's extraction bug must not stop a batch
                summary.failures.append(InputError(item.name, f"extraction failed: {type(e).__name__}: {e}"))
                continue
            self.store(item, claims, summary)

    def store(self, doc: Document, claims: list[Claim], summary: IngestSummary) -> None:
        """Add one extracted document and count it in ``summary`` (the one place every ingest path stores).

        A claim the ledger refuses fails that document only; a ledger that cannot
        be written stops the run with :class:`IngestAborted`, carrying what was done.
        """
        try:
            added = self.add_document(doc, claims)
        except InvalidClaim as e:
            summary.failures.append(InputError(doc.name, str(e).removeprefix(f"{doc.name}: ")))
            return
        except db.LedgerError as e:
            raise IngestAborted(f"{e} ({summary.line()} before it stopped)", summary) from None
        if added:
            summary.documents_added += 1
            summary.claims_added += len(claims)
        else:
            summary.documents_skipped += 1

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


def default_extractor() -> Extractor:
    """The rule engine, or the ``module:function`` named by ``FIGTRACE_EXTRACTOR``.

    The variable lets a drill or another extractor (a test double, a model
    behind an endpoint) run through the same ``figtrace ingest`` path.
    Imported late so that reading a ledger never loads the engine.
    """
    import importlib
    import os

    spec = os.environ.get("FIGTRACE_EXTRACTOR")
    if not spec:
        from figtrace.extract import extract_document

        return extract_document
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name or "extract_document")
    except (ImportError, AttributeError) as e:
        raise FigtraceError(f"FIGTRACE_EXTRACTOR={spec!r} names no importable function: {e}") from None
    if not callable(fn):
        raise FigtraceError(f"FIGTRACE_EXTRACTOR={spec!r} is not a function")
    return fn  # type: ignore[no-any-return]


def _progress(items: Iterator[Document | InputError], enabled: bool) -> Iterator[Document | InputError]:
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc="ingest", unit="doc", file=sys.stderr, dynamic_ncols=True)

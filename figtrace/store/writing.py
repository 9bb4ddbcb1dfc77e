"""Writing the ledger: documents with their claims in whole transactions, and the overview counts.

A document, or a batch of them (:meth:`Writing.add_documents`, what the
ingest sink uses), is one ``BEGIN IMMEDIATE`` transaction (rows, segments,
claims, sources and the re-clustering of the merge keys touched), so a crash
or a full disk leaves only whole documents, and two ingests on one file
serialize instead of duplicating. A batch writes the pages its documents
share (the end of the claims table, the full-text index, the overview rows)
once instead of once per document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from figtrace.diagnose import skipped_text
from figtrace.errors import FigtraceError, InputError
from figtrace.model import Claim, Document
from figtrace.reconcile.clusters import claim_key, effective_period
from figtrace.store import db
from figtrace.store.base import LedgerBase
from figtrace.store.clustering import merge_bounds, recluster_claims
from figtrace.store.reviews import reapply

_CLAIM_COLUMNS = (
    "quote", "figure", "value", "low", "high", "qualifier", "measure", "actor", "unit", "source", "as_of",
    "location", "start", "end", "quote_start", "quote_end", "lang", "segment", "confidence", "why",
    "t_start", "t_end", "as_of_basis", "ckey", "doc_name", "published", "outlet", "via", "item", "scope", "grp",
    "m_start", "m_end",
)


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did.

    ``failures`` names each input that could not be read or extracted;
    ``skipped`` each input that gave nothing for a reason the tool can see
    (an unsupported type, a language mismatch, no text after cleaning).
    """

    documents_added: int = 0
    documents_skipped: int = 0
    claims_added: int = 0
    failures: list[InputError] = field(default_factory=list)
    skipped: list[InputError] = field(default_factory=list)

    def add_problem(self, item: InputError) -> None:
        (self.skipped if item.skipped else self.failures).append(item)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failures"] = [str(f) for f in self.failures]
        d["skipped"] = [str(f) for f in self.skipped]
        return d

    def line(self) -> str:
        return (f"{self.documents_added} documents added, {self.documents_skipped} already stored, "
                f"{self.claims_added} claims, {skipped_text(self.skipped)}, {len(self.failures)} failures")


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

def check_claims(doc: Document, claims: list[Claim]) -> None:
    """Raise :class:`InvalidClaim` naming the document and claim when the ledger cannot store a claim."""
    for i, c in enumerate(claims):
        _check_claim(doc, i, c)


#: What a new document adds to the overview row of one (actor, measure) pair: its current claims there,
#: and the sources and clusters among them that no other current claim of the pair has. Comparisons
#: with the columns use their collations (actor, measure and source NOCASE), as the recount's GROUP BY
#: and count(DISTINCT) do. A source is probed in the timeline index (actor, measure, current, source, ...,
#: id: the document's own claims are told apart by id, without reading a row), a cluster by its members
#: (the rows the clustering has just read).
#: The new claims are reached by their ids and a cluster's other members by the cluster index: without
#: the unary ``+``, SQLite (no statistics) prefers the timeline index's three equalities and reads every
#: claim of the pair, per pair and per new claim, which grows with the ledger (the issue 13 ingest bench
#: with hot pairs of thousands of claims: 14 ms per document at 22,000 claims).
_NEW_COUNTS = """
SELECT count(*),
       count(DISTINCT (CASE WHEN NOT EXISTS (
           SELECT 1 FROM claims o WHERE o.actor IS :a AND o.measure = :m AND o.current = 1
           AND o.source = n.source AND o.id NOT IN (SELECT value FROM json_each(:ids))) THEN n.source END)
           COLLATE NOCASE),
       count(DISTINCT CASE WHEN NOT EXISTS (
           SELECT 1 FROM claims o WHERE o.cluster = n.cluster AND +o.actor IS :a AND +o.measure = :m
           AND +o.current = 1 AND o.id NOT IN (SELECT value FROM json_each(:ids))) THEN n.cluster END)
FROM claims n WHERE n.id IN (SELECT value FROM json_each(:ids)) AND +n.doc_id = :doc AND +n.actor IS :a
     AND +n.measure = :m AND +n.current = 1
"""

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """An (actor, measure) pair as SQLite's NOCASE compares it (ASCII letters only), for one overview row."""
    return tuple(None if x is None else str(x).translate(_ASCII_LOWER) for x in pair)  # type: ignore[return-value]


#: Write-ahead log pages between checkpoints during a batch (16,384 pages of 4 KiB: a 64 MiB log at most).
BATCH_CHECKPOINT_PAGES = 16_384


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Writing(LedgerBase):
    """The ledger's writing half: documents, claims, sources, clusters and overview counts."""

    # -- writing -------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        try:
            return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None
        except sqlite3.Error as e:
            raise db.ledger_error(e, self.path) from None

    def add_document(self, doc: Document, claims: list[Claim]) -> bool:
        """Store one document with its claims in one transaction; False if its text is already stored."""
        return self.add_documents([(doc, claims)])[0]

    def add_documents(self, items: list[tuple[Document, list[Claim]]]) -> list[bool]:
        """Store documents with their claims in one transaction (all or none); per document, False if
        its text is already stored. :class:`InvalidClaim` (checked before anything is written) names
        the first document the ledger cannot store."""
        if self.readonly:
            names = ", ".join(doc.name for doc, _ in items[:3]) + (", ..." if len(items) > 3 else "")
            raise db.LedgerError(f"{self.path} was opened read-only: cannot add {names}")
        for doc, claims in items:
            check_claims(doc, claims)
        rows = [[self._claim_row(doc, i, c) for i, c in enumerate(claims)] for doc, claims in items]
        with db.immediate(self.conn, self.path):
            # a text already stored writes nothing before it says so
            return [self._insert(doc, doc_rows) for (doc, _), doc_rows in zip(items, rows, strict=True)]

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
        d["m_start"], d["m_end"] = merge_bounds(c.as_of, doc.published)
        return (doc.id, idx, *(d[k] for k in _CLAIM_COLUMNS))

    def _source_snapshot(self, doc_ids: Iterable[str]) -> dict[tuple[str, str], int]:
        """Current claims per (document, source) of some documents, sources folded as NOCASE compares them."""
        out: dict[tuple[str, str], int] = {}
        ids = list(doc_ids)
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            for doc_id, source, n in self.conn.execute(
                    f"SELECT doc_id, source, count(*) FROM claims WHERE doc_id IN ({', '.join('?' * len(part))}) "
                    "AND current = 1 GROUP BY doc_id, source", part):
                key = (doc_id, str(source).translate(_ASCII_LOWER))
                out[key] = out.get(key, 0) + n
        return out

    def _count_sources(self, before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]) -> None:
        """Move the per-source counts by what changed between two snapshots of the same documents.

        A source gains or loses the claims that became or stopped being current under it, and a
        document when it got its first current claim of the source or lost its last one: exact, and
        touching only the documents that changed (counting a source afresh reads all its claims).
        """
        delta: dict[str, list[int]] = {}
        for key in before.keys() | after.keys():
            b, a = before.get(key, 0), after.get(key, 0)
            if a == b:
                continue
            d = delta.setdefault(key[1], [0, 0])
            d[0] += a - b
            d[1] += (a > 0) - (b > 0)
        self.conn.executemany("UPDATE sources SET n_claims = n_claims + ?, n_documents = n_documents + ? "
                              "WHERE name = ?", [(n, docs, source) for source, (n, docs) in delta.items()])

    def _insert(self, doc: Document, rows: list[tuple[Any, ...]]) -> bool:
        conn = self.conn
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone():
            return False
        version = 1
        if doc.url:
            prev = conn.execute("SELECT max(version) FROM documents WHERE url = ?", (doc.url,)).fetchone()[0]
            version = (prev or 0) + 1
        conn.execute(
            "INSERT INTO documents(id, name, url, title, outlet, published, published_inferred, published_from, "
            "lang, text, version, ingested_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.name, doc.url, doc.title, doc.outlet, doc.published, int(doc.published_inferred),
             doc.published_from, doc.lang, doc.text, version, _now(),
             json.dumps(doc.meta, ensure_ascii=False, default=str) if doc.meta else None),
        )
        pairs = {(r[2 + _CLAIM_COLUMNS.index("actor")], r[2 + _CLAIM_COLUMNS.index("measure")]) for r in rows}
        changed: set[tuple[Any, Any]] = set()  # pairs whose stored claims changed: their findings are recomputed
        versions: list[str] = []  # older versions of the article, whose claims stop being current
        if doc.url and version > 1:
            old = "SELECT id FROM documents WHERE url = ? AND id != ? AND superseded_by IS NULL"
            versions = [r[0] for r in conn.execute(old, (doc.url, doc.id))]
        before = self._source_snapshot(versions)
        if versions:
            changed |= {(r[0], r[1]) for r in conn.execute(
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
        changed |= reapply(self, doc.url or doc.name, doc.id)  # reviews outlive re-ingest
        self._count_sources(before, self._source_snapshot([*versions, doc.id]))
        ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE doc_id = ?", (doc.id,))] if rows else []
        # the new claims join (or bridge) only the clusters their periods reach
        moved = recluster_claims(conn, ids) if ids else []
        for chunk in range(0, len(moved), 500):  # clusters merged or renamed: their pairs' cluster counts change
            part = moved[chunk:chunk + 500]
            changed |= {(r[0], r[1]) for r in conn.execute(
                f"SELECT DISTINCT actor, measure FROM claims WHERE id IN ({', '.join('?' * len(part))})", part)}
        self._note_new_claims(ids, changed)  # type: ignore[attr-defined]
        self._count_new(doc.id, ids, pairs, changed)
        if not getattr(self, "_batch_depth", 0):
            self._refresh_findings(self._stale_units())  # type: ignore[attr-defined]
        return True

    def _count_new(self, doc_id: str, ids: list[int], pairs: set[tuple[Any, Any]],
                   changed: set[tuple[Any, Any]]) -> None:
        """Bring the overview rows of a new document's pairs up to date.

        A pair whose stored claims did not change only gains: its new claims, this document, and each
        source and cluster of the new claims that none of its other current claims has (one probe of
        the timeline index per new claim, on the pages its insert just wrote). Recounting the pair
        instead read every claim of it, which grows with the ledger (issue 13). A pair whose stored
        claims changed (a superseded version, a review, clusters merged or renamed) is recounted:
        at once, or in a batch marked stale and recounted when the batch ends.
        """
        conn = self.conn
        recount = {_fold(p) for p in changed}
        done: set[tuple[Any, Any]] = set()
        own = json.dumps(ids)
        for pair in pairs:
            key = _fold(pair)
            if key in recount or key in done:
                continue
            done.add(key)
            actor, measure = pair
            n, sources, clusters = conn.execute(
                _NEW_COUNTS, {"doc": doc_id, "ids": own, "a": actor, "m": measure}).fetchone()
            if not n:
                continue
            updated = conn.execute(
                "UPDATE pair_stats SET n_claims = n_claims + ?, n_sources = n_sources + ?, "
                "n_clusters = n_clusters + ?, n_documents = n_documents + 1 "
                "WHERE actor IS ? AND measure = ? AND n_claims >= 0", (n, sources, clusters, actor, measure)).rowcount
            if not updated and conn.execute("SELECT 1 FROM pair_stats WHERE actor IS ? AND measure = ?",
                                            (actor, measure)).fetchone() is None:  # a new pair (else: stale)
                conn.execute("INSERT INTO pair_stats VALUES (?, ?, ?, ?, ?, 1)", (actor, measure, n, sources, clusters))
        if getattr(self, "_batch_depth", 0):
            self._mark_stale(changed)
        else:
            self._refresh_stats(changed)

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
        """Store many documents, recounting the overview once at the end instead of per document.

        During the batch the write-ahead log is copied into the ledger file every
        ``BATCH_CHECKPOINT_PAGES`` pages instead of SQLite's 1,000: each transaction
        rewrites the pages its claims share with the last one (upper index levels,
        the end of the table, the full-text segments), and copying them once per
        checkpoint instead of once per transaction saved 13 % of a document's CPU at
        1,000,000 claims (bench/bench_ledger.py). The first commit after the batch
        (its closing recount) copies the rest.
        """
        outer = not getattr(self, "_batch_depth", 0) and not self.readonly
        before = None
        if outer:
            before = int(self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {max(before, BATCH_CHECKPOINT_PAGES)}")
        self._batch_depth = getattr(self, "_batch_depth", 0) + 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if outer:
                self.conn.execute(f"PRAGMA wal_autocheckpoint = {before}")
            if not self._batch_depth and not self.readonly:
                self.refresh_stale_stats()
                self.refresh_stale_findings()  # type: ignore[attr-defined]

    def refresh_stale_stats(self) -> None:
        """Recount the overview rows marked stale by a batch (also those a killed ingest left)."""
        conn = self.conn
        stale = conn.execute("SELECT actor, measure FROM pair_stats WHERE n_claims < 0").fetchall()
        if not stale:
            return
        with db.immediate(conn, self.path):
            self._refresh_stats([(r[0], r[1]) for r in stale])

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
        with db.immediate(conn, self.path):
            conn.execute("DELETE FROM pair_stats")
            conn.execute(
                "INSERT INTO pair_stats SELECT actor, measure, count(*), count(DISTINCT source), "
                "count(DISTINCT cluster), count(DISTINCT doc_id) FROM claims WHERE current = 1 "
                "GROUP BY actor, measure")
            conn.execute("UPDATE sources SET n_claims = 0, n_documents = 0")
            conn.executemany(
                "UPDATE sources SET n_claims = ?, n_documents = ? WHERE name = ?",
                [(r[1], r[2], r[0]) for r in conn.execute(
                    "SELECT source, count(*), count(DISTINCT doc_id) FROM claims WHERE current = 1 GROUP BY source")])
            conn.execute("INSERT OR IGNORE INTO findings_stale(actor, family) "
                         "SELECT DISTINCT coalesce(actor, ''), '*' FROM claims")
            self._refresh_findings(self._stale_units())  # type: ignore[attr-defined]

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


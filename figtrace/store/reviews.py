"""An analyst's corrections: reviews that win over the machine and outlive re-ingest.

A review is kept in its own table (``reviews``), named by what the analyst
saw: the document (its URL, else its name), the quote and the figure. The
corrected values are written into the claim's row, so every view, index,
cluster and export reads them without knowing about reviews; the machine's
values stay in the review, shown next to the correction and used by
:func:`evaluation_rows` to score the machine against the analyst. When a
document is stored again (a new ledger version, a rebuilt ledger that kept
its reviews), :func:`reapply` puts its reviews back on the new rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from figtrace.errors import FigtraceError
from figtrace.model import MEASURES
from figtrace.reconcile.clusters import claim_key
from figtrace.store import db
from figtrace.store.clustering import recluster_claims
from figtrace.store.kb import canonical_actor, canonical_source

if TYPE_CHECKING:
    from figtrace.store.ledger import Ledger
    from figtrace.store.writing import Writing

#: Fields a review may correct.
REVIEW_FIELDS = ("source", "measure", "actor")

#: Columns a claim listing gains from its review (empty when not reviewed).
REVIEW_COLUMNS = ("reviewed", "rejected", "review_note", "machine_source", "machine_measure", "machine_actor",
                  "reviewed_at")


@dataclass(frozen=True, slots=True)
class Review:
    """What the analyst says about one claim; None leaves the machine's value."""

    source: str | None = None
    measure: str | None = None
    actor: str | None = None
    reject: bool = False
    note: str | None = None

    def checked(self) -> Review:
        """Canonical names, a known measure; raises FigtraceError naming the bad value."""
        if self.measure is not None and self.measure not in MEASURES:
            raise FigtraceError(f"unknown measure {self.measure!r}: one of {', '.join(MEASURES)}")
        return Review(
            source=canonical_source(self.source) if self.source else None,
            measure=self.measure,
            actor=canonical_actor(self.actor) if self.actor else None,
            reject=self.reject,
            note=self.note.strip() if self.note else None,
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_CLAIM_FOR_REVIEW = """
SELECT c.id, c.doc_id, c.quote, c.figure, c.source, c.measure, c.actor, c.qualifier, c.value, c.low, c.high,
       c.ckey, c.current, c.reviewed, c.item, c.grp, coalesce(d.url, d.name) AS doc_key, d.superseded_by
FROM claims c JOIN documents d ON d.id = c.doc_id WHERE c.id = ?
"""


def review_claim(ledger: Ledger, claim_id: int, review: Review, *, clear: bool = False) -> dict[str, Any]:
    """Record ``review`` of one claim (on top of an earlier review of it) and apply it; returns the claim.

    ``clear`` withdraws the review: the machine's values come back. One
    transaction: the review row, the claim row, its clusters and the overview.
    """
    if ledger.readonly:
        raise db.LedgerError(f"{ledger.path} was opened read-only: cannot record a review")
    review = review.checked()
    conn = ledger.conn
    with db.immediate(conn, ledger.path):
        row = conn.execute(_CLAIM_FOR_REVIEW, (int(claim_id),)).fetchone()
        if row is None:
            raise FigtraceError(f"no claim with id {claim_id} in {ledger.path}")
        key = (row["doc_key"], row["quote"], row["figure"])
        old = conn.execute("SELECT * FROM reviews WHERE doc_key = ? AND quote = ? AND figure = ?",
                           key).fetchone()
        machine = {k: (old[f"machine_{k}"] if old else row[k]) for k in REVIEW_FIELDS}
        if clear:
            values, rejected, reviewed = machine, False, False
            conn.execute("DELETE FROM reviews WHERE doc_key = ? AND quote = ? AND figure = ?", key)
        else:
            values = {k: getattr(review, k) or (old[k] if old else None) or machine[k] for k in REVIEW_FIELDS}
            corrects = any(getattr(review, k) for k in REVIEW_FIELDS)
            # a correction or a bare confirmation takes a rejection back; a note alone keeps it
            keeps = old is not None and review.note is not None and not corrects
            rejected = review.reject or (keeps and bool(old["rejected"]))
            reviewed = True
            note = review.note if review.note is not None else (old["note"] if old else None)
            conn.execute(
                "INSERT OR REPLACE INTO reviews(doc_key, quote, figure, doc_id, claim_id, source, measure, "
                "actor, rejected, note, machine_source, machine_measure, machine_actor, reviewed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, row["doc_id"], row["id"],
                 *(values[k] if values[k] != machine[k] else None for k in REVIEW_FIELDS),
                 int(rejected), note, *(machine[k] for k in REVIEW_FIELDS), _now()))
        _apply(ledger, row, values, reviewed=reviewed, rejected=rejected)
    claim = ledger.claim(int(claim_id))
    assert claim is not None
    return claim


def _apply(ledger: Ledger, row: sqlite3.Row | dict[str, Any], values: dict[str, Any], *, reviewed: bool,
           rejected: bool) -> None:
    """Write reviewed values into one claim row and recompute what depends on them (inside a transaction)."""
    conn = ledger.conn
    new = {**{k: row[k] for k in ("qualifier", "value", "low", "high", "item")}, "group": row["grp"], **values}
    ckey = claim_key(new)
    current = 0 if rejected or row["superseded_by"] else 1
    conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (values["source"],))
    before = ledger._source_snapshot([row["doc_id"]])
    conn.execute("UPDATE claims SET source = ?, measure = ?, actor = ?, ckey = ?, reviewed = ?, rejected = ?, "
                 "current = ? WHERE id = ?",
                 (values["source"], values["measure"], values["actor"], ckey, int(reviewed), int(rejected),
                  current, row["id"]))
    ledger._count_sources(before, ledger._source_snapshot([row["doc_id"]]))
    if ckey != row["ckey"]:  # it leaves its cluster (which may split) and joins those of its new key
        recluster_claims(conn, [row["id"]])
    ledger._refresh_stats({(row["actor"], row["measure"]), (values["actor"], values["measure"])})
    # the findings read the reviewed values: those of the claim's old and new actor and measure
    ledger._mark_findings_stale({(row["actor"], row["measure"]), (values["actor"], values["measure"])})
    ledger._refresh_findings(ledger._stale_units())


def reapply(ledger: Writing, doc_key: str, doc_id: str) -> set[tuple[Any, Any]]:
    """Put the reviews of ``doc_key`` back on the claims of the newly stored ``doc_id``.

    Called inside the document's transaction before its new claims are clustered
    (so they cluster under their reviewed keys); returns the (actor, measure)
    pairs it touched so those are recounted too.
    """
    conn = ledger.conn
    reviews = conn.execute("SELECT * FROM reviews WHERE doc_key = ?", (doc_key,)).fetchall()
    pairs: set[tuple[Any, Any]] = set()
    for r in reviews:
        claim = conn.execute(
            "SELECT c.id, c.source, c.measure, c.actor, c.qualifier, c.value, c.low, c.high, c.ckey, c.item, "
            "c.grp, NULL AS superseded_by FROM claims c WHERE c.doc_id = ? AND c.quote = ? AND c.figure = ? "
            "ORDER BY c.idx LIMIT 1", (doc_id, r["quote"], r["figure"])).fetchone()
        if claim is None:
            continue
        values = {k: r[k] or claim[k] for k in REVIEW_FIELDS}
        new = {**{k: claim[k] for k in ("qualifier", "value", "low", "high", "item")}, "group": claim["grp"],
               **values}
        ckey = claim_key(new)
        conn.execute("UPDATE claims SET source = ?, measure = ?, actor = ?, ckey = ?, reviewed = 1, rejected = ?, "
                     "current = ? WHERE id = ?",
                     (values["source"], values["measure"], values["actor"], ckey, r["rejected"],
                      0 if r["rejected"] else 1, claim["id"]))
        conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (values["source"],))
        conn.execute("UPDATE reviews SET claim_id = ?, doc_id = ? WHERE doc_key = ? AND quote = ? AND figure = ?",
                     (claim["id"], doc_id, r["doc_key"], r["quote"], r["figure"]))
        pairs |= {(claim["actor"], claim["measure"]), (values["actor"], values["measure"])}
    return pairs


def attach_reviews(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add :data:`REVIEW_COLUMNS` to claim rows: the machine's values and the note next to the reviewed ones."""
    found: dict[int, sqlite3.Row] = {}
    for r in rows:
        if r.get("reviewed"):
            rv = conn.execute("SELECT * FROM reviews WHERE doc_key = ? AND quote = ? AND figure = ?",
                              (r.get("url") or r.get("doc"), r.get("quote"), r.get("figure"))).fetchone()
            if rv is not None:
                found[r["id"]] = rv
    for r in rows:
        rv = found.get(r["id"])
        r["reviewed"] = rv is not None
        r["rejected"] = bool(r.get("rejected"))
        r["review_note"] = rv["note"] if rv else None
        r["reviewed_at"] = rv["reviewed_at"] if rv else None
        for k in REVIEW_FIELDS:
            r[f"machine_{k}"] = rv[f"machine_{k}"] if rv else None
    return rows


def evaluation_rows(ledger: Ledger) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(gold, predicted)`` for ``figtrace eval --db``: the analyst's reviews against the machine's claims.

    Gold holds each reviewed claim the analyst kept, with the reviewed values;
    predicted holds every reviewed claim as the machine made it, so a rejected
    claim is a false positive and a corrected field a typing or attribution error.
    """
    rows = ledger.claims(reviewed=True, rejected=True)
    gold: list[dict[str, Any]] = []
    pred: list[dict[str, Any]] = []
    keep = ("doc", "quote", "figure", "value", "low", "high", "qualifier", "as_of", "unit", "location")
    for r in rows:
        base = {k: r.get(k) for k in keep}
        pred.append({**base, **{k: r[f"machine_{k}"] for k in REVIEW_FIELDS}})
        if not r["rejected"]:
            gold.append({**base, **{k: r[k] for k in REVIEW_FIELDS}})
    return gold, pred

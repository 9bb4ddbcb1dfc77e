"""Incremental clustering in the ledger equals clustering every claim from scratch.

The ledger clusters a new claim by reading only the clusters its merge period
can reach (figtrace/store/clustering.py); these tests hold it to the pure rule
(:func:`figtrace.reconcile.clusters.assign_clusters`) over random claims added
in random batches, re-keyed by reviews, and migrated from an older ledger.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figtrace.model import Claim, Document
from figtrace.reconcile.clusters import assign_clusters
from figtrace.store import Ledger, db
from figtrace.store.clustering import merge_bounds, recluster_all, recluster_claims
from figtrace.store.reviews import Review, review_claim

CORPUS = Path(__file__).resolve().parents[1] / "figtrace" / "data" / "corpus"

KEYS = ("k-a", "k-b", "k-c")


def _as_of(day: int, kind: int) -> str | None:
    d = dt.date(2025, 1, 1) + dt.timedelta(days=day)
    return (None, d.isoformat(), d.strftime("%Y-%m"),
            f"{d.isoformat()}..{(d + dt.timedelta(days=day % 40)).isoformat()}")[kind]


claim_st = st.tuples(
    st.sampled_from(KEYS), st.integers(0, 200), st.integers(0, 3), st.integers(0, 200), st.booleans())


def _schema() -> sqlite3.Connection:
    conn = db.connect(":memory:")
    db.migrate(conn, ":memory:")
    conn.execute("INSERT INTO documents(id, name, text, ingested_at) VALUES ('d', 'd.txt', 't', 'now')")
    return conn


def _insert(conn: sqlite3.Connection, idx: int, key: str, as_of: str | None, published: str | None) -> int:
    m_start, m_end = merge_bounds(as_of, published)
    cur = conn.execute(
        "INSERT INTO claims(doc_id, idx, quote, figure, value, qualifier, measure, unit, source, as_of, "
        "as_of_basis, ckey, published, m_start, m_end) VALUES ('d', ?, 'q', '1', 1, 'exact', 'killed', "
        "'personnel', 's', ?, 'x', ?, ?, ?, ?)", (idx, as_of, key, published, m_start, m_end))
    return int(cur.lastrowid or 0)


def _scratch(conn: sqlite3.Connection) -> dict[int, str]:
    rows = conn.execute("SELECT id, ckey, as_of, published FROM claims").fetchall()
    return assign_clusters(dict(r) for r in rows)


def _stored(conn: sqlite3.Connection) -> dict[int, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, cluster FROM claims")}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.lists(claim_st, min_size=1, max_size=6), min_size=1, max_size=12),
       rekeys=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(KEYS)), max_size=5))
def test_incremental_clusters_equal_clusters_from_scratch(batches, rekeys) -> None:
    conn = _schema()
    idx = 0
    for batch in batches:
        ids = []
        for key, day, kind, pub_day, dated_pub in batch:
            published = (dt.date(2025, 1, 1) + dt.timedelta(days=pub_day)).isoformat() if dated_pub else None
            ids.append(_insert(conn, idx, key, _as_of(day, kind), published))
            idx += 1
        recluster_claims(conn, ids)
        assert _stored(conn) == _scratch(conn)
    all_ids = sorted(_stored(conn))
    for pick, key in rekeys:  # a review changes a claim's key: its old cluster may split
        claim_id = all_ids[pick % len(all_ids)]
        conn.execute("UPDATE claims SET ckey = ? WHERE id = ?", (key, claim_id))
        recluster_claims(conn, [claim_id])
        assert _stored(conn) == _scratch(conn)


def test_a_claim_that_bridges_two_clusters_merges_them_and_its_leaving_splits_them_again() -> None:
    conn = _schema()
    a = _insert(conn, 0, "k", "2025-01-01", None)
    b = _insert(conn, 1, "k", "2025-01-20", None)
    recluster_claims(conn, [a, b])
    assert len(set(_stored(conn).values())) == 2
    bridge = _insert(conn, 2, "k", "2025-01-05..2025-01-15", None)
    recluster_claims(conn, [bridge])
    assert len(set(_stored(conn).values())) == 1 and _stored(conn) == _scratch(conn)
    conn.execute("UPDATE claims SET ckey = 'other' WHERE id = ?", (bridge,))
    recluster_claims(conn, [bridge])
    assert len(set(_stored(conn).values())) == 3 and _stored(conn) == _scratch(conn)


def test_the_walk_reads_only_the_clusters_near_the_new_claim() -> None:
    conn = _schema()
    ids = [_insert(conn, i, "k", (dt.date(2020, 1, 1) + dt.timedelta(days=30 * i)).isoformat(), None)
           for i in range(200)]
    recluster_claims(conn, ids)
    read: list[str] = []
    conn.set_trace_callback(read.append)
    new = _insert(conn, 500, "k", "2024-06-20", None)
    recluster_claims(conn, [new])
    conn.set_trace_callback(None)
    lookups = [s for s in read if "min(m_start)" in s]
    assert 1 <= len(lookups) <= 2  # the one cluster before it (and the stop), not 200
    assert _stored(conn) == _scratch(conn)


def _claim(doc: Document, value: int, as_of: str | None, source: str = "UN") -> Claim:
    text = doc.text
    return Claim(doc=doc.name, quote=text, figure=str(value), value=value, low=value, high=value,
                 qualifier="exact", measure="killed", actor="Gaza", unit="personnel", source=source, as_of=as_of,
                 location=None, start=0, end=1, quote_start=0, quote_end=len(text))


def test_ingest_and_reviews_keep_clusters_equal_to_clusters_from_scratch(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        for i in range(30):
            doc = Document(text=f"Bericht {i}: Laut UN wurden 100 Menschen getötet.", name=f"d{i}.txt", lang="de",
                           published=f"2025-0{1 + i % 6}-1{i % 10}")
            as_of = None if i % 4 == 0 else f"2025-0{1 + i % 6}-{10 + i % 7}"
            ledger.add_document(doc, [_claim(doc, 100, as_of), _claim(doc, 100 + i % 3, None, "WHO")])
        conn = ledger.conn
        assert _stored(conn) == _scratch(conn)
        first = conn.execute("SELECT id FROM claims ORDER BY id LIMIT 1").fetchone()[0]
        review_claim(ledger, first, Review(source="WHO"))
        assert _stored(conn) == _scratch(conn)
        review_claim(ledger, first, Review(), clear=True)
        assert _stored(conn) == _scratch(conn)


def test_the_bundled_corpus_clusters_as_from_scratch(tmp_path: Path) -> None:
    from figtrace.scale.sink import ingest

    with Ledger(tmp_path / "l.db") as ledger:
        summary = ingest(ledger, [str(CORPUS)])
        assert summary.claims_added > 50
        assert _stored(ledger.conn) == _scratch(ledger.conn)


def test_migrating_an_older_ledger_fills_merge_bounds_and_repairs_stale_clusters(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db.apply_migrations(conn, 7)  # the schema before merge bounds were stored
    conn.execute("INSERT INTO documents(id, name, text, ingested_at) VALUES ('d', 'd.txt', 't', 'now')")
    rows = [("2025-03", "2025-03-04"), ("2025-03-20", None), (None, "2025-04-02"), ("2024", None), (None, None)]
    for i, (as_of, published) in enumerate(rows):
        conn.execute(
            "INSERT INTO claims(doc_id, idx, quote, figure, value, qualifier, measure, unit, source, as_of, "
            "as_of_basis, ckey, published, cluster) VALUES ('d', ?, 'q', '1', 1, 'exact', 'killed', 'personnel', "
            "'s', ?, 'x', 'k', ?, ?)", (i, as_of, published, f"stale{i}"))
    conn.close()
    with Ledger(path) as ledger:
        got = [(r[0], r[1]) for r in ledger.conn.execute("SELECT m_start, m_end FROM claims ORDER BY idx")]
        assert got == [merge_bounds(a, p) for a, p in rows]
        assert ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0] == len(rows)  # nothing lost
        assert _stored(ledger.conn) == _scratch(ledger.conn)
        assert recluster_all(ledger.conn) == 0  # already exact

"""Stored findings, kept per (actor, measure family) unit, equal a recount of every claim.

A write recomputes only the units its claims touched (figtrace/store/findings.py);
these tests hold the stored rows to the pure rules
(:func:`figtrace.reconcile.rules.check` over every current claim of the ledger)
after random documents stored one by one and in batches, superseded by new
versions, reviewed, and after migrating a ledger that kept findings per actor.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figtrace.model import Document
from figtrace.reconcile.rules import check, measure_family
from figtrace.reconcile.timeline import build_points
from figtrace.store import Ledger
from figtrace.store.findings import _COLUMNS, _SELECT_FOR_RULES, _row
from figtrace.store.queries import _SELECT_CLAIMS, _row_to_claim
from figtrace.store.reviews import Review, review_claim
from figtrace.store.synth import make_claim

ACTORS = ("North Korea", "north korea", "Russia", None)
MEASURES = ("killed", "wounded", "killed_or_wounded", "deployed", "captured", "missing")
SOURCES = ("UN", "NIS", "UN", "NIS", "unattributed")
QUALIFIERS = ("exact", "approx", "more_than", "at_most")
AS_OFS = (None, "2025-01", "2025-01-10", "2025-02", "2025-03-15", "2025-01-01..2025-03-31")

claim_st = st.fixed_dictionaries({
    "actor": st.sampled_from(ACTORS), "measure": st.sampled_from(MEASURES), "source": st.sampled_from(SOURCES),
    "value": st.sampled_from((100, 400, 3000, 9000)), "qualifier": st.sampled_from(QUALIFIERS),
    "as_of": st.sampled_from(AS_OFS), "scope": st.sampled_from((None, None, "total", "period")),
    "confidence": st.sampled_from((1.0, 1.0, 0.5)),
})
doc_st = st.tuples(st.lists(claim_st, min_size=1, max_size=4), st.integers(0, 3), st.integers(1, 28))


def _stored(ledger: Ledger) -> list[tuple[Any, ...]]:
    cols = ", ".join(_COLUMNS)
    return sorted((tuple(r) for r in ledger.conn.execute(f"SELECT {cols} FROM findings")), key=repr)


def _recount(ledger: Ledger) -> list[tuple[Any, ...]]:
    """Every rule over every current claim of the ledger at once."""
    claims = [_row_to_claim(r) for r in ledger.conn.execute(_SELECT_CLAIMS + " WHERE c.current = 1")]
    return sorted((_row(f) for f in check(*build_points(claims))), key=repr)


def _overview(ledger: Ledger) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The stored overview rows and a recount of every current claim (pairs compared as NOCASE does)."""
    def fold(x: Any) -> Any:
        return None if x is None else x.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                                "abcdefghijklmnopqrstuvwxyz"))
    stored = sorted(((fold(r[0]), fold(r[1]), *r[2:]) for r in ledger.conn.execute(
        "SELECT actor, measure, n_claims, n_sources, n_clusters, n_documents FROM pair_stats")), key=repr)
    recount = sorted(((fold(r[0]), fold(r[1]), *r[2:]) for r in ledger.conn.execute(
        "SELECT actor, measure, count(*), count(DISTINCT source), count(DISTINCT cluster), count(DISTINCT doc_id) "
        "FROM claims WHERE current = 1 GROUP BY actor, measure")), key=repr)
    # each source's claims and documents, counted as they are written
    stored += sorted(tuple(r) for r in ledger.conn.execute("SELECT name, n_claims, n_documents FROM sources"))
    recount += sorted(tuple(r) for r in ledger.conn.execute(
        "SELECT s.name, count(c.id), count(DISTINCT c.doc_id) FROM sources s "
        "LEFT JOIN claims c ON c.source = s.name AND c.current = 1 GROUP BY s.name"))
    return stored, recount


def _document(i: int, claims: list[dict[str, Any]], url: int, day: int) -> tuple[Document, list[Any]]:
    doc = Document(text=f"Report {i}: " + " ".join(f"{c['value']} {c['measure']}" for c in claims),
                   name=f"d{i}.txt", url=f"https://example.org/{url}" if url else None,
                   published=f"2025-0{1 + day % 4}-{day:02d}")
    return doc, [make_claim(doc.name, **c) for c in claims]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.lists(doc_st, min_size=1, max_size=5), min_size=1, max_size=5),
       in_batch=st.lists(st.booleans(), min_size=5, max_size=5),
       reprints=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 28)), max_size=4),
       reviews=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(MEASURES), st.sampled_from(ACTORS[:3]),
                                  st.sampled_from((None, None, "UN", "WHO")), st.booleans()),
                        max_size=3))
def test_findings_kept_per_unit_equal_a_recount_of_every_claim(tmp_path_factory, batches, in_batch, reprints,
                                                                reviews) -> None:
    path = tmp_path_factory.mktemp("findings") / "l.db"
    with Ledger(path) as ledger:
        i = 0
        for batch, batched in zip(batches, in_batch, strict=False):
            items = []
            for claims, url, day in batch:
                items.append(_document(i, claims, url, day))
                i += 1
            if batched:
                with ledger.batch():
                    for item in items:
                        ledger.add_documents([item])
            else:
                for doc, found in items:
                    ledger.add_document(doc, found)
            assert _stored(ledger) == _recount(ledger)
            stored_counts, recounted = _overview(ledger)
            assert stored_counts == recounted
        stored = [claims for batch in batches for claims, _, _ in batch]
        for pick, day in reprints:  # another outlet prints a stored document's figures: they join its clusters
            with ledger.batch():
                ledger.add_documents([_document(i, stored[pick % len(stored)], 0, day)])
            i += 1
            assert _stored(ledger) == _recount(ledger)
            stored_counts, recounted = _overview(ledger)
            assert stored_counts == recounted
        ids = [r[0] for r in ledger.conn.execute("SELECT id FROM claims ORDER BY id")]
        for pick, measure, actor, source, reject in reviews:  # a review moves a claim to another unit or source
            review_claim(ledger, ids[pick % len(ids)], Review(measure=measure, actor=actor, source=source,
                                                              reject=reject))
            assert _stored(ledger) == _recount(ledger)
            stored_counts, recounted = _overview(ledger)
            assert stored_counts == recounted
        with ledger.batch():  # newer versions of reviewed articles: old claims leave, the reviews come back
            for url in (1, 2, 3):
                ledger.add_documents([_document(i, stored[url % len(stored)], url, 27)])
                i += 1
        assert _stored(ledger) == _recount(ledger)
        stored_counts, recounted = _overview(ledger)
        assert stored_counts == recounted
        assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 0


def test_a_batch_recomputes_only_the_units_it_touched(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        seed = [make_claim("a.txt", actor="Russia", measure=m, source=s, value=v, as_of="2025-02", scope="total")
                for m, s, v in (("killed", "UN", 100), ("killed", "NIS", 900), ("captured", "UN", 10),
                                ("captured", "NIS", 90))]
        ledger.add_document(Document(text="seed", name="a.txt", published="2025-02-03"), seed)
        read: list[str] = []
        ledger.conn.set_trace_callback(read.append)
        with ledger.batch():
            ledger.add_document(Document(text="later", name="b.txt", published="2025-02-04"),
                                [make_claim("b.txt", actor="Russia", measure="captured", source="UN", value=12,
                                            scope="total", as_of="2025-02")])
        ledger.conn.set_trace_callback(None)
        unit_reads = [s for s in read if "c.measure IN" in s]
        assert unit_reads and all("'captured'" in s and "'killed'" not in s for s in unit_reads)
        assert _stored(ledger) == _recount(ledger)
        families = {r[0] for r in ledger.conn.execute("SELECT DISTINCT family FROM findings")}
        assert families == {measure_family("killed"), "captured"}


def test_a_unit_is_read_from_the_timeline_index_alone(tmp_path: Path) -> None:
    """The closing recount reads every claim of a touched unit: one index range, no row per claim."""
    with Ledger(tmp_path / "l.db") as ledger:
        where, args = ledger._unit_where("Russia", measure_family("killed"))
        plan = " ".join(r[3] for r in ledger.conn.execute(
            "EXPLAIN QUERY PLAN " + _SELECT_FOR_RULES + f" WHERE c.current = 1 AND {where}", args))
        assert "COVERING INDEX claims_timeline" in plan, plan


def test_migrating_a_ledger_that_kept_findings_per_actor(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Ledger(path) as ledger:
        for i, (actor, measure, source, value) in enumerate((
                ("Russia", "killed", "UN", 100), ("Russia", "killed", "NIS", 900), ("Russia", "deployed", "UN", 50),
                ("Gaza", "captured", "UN", 10), ("Gaza", "captured", "NIS", 90))):
            doc = Document(text=f"doc {i}", name=f"d{i}.txt", published="2025-02-03")
            ledger.add_document(doc, [make_claim(doc.name, actor=actor, measure=measure, source=source, value=value,
                                                 as_of="2025-02")])
        expected = _stored(ledger)
    # the layout of schema version 9: no family column, one stale row per actor, the indexes of then
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DROP INDEX findings_unit")
    conn.execute("CREATE INDEX findings_actor ON findings(actor, kind_rank)")
    conn.execute("CREATE INDEX claims_doc ON claims(doc_id)")
    conn.execute("DROP TABLE findings_stale")
    conn.execute("CREATE TABLE findings_stale (actor TEXT PRIMARY KEY COLLATE NOCASE)")
    conn.execute("INSERT INTO findings_stale VALUES ('Gaza')")
    conn.execute("ALTER TABLE findings DROP COLUMN family")
    conn.execute("ALTER TABLE sources DROP COLUMN n_claims")
    conn.execute("ALTER TABLE sources DROP COLUMN n_documents")
    conn.execute("DROP INDEX claims_source")
    conn.execute("CREATE INDEX claims_source_docs ON claims(source, current, doc_id)")
    conn.execute("DELETE FROM migrations WHERE version > 9")
    conn.execute("PRAGMA user_version = 9")
    conn.execute("COMMIT")
    conn.close()
    with Ledger(path) as ledger:
        assert [tuple(r) for r in ledger.conn.execute("SELECT actor, family FROM findings_stale")] == [("Gaza", "*")]
        assert ledger.stale_actor_count() == 1
        assert _stored(ledger) == expected  # every stored row names its family
        assert ledger.refresh_stale_findings() == 1
        assert _stored(ledger) == expected == _recount(ledger)
        stored_counts, recounted = _overview(ledger)  # the sources' counts are filled by the migration
        assert stored_counts == recounted
        assert {r["name"]: (r["n_claims"], r["n_documents"]) for r in ledger.sources()} == {"UN": (3, 3),
                                                                                           "NIS": (2, 2)}
        indexes = {r[0] for r in ledger.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "findings_unit" in indexes and not {"claims_doc", "findings_actor"} & indexes


def test_a_reprint_joining_a_stored_cluster_only_rewrites_the_claim_ids(tmp_path: Path) -> None:
    figures = [{"actor": "Russia", "measure": "killed", "source": s, "value": v, "as_of": "2025-01-10"}
               for s, v in (("UN", 100), ("NIS", 3000))]
    with Ledger(tmp_path / "l.db") as ledger:
        first = Document(text="first", name="a.txt", published="2025-01-12")
        ledger.add_document(first, [make_claim(first.name, **c) for c in figures])
        [(rule, before)] = ledger.conn.execute("SELECT rule, claim_ids FROM findings").fetchall()
        with ledger.batch():
            reprint = Document(text="reprint", name="b.txt", published="2025-01-11")
            ledger.add_document(reprint, [make_claim(reprint.name, **figures[0])])
            # the point keeps what the rules read: nothing to recompute, the finding shows the new printing
            assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 0
            new_id = ledger.conn.execute("SELECT id FROM claims WHERE doc_name = 'b.txt'").fetchone()[0]
            after = ledger.conn.execute("SELECT claim_ids FROM findings").fetchone()[0]
            assert rule == "spread" and json.loads(after) == sorted([*json.loads(before), new_id])
        assert _stored(ledger) == _recount(ledger)
        with ledger.batch():  # an undated printing reaches back before the cluster began: renamed, recomputed
            dated = Document(text="dated", name="c.txt", published="2025-01-13")
            ledger.add_document(dated, [make_claim(dated.name, **{**figures[1], "as_of": None})])
            assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 1
        assert _stored(ledger) == _recount(ledger)


point_claim_st = st.fixed_dictionaries({
    "actor": st.sampled_from(("Russia", "Russia", "Gaza")),
    "measure": st.sampled_from(("killed", "killed", "wounded", "killed_or_wounded", "deployed", "captured")),
    "source": st.sampled_from(("UN", "NIS", "WHO", "unattributed")),
    "value": st.sampled_from((100, 130, 400, 3000, 9000)), "qualifier": st.sampled_from(QUALIFIERS),
    "as_of": st.sampled_from(AS_OFS), "published": st.sampled_from((None, "2025-01-20", "2025-02-15", "2025-04-02")),
    "scope": st.sampled_from((None, None, "total", "period", "event")), "confidence": st.sampled_from((1.0, 0.5)),
})


@settings(max_examples=300, deadline=None)
@given(old=st.lists(point_claim_st, min_size=4, max_size=24), new=st.lists(point_claim_st, min_size=1, max_size=4))
def test_merging_only_the_pairs_with_new_points_equals_checking_every_point(old, new) -> None:
    from figtrace.reconcile.rules import update

    claims = []
    for i, c in enumerate(old + new):  # each claim its own cluster: a point
        low = None if c["qualifier"] == "at_most" else c["value"]
        high = None if c["qualifier"] == "more_than" else c["value"]
        claims.append({**c, "id": i + 1, "cluster": f"k{i + 1}", "doc": f"d{i}", "low": low, "high": high,
                       "item": None, "group": None, "quote": "q", "figure": str(c["value"]), "start": 0})
    before = check(*build_points(claims[:len(old)]))
    points, members = build_points(claims)
    result = update(points, members, before, {c["cluster"] for c in claims[len(old):]})
    assert result is not None
    written, gone = result
    replaced = {f.key for f in written} | gone
    merged = [f for f in before if f.key not in replaced] + written
    assert sorted((_row(f) for f in merged), key=repr) == sorted((_row(f) for f in check(points, members)), key=repr)


def _point_claim(i: int, source: str, value: int, as_of: str) -> dict[str, Any]:
    return {"id": i, "cluster": f"k{i}", "doc": f"d{i}", "actor": "Russia", "measure": "killed", "source": source,
            "value": value, "low": value, "high": value, "qualifier": "exact", "as_of": as_of, "published": None,
            "scope": None, "confidence": 1.0, "item": None, "group": None, "quote": "q", "figure": str(value),
            "start": 0}


def test_an_older_figure_of_a_source_in_a_spread_window_reworks_the_window() -> None:
    from figtrace.reconcile.rules import update

    claim = _point_claim
    old = [claim(1, "WHO", 500, "2025-01-02"), claim(2, "UN", 100, "2025-01-05"), claim(3, "NIS", 3000, "2025-01-10")]
    before = check(*build_points(old))
    # NIS's newest figure stays, but NIS is now the first source met in the window: the listed order changes
    points, members = build_points([*old, claim(4, "NIS", 2900, "2025-01-01")])
    written, gone = update(points, members, before, {"k4"}) or ([], set())
    merged = [f for f in before if f.key not in {f.key for f in written} | gone] + written
    assert [_row(f) for f in merged] == [_row(f) for f in check(points, members)]
    assert merged[0].spread is not None and merged[0].spread["clusters"][0] == "k3"


def test_a_newer_figure_that_closes_a_spread_removes_its_finding() -> None:
    from figtrace.reconcile.rules import update

    claim = _point_claim
    old = [claim(1, "UN", 100, "2025-01-05"), claim(2, "NIS", 3000, "2025-01-10")]
    before = check(*build_points(old))
    assert [f.rule for f in before] == ["spread"]
    points, members = build_points([*old, claim(3, "NIS", 120, "2025-01-20")])  # NIS's newest in January
    written, gone = update(points, members, before, {"k3"}) or ([], set())
    assert written == [] and gone == {before[0].key} and check(points, members) == []


@settings(max_examples=200, deadline=None)
@given(old=st.lists(point_claim_st, min_size=2, max_size=16), extra=point_claim_st)
def test_a_point_no_rule_compares_changes_no_finding(old, extra) -> None:
    from figtrace.reconcile.rules import can_conflict
    from figtrace.reconcile.settings import CUMULATIVE_MEASURES, HIERARCHY

    assert {m for pair in HIERARCHY for m in pair} <= CUMULATIVE_MEASURES  # what can_conflict relies on
    claims = []
    for i, c in enumerate([*old, extra]):
        low = None if c["qualifier"] == "at_most" else c["value"]
        high = None if c["qualifier"] == "more_than" else c["value"]
        claims.append({**c, "id": i + 1, "cluster": f"k{i + 1}", "doc": f"d{i}", "low": low, "high": high,
                       "item": None, "group": None, "quote": "q", "figure": str(c["value"]), "start": 0})
    points, members = build_points(claims)
    if not can_conflict(next(p for p in points if p["cluster"] == f"k{len(claims)}")):
        assert [_row(f) for f in check(points, members)] == [_row(f) for f in check(*build_points(claims[:-1]))]


def test_source_counts_follow_reviews_rejections_and_new_versions(tmp_path: Path) -> None:
    """Each source's claims and documents are counted as they are written; every change moves them exactly."""
    def counts(ledger: Ledger) -> dict[str, tuple[int, int]]:
        stored_counts, recounted = _overview(ledger)
        assert stored_counts == recounted
        return {r["name"]: (r["n_claims"], r["n_documents"]) for r in ledger.sources() if r["n_claims"]}

    with Ledger(tmp_path / "l.db") as ledger:
        first = Document(text="v1", name="a.txt", url="https://example.org/a", published="2025-02-03")
        found = [make_claim("a.txt", source=s, value=v) for s, v in (("UN", 1), ("UN", 2), ("NIS", 3))]
        ledger.add_document(first, found)
        ledger.add_document(Document(text="b", name="b.txt", published="2025-02-04"),
                            [make_claim("b.txt", source="un", value=4)])
        assert counts(ledger) == {"UN": (3, 2), "NIS": (1, 1)}  # "un" is the source "UN", as NOCASE compares
        ids = {c["figure"]: c["id"] for c in ledger.claims()}
        review_claim(ledger, ids["3"], Review(source="Ukrainian armed forces"))
        assert counts(ledger) == {"UN": (3, 2), "Ukrainian armed forces": (1, 1)}
        review_claim(ledger, ids["1"], Review(reject=True))
        assert counts(ledger) == {"UN": (2, 2), "Ukrainian armed forces": (1, 1)}
        with ledger.batch():  # a newer version of the article: the old one's claims leave, the reviews come back
            second = Document(text="v2", name="a.txt", url="https://example.org/a", published="2025-02-05")
            ledger.add_document(second, [make_claim("a.txt", source=s, value=v)
                                         for s, v in (("UN", 1), ("UN", 2), ("NIS", 3), ("NIS", 5))])
        assert counts(ledger) == {"UN": (2, 2), "Ukrainian armed forces": (1, 1), "NIS": (1, 1)}

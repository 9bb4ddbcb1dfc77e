"""A batch ingest recounts the overview once; stale rows never show as wrong counts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from figtrace.cli import main
from figtrace.errors import InputError
from figtrace.model import Claim, Document
from figtrace.pipeline import Result
from figtrace.scale.sink import store_results
from figtrace.store import Ledger
from figtrace.store.writing import IngestSummary

CORPUS = Path(__file__).resolve().parents[1] / "figtrace" / "data" / "corpus"


def _doc(i: int) -> tuple[Document, list[Claim]]:
    text = f"Bericht {i}: Laut UN wurden {100 + i} Menschen getötet."
    doc = Document(text=text, name=f"d{i}.txt", lang="de", published="2025-06-01")
    start = text.index(str(100 + i))
    claim = Claim(doc=doc.name, quote=text, figure=str(100 + i), value=100 + i, low=100 + i, high=100 + i,
                  qualifier="exact", measure="killed", actor="Gaza", unit="personnel", source="UN" if i % 2 else "WHO",
                  as_of=f"2025-0{1 + i % 5}", location=None, start=start, end=start + 3, quote_start=0,
                  quote_end=len(text))
    return doc, [claim]


def test_a_batch_counts_new_claims_as_they_come_and_recounts_changed_pairs_at_the_end(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        with ledger.batch():
            for i in range(6):
                ledger.add_document(*_doc(i))
            # new documents only add: their counts are kept current, not marked stale
            rows = ledger.conn.execute("SELECT n_claims, n_sources, n_clusters, n_documents FROM pair_stats")
            assert [tuple(r) for r in rows] == [(6, 2, 6, 6)]
            # a newer version of a stored article changes stored claims: the pair is recounted at the end
            doc, claims = _doc(7)
            first = Document(text=doc.text, name="v1.txt", url="https://example.org/a", published="2025-06-01")
            second = Document(text=doc.text + " Neu.", name="v2.txt", url="https://example.org/a",
                              published="2025-06-02")
            ledger.add_document(first, [claims[0]])
            ledger.add_document(second, [claims[0]])
            stale = ledger.conn.execute("SELECT n_claims FROM pair_stats").fetchall()
            assert [r[0] for r in stale] == [-1]
            # read while stale: counted on the fly, never -1
            (m,) = ledger.metrics()
            assert (m["n_claims"], m["n_sources"]) == (7, 2)
        assert tuple(ledger.conn.execute("SELECT n_claims, n_sources FROM pair_stats").fetchone()) == (7, 2)


def test_stale_rows_left_by_a_killed_batch_are_recounted_by_the_next_writer(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger._batch_depth = 1  # as if the process died inside a batch
        doc, claims = _doc(1)
        for n in (1, 2):  # a second version of one article: the pair is left stale
            ledger.add_document(Document(text=f"{doc.text} v{n}", name=f"v{n}.txt", url="https://example.org/a",
                                         published="2025-06-01"), claims)
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.conn.execute("SELECT n_claims FROM pair_stats").fetchone()[0] == -1
        with ledger.batch():
            ledger.add_document(*_doc(2))
        assert ledger.conn.execute("SELECT n_claims FROM pair_stats").fetchone()[0] == 2


def test_ingest_with_jobs_builds_the_same_ledger(tmp_path: Path) -> None:
    texts = [str(p) for p in sorted((CORPUS / "en").glob("*.txt"))[:4]]
    runner = CliRunner()
    out = {}
    for jobs in ("1", "2"):
        db = tmp_path / f"j{jobs}.db"
        r = runner.invoke(main, ["ingest", *texts, "--db", str(db), "-j", jobs, "-q"])
        assert r.exit_code == 0, r.output
        with Ledger(db, readonly=True) as ledger:
            out[jobs] = ([(c["doc"], c["start"], c["measure"], c["cluster"]) for c in ledger.claims()],
                         ledger.metrics())
    assert out["1"] == out["2"]
    assert out["1"][0]


def test_scheduler_needs_the_dask_engine(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["ingest", "x.txt", "--db", str(tmp_path / "l.db"), "--scheduler", "tcp://x:1"])
    assert r.exit_code == 2 and "--engine dask" in r.output


def _result(i: int, claims: list[Claim] | None = None) -> Result:
    doc, found = _doc(i)
    return Result(doc, found if claims is None else claims)


def test_add_documents_stores_a_batch_in_one_transaction(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        statements: list[str] = []
        ledger.conn.set_trace_callback(statements.append)
        doc, found = _doc(1)
        added = ledger.add_documents([_doc(1), _doc(2), (doc, found), _doc(3)])
        ledger.conn.set_trace_callback(None)
        assert added == [True, True, False, True]  # the same text twice in one batch is stored once
        assert statements.count("COMMIT") == 1
        assert ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 3


def test_the_sink_writes_in_batches_and_a_refused_claim_fails_only_its_document(tmp_path: Path) -> None:
    bad = _result(4)
    bad.claims[0].value = float("nan")
    results = [_result(1), _result(2), bad, _result(5), InputError("gone.txt", "cannot read it"), _result(6)]
    with Ledger(tmp_path / "l.db") as ledger:
        commits: list[str] = []
        ledger.conn.set_trace_callback(lambda s: commits.append(s) if s == "COMMIT" else None)
        summary = store_results(ledger, results, IngestSummary(), batch=8)
        ledger.conn.set_trace_callback(None)
        assert (summary.documents_added, summary.claims_added) == (4, 4)
        assert [f.input for f in summary.failures] == ["d4.txt", "gone.txt"]
        assert "not finite" in summary.failures[0].message
        assert len(commits) == 2  # the four before the error in one transaction, the last one in another
        names = [r[0] for r in ledger.conn.execute("SELECT name FROM documents ORDER BY name")]
        assert names == ["d1.txt", "d2.txt", "d5.txt", "d6.txt"]


def test_a_batch_out_of_time_is_stored_again_one_by_one(tmp_path: Path, monkeypatch) -> None:
    import time

    from figtrace.scale import sink
    from figtrace.store.writing import Writing

    insert = Writing._insert

    def slow_for_d3(self, doc, rows):  # type: ignore[no-untyped-def]
        if doc.name == "d3.txt":
            time.sleep(3 * budget)  # far over its budget; the others' writes take milliseconds, far under it
        return insert(self, doc, rows)

    budget = 1.0  # generous for a write of milliseconds on a loaded machine
    monkeypatch.setattr(Writing, "_insert", slow_for_d3)
    monkeypatch.setattr(sink, "WRITE_FLOOR_S", budget)
    with Ledger(tmp_path / "l.db") as ledger:
        summary = store_results(ledger, [_result(i) for i in range(1, 6)], IngestSummary(), budget=budget)
        assert summary.documents_added == 4
        assert [f.input for f in summary.failures] == ["d3.txt"]
        assert "budget while storing it" in summary.failures[0].message
        names = [r[0] for r in ledger.conn.execute("SELECT name FROM documents ORDER BY name")]
        assert names == ["d1.txt", "d2.txt", "d4.txt", "d5.txt"]

"""A batch ingest recounts the overview once; stale rows never show as wrong counts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from figtrace.cli import main
from figtrace.model import Claim, Document
from figtrace.store import Ledger

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


def test_a_batch_marks_pairs_stale_and_recounts_them_at_the_end(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        with ledger.batch():
            for i in range(6):
                ledger.add_document(*_doc(i))
            stale = ledger.conn.execute("SELECT n_claims FROM pair_stats").fetchall()
            assert [r[0] for r in stale] == [-1]
            # read while stale: counted on the fly, never -1
            (m,) = ledger.metrics()
            assert (m["n_claims"], m["n_sources"]) == (6, 2)
        assert tuple(ledger.conn.execute("SELECT n_claims, n_sources FROM pair_stats").fetchone()) == (6, 2)


def test_stale_rows_left_by_a_killed_batch_are_recounted_by_the_next_writer(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger._batch_depth = 1  # as if the process died inside a batch
        ledger.add_document(*_doc(1))
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

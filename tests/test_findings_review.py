"""The tool's findings on the bundled corpus scored against a reviewed truth (figtrace/data/reviewed/).

The reviewed file was written by reading the articles: which groups of
figures really contradict each other, which only show sources disagreeing,
and which look like conflicts but are explained. The gate is the issue's:
contradictions precision >= 0.90 and recall >= 0.80.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from figtrace.reconcile.review import Reviewed, load_reviewed, score
from figtrace.report.demo import CORPUS, corpus_files
from figtrace.scale import ingest
from figtrace.store import Ledger

REVIEWED = Path(CORPUS).parent / "reviewed" / "corpus.findings.jsonl"
MIN_PRECISION = 0.90
MIN_RECALL = 0.80


@pytest.fixture(scope="module")
def corpus_findings(tmp_path_factory):
    db = tmp_path_factory.mktemp("review") / "corpus.db"
    with Ledger(db) as ledger:
        summary = ingest(ledger, [str(p) for p in corpus_files()])
        assert not summary.failures
        return [f.to_dict() for f in ledger.conflicts()]


def test_reviewed_file_names_real_documents_and_kinds() -> None:
    reviewed = load_reviewed(REVIEWED)
    names = {p.name for p in corpus_files()}
    assert {g.kind for g in reviewed} == {"contradiction", "disagreement", "explained"}
    for g in reviewed:
        assert {doc for doc, _ in g.claims} <= names, g
        assert g.note, g


def test_contradictions_against_the_reviewed_truth(corpus_findings) -> None:
    result = score(corpus_findings, load_reviewed(REVIEWED), "contradiction")
    assert result.precision >= MIN_PRECISION, f"precision {result.precision:.2f}: {result.false_findings}"
    assert result.recall >= MIN_RECALL, f"recall {result.recall:.2f}: missed {result.missed}"


def test_no_reviewed_explained_group_is_called_a_contradiction(corpus_findings) -> None:
    explained = [g for g in load_reviewed(REVIEWED) if g.kind == "explained"]
    as_contradiction = [Reviewed("contradiction", g.actor, g.claims, note=g.note) for g in explained]
    wrong = score(corpus_findings, as_contradiction, "contradiction")
    assert wrong.tp == 0, wrong


def test_scorer_counts_matches_misses_and_false_findings() -> None:
    group = Reviewed("contradiction", "X", {("a.txt", "10"), ("a.txt", "more than 50")})
    other = Reviewed("contradiction", "X", {("b.txt", "7"), ("b.txt", "70")})
    good = {"kind": "contradiction", "actor": "X", "rule": "lower_bound", "explanation": "",
            "claims": [{"doc": "a.txt", "figure": "the 10"}, {"doc": "a.txt", "figure": "More than 50"}]}
    wrong_actor = {**good, "actor": "Y"}
    half = {**good, "claims": [{"doc": "a.txt", "figure": "10"}, {"doc": "c.txt", "figure": "3"}]}
    result = score([good, wrong_actor, half], [group, other], "contradiction")
    assert (result.tp, result.fp, result.fn) == (1, 2, 1)
    assert result.precision == pytest.approx(1 / 3) and result.recall == 0.5
    assert score([], [], "contradiction").precision == 1.0


def test_bad_reviewed_line_names_its_line(tmp_path) -> None:
    from figtrace.errors import FigtraceError

    bad = tmp_path / "r.jsonl"
    bad.write_text('{"kind": "alarm", "actor": "X", "claims": []}\n', encoding="utf-8")
    with pytest.raises(FigtraceError, match=r"r\.jsonl:1: .*alarm"):
        load_reviewed(bad)

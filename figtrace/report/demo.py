"""The demo: the bundled corpus ingested into a fresh ledger, then reported.

Only the ``.txt`` files of ``figtrace/data/corpus`` are articles; the
``.claims.jsonl`` beside them are the golden answers and must not be read
as input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent.parent / "data" / "corpus"


@dataclass(slots=True)
class DemoResult:
    db: Path
    report: Path
    summary: str
    failures: list[str] = field(default_factory=list)


def corpus_files(root: Path = CORPUS) -> list[Path]:
    """The bundled articles, in a stable order."""
    return sorted(p for p in root.rglob("*.txt") if p.is_file())


def run_demo(db: Path, report: Path, *, root: Path = CORPUS) -> DemoResult:
    """Ingest ``root``'s articles into ``db`` and write the report to ``report``."""
    from figtrace.report.render import write_report
    from figtrace.scale import ingest
    from figtrace.store import Ledger

    files = corpus_files(root)
    with Ledger(db) as ledger:
        summary = ingest(ledger, [str(p) for p in files])
    with Ledger(db, readonly=True) as ledger:
        written = write_report(ledger, report, title="figtrace demo: the bundled corpus", db_name=db.name)
    return DemoResult(db=db, report=written, summary=summary.line(),
                      failures=[str(f) for f in summary.failures])

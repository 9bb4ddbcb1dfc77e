"""The one sink: every road (one process, the pool, Dask, a shards folder) stores its results here.

SQLite has one writer, so only processing fans out; results are stored in
input order, so the ledger (ids, clusters, versions) is the same whichever
road computed them.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from figtrace.errors import FigtraceError, InputError
from figtrace.limits import DOCUMENT_BUDGET_S, DocumentTimeout, budget_message, time_limit
from figtrace.model import Document
from figtrace.pipeline import Options, Outcome, Result, default_extractor, read, run_documents
from figtrace.store import db
from figtrace.store.db import LedgerError
from figtrace.store.ledger import IngestAborted, IngestSummary, Ledger
from figtrace.store.writing import InvalidClaim, check_claims

ENGINES = ("local", "dask")
#: Seconds a document's ledger write may always take, whatever the earlier stages left of its budget.
WRITE_FLOOR_S = 5.0
#: Documents between two checkpoints that restart the write-ahead log. SQLite's automatic
#: checkpoint never restarts the log while readers keep reading (the dashboard beside an ingest):
#: in the load test it grew to 780 MB in five minutes and every read slowed down with it.
CHECKPOINT_EVERY = 100
#: Documents per write transaction. A commit writes every page it changed; documents stored
#: together share the pages at the end of the claims table, the full-text index and the
#: overview rows, so a batch writes them once (bench/bench_ledger.py). Small enough that a
#: killed ingest loses seconds of work, and that a reader waits for no long transaction.
WRITE_BATCH = 32


def store_results(ledger: Ledger, outcomes: Iterable[Outcome], summary: IngestSummary,
                  progress: bool = False, budget: float | None = DOCUMENT_BUDGET_S,
                  batch: int = WRITE_BATCH) -> IngestSummary:
    """Store each result and count it in ``summary``; a failed input is listed, a bad ledger stops the run.

    Results are written ``batch`` documents per transaction, in input order.
    The write is the last stage of a document's ``budget``: it gets what reading
    and processing left of it (at least ``WRITE_FLOOR_S``, so a document that
    finished just in time is not refused for a write of milliseconds); a batch
    gets the least of its documents' shares, and if it runs out, its documents
    are stored again one by one, each with its own.
    """
    pending: list[Result] = []

    def flush() -> None:
        if pending:
            _write(ledger, pending, summary, budget)
            pending.clear()

    seen = 0
    for item in _progress(outcomes, progress):
        seen += 1
        if seen % CHECKPOINT_EVERY == 0:
            flush()
            _checkpoint(ledger)
        if isinstance(item, InputError):
            flush()  # problems are listed in input order
            summary.add_problem(item)
            continue
        pending.append(item)
        if len(pending) >= batch:
            flush()
    flush()
    return summary


def _write(ledger: Ledger, results: list[Result], summary: IngestSummary, budget: float | None) -> None:
    """Store results in one transaction; a document the ledger refuses is listed, the rest are stored."""
    valid: list[Result] = []
    for r in results:
        try:
            check_claims(r.document, r.claims)
        except InvalidClaim as e:
            summary.failures.append(InputError(r.document.name, str(e).removeprefix(f"{r.document.name}: ")))
            continue
        valid.append(r)
    if not valid:
        return
    limit = None if budget is None else min(max(budget - r.elapsed, WRITE_FLOOR_S) for r in valid)
    try:
        with time_limit(limit, budget_message(budget or 0, "storing it")):
            added = ledger.add_documents([(r.document, r.claims) for r in valid])
    except DocumentTimeout as e:
        if len(valid) > 1:  # rolled back whole: one by one, so only the slow one is refused
            for r in valid:
                _write(ledger, [r], summary, budget)
        else:
            summary.add_problem(InputError(valid[0].document.name, str(e)))
        return
    except LedgerError as e:
        raise IngestAborted(f"{e} ({summary.line()} before it stopped)", summary) from None
    for r, was_added in zip(valid, added, strict=True):
        if was_added:
            summary.documents_added += 1
            summary.claims_added += len(r.claims)
        else:
            summary.documents_skipped += 1
        if r.empty_reason is not None:
            summary.skipped.append(r.empty_reason)


def ingest(
    ledger: Ledger, inputs: Iterable[str], options: Options | None = None, *, jobs: int = 1,
    engine: str = "local", scheduler: Any = None, shards: str | Path | None = None, progress: bool = False,
) -> IngestSummary:
    """Read, process and store every input (``figtrace ingest``); the ledger is the same for any road.

    One process (``jobs=1``, local) skips a document already stored before
    extracting it. ``jobs > 1`` extracts on a process pool; ``engine="dask"``
    on a Dask cluster through Parquet shards kept in ``shards`` (or in a
    temporary folder, removed afterwards). Without an extractor in
    ``options``, the one named by ``FIGTRACE_EXTRACTOR`` or the rule engine.
    """
    from figtrace.scale.pool import iter_results

    options = options or Options()
    if options.extractor is None:
        options = dataclasses.replace(options, extractor=default_extractor())
    if isinstance(inputs, str):
        inputs = [inputs]
    summary = IngestSummary()
    if engine == "local" and jobs == 1:
        with ledger.batch():
            store_results(ledger, run_documents(_unstored(ledger, read(inputs, options), summary), options),
                          summary, progress, options.budget)
    elif engine == "local":
        with ledger.batch():
            store_results(ledger, iter_results(inputs, options, jobs=jobs), summary, progress, options.budget)
    elif engine == "dask":
        from figtrace.scale.dask import run_dask
        from figtrace.scale.shards import iter_shards

        with tempfile.TemporaryDirectory(prefix="figtrace-shards-") as tmp:
            folder = shards if shards is not None else tmp
            report = run_dask(inputs, folder, options, scheduler=scheduler, workers=jobs)
            for failure in report.failures:
                summary.add_problem(failure)
            with ledger.batch():
                store_results(ledger, iter_shards(folder), summary, progress, options.budget)
    else:
        raise FigtraceError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    return summary


def _checkpoint(ledger: Ledger) -> None:
    """Copy the write-ahead log into the ledger and start it over, waiting (busy timeout) for older readers."""
    import contextlib
    import sqlite3

    # busy or read-only: the next checkpoint tries again; nothing is lost either way
    with contextlib.suppress(sqlite3.Error):
        ledger.conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()


def _unstored(ledger: Ledger, items: Iterable[Document | InputError],
              summary: IngestSummary) -> Iterator[Document | InputError]:
    """Documents whose text the ledger does not hold yet: re-ingesting a folder extracts only what is new."""
    for item in items:
        if isinstance(item, Document):
            try:
                stored = ledger.has_document(item.id)
            except db.LedgerError as e:
                raise IngestAborted(f"{e} ({summary.line()} before it stopped)", summary) from None
            if stored:
                summary.documents_skipped += 1
                continue
        yield item


def load_shards(ledger: Ledger, shards: str | Path) -> IngestSummary:
    """Store a shards folder's documents and claims in a ledger, in input order."""
    from figtrace.scale.shards import iter_shards

    summary = IngestSummary()
    with ledger.batch():
        store_results(ledger, iter_shards(shards), summary)
    return summary


def recover(path: str | Path, target: str | Path) -> IngestSummary:
    """Re-extract every readable document of ``path`` into the new ledger ``target``; returns its summary.

    The documents go through the same pipeline as any ingest
    (:func:`figtrace.pipeline.run_documents`, then the one sink), keeping the
    language, date and outlet they were stored with.
    """
    from figtrace.store.check import readable_documents

    if Path(target).exists():
        raise LedgerError(f"{target} exists: recover into a new file")
    options = Options(extractor=default_extractor())
    summary = IngestSummary()
    with Ledger(target) as ledger, ledger.batch():
        store_results(ledger, run_documents(readable_documents(path), options), summary)
    return summary


def _progress(items: Iterable[Outcome], enabled: bool) -> Iterable[Outcome]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="ingest", unit="doc", file=sys.stderr, dynamic_ncols=True)  # type: ignore[no-any-return]

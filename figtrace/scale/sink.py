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
from figtrace.pipeline import Options, Outcome, default_extractor, read, run_documents
from figtrace.store import db
from figtrace.store.db import LedgerError
from figtrace.store.ledger import IngestAborted, IngestSummary, Ledger

ENGINES = ("local", "dask")
#: Seconds a document's ledger write may always take, whatever the earlier stages left of its budget.
WRITE_FLOOR_S = 5.0
#: Documents between two checkpoints that restart the write-ahead log. SQLite's automatic
#: checkpoint never restarts the log while readers keep reading (the dashboard beside an ingest):
#: in the load test it grew to 780 MB in five minutes and every read slowed down with it.
CHECKPOINT_EVERY = 100


def store_results(ledger: Ledger, outcomes: Iterable[Outcome], summary: IngestSummary,
                  progress: bool = False, budget: float | None = DOCUMENT_BUDGET_S) -> IngestSummary:
    """Store each result and count it in ``summary``; a failed input is listed, a bad ledger stops the run.

    The write is the last stage of a document's ``budget``: it gets what reading
    and processing left of it (at least ``WRITE_FLOOR_S``, so a document that
    finished just in time is not refused for a write of milliseconds).
    """
    stored = 0
    for item in _progress(outcomes, progress):
        stored += 1
        if stored % CHECKPOINT_EVERY == 0:
            _checkpoint(ledger)
        if isinstance(item, InputError):
            summary.add_problem(item)
            continue
        remaining = None if budget is None else max(budget - item.elapsed, WRITE_FLOOR_S)
        try:
            with time_limit(remaining, budget_message(budget or 0, "storing it")):
                ledger.store(item.document, item.claims, summary)
        except DocumentTimeout as e:
            summary.add_problem(InputError(item.document.name, str(e)))
            continue
        if item.empty_reason is not None:
            summary.skipped.append(item.empty_reason)
    return summary


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

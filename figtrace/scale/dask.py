"""The Dask road: :func:`figtrace.pipeline.process` mapped over a dask.distributed cluster.

Units are planned as for the process pool (:func:`figtrace.scale.pool.plan`);
each task runs :func:`figtrace.scale.pool.process_unit` and writes its
results as a pair of Parquet shards (:mod:`figtrace.scale.shards`).

Tasks run in a worker's threads, where no timer signal reaches them: the
per-document budget of every stage (reading, metadata, cleaning, extraction)
is enforced there by the watchdog of :mod:`figtrace.limits`, like its memory
bound; the ledger write happens in the client, under its own budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figtrace.errors import FigtraceError, InputError
from figtrace.limits import bound_process_memory
from figtrace.pipeline import Options
from figtrace.scale.pool import IN_FLIGHT_PER_WORKER, Unit, plan, process_unit
from figtrace.scale.shards import shard_dir, write_shard

#: Documents per Dask partition: a task carries a scheduler round trip and
#: writes two Parquet files, so it should take seconds, not milliseconds.
DASK_CHUNK = 100


@dataclass(slots=True)
class DaskReport:
    """What a Dask run wrote: counts, and the inputs that failed (in input order)."""

    shards: Path
    units: int = 0
    documents: int = 0
    claims: int = 0
    failures: list[InputError] = field(default_factory=list)


def run_dask(
    inputs: Iterable[str], shards: str | Path, options: Options | None = None, *, scheduler: Any = None,
    workers: int = 2, chunk: int = DASK_CHUNK,
) -> DaskReport:
    """Process the inputs on a Dask cluster, one Parquet shard pair per partition of ``chunk`` inputs.

    ``scheduler`` is an address (``tcp://host:8786``), a ``distributed.Client``,
    or None for a local cluster of ``workers`` processes. Input paths must be
    readable by the workers (a shared filesystem); stdin and JSON Lines are
    read here and shipped as documents. ``shards`` must be empty or new: old
    shards would mix into the results.
    """
    from distributed import Client, LocalCluster, as_completed

    options = options or Options()
    out = shard_dir(shards)
    report = DaskReport(out)
    own: list[Any] = []
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        own.append(cluster)
        client = Client(cluster)
        own.insert(0, client)
        client.run(bound_process_memory)  # our own workers: the pool's hard memory bound (figtrace/limits.py)
    elif isinstance(scheduler, str):
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as e:
            raise FigtraceError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        own.append(client)
    else:
        client = scheduler
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        window = n_workers * IN_FLIGHT_PER_WORKER
        errors: dict[int, list[InputError]] = {}
        running = as_completed()
        in_flight = 0

        def collect(fut: Any) -> None:
            nonlocal in_flight
            index, n_docs, n_claims, failed = fut.result()
            report.documents += n_docs
            report.claims += n_claims
            errors[index] = [InputError(*f) for f in failed]
            in_flight -= 1

        for unit in plan(inputs, options, chunk):
            running.add(client.submit(shard_task, unit, options, str(out), pure=False))
            report.units += 1
            in_flight += 1
            while in_flight >= window:
                collect(next(running))
        for fut in running:
            collect(fut)
        report.failures = [e for i in sorted(errors) for e in errors[i]]
    finally:
        for thing in own:
            thing.close()
    return report


def shard_task(unit: Unit, options: Options, shards: str) -> tuple[int, int, int, list[tuple[str, str, str]]]:
    """One Dask task: process a unit and write its shards; return its index, counts and failures."""
    n_docs, n_claims, failed = write_shard(unit.index, process_unit(unit, options), shards)
    return unit.index, n_docs, n_claims, failed

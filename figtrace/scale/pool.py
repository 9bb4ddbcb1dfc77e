"""Map :func:`figtrace.pipeline.process` over many documents: in this process or on a process pool.

One unit of work (:class:`Unit`, a handful of input paths or of documents
read already) and one worker function (:func:`process_unit`) serve the pool
and Dask alike, so a claim cannot depend on where it was computed. Results
come back in input order (bounded look-ahead, never the whole corpus in
memory), which makes ``--jobs 4`` print exactly what ``--jobs 1`` prints.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from figtrace.errors import FigtraceError, InputError
from figtrace.limits import bound_process_memory
from figtrace.model import Document
from figtrace.pipeline import Options, Outcome, read, run_documents

#: Input paths per unit of work for a process pool: big enough that pickling
#: and scheduling cost little next to extraction, small enough to balance two
#: or four workers over a folder of a few hundred articles.
POOL_CHUNK = 16
#: Units in flight per worker: keeps every worker busy while bounding memory.
IN_FLIGHT_PER_WORKER = 3


@dataclass(slots=True)
class Unit:
    """A unit of work: input paths a worker reads itself, or documents the client read already."""

    index: int
    paths: tuple[str, ...] = ()
    docs: list[Document] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths) + len(self.docs)


# -- planning -----------------------------------------------------------------

def plan(inputs: Iterable[str], options: Options, chunk: int = POOL_CHUNK) -> Iterator[Unit]:
    """Cut the inputs into units lazily, in the order :func:`figtrace.pipeline.read` would read them.

    Folders are walked here (cheap) so their files spread over workers.
    Streams that only the client can read (``-``) and JSON Lines files (one
    file, many articles, cheap to parse) are read here and sent as raw
    documents; every other path is read by a worker. Every stage after
    reading runs in the workers.
    """
    from figtrace.ingest.sniff import kind_by_name

    index = 0
    paths: list[str] = []
    docs: list[Document | InputError] = []

    def flush_paths() -> Iterator[Unit]:
        nonlocal index
        if paths:
            yield Unit(index, paths=tuple(paths))
            index += 1
            paths.clear()

    def flush_docs() -> Iterator[Unit]:
        nonlocal index
        if docs:
            # An input that failed while the client read it keeps its place as an error document.
            yield Unit(index, docs=[d if isinstance(d, Document) else _error_doc(d) for d in docs])
            index += 1
            docs.clear()

    for path in _expand(inputs):
        if isinstance(path, InputError):  # a file no reader takes: reported in its place
            yield from flush_paths()
            docs.append(path)
            yield from flush_docs()
            continue
        if path == "-" or kind_by_name(path) == "jsonl":
            yield from flush_paths()
            for item in read([path], options):
                docs.append(item)
                if len(docs) >= chunk:
                    yield from flush_docs()
            yield from flush_docs()
            continue
        paths.append(path)
        if len(paths) >= chunk:
            yield from flush_paths()
    yield from flush_paths()


def _expand(inputs: Iterable[str]) -> Iterator[str | InputError]:
    """Inputs with folders replaced by the files in them, as the folder reader lists them (skips included)."""
    from figtrace.ingest import walk_folder

    if isinstance(inputs, str):
        inputs = [inputs]
    for item in inputs:
        if item == "-" or item.lower().startswith(("http://", "https://")) or not os.path.isdir(item):
            yield item
            continue
        yield from walk_folder(item)


_ERROR_MARK = "figtrace.scale.input_error"
_KIND_MARK = "figtrace.scale.input_error_kind"


def _error_doc(err: InputError) -> Document:
    """An input error riding in a unit's document list, so it keeps its place in the output order."""
    return Document(text="", name=err.input, id="-", meta={_ERROR_MARK: err.message, _KIND_MARK: err.kind})


# -- the worker ---------------------------------------------------------------

def process_unit(unit: Unit, options: Options) -> list[Outcome]:
    """Read (if needed) and process one unit; every failure becomes an :class:`InputError` in place."""
    return list(run_documents(_unit_items(unit, options), options))


def _unit_items(unit: Unit, options: Options) -> Iterator[Document | InputError]:
    if unit.paths:
        yield from read(list(unit.paths), options)
    for doc in unit.docs:
        if _ERROR_MARK in doc.meta:
            yield InputError(doc.name, doc.meta[_ERROR_MARK], doc.meta.get(_KIND_MARK, "failed"))
        else:
            yield doc


# -- one machine ----------------------------------------------------------------

def iter_results(
    inputs: Iterable[str], options: Options | None = None, *, jobs: int = 1, chunk: int = POOL_CHUNK,
) -> Iterator[Outcome]:
    """Every document of the inputs processed, in input order, on ``jobs`` processes.

    ``jobs=1`` runs in this process (no pool, no pickling). With more, units
    of ``chunk`` inputs go to a process pool; at most
    ``jobs * IN_FLIGHT_PER_WORKER`` units are in flight, so memory stays flat
    however large the corpus.
    """
    if jobs < 1:
        raise FigtraceError(f"--jobs must be 1 or more, not {jobs}")
    options = options or Options()
    if jobs == 1:
        yield from run_documents(read(inputs, options), options)
        return
    warm_before_fork(options)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=bound_process_memory)
    pending: deque[tuple[Unit, Future[list[Outcome]]]] = deque()

    def next_results() -> list[Outcome]:
        """The oldest unit's results; if its worker died, the pool is replaced and that unit isolated."""
        nonlocal pool
        unit, fut = pending.popleft()
        try:
            return fut.result()
        except BrokenProcessPool:
            # every unit in flight died with the pool: send them again to a new one, in order
            pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=bound_process_memory)
            again = [(u, pool.submit(process_unit, u, options)) for u, _ in pending]
            pending.clear()
            pending.extend(again)
            return isolate(unit, options)

    try:
        for unit in plan(inputs, options, chunk):
            pending.append((unit, pool.submit(process_unit, unit, options)))
            if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                yield from next_results()
        while pending:
            yield from next_results()
    finally:
        for _, fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


#: One bundled sample article per language: what :func:`warm_before_fork` runs through the pipeline.
WARM_CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def warm_before_fork(options: Options) -> None:
    """Load the engine in this process before the pool forks, so the workers inherit it loaded.

    Loading (lexicons compiled, the language model, the knowledge base) costs
    about a second of CPU; a forked worker shares what its parent loaded, so it
    is paid once instead of once per worker (bench/bench_scale.py). One bundled
    sample article per language goes through :func:`figtrace.pipeline.process`,
    since that is what loads every lazy part the workers will use. Under
    another start method (spawn, forkserver) workers share nothing, so nothing
    is done here.
    """
    import multiprocessing

    from figtrace.pipeline import process

    if multiprocessing.get_start_method() != "fork":
        return
    for folder in sorted(p for p in WARM_CORPUS.glob("*") if p.is_dir()):
        sample = next(iter(sorted(folder.glob("*.txt"))), None)
        if sample is None:
            continue
        try:
            process(Document(sample.read_text(encoding="utf-8"), sample.name), options)
        except (FigtraceError, OSError):  # a language this run cannot use; the workers will say so
            continue


def isolate(unit: Unit, options: Options) -> list[Outcome]:
    """Each input of a unit whose worker process died, in a process of its own, in order.

    A worker killed by the kernel (out of memory) or by a crash in a C library
    takes its whole unit down, and the pool with it. Run apart, the inputs that
    are fine give their results, and the one that kills its process again is
    named in one error line; the batch goes on.
    """
    out: list[Outcome] = []
    singles = [Unit(unit.index, paths=(p,)) for p in unit.paths] + \
        [Unit(unit.index, docs=[d]) for d in unit.docs]
    for one in singles:
        with ProcessPoolExecutor(max_workers=1, initializer=bound_process_memory) as solo:
            try:
                out.extend(solo.submit(process_unit, one, options).result())
            except BrokenProcessPool:
                name = one.paths[0] if one.paths else one.docs[0].name
                out.append(InputError(name, "the worker process died while processing it (killed for memory, "
                                            "or a crash in a library); skipped"))
    return out

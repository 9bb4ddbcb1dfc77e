"""Extraction over many documents: one process, a process pool (``--jobs``) or a Dask cluster.

Why one module for all three: they share one unit of work (:class:`Unit`, a
handful of input paths or of documents read already) and one worker function
(:func:`process_unit`), so a claim cannot depend on where it was computed.
Results come back in input order (bounded look-ahead, never the whole corpus
in memory), which makes ``--jobs 4`` print exactly what ``--jobs 1`` prints.

Dask writes each unit's documents and claims as Parquet shards
(``documents-000042.parquet``, ``claims-000042.parquet``) instead of
shipping them back to the client: a crawl's claims need not fit in the
client's memory. :func:`iter_shards` reads them back in order,
:func:`load_shards` stores them in a ledger and :func:`query_shards` runs
SQL (DuckDB) over them directly.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from figtrace.errors import FigtraceError, InputError
from figtrace.model import Claim, Document, Segment

if TYPE_CHECKING:
    from figtrace.store.ledger import IngestSummary, Ledger

Extractor = Callable[[Document], list[Claim]]
#: One document (or the input that failed) with its claims, in input order.
Result = tuple[Document | InputError, list[Claim]]

#: Input paths per unit of work for a process pool: big enough that pickling
#: and scheduling cost little next to extraction, small enough to balance two
#: or four workers over a folder of a few hundred articles.
POOL_CHUNK = 16
#: Documents per Dask partition: a task carries a scheduler round trip and
#: writes two Parquet files, so it should take seconds, not milliseconds.
DASK_CHUNK = 100
#: Units in flight per worker: keeps every worker busy while bounding memory.
IN_FLIGHT_PER_WORKER = 3

ENGINES = ("local", "dask")


class ShardError(FigtraceError):
    """A shards folder that cannot be written or read."""


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How workers read and extract; travels to every worker, so it stays small and picklable."""

    lang: str | None = None
    published: str | None = None
    allow_private: bool = False
    extractor: Extractor | None = None


@dataclass(slots=True)
class Unit:
    """A unit of work: input paths a worker reads itself, or documents the client read already."""

    index: int
    paths: tuple[str, ...] = ()
    docs: list[Document] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths) + len(self.docs)


# -- planning -----------------------------------------------------------------

def plan(inputs: Iterable[str], options: ReadOptions, chunk: int = POOL_CHUNK) -> Iterator[Unit]:
    """Cut the inputs into units lazily, in the order ``iter_documents`` would read them.

    Folders are walked here (cheap) so their files spread over workers.
    Streams that only the client can read (``-``) and JSON Lines files (one
    file, many articles, cheap to parse) are read here and sent as
    documents; every other path is read by a worker, where HTML parsing
    and cleaning run in parallel with everything else.
    """
    from figtrace.ingest import iter_documents
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
        if path == "-" or kind_by_name(path) == "jsonl":
            yield from flush_paths()
            for item in iter_documents([path], lang=options.lang, published=options.published,
                                       allow_private=options.allow_private):
                docs.append(item)
                if len(docs) >= chunk:
                    yield from flush_docs()
            yield from flush_docs()
            continue
        paths.append(path)
        if len(paths) >= chunk:
            yield from flush_paths()
    yield from flush_paths()


def _expand(inputs: Iterable[str]) -> Iterator[str]:
    """Inputs with folders replaced by the files in them, as the folder reader orders and filters them."""
    from figtrace.ingest.sniff import SNIFFED, kind_by_name, suffix

    if isinstance(inputs, str):
        inputs = [inputs]
    for item in inputs:
        if item == "-" or item.lower().startswith(("http://", "https://")) or not os.path.isdir(item):
            yield item
            continue
        for here, dirs, files in os.walk(item):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                if f.startswith(".") or (kind_by_name(f) is None and suffix(f) not in SNIFFED):
                    continue
                yield str(Path(here) / f)


_ERROR_MARK = "figtrace.parallel.input_error"


def _error_doc(err: InputError) -> Document:
    """An input error riding in a unit's document list, so it keeps its place in the output order."""
    return Document(text="", name=err.input, id="-", meta={_ERROR_MARK: err.message})


# -- the worker ---------------------------------------------------------------

def process_unit(unit: Unit, options: ReadOptions) -> list[Result]:
    """Read (if needed) and extract one unit; every failure becomes an :class:`InputError` in place."""
    extractor = options.extractor
    if extractor is None:
        from figtrace.extract import extract_document

        extractor = extract_document
    out: list[Result] = []
    for item in _unit_items(unit, options):
        if isinstance(item, InputError):
            out.append((item, []))
            continue
        try:
            claims = extractor(item)
        except FigtraceError as e:  # a user's problem (an unknown language): its own message
            out.append((InputError(item.name, str(e)), []))
            continue
        except Exception as e:  # one article's extraction bug must not stop a batch
            out.append((InputError(item.name, f"extraction failed: {type(e).__name__}: {e}"), []))
            continue
        out.append((item, claims))
    return out


def _unit_items(unit: Unit, options: ReadOptions) -> Iterator[Document | InputError]:
    if unit.paths:
        from figtrace.ingest import iter_documents

        yield from iter_documents(list(unit.paths), lang=options.lang, published=options.published,
                                  allow_private=options.allow_private)
    for doc in unit.docs:
        if _ERROR_MARK in doc.meta:
            yield InputError(doc.name, doc.meta[_ERROR_MARK])
        else:
            yield doc


# -- one machine ----------------------------------------------------------------

def iter_extracted(
    inputs: Iterable[str], *, jobs: int = 1, lang: str | None = None, published: str | None = None,
    allow_private: bool = False, extractor: Extractor | None = None, chunk: int = POOL_CHUNK,
) -> Iterator[Result]:
    """Every document of the inputs with its claims, in input order, on ``jobs`` processes.

    ``jobs=1`` runs in this process (no pool, no pickling). With more, units
    of ``chunk`` inputs go to a process pool; at most
    ``jobs * IN_FLIGHT_PER_WORKER`` units are in flight, so memory stays flat
    however large the corpus.
    """
    if jobs < 1:
        raise FigtraceError(f"--jobs must be 1 or more, not {jobs}")
    options = ReadOptions(lang=lang, published=published, allow_private=allow_private, extractor=extractor)
    if jobs == 1:
        from figtrace.ingest import iter_documents

        unit = Unit(0)
        for item in iter_documents(inputs, lang=lang, published=published, allow_private=allow_private):
            unit.docs = [item] if isinstance(item, Document) else [_error_doc(item)]
            yield from process_unit(unit, options)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future[list[Result]]] = deque()
        try:
            for unit in plan(inputs, options, chunk):
                pending.append(pool.submit(process_unit, unit, options))
                if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()


def ingest(
    ledger: Ledger, inputs: Iterable[str], *, jobs: int = 1, engine: str = "local", scheduler: Any = None,
    shards: str | Path | None = None, lang: str | None = None, published: str | None = None,
    allow_private: bool = False, extractor: Extractor | None = None, progress: bool = False,
) -> IngestSummary:
    """``Ledger.ingest`` on a process pool or a Dask cluster: workers extract, this process writes.

    SQLite has one writer, so only extraction fans out; documents are
    stored in input order, so the ledger (ids, clusters, versions) is the
    same as after a single-process ingest. With ``engine="dask"`` the
    claims go through Parquet shards in ``shards`` (kept) or in a temporary
    folder (removed afterwards); ``scheduler`` is an address or a client.
    """
    import tempfile

    from figtrace.store.ledger import IngestSummary

    if extractor is None:
        from figtrace.store.ledger import default_extractor

        extractor = default_extractor()
    summary = IngestSummary()
    if engine == "local":
        results = iter_extracted(inputs, jobs=jobs, lang=lang, published=published, allow_private=allow_private,
                                 extractor=extractor)
        with ledger.batch():
            _store(ledger, results, summary, progress)
    elif engine == "dask":
        with tempfile.TemporaryDirectory(prefix="figtrace-shards-") as tmp:
            folder = shards if shards is not None else tmp
            report = run_dask(inputs, folder, scheduler=scheduler, workers=jobs, lang=lang, published=published,
                              allow_private=allow_private, extractor=extractor)
            summary.failures.extend(report.failures)
            with ledger.batch():
                _store(ledger, iter_shards(folder), summary, progress)
    else:
        raise FigtraceError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    return summary


def _store(ledger: Ledger, results: Iterable[Result], summary: IngestSummary, progress: bool) -> None:
    if progress:
        import sys

        from tqdm import tqdm

        results = tqdm(results, desc="ingest", unit="doc", file=sys.stderr, dynamic_ncols=True)
    for item, claims in results:
        if isinstance(item, InputError):
            summary.failures.append(item)
            continue
        ledger.store(item, claims, summary)


# -- Dask and Parquet shards ------------------------------------------------------

@dataclass(slots=True)
class DaskReport:
    """What a Dask run wrote: counts, and the inputs that failed (in input order)."""

    shards: Path
    units: int = 0
    documents: int = 0
    claims: int = 0
    failures: list[InputError] = field(default_factory=list)


def run_dask(
    inputs: Iterable[str], shards: str | Path, *, scheduler: Any = None, workers: int = 2,
    lang: str | None = None, published: str | None = None, allow_private: bool = False,
    extractor: Extractor | None = None, chunk: int = DASK_CHUNK,
) -> DaskReport:
    """Extract on a Dask cluster, one Parquet shard pair per partition of ``chunk`` inputs.

    ``scheduler`` is an address (``tcp://host:8786``), a ``distributed.Client``,
    or None for a local cluster of ``workers`` processes. Input paths must be
    readable by the workers (a shared filesystem); stdin and JSON Lines are
    read here and shipped as documents. ``shards`` must be empty or new: old
    shards would mix into the results.
    """
    from distributed import Client, LocalCluster, as_completed

    out = _shard_dir(shards)
    options = ReadOptions(lang=lang, published=published, allow_private=allow_private, extractor=extractor)
    report = DaskReport(out)
    own: list[Any] = []
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        own.append(cluster)
        client = Client(cluster)
        own.insert(0, client)
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
            errors[index] = [InputError(i, m) for i, m in failed]
            in_flight -= 1

        for unit in plan(inputs, options, chunk):
            running.add(client.submit(write_shard, unit, options, str(out), pure=False))
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


def write_shard(unit: Unit, options: ReadOptions, shards: str) -> tuple[int, int, int, list[tuple[str, str]]]:
    """Run one unit and write its documents and claims as Parquet; return counts and failures."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    for seq, (item, found) in enumerate(process_unit(unit, options)):
        if isinstance(item, InputError):
            failed.append((item.input, item.message))
            continue
        docs.append(_doc_row(item, unit.index, seq))
        for k, c in enumerate(found):
            row = c.to_dict()
            row["why"] = json.dumps(row["why"], ensure_ascii=False)  # key order kept: output is byte-identical
            row.update(shard=unit.index, doc_seq=seq, claim_seq=k, doc_key=item.id)
            claims.append(row)
    stem = f"{unit.index:06d}"
    base = Path(shards)
    # Written under a temporary name, then renamed: a reader never sees half a shard.
    for name, rows, schema in (("documents", docs, _doc_schema()), ("claims", claims, _claim_schema())):
        tmp = base / f".{name}-{stem}.parquet.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
        tmp.replace(base / f"{name}-{stem}.parquet")
    return unit.index, len(docs), len(claims), failed


def _doc_row(doc: Document, shard: int, seq: int) -> dict[str, Any]:
    return {
        "shard": shard, "doc_seq": seq, "id": doc.id, "name": doc.name, "text": doc.text, "title": doc.title,
        "url": doc.url, "outlet": doc.outlet, "published": doc.published,
        "published_inferred": doc.published_inferred, "lang": doc.lang,
        "segments": json.dumps([[s.start, s.end, s.kind, s.label] for s in doc.segments]),
        "meta": json.dumps(doc.meta, ensure_ascii=False, default=str),
    }


def _doc_schema() -> Any:
    import pyarrow as pa

    s, i, b = pa.string(), pa.int64(), pa.bool_()
    return pa.schema([("shard", i), ("doc_seq", i), ("id", s), ("name", s), ("text", s), ("title", s), ("url", s),
                      ("outlet", s), ("published", s), ("published_inferred", b), ("lang", s), ("segments", s),
                      ("meta", s)])


def _claim_schema() -> Any:
    import pyarrow as pa

    s, i, f = pa.string(), pa.int64(), pa.float64()
    types = {"value": f, "low": f, "high": f, "confidence": f, "start": i, "end": i, "quote_start": i,
             "quote_end": i}
    types["via"] = pa.list_(s)
    cols = [(name, types.get(name, s)) for name in Claim.__dataclass_fields__]
    return pa.schema([*cols, ("shard", i), ("doc_seq", i), ("claim_seq", i), ("doc_key", s)])


def _shard_dir(shards: str | Path) -> Path:
    out = Path(shards)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ShardError(f"cannot create the shards folder {out}: {e.strerror or e}") from None
    if any(out.glob("claims-*.parquet")) or any(out.glob("documents-*.parquet")):
        raise ShardError(f"the shards folder {out} already holds shards: choose an empty folder")
    return out


def _shard_files(shards: str | Path, kind: str) -> list[Path]:
    base = Path(shards)
    if not base.is_dir():
        raise ShardError(f"no shards folder at {base}")
    return sorted(base.glob(f"{kind}-*.parquet"))


def iter_shards(shards: str | Path) -> Iterator[tuple[Document, list[Claim]]]:
    """Documents with their claims from a shards folder, in input order, one shard in memory at a time."""
    import pyarrow.parquet as pq

    for doc_file in _shard_files(shards, "documents"):
        claim_file = doc_file.with_name("claims-" + doc_file.name.split("-", 1)[1])
        if not claim_file.exists():
            raise ShardError(f"{doc_file} has no claims shard next to it ({claim_file.name})")
        by_doc: dict[int, list[Claim]] = {}
        for row in pq.read_table(claim_file).to_pylist():  # written in (doc_seq, claim_seq) order
            by_doc.setdefault(row["doc_seq"], []).append(_claim(row))
        for row in sorted(pq.read_table(doc_file).to_pylist(), key=lambda r: r["doc_seq"]):
            doc = Document(
                text=row["text"], name=row["name"], id=row["id"], title=row["title"], url=row["url"],
                outlet=row["outlet"], published=row["published"], published_inferred=row["published_inferred"],
                lang=row["lang"], segments=[Segment(*s) for s in json.loads(row["segments"])],
                meta=json.loads(row["meta"]),
            )
            yield doc, by_doc.get(row["doc_seq"], [])


def iter_shard_claims(shards: str | Path) -> Iterator[Claim]:
    """Only the claims of a shards folder, in input order (no document texts are loaded)."""
    import pyarrow.parquet as pq

    for claim_file in _shard_files(shards, "claims"):
        for row in pq.read_table(claim_file).to_pylist():
            yield _claim(row)


def _claim(row: dict[str, Any]) -> Claim:
    row["why"] = json.loads(row["why"]) if row["why"] else {}
    return Claim.from_dict(row)


def load_shards(ledger: Ledger, shards: str | Path) -> IngestSummary:
    """Store a shards folder's documents and claims in a ledger, in input order."""
    from figtrace.store.ledger import IngestSummary

    summary = IngestSummary()
    with ledger.batch():
        for doc, claims in iter_shards(shards):
            if ledger.add_document(doc, claims):
                summary.documents_added += 1
                summary.claims_added += len(claims)
            else:
                summary.documents_skipped += 1
    return summary


def query_shards(shards: str | Path, sql: str) -> list[dict[str, Any]]:
    """Run SQL over a shards folder without loading it: tables ``claims`` and ``documents`` (DuckDB views)."""
    import duckdb

    base = Path(shards)
    con = duckdb.connect()
    try:
        for kind in ("claims", "documents"):
            files = _shard_files(base, kind)
            if not files:
                raise ShardError(f"no {kind} shards in {base}")
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet([{listing}])")
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except duckdb.Error as e:
        raise ShardError(f"query over {base} failed: {e}") from None
    finally:
        con.close()

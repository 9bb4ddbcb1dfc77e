"""The measurements of ``bench/run.py``, each figtrace against a peer in the same run.

Why peers: absolute numbers on a shared two-core machine say little; a ratio
to a simpler tool measured on the same articles, minutes apart, does. Each
function returns plain dicts of medians; ``run.py`` turns them into
``BENCHMARKS.md``. Throughputs are per core: single-threaded runs timed in
CPU seconds of this process (other tenants' load does not count against us),
with wall time kept beside them.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

#: What a plain number finder looks for: digits with separators, nothing else.
PLAIN_NUMBER = re.compile(r"\d{1,3}(?:[.,\u202f]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?")


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """CPU and wall seconds of one call, and what it returned."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def repeat(fn: Callable[[], Any], times: int) -> dict[str, Any]:
    """Median CPU and wall seconds over ``times`` runs (the last result kept for counts)."""
    cpu, wall, out = [], [], None
    for _ in range(times):
        c, w, out = timed(fn)
        cpu.append(c)
        wall.append(w)
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "runs": times, "result": out,
            "cpu_all": cpu}


# -- plain text --------------------------------------------------------------------

#: quantulum3 runs at a few articles/s: its comparison uses this many English articles.
QUANTULUM_ARTICLES = 60


def text_throughput(articles: Sequence[Any], times: int) -> dict[str, Any]:
    """Articles/s per core: figtrace (clean + metadata + extraction, and extraction alone) vs peers."""
    import quantulum3.parser as qparser

    from figtrace.extract import extract_document
    from figtrace.model import Document
    from figtrace.pipeline import prepare, process

    english = [a for a in articles if a.lang == "en"][:QUANTULUM_ARTICLES]
    for a in articles[:4]:  # load lexicons, langid model and kb before timing
        process(Document(a.text, a.name))
    qparser.parse(english[0].text)  # quantulum3 loads its model on first use (~2 s)

    def pipeline(items: Sequence[Any]) -> Callable[[], int]:
        return lambda: sum(len(process(Document(a.text, a.name)).claims) for a in items)

    docs = [prepare(Document(a.text, a.name)) for a in articles]

    def engine_only() -> int:
        n = 0
        for d in docs:
            n += len(extract_document(d))
        return n

    def regex(items: Sequence[Any]) -> Callable[[], int]:
        return lambda: sum(1 for a in items for _ in PLAIN_NUMBER.finditer(a.text))

    def quantulum() -> int:
        return sum(len(qparser.parse(a.text)) for a in english)

    out: dict[str, Any] = {"articles": len(articles), "english": len(english),
                           "chars": statistics.median(len(a.text) for a in articles)}
    runs = {
        "figtrace": (pipeline(articles), len(articles)),
        "figtrace_engine": (engine_only, len(articles)),
        "regex": (regex(articles), len(articles)),
        "figtrace_en": (pipeline(english), len(english)),
        "quantulum3_en": (quantulum, len(english)),
    }
    for name, (fn, n) in runs.items():
        r = repeat(fn, times)
        out[name] = {"per_s": n / r["cpu"], "wall_per_s": n / r["wall"], "found": r["result"], "runs": times,
                     "cpu_s": r["cpu"]}
    return out


# -- HTML ------------------------------------------------------------------------------

def html_pipeline(pages: Sequence[Path], times: int) -> dict[str, Any]:
    """figtrace's whole HTML pipeline (read, clean, metadata, extract) vs trafilatura's text extraction alone."""
    import trafilatura

    from figtrace.errors import InputError
    from figtrace.pipeline import prepare, read, run

    raw = [p.read_bytes() for p in pages]
    paths = [str(p) for p in pages]

    def ours() -> int:
        n = 0
        for item in run(paths):
            if not isinstance(item, InputError):
                n += len(item.claims)
        return n

    def reading() -> int:
        return sum(1 for item in read(paths) if not isinstance(item, InputError) and prepare(item))

    def theirs() -> int:
        return sum(1 for page in raw if trafilatura.extract(page))

    def with_metadata() -> int:
        """What ``figtrace.ingest.html.read_html`` asks of trafilatura: text plus title, date, site name."""
        return sum(1 for page in raw if trafilatura.bare_extraction(
            page, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
            include_links=False, deduplicate=False))

    ours(), theirs()  # warm up both
    out: dict[str, Any] = {"pages": len(pages), "kb": statistics.median(len(b) for b in raw) / 1024}
    for name, fn in (("figtrace", ours), ("figtrace_read", reading), ("trafilatura", theirs),
                     ("trafilatura_meta", with_metadata)):
        r = repeat(fn, times)
        out[name] = {"cpu_s": r["cpu"], "wall_s": r["wall"], "per_s": len(pages) / r["cpu"], "found": r["result"]}
    return out


# -- SQLite ingest ---------------------------------------------------------------------------

def sqlite_ingest(pairs: Sequence[tuple[Any, list[Any]]], folder: Path, times: int) -> dict[str, Any]:
    """Documents/s into the ledger (``add_document``) vs plain sqlite3 inserts of the same rows.

    Both write one transaction per document in WAL mode with
    ``synchronous=NORMAL``; the peer has no indexes, full-text index,
    sources or clusters: it is the floor of writing these bytes to SQLite.
    """
    from figtrace.store import Ledger

    def ledger_run() -> int:
        path = folder / "ingest.db"
        for p in folder.glob("ingest.db*"):
            p.unlink()
        with Ledger(path) as ledger, ledger.batch():  # as `figtrace ingest` stores
            return sum(1 for doc, claims in pairs if ledger.add_document(doc, claims))

    def plain_run() -> int:
        path = folder / "plain.db"
        for p in folder.glob("plain.db*"):
            p.unlink()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE documents(id TEXT PRIMARY KEY, name TEXT, published TEXT, lang TEXT, text TEXT)")
        conn.execute("CREATE TABLE claims(doc_id TEXT, idx INT, quote TEXT, figure TEXT, value REAL, "
                     "qualifier TEXT, measure TEXT, actor TEXT, source TEXT, as_of TEXT, start INT, end INT)")
        n = 0
        for doc, claims in pairs:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
                         (doc.id, doc.name, doc.published, doc.lang, doc.text))
            conn.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                (doc.id, i, c.quote, c.figure, c.value, c.qualifier, c.measure, c.actor, c.source, c.as_of,
                 c.start, c.end) for i, c in enumerate(claims)])
            conn.execute("COMMIT")
            n += 1
        conn.close()
        return n

    out: dict[str, Any] = {"documents": len(pairs), "claims": sum(len(c) for _, c in pairs)}
    for name, fn in (("ledger", ledger_run), ("sqlite3", plain_run)):
        r = repeat(fn, times)
        out[name] = {"wall_s": r["wall"], "per_s": len(pairs) / r["wall"], "stored": r["result"]}
    return out


# -- timeline over a large ledger ----------------------------------------------------------------

_PLAIN_TIMELINE = ("SELECT c.* FROM claims c JOIN documents d ON d.id = c.doc_id "
                   "WHERE c.actor = ? AND c.measure = ? AND d.superseded_by IS NULL")


def timeline_latency(db: Path, pairs: Iterable[tuple[str, str]], times: int) -> dict[str, Any]:
    """``Ledger.timeline`` (SQL + reconciliation) vs the bare SQL that fetches the same claims.

    The peer runs the ledger's own timeline query when it can find it, so the
    ratio is what reconciliation and Python add over SQLite's index lookup.
    """
    from figtrace.store import Ledger
    from figtrace.store import ledger as ledger_module

    plain = getattr(ledger_module, "_SELECT_TIMELINE", _PLAIN_TIMELINE)

    out: dict[str, Any] = {}
    with Ledger(db, readonly=True) as ledger:
        out["claims"] = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        conn = ledger.conn
        for label, (actor, measure) in zip(("hot", "typical"), pairs, strict=False):
            ledger.timeline(actor, measure)  # warm the page cache for both
            n = len(conn.execute(plain, (actor, measure)).fetchall())
            ours = repeat(lambda a=actor, m=measure: ledger.timeline(a, m), times)
            sql = repeat(lambda a=actor, m=measure: conn.execute(plain, (a, m)).fetchall(), times)
            out[label] = {"pair": f"{actor} / {measure}", "claims": n, "timeline_ms": ours["wall"] * 1000,
                          "sql_ms": sql["wall"] * 1000, "points": len(ours["result"].points)}
    return out


# -- profile -------------------------------------------------------------------------------------

def profile(articles: Sequence[Any], top: int = 14) -> str:
    """Where one core's time goes on plain text: cProfile's top functions by own time."""
    from figtrace.model import Document
    from figtrace.pipeline import process

    for a in articles[:4]:
        process(Document(a.text, a.name))
    prof = cProfile.Profile()
    prof.enable()
    for a in articles:
        process(Document(a.text, a.name))
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    root = str(Path(__file__).resolve().parents[1]) + "/"
    lines = [ln.replace(root, "") for ln in buf.getvalue().splitlines() if ln.strip()]
    keep = [ln for ln in lines if "function calls" in ln or ln.lstrip().startswith(("ncalls", *"0123456789"))]
    return "\n".join(re.sub(r"\S*site-packages/", "", ln) for ln in keep)


def ingest_at_scale(ledger_file: Path, pairs: Sequence[tuple[Any, list[Any]]], folder: Path) -> dict[str, Any]:
    """Documents/s added to a copy of a large ledger (the memory run's), to see whether ingest stays flat."""
    from figtrace.store import Ledger

    copy = folder / "ingest-big.db"
    for p in folder.glob("ingest-big.db*"):
        p.unlink()
    src = sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    dst.close()
    src.close()
    with Ledger(copy) as ledger:
        claims = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        t = time.perf_counter()
        with ledger.batch():  # the batch's closing recount is timed too
            added = sum(1 for doc, found in pairs if ledger.add_document(doc, found))
        wall = time.perf_counter() - t
    for p in folder.glob("ingest-big.db*"):
        p.unlink()
    return {"claims_before": claims, "documents": added, "per_s": added / wall if wall else 0.0}

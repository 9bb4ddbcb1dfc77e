"""figtrace benchmarks: one command, writes ``BENCHMARKS.md``.

    .venv/bin/python bench/run.py            # default run (~12-15 min on 2 cores)
    .venv/bin/python bench/run.py --quick    # smoke run (~2 min): small sizes, same report
    .venv/bin/python bench/run.py --memory-size 100000   # the 100,000-article memory run (hours: see BENCHMARKS.md)
    .venv/bin/python bench/run.py --resume   # keep the sections an interrupted run saved in bench/results/run.json

Generates its corpus into ``bench/data/`` (git-ignored) from the bundled
sample articles (see ``bench/corpus.py``), measures every figure against a
peer in the same run (``bench/measure.py``), and writes medians over
repeated runs with the machine they ran on. Ledger and web results written
by ``bench/bench_ledger.py`` and ``bench/bench_web.py`` into
``bench/results/`` are included as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import measure  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results"

PROFILES: dict[str, dict[str, int]] = {
    #        corpus size, throughput sample, html pages, scaling run, memory run, timeline claims, repeats
    "default": {"size": 10_000, "sample": 300, "html": 300, "scale": 1_000, "memory": 5_000,
                "timeline": 1_000_000, "repeat": 3},
    "quick": {"size": 1_000, "sample": 60, "html": 40, "scale": 200, "memory": 1_000, "timeline": 100_000,
              "repeat": 3},
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    import sqlite3

    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("trafilatura", "quantulum3", "dask", "distributed", "duckdb", "pyarrow"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:
            versions[mod] = "absent"
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "figtrace"],
                           capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
            "sqlite": sqlite3.sqlite_version, "versions": versions, "load_start": os.getloadavg(),
            "commit": commit + (" + uncommitted changes" if dirty else ""),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


# -- corpus ----------------------------------------------------------------------------

def _stamp() -> str:
    """Changes when the generator or the samples change, so stale data is regenerated."""
    h = hashlib.sha256((HERE / "corpus.py").read_bytes())
    for p in sorted(corpus.SAMPLES.glob("*/*.txt")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def ensure(path: Path, n: int, writer: Any) -> Path:
    """Generate ``path`` with ``n`` articles unless the same generation is already there."""
    mark = path.parent / f".{path.name}.stamp"
    want = f"{n} {_stamp()}"
    if path.exists() and mark.exists() and mark.read_text() == want:
        return path
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    log(f"generating {n:,} articles into {path.relative_to(ROOT)}")
    writer(path, n)
    mark.write_text(want)
    return path


# -- runs --------------------------------------------------------------------------------------

def claim_digest(results: Any) -> tuple[int, int, str]:
    """Documents, claims, and a digest of the claims as a sorted set of JSON lines."""
    from figtrace.errors import InputError

    lines, docs = [], 0
    for item in results:
        if isinstance(item, InputError):
            continue
        docs += 1
        lines.extend(json.dumps(c.to_dict(), sort_keys=True, ensure_ascii=False) for c in item.claims)
    return docs, len(lines), hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]


def source_fingerprint() -> str:
    """A digest of figtrace's code and lexicons: workers started later import what is on disk then."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "figtrace").rglob("*")):
        if p.suffix in (".py", ".toml") and p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


#: The code this process imported (taken as early as possible).
STARTED_WITH = source_fingerprint()


def _cpu() -> float:
    """CPU seconds of this process and of every child it has reaped (pool workers, Dask nannies and workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def scaling(folder: Path, n_workers: int = 2) -> dict[str, Any]:
    """The same folder on one process, ``--jobs 2`` and a 2-worker Dask LocalCluster; claims must match."""
    import logging

    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)

    from figtrace.scale.dask import run_dask
    from figtrace.scale.shards import iter_shards

    out: dict[str, Any] = {}
    for jobs in (1, n_workers):
        log(f"scaling: --jobs {jobs}")
        from figtrace.scale import iter_results

        t, c = time.perf_counter(), _cpu()
        docs, claims, digest = claim_digest(iter_results([str(folder)], jobs=jobs))
        out[f"jobs{jobs}"] = {"wall_s": time.perf_counter() - t, "cpu_s": _cpu() - c, "documents": docs,
                              "claims": claims, "digest": digest}
    log("scaling: dask LocalCluster")
    shards = DATA / "shards"
    shutil.rmtree(shards, ignore_errors=True)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            Client(cl) as client:
        client.run(_warm)  # load lexicons on the workers: the local pool inherits them already loaded
        t = time.perf_counter()
        chunk = max(10, len(list(folder.glob("*.txt"))) // (n_workers * 4))  # ≥ 4 partitions per worker
        report = run_dask([str(folder)], shards, scheduler=client, chunk=chunk)
        run_s = time.perf_counter() - t
    t = time.perf_counter()
    docs, claims, digest = claim_digest(iter_shards(shards))
    out["source_changed"] = source_fingerprint() != STARTED_WITH
    out["dask"] = {"wall_s": run_s, "read_s": time.perf_counter() - t, "documents": docs, "claims": claims,
                   "digest": digest, "units": report.units}
    return out


def _warm() -> int:
    from figtrace.model import Document
    from figtrace.pipeline import process

    return len(process(Document("Laut UN wurden mindestens 50 Soldaten getötet.\n")).claims)


def memory(path: Path, jobs: int) -> dict[str, Any]:
    db = DATA / "memory.db"
    for p in DATA.glob("memory.db*"):
        p.unlink()
    every = max(100, _count_lines(path) // 10)
    log(f"memory: ingesting {path.name} with --jobs {jobs}")
    r = subprocess.run([sys.executable, str(HERE / "memory.py"), str(path), str(db), "--jobs", str(jobs),
                        "--every", str(every)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def timeline(n_claims: int, times: int) -> dict[str, Any]:
    import bench_ledger

    db = DATA / f"ledger-{n_claims}.db"
    mark = DATA / f".{db.name}.stamp"
    if not (db.exists() and mark.exists()):
        for p in DATA.glob(db.name + "*"):
            p.unlink()
        log(f"timeline: generating a ledger of {n_claims:,} claims (bench_ledger.generate)")
        t = time.perf_counter()
        bench_ledger.generate(db, n_claims)
        mark.write_text(f"{time.perf_counter() - t:.0f}")
    from figtrace.store import Ledger

    with Ledger(db, readonly=True) as ledger:
        typical = ledger.conn.execute(
            "SELECT actor, measure FROM claims WHERE actor LIKE 'Actor 0%' GROUP BY actor, measure "
            "ORDER BY count(*) DESC LIMIT 1").fetchone()
    return measure.timeline_latency(db, [bench_ledger.HOT, tuple(typical)], times * 5)


# -- report -------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every measurement")
    ap.add_argument("--size", type=int, help="articles in the generated plain-text corpus")
    ap.add_argument("--memory-size", type=int, help="articles ingested in the memory run (e.g. 100000)")
    ap.add_argument("--jobs", type=int, default=2, help="workers for the memory run and the scaling runs")
    ap.add_argument("--repeat", type=int, help="runs per measurement (medians are reported)")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--resume", action="store_true",
                    help="keep the sections already in bench/results/run.json (same configuration)")
    args = ap.parse_args()
    cfg = dict(PROFILES["quick" if args.quick else "default"])
    for key, value in (("size", args.size), ("memory", args.memory_size), ("repeat", args.repeat)):
        if value:
            cfg[key] = value
    DATA.mkdir(exist_ok=True)
    info = machine()
    started = time.perf_counter()
    log(f"profile {'quick' if args.quick else 'default'}: {cfg}")

    text_dir = ensure(DATA / f"text-{cfg['size']}", cfg["size"], corpus.write_text)
    html_dir = ensure(DATA / f"html-{cfg['html']}", cfg["html"], corpus.write_html)
    mem_file = ensure(DATA / f"memory-{cfg['memory']}.jsonl", cfg["memory"], corpus.write_jsonl)
    scale_dir = DATA / f"scale-{cfg['scale']}"
    if not scale_dir.exists() or len(list(scale_dir.glob("*.txt"))) != cfg["scale"]:
        shutil.rmtree(scale_dir, ignore_errors=True)
        scale_dir.mkdir()
        for p in sorted(text_dir.glob("*/*.txt"))[: cfg["scale"]]:
            os.link(p, scale_dir / p.name)

    sample = list(corpus.iter_articles(cfg["sample"], seed=11))
    saved = RESULTS / "run.json"
    res: dict[str, Any] = {}
    if args.resume and saved.exists():
        res = json.loads(saved.read_text())
        if res.get("config") != cfg:
            log("--resume: the saved results are of another configuration; starting afresh")
            res = {}
    earlier = res.get("machine", info)
    # which run measured each section: a resumed run keeps some sections of an earlier one
    measured = res.setdefault("measured", {})
    for key in res:
        if key not in ("machine", "config", "seconds", "total_s", "measured"):
            measured.setdefault(key, {"date": earlier.get("date"), "commit": earlier.get("commit")})
    res.update(machine=info, config=cfg)
    pairs: list[Any] = []

    def extracted() -> list[Any]:
        from figtrace.extract import extract_document
        from figtrace.model import Document
        from figtrace.pipeline import prepare

        if not pairs:
            for a in sample:
                d = prepare(Document(a.text, a.name))
                pairs.append((d, extract_document(d)))
        return pairs

    sections: list[tuple[str, str, Any]] = [
        ("text", f"plain text throughput on {len(sample)} articles x {cfg['repeat']}",
         lambda: measure.text_throughput(sample, cfg["repeat"])),
        ("html", f"html pipeline on {cfg['html']} pages x {cfg['repeat']}",
         lambda: measure.html_pipeline(sorted(html_dir.glob("*/*.html")), cfg["repeat"])),
        ("ingest", "sqlite ingest", lambda: measure.sqlite_ingest(extracted(), DATA, cfg["repeat"])),
        ("profile", "profile", lambda: measure.profile(sample[: min(150, len(sample))])),
        ("scaling", "scaling", lambda: scaling(scale_dir, args.jobs)),
        ("memory", "memory", lambda: memory(mem_file, args.jobs)),
        ("ingest_big", "sqlite ingest into the memory run's ledger",
         lambda: measure.ingest_at_scale(DATA / "memory.db", extracted()[:60], DATA)),
        ("timeline", "timeline", lambda: timeline(cfg["timeline"], cfg["repeat"])),
    ]
    RESULTS.mkdir(exist_ok=True)
    for key, title, fn in sections:
        if key in res:
            log(f"{title}: kept from {saved.relative_to(ROOT)}")
            continue
        log(title)
        t = time.perf_counter()
        res[key] = fn()
        res.setdefault("seconds", {})[key] = time.perf_counter() - t
        measured[key] = {"date": info["date"], "commit": info["commit"]}
        saved.write_text(json.dumps(res, indent=1, default=str))  # a long run survives an interruption
    res["machine"]["load_end"] = os.getloadavg()
    res["total_s"] = sum(res["seconds"].values())
    saved.write_text(json.dumps(res, indent=1, default=str))
    args.out.write_text(render(res), encoding="utf-8")
    log(f"wrote {args.out} ({(time.perf_counter() - started) / 60:.1f} min)")


def render(r: dict[str, Any]) -> str:
    import report

    return report.render(r, RESULTS)


if __name__ == "__main__":
    main()

"""Load test of ``figtrace serve`` on a large ledger while an ingest writes to it.

    .venv/bin/python bench/load_test.py                    # 110,000 claims, 32 clients, 5,000 requests
    .venv/bin/python bench/load_test.py --claims 20000 --requests 500   # a quick look

1. A ledger of ``--claims`` generated claims (``bench/bench_ledger.py``'s
   generator: series per source, clusters, one hot pair), with its findings
   computed as an ingest would.
2. The real ``figtrace serve`` in a subprocess on 127.0.0.1.
3. A real ``figtrace ingest`` in another subprocess, writing synthetic
   articles (``figtrace/store/synth.py``) into the same ledger for the whole run.
4. ``--clients`` threads send ``--requests`` requests spread over every route
   of the app (pages, API, downloads, static files, bad parameters, a
   traversal and a write attempt); routes the table below does not know are
   found from the app itself and requested bare.

An error is an exception, a status other than the one expected (any 5xx,
503 included) or a response without the security headers. Targets: 0
errors, p95 < 500 ms, p99 < 1 s, server memory (RSS, sampled every 0.2 s) <
1 GB. Writes ``bench/results/load.md``; exits 1 when a target is missed.
Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ledger import generate  # noqa: E402
from bench_web import free_port  # noqa: E402
from report import write_results  # noqa: E402

from figtrace.store import Ledger  # noqa: E402
from figtrace.store.synth import synthetic_documents  # noqa: E402

TARGET_P95_MS = 500.0
TARGET_P99_MS = 1000.0
TARGET_RSS_MB = 1024.0
CLI = "import sys; from figtrace.cli import main; sys.exit(main())"

#: (label, path template, expected status). ``{id}`` is a stored claim, ``{actor}``/``{measure}`` a pair.
MIX: list[tuple[str, str, int]] = [
    ("overview", "/", 200),
    ("claims page", "/claims?measure=killed&limit=50", 200),
    ("claims page, offset", "/claims?actor={actor}&offset=20&limit=20", 200),
    ("claims search", "/claims?q=Report&limit=50", 200),
    ("claim page", "/claim/{id}", 200),
    ("timeline page, hot pair", "/timeline?actor=North+Korea&measure=killed", 200),
    ("timeline page", "/timeline?actor={actor}&measure={measure}", 200),
    ("conflicts page", "/conflicts", 200),
    ("conflicts page, actor", "/conflicts?actor={actor}", 200),
    ("sources page", "/sources", 200),
    ("api claims", "/api/claims?limit=500", 200),
    ("api claims, pair", "/api/claims?actor={actor}&measure={measure}", 200),
    ("api claim", "/api/claims/{id}", 200),
    ("api timeline, hot pair", "/api/timeline?actor=North+Korea&measure=killed", 200),
    ("api timeline", "/api/timeline?actor={actor}&measure={measure}", 200),
    ("api metrics", "/api/metrics", 200),
    ("api sources", "/api/sources", 200),
    ("api conflicts", "/api/conflicts?limit=50", 200),
    ("api conflicts, page 3", "/api/conflicts?limit=50&offset=100", 200),
    ("openapi", "/api/openapi.json", 200),
    ("claims.csv", "/download/claims.csv?measure=deployed&limit=500", 200),
    ("claims.json", "/download/claims.json?actor={actor}", 200),
    ("timeline.csv", "/download/timeline.csv?actor={actor}&measure={measure}", 200),
    ("timeline.json", "/download/timeline.json?actor=North+Korea&measure=killed", 200),
    ("static css", "/static/figtrace.css", 200),
    ("static js", "/static/app.js", 200),
    ("bad limit", "/api/claims?limit=ten", 400),
    ("traversal", "/download/..%2f..%2fpyproject.toml", 404),
    ("write attempt", "POST /api/claims", 405),
]


def other_routes(known: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Routes of the app the table does not cover, requested bare (any status below 500 is fine: -1)."""
    from starlette.routing import Mount, Route

    from figtrace.web import create_app

    app = create_app(":memory:")
    covered = {path.split("?")[0].split(" ")[-1] for _, path, _ in known}
    out = []
    for r in app.routes:
        if isinstance(r, Mount) or not isinstance(r, Route):
            continue
        path = r.path.replace("{id:int}", "1").replace("{id}", "1").replace("{name}", "claims.csv")
        if path not in covered and not any(path.split("/")[1:2] == c.split("/")[1:2] and "{" in r.path
                                           for c in covered):
            out.append((f"route {r.path}", path, -1))
    return out


def build(db: Path, n_claims: int) -> dict[str, float]:
    """The generated ledger, with its findings computed for every actor (as ingest keeps them)."""
    built = generate(db, n_claims)
    t = time.perf_counter()
    with Ledger(db) as ledger:
        conn = ledger.conn
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "findings_stale" in tables and hasattr(ledger, "refresh_stale_findings"):
            conn.execute("INSERT OR IGNORE INTO findings_stale(actor) "
                         "SELECT DISTINCT coalesce(actor, '') FROM claims")
            ledger.refresh_stale_findings()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    built["findings_s"] = time.perf_counter() - t
    return built


def write_articles(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for d in synthetic_documents(n, seed=41, claims_per_doc=5):
        (folder / d.name).write_text(d.text, encoding="utf-8")


class Ingest(threading.Thread):
    """``figtrace ingest`` of synthetic articles, again and again with fresh ones, until stopped."""

    def __init__(self, db: Path, folder: Path, batch: int):
        super().__init__(daemon=True)
        self.db, self.folder, self.batch = db, folder, batch
        self.stop = threading.Event()
        self.runs = 0
        self.documents = 0
        self.failed: list[str] = []

    def run(self) -> None:
        env = {**os.environ, "FIGTRACE_EXTRACTOR": "figtrace.store.synth:synthetic_extractor"}
        seed = 100
        while not self.stop.is_set():
            batch = self.folder / f"run{self.runs:03d}"
            batch.mkdir(parents=True, exist_ok=True)
            for d in synthetic_documents(self.batch, seed=seed, claims_per_doc=5):
                (batch / f"s{seed}-{d.name}").write_text(d.text, encoding="utf-8")
            seed += 1
            r = subprocess.run([sys.executable, "-c", CLI, "ingest", str(batch), "--db", str(self.db), "--lang",
                                "en", "--quiet"], env=env, capture_output=True, text=True, timeout=900)
            self.runs += 1
            if r.returncode != 0:
                self.failed.append(r.stderr.strip()[-300:])
            else:
                self.documents += self.batch


def start_server(db: Path, port: int, log: Path, extra: list[str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--db", str(db), "--port", str(port), *extra],
                            cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/figtrace.css", timeout=2)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"figtrace serve did not start: see {log}")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    """Every process below ``pid`` (the server's chart worker and its helpers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, parent in parents.items() if parent == p]
        out += kids
        todo += kids
    return out


class RssSampler(threading.Thread):
    """Peak resident memory of the server process, and of the server with the processes it started."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.peak_tree_kb = 0
        self.stop = threading.Event()

    def run(self) -> None:
        rounds = 0
        kids: list[int] = []
        while not self.stop.is_set():
            try:
                own = _rss_kb(self.pid)
            except OSError:
                return
            if rounds % 10 == 0:  # the process table is read every 2 s
                kids = _children(self.pid)
            rounds += 1
            tree = own
            for k in kids:
                try:
                    tree += _rss_kb(k)
                except OSError:
                    continue
            self.peak_kb = max(self.peak_kb, own)
            self.peak_tree_kb = max(self.peak_tree_kb, tree)
            time.sleep(0.2)


def _client_process(base: str, mix: list[tuple[str, str, int]], indices: list[int], clients: int, seed: int,
                    ids: list[int], pairs: list[tuple[str, str]], out: Any) -> None:
    """One client process: ``clients`` threads sending the requests ``indices`` of the mix."""
    times: dict[str, list[float]] = defaultdict(list)
    server: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    todo = iter(indices)
    lock = threading.Lock()

    def worker(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                label, path, want = mix[i % len(mix)]
                method = "GET"
                if path.startswith("POST "):
                    method, path = "POST", path[5:]
                actor, measure = rng.choice(pairs)
                path = (path.replace("{id}", str(rng.choice(ids))).replace("{actor}", actor.replace(" ", "+"))
                        .replace("{measure}", measure))
                t = time.perf_counter()
                spent = None
                try:
                    r = client.request(method, path)
                    status = r.status_code
                    ok = (status == want or (want == -1 and status < 500)) and \
                        "content-security-policy" in r.headers
                    why = (f"{label}: {method} {path[:80]} -> {status} (wanted {want}): "
                           f"{r.text[:80]!r}...{r.text[-150:]!r}")
                    timing = r.headers.get("server-timing", "")
                    if "dur=" in timing:
                        spent = float(timing.split("dur=")[1].split(",")[0]) / 1000
                except httpx.HTTPError as e:
                    ok, why = False, f"{label}: {method} {path[:80]}: {type(e).__name__}: {e}"
                dt = time.perf_counter() - t
                with lock:
                    times[label].append(dt)
                    if spent is not None:
                        server[label].append(spent)
                    if not ok:
                        errors.append(why)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put((dict(times), dict(server), errors))


def drive(base: str, mix: list[tuple[str, str, int]], n: int, clients: int, ids: list[int],
          pairs: list[tuple[str, str]], processes: int
          ) -> tuple[dict[str, list[float]], dict[str, list[float]], list[str], float]:
    """``n`` requests from ``clients`` concurrent clients, as threads spread over ``processes`` processes.

    Clients in several processes: 32 threads of one Python process share one interpreter lock, so
    the client itself would queue responses (measured: a 405 answered by middleware took 50 ms).
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = []
    for k in range(processes):
        share = clients // processes + (1 if k < clients % processes else 0)
        indices = list(range(k, n, processes))
        procs.append(ctx.Process(target=_client_process, args=(base, mix, indices, share, k, ids, pairs, out)))
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    times: dict[str, list[float]] = defaultdict(list)
    server: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for _ in procs:
        t, sv, e = out.get()
        for k, v in t.items():
            times[k] += v
        for k, v in sv.items():
            server[k] += v
        errors += e
    for p in procs:
        p.join()
    return times, server, errors, time.perf_counter() - t0


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User and system CPU of ``pid`` (and every process below it), in seconds."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in [pid, *(_children(pid) if children else [])]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=110_000)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--client-processes", type=int, default=4, help="processes the client threads are spread over")
    ap.add_argument("--ingest-batch", type=int, default=200, help="articles per concurrent ingest run")
    ap.add_argument("--reuse", action="store_true", help="measure the ledger kept in --keep again (no build)")
    ap.add_argument("--no-ingest", action="store_true", help="no concurrent ingest (to compare)")
    ap.add_argument("--serve-args", default="", help="extra options for figtrace serve, e.g. --no-check")
    ap.add_argument("--keep", type=Path, default=None, help="keep the ledger and logs in this folder")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.md")
    args = ap.parse_args()

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="figtrace-load-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / "load.db"
    t = time.perf_counter()
    if args.reuse and db.exists():
        with Ledger(db):  # brings an older schema up to date
            built = {"findings_s": 0.0}
    else:
        if db.exists():
            db.unlink()
        built = build(db, args.claims)
    build_s = time.perf_counter() - t
    with Ledger(db, readonly=True) as ledger:
        ids = [c["id"] for c in ledger.claims(limit=3000, offset=1000)]
        pairs = [(m["actor"], m["measure"]) for m in ledger.metrics() if m.get("actor")]
        n_claims = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    rng = random.Random(5)
    pairs = rng.sample(pairs, k=min(60, len(pairs)))
    mix = MIX + other_routes(MIX)

    port = free_port()
    server = start_server(db, port, tmp / "serve.log", args.serve_args.split())
    base = f"http://127.0.0.1:{port}"
    rss = RssSampler(server.pid)
    rss.start()
    ingest = Ingest(db, tmp / "incoming", args.ingest_batch)
    try:
        for _, path, _ in MIX[:10]:  # warm-up (not timed): first chart render, first views
            if not path.startswith("POST"):
                httpx.get(base + path.replace("{id}", str(ids[0])).replace("{actor}", "North+Korea")
                          .replace("{measure}", "killed"), timeout=120)
        if not args.no_ingest:
            ingest.start()
            time.sleep(2)
        load_before = os.getloadavg()
        cpu_before, own_before = cpu_seconds(server.pid), cpu_seconds(server.pid, children=False)
        times, server_times, errors, wall = drive(base, mix, args.requests, args.clients, ids, pairs,
                                                  args.client_processes)
        cpu_used = cpu_seconds(server.pid) - cpu_before
        cpu_own = cpu_seconds(server.pid, children=False) - own_before
        load_after = os.getloadavg()
    finally:
        ingest.stop.set()
        rss.stop.set()
        server.terminate()
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        if ingest.is_alive():
            ingest.join(timeout=900)
    with Ledger(db, readonly=True) as ledger:
        n_after = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    everything = [x for xs in times.values() for x in xs]
    done = len(everything)
    p50, p95, p99 = (statistics.median(everything) * 1000, pct(everything, 0.95), pct(everything, 0.99))
    peak_mb = rss.peak_tree_kb / 1024  # the server with its chart worker
    met = {"errors": not errors, "p95": p95 < TARGET_P95_MS, "p99": p99 < TARGET_P99_MS,
           "rss": peak_mb < TARGET_RSS_MB}
    origin = ("the previous run's ledger, measured again" if args.reuse and not built.get("generate_s") else
              f"generated in {build_s:.0f} s, findings {built['findings_s']:.0f} s")
    lines = [
        "### Dashboard under load (bench/load_test.py)",
        "",
        f"`python bench/load_test.py --claims {args.claims} --requests {args.requests} --clients {args.clients}` "
        f"on {os.cpu_count()} shared cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"Ledger: {n_claims:,} claims at the start ({origin}), {n_after:,} at the end; "
        f"a concurrent `figtrace ingest` stored "
        f"{ingest.documents:,} articles in {ingest.runs} runs during the test"
        f"{' (' + str(len(ingest.failed)) + ' runs failed)' if ingest.failed else ''}. "
        f"Server: one `figtrace serve` process; clients: {args.clients} threads of httpx in "
        f"{args.client_processes} processes on the same machine. "
        f"The server stopped on SIGTERM with status {code}. "
        f"Load average (1 min) {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end.",
        "",
        f"Server CPU (with its chart worker): {cpu_used:.1f} s for {done:,} requests, "
        f"**{cpu_used / max(done, 1) * 1000:.1f} ms per request** (what the machine cannot hide: at "
        f"this cost one free core serves about {1 / max(cpu_used / max(done, 1), 1e-9):.0f} requests/s); "
        f"the server process alone {cpu_own / max(done, 1) * 1000:.1f} ms, drawing charts "
        f"{(cpu_used - cpu_own) / max(done, 1) * 1000:.1f} ms.",
        "",
        f"**{done:,} requests in {wall:.1f} s ({done / wall:.0f} req/s): {len(errors)} errors, "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, server peak RSS {peak_mb:.0f} MB "
        f"(with its chart worker; the server process alone {rss.peak_kb / 1024:.0f} MB).** "
        f"Targets: 0 errors ({'met' if met['errors'] else '**missed**'}), p95 < {TARGET_P95_MS:.0f} ms "
        f"({'met' if met['p95'] else '**missed**'}), p99 < {TARGET_P99_MS:.0f} ms "
        f"({'met' if met['p99'] else '**missed**'}), RSS < {TARGET_RSS_MB:.0f} MB "
        f"({'met' if met['rss'] else '**missed**'}).",
        "",
        "Client-side times (what the target is about), then the server's own time per request (from "
        "its arrival at the app to its answer, thread-pool wait included; the `server-timing` header).",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | max ms | server p50 ms | server p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, _, _ in mix:
        xs = times.get(label, [])
        sv = server_times.get(label, [])
        if xs:
            lines.append(f"| {label} | {len(xs)} | {statistics.median(xs) * 1000:.0f} | {pct(xs, 0.95):.0f} | "
                         f"{pct(xs, 0.99):.0f} | {max(xs) * 1000:.0f} | "
                         f"{statistics.median(sv) * 1000 if sv else float('nan'):.0f} | "
                         f"{pct(sv, 0.95) if sv else float('nan'):.0f} |")
    if errors:
        lines += ["", f"Errors (first 15 of {len(errors)}):", ""] + [f"- {e}" for e in errors[:15]]
    if ingest.failed:
        lines += ["", "Ingest failures:", ""] + [f"- {e}" for e in ingest.failed[:3]]
    write_results(args.out, lines)
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

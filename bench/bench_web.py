"""Bounded load test of ``figtrace serve``: a few thousand requests, zero errors allowed.

    python bench/bench_web.py [--requests 3000] [--threads 8] [--max-seconds 120]

Builds a ledger (the bundled corpus plus synthetic articles), starts the real
``figtrace serve`` in a subprocess on 127.0.0.1, drives it with httpx from
threads over a fixed mix of pages, API calls, downloads and deliberately bad
parameters (which must get 400, not 500), and writes bench/results/web.md.
Exits 1 if any request failed or got an unexpected status.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from figtrace.scale import ingest  # noqa: E402
from figtrace.store import Ledger  # noqa: E402
from figtrace.store.synth import synthetic_documents, synthetic_extractor  # noqa: E402

#: (label, path, expected status). Bad parameters are part of the load on purpose.
MIX: list[tuple[str, str, int]] = [
    ("overview", "/", 200),
    ("claims page", "/claims?measure=killed&limit=50", 200),
    ("claims search", "/claims?q=Soldaten", 200),
    ("api claims", "/api/claims?actor=North+Korea&limit=100", 200),
    ("api claims over the limit", "/api/claims?limit=100000", 400),
    ("timeline page", "/timeline?actor=North+Korea&measure=killed", 200),
    ("api timeline", "/api/timeline?actor=Russia&measure=killed", 200),
    ("claim page", "/claim/{id}", 200),
    ("csv download", "/download/claims.csv?measure=deployed&limit=200", 200),
    ("static css", "/static/figtrace.css", 200),
    ("openapi", "/api/openapi.json", 200),
    ("conflicts page", "/conflicts?actor=Gaza&limit=50", 200),
    ("bad limit", "/api/claims?limit=ten", 400),
    ("long query", "/api/claims?q=" + "x" * 300, 400),
    ("traversal", "/download/..%2f..%2fpyproject.toml", 404),
    ("write attempt", "POST /api/claims", 405),
]


def build_ledger(path: Path, synthetic: int) -> int:
    from figtrace.report.demo import corpus_files

    with Ledger(path) as ledger:
        ingest(ledger, [str(p) for p in corpus_files()])
        for doc in synthetic_documents(synthetic, seed=7):
            ledger.add_document(doc, synthetic_extractor(doc))
        return len(ledger.claims(limit=None))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "import sys; from figtrace.cli import main; sys.exit(main())",
           "serve", "--db", str(db), "--port", str(port)]
    log = (db.parent / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/figtrace.css", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"figtrace serve did not start: see {db.parent / 'serve.log'}")


def run(base: str, n: int, threads: int, max_seconds: float, claim_ids: list[int]) -> dict[str, list]:
    results: dict[str, list] = defaultdict(list)  # label -> [(seconds, ok)]
    errors: list[str] = []
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.monotonic() + max_seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop_at:
                i = next(counter)
                if i >= n:
                    return
                label, path, want = MIX[i % len(MIX)]
                method = "GET"
                if path.startswith("POST "):
                    method, path = "POST", path[5:]
                path = path.replace("{id}", str(rng.choice(claim_ids)))
                t = time.perf_counter()
                try:
                    r = client.request(method, path)
                    ok = r.status_code == want and "content-security-policy" in r.headers
                    why = f"{label}: {method} {path[:60]} -> {r.status_code}, wanted {want}"
                except httpx.HTTPError as e:
                    ok, why = False, f"{label}: {type(e).__name__}: {e}"
                dt = time.perf_counter() - t
                with lock:
                    results[label].append((dt, ok))
                    if not ok:
                        errors.append(why)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    results["__errors__"] = errors
    return results


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--synthetic", type=int, default=1000, help="synthetic articles added to the corpus")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "web.md"))
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="figtrace-bench-web-"))
    db = tmp / "bench.db"
    t0 = time.perf_counter()
    n_claims = build_ledger(db, args.synthetic)
    build_s = time.perf_counter() - t0
    with Ledger(db, readonly=True) as ledger:
        claim_ids = [c["id"] for c in ledger.claims(limit=2000)]
    port = free_port()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        # warm-up, not timed: the chart renderer's first call and the first conflict check
        # (remembered until the ledger changes) are one-off costs of a fresh server
        httpx.get(base + "/timeline?actor=North+Korea&measure=killed", timeout=120)
        warm = time.perf_counter()
        httpx.get(base + "/conflicts?actor=Gaza&limit=50", timeout=300)
        warm_s = time.perf_counter() - warm
        t0 = time.perf_counter()
        results = run(base, args.requests, args.threads, args.max_seconds, claim_ids)
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    errors = results.pop("__errors__")
    done = sum(len(v) for v in results.values())
    lines = [
        "# figtrace serve: bounded load test",
        "",
        f"`python bench/bench_web.py --requests {args.requests} --threads {args.threads} "
        f"--synthetic {args.synthetic}` on {os.cpu_count()} cores (shared), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Ledger: bundled corpus + {args.synthetic} synthetic articles = {n_claims} claims "
        f"(built in {build_s:.1f} s). Server: `figtrace serve` (one uvicorn process) on 127.0.0.1; "
        f"client: httpx, {args.threads} threads. Warm-up before timing: one chart, and the conflict "
        f"check for Gaza ({warm_s:.1f} s, then remembered until the ledger changes).",
        "",
        f"**{done} requests in {wall:.1f} s ({done / wall:.0f} req/s), {len(errors)} errors.** "
        "An error is an exception, an unexpected status or a missing security header; the mix "
        "includes bad parameters (must be 400), a traversal attempt (404) and a write attempt (405).",
        "",
        "| request | n | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, _, _ in MIX:
        xs = [d for d, _ in results.get(label, [])]
        if xs:
            p50 = statistics.median(xs) * 1000
            lines.append(f"| {label} | {len(xs)} | {p50:.1f} | {pct(xs, 0.95):.1f} | {max(xs) * 1000:.1f} |")
    if errors:
        lines += ["", "Errors (first 20):", ""] + [f"- {e}" for e in errors[:20]]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 1 if errors or done < min(args.requests, 1) else 0


if __name__ == "__main__":
    sys.exit(main())

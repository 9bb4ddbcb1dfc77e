"""Extraction engine speed, against a regex number finder and (optionally) another checkout, in one run.

    python bench/bench_engine.py                       # this checkout vs the regex peer
    python bench/bench_engine.py --baseline ../old     # also an older checkout of figtrace, same documents

Documents: the bundled sample corpus, plus the real-text dev set when ``../shared/dev`` is beside the
checkout (read at run time, never copied). Each side runs in its own process (so each imports its own
``figtrace``), warms up once, then extracts every document ``--repeat`` times; the best CPU time is
kept, since the machine is shared and other tenants only ever add time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "dev"

_CHILD = textwrap.dedent('''
    import json, re, sys, time
    sys.path.insert(0, sys.argv[1])
    docs = json.load(open(sys.argv[2], encoding="utf-8"))
    repeat = int(sys.argv[3])
    if sys.argv[4] == "regex":
        rx = re.compile(r"\\d[\\d.,']*")
        run = lambda d: len(rx.findall(d["text"]))
    else:
        import figtrace
        run = lambda d: len(figtrace.extract(d["text"], lang=d.get("lang"), published=d.get("published")))
    claims = sum(run(d) for d in docs)  # warm-up: lexicons compiled, caches filled
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for d in docs:
            run(d)
        best = min(best, time.process_time() - t)
    print(json.dumps({"seconds": best, "docs": len(docs), "found": claims}))
''')


def documents() -> list[dict]:
    docs = [{"text": p.read_text(encoding="utf-8"), "lang": p.parent.name, "published": "2025-06-01"}
            for p in sorted((ROOT / "figtrace" / "data" / "corpus").glob("*/*.txt"))]
    if (DEV / "to_jsonl.py").is_file():
        out = subprocess.run([sys.executable, str(DEV / "to_jsonl.py")], capture_output=True, text=True, check=True)
        docs += [{"text": r["text"], "published": r.get("published")} for r in map(json.loads, out.stdout.splitlines())]
    return docs


def measure(checkout: Path, docs_file: Path, repeat: int, kind: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(checkout), str(docs_file), str(repeat), kind],
                         capture_output=True, text=True, check=True, cwd=checkout)
    return json.loads(out.stdout.strip().splitlines()[-1])


_STARTUP = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    from figtrace.cli import main
    main(sys.argv[2:])
''')


def startup(checkout: Path | None, args: list[str], runs: int) -> float:
    """Least CPU seconds (user + system) of one cold process: ``figtrace ARGS`` from ``checkout``,
    or a bare interpreter when ``checkout`` is None (the floor every command pays)."""
    best = float("inf")
    env = {**os.environ, "FIGTRACE_CACHE_DIR": str(ROOT / "bench" / "data" / "cache")}
    for _ in range(runs + 1):  # the first run may fill the cache folder: not counted
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = [sys.executable, "-c", "pass"] if checkout is None else [sys.executable, "-c", _STARTUP,
                                                                     str(checkout), *args]
        subprocess.run(cmd, capture_output=True, check=False, cwd=checkout or ROOT, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if _ > 0:
            best = min(best, cpu)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another checkout of figtrace to measure on the same documents")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--startup-runs", type=int, default=5, help="cold starts of `figtrace extract` per side (0: none)")
    args = ap.parse_args()
    docs_file = ROOT / "bench" / "data" / "engine_docs.json"
    docs_file.parent.mkdir(parents=True, exist_ok=True)
    docs_file.write_text(json.dumps(documents()), encoding="utf-8")
    rows = [("regex number finder", measure(ROOT, docs_file, args.repeat, "regex")),
            ("figtrace (this checkout)", measure(ROOT, docs_file, args.repeat, "engine"))]
    if args.baseline:
        rows.append((f"figtrace ({args.baseline})", measure(args.baseline.resolve(), docs_file, args.repeat, "engine")))
    peer = rows[0][1]["docs"] / rows[0][1]["seconds"]
    print("| what | documents/s per core | found | against the regex |")
    print("|---|---:|---:|---:|")
    for name, r in rows:
        rate = r["docs"] / r["seconds"]
        print(f"| {name} | {rate:,.1f} | {r['found']:,} | {rate / peer:.4f}× |")
    if args.startup_runs:
        # one bundled article, language not given (the identifier's model loads), as a user runs it
        article = sorted((ROOT / "figtrace" / "data" / "corpus").glob("*/*.txt"))[0]
        bare = startup(None, [], args.startup_runs)
        sides = [("this checkout", ROOT)] + ([(str(args.baseline), args.baseline.resolve())] if args.baseline else [])
        print()
        print("| cold start, CPU seconds (least of runs) | `figtrace --version` | `figtrace extract ARTICLE` "
              "| extract against a bare `python -c pass` |")
        print("|---|---:|---:|---:|")
        for name, checkout in sides:
            version = startup(checkout, ["--version"], args.startup_runs)
            extract = startup(checkout, ["extract", str(article)], args.startup_runs)
            print(f"| figtrace ({name}) | {version:.2f} | {extract:.2f} | {extract / bare:.1f}× ({bare:.3f} s) |")


if __name__ == "__main__":
    main()

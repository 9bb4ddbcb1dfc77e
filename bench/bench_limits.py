"""One very large document: every stage must scale linearly with its length.

    .venv/bin/python bench/bench_limits.py [--sizes 1,2,5,10]   # writes bench/results/limits.md

Builds English documents of 1, 2, 5 and 10 MB from the generated corpus
(``bench/corpus.py``: real sentence shapes, a figure in most paragraphs),
paragraphs separated by blank lines, and times each stage after reading
(metadata and cleaning, then extraction) with the time budget switched off.
The peer is the same pipeline on the 1 MB document, measured in the same run:
a linear pipeline spends the same time per megabyte at every size.

Stated budget: the 10 MB document within ``BUDGET_10MB_S`` seconds of CPU, and
at most ``MAX_PER_MB_RATIO`` times the 1 MB document's time per megabyte. Exits
1 when either is missed. (In normal runs such a document is skipped by the
per-document budget, ``figtrace/limits.py``; this bench shows that what remains
is linear, so the budget, not a quadratic step, is what stops it.)
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import iter_articles  # noqa: E402
from report import write_results  # noqa: E402

from figtrace.extract.engine import extract_document  # noqa: E402
from figtrace.model import Document  # noqa: E402
from figtrace.pipeline import Options, prepare  # noqa: E402

#: CPU seconds the 10 MB document may take (metadata, cleaning and extraction).
BUDGET_10MB_S = 150.0
#: Largest time per megabyte, relative to the 1 MB document's.
MAX_PER_MB_RATIO = 1.5


def document(megabytes: float) -> str:
    """English paragraphs from the generated corpus, blank-line separated, cut at ``megabytes``."""
    want = int(megabytes * 1_000_000)
    parts: list[str] = []
    size = 0
    for article in iter_articles(10_000_000, seed=5):
        if article.lang != "en":
            continue
        for para in article.text.split("\n\n"):
            parts.append(para)
            size += len(para) + 2
        if size >= want:
            break
    return "\n\n".join(parts)[:want]


def measure(text: str) -> dict[str, float]:
    doc = Document(text=text, name="big.txt", lang="en", published="2025-06-01")
    c0 = time.process_time()
    prepare(doc, Options(lang="en", budget=None))
    c1 = time.process_time()
    claims = extract_document(doc, budget=None)
    c2 = time.process_time()
    return {"prepare": c1 - c0, "extract": c2 - c1, "total": c2 - c0, "claims": len(claims)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,5,10", help="document sizes in MB, the first is the peer")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "limits.md")
    args = ap.parse_args()
    sizes = [float(x) for x in args.sizes.split(",")]
    rows = []
    for mb in sizes:
        text = document(mb)
        r = measure(text)
        r["mb"] = len(text) / 1e6
        r["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(r)
        print(f"{r['mb']:.1f} MB: prepare {r['prepare']:.1f} s, extract {r['extract']:.1f} s, "
              f"{r['claims']:,} claims, peak RSS {r['rss']:.0f} MB", flush=True)
    base = rows[0]["total"] / rows[0]["mb"]
    lines = [
        "### One large document (bench/bench_limits.py)",
        "",
        "CPU seconds of the stages after reading (metadata and cleaning, extraction), time budget off; "
        "peer: the same pipeline on the first size, per megabyte.",
        "",
        "| document | metadata + cleaning s | extraction s | total s | s per MB | vs first size | claims | "
        "peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for r in rows:
        per_mb = r["total"] / r["mb"]
        ratio = per_mb / base
        worst = max(worst, ratio)
        lines.append(f"| {r['mb']:.1f} MB | {r['prepare']:.1f} | {r['extract']:.1f} | {r['total']:.1f} | "
                     f"{per_mb:.1f} | {ratio:.2f}× | {r['claims']:,} | {r['rss']:.0f} |")
    largest = rows[-1]
    ok_ratio = worst <= MAX_PER_MB_RATIO
    ok_budget = largest["mb"] < 9.5 or largest["total"] <= BUDGET_10MB_S
    lines += ["", f"Stated budget: 10 MB within {BUDGET_10MB_S:.0f} s of CPU "
                  f"({'met' if ok_budget else '**missed**'}: {largest['total']:.0f} s), time per MB at most "
                  f"{MAX_PER_MB_RATIO}× the first size's ({'met' if ok_ratio else '**missed**'}: worst "
                  f"{worst:.2f}×)."]
    write_results(args.out, lines)
    return 0 if ok_ratio and ok_budget else 1


if __name__ == "__main__":
    sys.exit(main())

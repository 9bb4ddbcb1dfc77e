"""Peak memory while ingesting a JSON Lines corpus into a ledger (run by ``run.py`` in its own process).

    python bench/memory.py CORPUS.jsonl LEDGER.db --jobs 2 --every 1000

Why its own process: the number must be figtrace's, not the benchmark's
(which holds samples of the corpus for the throughput runs). A thread samples
the resident memory of this process and its workers every half second; at
every ``--every`` documents the current and peak figures are recorded, so the
report shows whether memory grows with the corpus (it must not: documents
stream from the file through the pool into SQLite one unit at a time).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
import time
from pathlib import Path

import psutil

from figtrace.errors import InputError
from figtrace.scale import iter_results
from figtrace.store import Ledger


class Sampler(threading.Thread):
    """Resident memory of a process tree, sampled until stopped."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = self.peak_anon = self.peak_file = 0
        self._halt = threading.Event()

    def rss(self) -> tuple[int, int, int]:
        """Total, anonymous (heap: what must stay flat) and file-backed (SQLite's mmap of the ledger) bytes."""
        me = psutil.Process()
        anon = file = 0
        for p in (me, *me.children(recursive=True)):
            with contextlib.suppress(psutil.Error, OSError):
                a, f = _status(p.pid)
                anon += a
                file += f
        return anon + file, anon, file

    def run(self) -> None:
        while not self._halt.is_set():
            total, anon, file = self.rss()
            self.peak = max(self.peak, total)
            self.peak_anon = max(self.peak_anon, anon)
            self.peak_file = max(self.peak_file, file)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _status(pid: int) -> tuple[int, int]:
    """RssAnon and RssFile + RssShmem of one process, in bytes (Linux)."""
    anon = file = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1]) * 1024
            elif line.startswith(("RssFile:", "RssShmem:")):
                file += int(line.split()[1]) * 1024
    return anon, file


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("db", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--every", type=int, default=1000)
    args = ap.parse_args()
    sampler = Sampler()
    sampler.start()
    marks = []
    docs = claims = failed = 0
    t0 = time.perf_counter()
    with Ledger(args.db) as ledger, ledger.batch():  # as `figtrace ingest` stores: one recount per batch
        for item in iter_results([str(args.corpus)], jobs=args.jobs):
            if isinstance(item, InputError):
                failed += 1
                continue
            found = item.claims
            ledger.add_document(item.document, found)
            docs += 1
            claims += len(found)
            if docs % args.every == 0:
                total, anon, file = sampler.rss()
                main_anon = _status(os.getpid())[0]
                marks.append({"documents": docs, "rss_mb": total / 2**20, "anon_mb": anon / 2**20,
                              "main_anon_mb": main_anon / 2**20, "workers_anon_mb": (anon - main_anon) / 2**20,
                              "file_mb": file / 2**20, "peak_mb": sampler.peak / 2**20,
                              "peak_anon_mb": sampler.peak_anon / 2**20, "seconds": time.perf_counter() - t0})
    sampler.stop()
    print(json.dumps({"documents": docs, "claims": claims, "failed": failed, "jobs": args.jobs,
                      "seconds": time.perf_counter() - t0, "peak_mb": sampler.peak / 2**20,
                      "peak_anon_mb": sampler.peak_anon / 2**20, "peak_file_mb": sampler.peak_file / 2**20,
                      "marks": marks,
                      "db_mb": args.db.stat().st_size / 2**20}))


if __name__ == "__main__":
    main()

"""Timeline queries over a ledger of 1,000,000 generated claims.

    .venv/bin/python bench/bench_ledger.py                # generate, measure, write bench/results/ledger.md
    .venv/bin/python bench/bench_ledger.py --db /tmp/l.db --reuse

The generated ledger mimics real reporting: each source publishes a series of
updates per (actor, measure), and each update is printed by one to three
outlets (so clusters have several members). One "hot" pair (North Korea /
killed) holds far more claims than the rest, to show the worst case.
Documents and claims go in through the ledger's own schema, claim keys and
cluster function, in bulk transactions (``add_document`` per document would
only measure fsync). The numbers measured are ``Ledger.timeline`` calls,
which is what ``figtrace timeline`` and the dashboard run.

Ingest (issue 13): ``--ingest N`` holds N documents of the generated claims
out of the bulk load (they continue the same sources' series, so they merge
with stored clusters) and stores them with ``Ledger.add_document`` in a batch,
as ``figtrace ingest`` does: once into an empty ledger, once into the big one,
in the same run. The ratio of the two per-document costs is the flatness
figure, without and with the batch's closing recount (overview counts and the
findings of the units the batch touched); the clusters the big ledger ends
with are checked against clustering the touched keys from scratch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import write_results

from figtrace.model import Claim, Document, content_id
from figtrace.reconcile.clusters import assign_clusters, claim_key, effective_period
from figtrace.store import Ledger
from figtrace.store.clustering import merge_bounds
from figtrace.store.ledger import _SELECT_TIMELINE

MEASURES = ("deployed", "killed", "wounded", "killed_or_wounded", "captured", "missing", "equipment",
            "territory_captured", "advance", "withdrawn", "planned", "reinforcement")
SOURCES = ("South Korea NIS", "UK Defence Intelligence", "Western intelligence", "UN", "US intelligence",
           "Ukrainian armed forces", "Russian Ministry of Defence", "unattributed")
HOT = ("North Korea", "killed")
CLAIMS_PER_DOC = 5


def _series(rng: random.Random, actor: str, measure: str, updates: int) -> list[dict]:
    """One pair's claims: per source a rising series of figures, each printed 1–3 times."""
    out = []
    for source in rng.sample(SOURCES, k=rng.randint(3, len(SOURCES))):
        value = rng.randint(50, 3000)
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 120))
        for _ in range(updates):
            day += dt.timedelta(days=rng.randint(10, 60))
            value += rng.randint(0, 300)
            qualifier = rng.choice(("exact", "approx", "approx", "more_than"))
            as_of = day.isoformat() if rng.random() < 0.5 else day.strftime("%Y-%m")
            for _ in range(rng.choice((1, 1, 2, 3))):
                published = day + dt.timedelta(days=rng.randint(0, 5))
                out.append({"actor": actor, "measure": measure, "source": source, "value": float(value),
                            "qualifier": qualifier, "as_of": as_of if rng.random() < 0.85 else None,
                            "published": published.isoformat()})
    return out


def _text(c: dict) -> str:
    return f"Report {c['id']}: {c['source']} puts {c['measure']} of {c['actor']} at {int(c['value'])}."


def held_documents(claims: list[dict]) -> list[tuple[Document, list[Claim]]]:
    """Generated claims as documents of ``CLAIMS_PER_DOC`` claims, for ``Ledger.add_document``."""
    out = []
    for j in range(0, len(claims), CLAIMS_PER_DOC):
        group = claims[j:j + CLAIMS_PER_DOC]
        text = " ".join(_text(c) for c in group)
        doc = Document(text=text, name=f"held-{group[0]['id']:07d}.txt", published=group[0]["published"],
                       lang="en", outlet=f"outlet{group[0]['id'] % 13}")
        found, offset = [], 0
        for c in group:
            quote = _text(c)
            found.append(Claim(doc=doc.name, quote=quote, figure=str(int(c["value"])), value=c["value"],
                               low=c["low"], high=c["high"], qualifier=c["qualifier"], measure=c["measure"],
                               actor=c["actor"], unit="personnel", source=c["source"], as_of=c["as_of"],
                               location=None, start=offset, end=offset + len(quote), quote_start=offset,
                               quote_end=offset + len(quote)))
            offset += len(quote) + 1
        out.append((doc, found))
    return out


def make_claims(n_claims: int, seed: int = 7, hold: int = 0) -> tuple[list[dict], list[tuple[Document, list[Claim]]]]:
    """``n_claims`` generated claims to bulk-load, and ``hold`` documents more of the same series."""
    rng = random.Random(seed)
    claims: list[dict] = _series(rng, *HOT, updates=200)
    n_actors = 0
    total = n_claims + hold * CLAIMS_PER_DOC
    while len(claims) < total:
        actor = f"Actor {n_actors:05d}"
        n_actors += 1
        for measure in rng.sample(MEASURES, k=rng.randint(3, len(MEASURES))):
            claims.extend(_series(rng, actor, measure, updates=rng.randint(2, 8)))
    claims = claims[:total]
    rng.shuffle(claims)
    for i, c in enumerate(claims):
        c["id"] = i + 1
        c["low"] = c["value"]
        c["high"] = None if c["qualifier"] == "more_than" else c["value"]
        c["ckey"] = claim_key(c)
        # a document's claims carry its publication date, as the ledger stores them
        c["published"] = claims[i - i % CLAIMS_PER_DOC]["published"]
    return claims[:n_claims], held_documents(claims[n_claims:])


def generate(path: Path, n_claims: int, seed: int = 7, hold: int = 0) -> dict[str, Any]:
    """Bulk-load ``n_claims`` generated claims; ``hold`` documents more are generated and returned."""
    t0 = time.perf_counter()
    claims, held = make_claims(n_claims, seed, hold)
    clusters = assign_clusters(claims)
    t_gen = time.perf_counter() - t0

    t1 = time.perf_counter()
    with Ledger(path) as ledger:
        conn = ledger.conn
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")  # ~1 GB while loading: the indexes fit
        batch = 50_000
        for start in range(0, len(claims), batch):
            chunk = claims[start:start + batch]
            docs, rows = [], []
            for j in range(0, len(chunk), CLAIMS_PER_DOC):
                group = chunk[j:j + CLAIMS_PER_DOC]
                text = " ".join(_text(c) for c in group)
                doc_id = content_id(text)
                name = f"gen-{group[0]['id']:07d}.txt"
                docs.append((doc_id, name, group[0]["published"], text))
                offset = 0
                for idx, c in enumerate(group):
                    quote = _text(c)
                    period, basis = effective_period(c["as_of"], c["published"])
                    rows.append((c["id"], doc_id, idx, quote, str(int(c["value"])), c["value"], c["low"], c["high"],
                                 c["qualifier"], c["measure"], c["actor"], "personnel", c["source"], c["as_of"],
                                 offset, offset + len(quote), basis, period.start.isoformat(),
                                 period.end.isoformat(), c["ckey"], clusters[c["id"]], name, group[0]["published"],
                                 f"outlet{c['id'] % 13}", *merge_bounds(c["as_of"], group[0]["published"])))
                    offset += len(quote) + 1
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO documents(id, name, published, lang, text, ingested_at) "
                             "VALUES (?, ?, ?, 'en', ?, 'bench')", docs)
            conn.executemany(
                'INSERT INTO claims(id, doc_id, idx, quote, figure, value, low, high, qualifier, measure, actor, '
                'unit, source, as_of, quote_start, quote_end, as_of_basis, t_start, t_end, ckey, cluster, '
                'doc_name, published, outlet, m_start, m_end) '
                'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
            conn.execute("COMMIT")
        conn.executemany("INSERT OR IGNORE INTO sources(name) VALUES (?)", [(s,) for s in SOURCES])
        ledger.refresh_stats()
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t_load = time.perf_counter() - t1
    return {"generate_s": t_gen, "load_s": t_load, "actors": len({c["actor"] for c in claims}), "held": held}


def _store(path: Path, held: list[tuple[Document, list[Claim]]]) -> dict[str, float]:
    """Store the held documents as ``figtrace ingest`` does (one batch, ``WRITE_BATCH`` documents per
    transaction): CPU and wall seconds per document."""
    from figtrace.scale.sink import WRITE_BATCH

    with Ledger(path) as ledger:
        before = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        c0, w0 = time.process_time(), time.perf_counter()
        with ledger.batch():
            added = sum(sum(ledger.add_documents(held[i:i + WRITE_BATCH]))
                        for i in range(0, len(held), WRITE_BATCH))
            c1, w1 = time.process_time(), time.perf_counter()
            stale = ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0]
            recount = ledger.conn.execute("SELECT count(*) FROM pair_stats WHERE n_claims < 0").fetchone()[0]
        c2, w2 = time.process_time(), time.perf_counter()
        units = ledger.conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT coalesce(actor, ''), measure FROM claims WHERE doc_name LIKE "
            "'held-%')").fetchone()[0]
    assert added == len(held), f"{len(held) - added} held documents were stored already"
    return {"claims_before": before, "documents": added, "doc_cpu_ms": (c1 - c0) / added * 1000,
            "doc_wall_ms": (w1 - w0) / added * 1000, "close_cpu_s": c2 - c1, "close_wall_s": w2 - w1,
            "all_cpu_ms": (c2 - c0) / added * 1000, "stale_units": stale, "stale_pairs": recount, "pairs": units}


def measure_ingest(big: Path, held: list[tuple[Document, list[Claim]]], rounds: int = 2) -> dict[str, Any]:
    """Per-document ingest cost into an empty ledger and into (a copy of) ``big``, in one run.

    The copy keeps ``big`` as generated, so ``--reuse`` measures the same
    thing again. Each ledger is stored into ``rounds`` times, alternately and
    each time afresh (a new empty file, a new copy), and the round of least
    CPU (documents and close together) is reported: on the shared machine the
    first ingest into a big copy after the empty one took up to 40 % more CPU,
    most of it system time, in one round and not the next. After storing, the
    clusters of every merge key the held documents touched are compared with
    clustering those keys from scratch.
    """
    folder = Path(tempfile.mkdtemp(prefix="figtrace-ingest-", dir=big.parent))
    try:
        with Ledger(big) as ledger:  # fold the write-ahead log in, so one file is the whole ledger
            ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        empties, fulls = [], []
        for r in range(rounds):
            empties.append(_store(folder / f"empty{r}.db", held))
            copy = folder / f"big{r}.db"
            shutil.copyfile(big, copy)
            with copy.open("rb+") as f:  # the copy's pages on disk first: writing them back is not the ingest's cost
                os.fsync(f.fileno())
            fulls.append(_store(copy, held))
            if r + 1 < rounds:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)
        empty = min(empties, key=lambda x: x["all_cpu_ms"])
        full = min(fulls, key=lambda x: x["all_cpu_ms"])
        with Ledger(copy, readonly=True) as ledger:
            keys = sorted({r[0] for r in ledger.conn.execute(
                "SELECT DISTINCT ckey FROM claims WHERE doc_name LIKE 'held-%'")})
            rows = []
            for k in keys:
                rows += [dict(r) for r in ledger.conn.execute(
                    "SELECT id, ckey, as_of, published, cluster FROM claims WHERE ckey = ?", (k,))]
        scratch = assign_clusters(rows)
        same = all(r["cluster"] == scratch[r["id"]] for r in rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"empty": empty, "full": full, "keys": len(keys), "key_claims": len(rows), "same_clusters": same,
            "rounds": rounds, "all_full_doc_cpu_ms": [f["doc_cpu_ms"] for f in fulls],
            "cpu_ratio": full["doc_cpu_ms"] / empty["doc_cpu_ms"],
            "all_ratio": full["all_cpu_ms"] / empty["all_cpu_ms"],
            "wall_ratio": full["doc_wall_ms"] / empty["doc_wall_ms"]}


def ingest_lines(ing: dict[str, Any]) -> list[str]:
    e, f = ing["empty"], ing["full"]
    return [
        "",
        f"### Ingest into an empty ledger and into one of {f['claims_before']:,} claims (issue 13)",
        "",
        f"{f['documents']:,} generated documents ({CLAIMS_PER_DOC} claims each, continuing the stored series, so "
        "they join stored clusters) stored with `Ledger.add_documents`, 32 documents per transaction in one "
        "batch, as `figtrace ingest` stores them, into an empty ledger and into a copy of the big one, "
        f"alternately, {ing['rounds']} rounds each on fresh files, the round of least CPU shown (per document "
        f"into the big one, by round: {', '.join(f'{x:.2f}' for x in ing['all_full_doc_cpu_ms'])} ms), "
        "in the same run. Load average "
        f"{ing['load'][0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| per document | empty ledger | " + f"{f['claims_before']:,} claims | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| CPU | {e['doc_cpu_ms']:.2f} ms | {f['doc_cpu_ms']:.2f} ms | {ing['cpu_ratio']:.2f}× | "
        f"≤ 1.3×: {'met' if ing['cpu_ratio'] <= 1.3 else '**missed**'} |",
        f"| wall clock | {e['doc_wall_ms']:.2f} ms | {f['doc_wall_ms']:.2f} ms | {ing['wall_ratio']:.2f}× | |",
        f"| closing recount of the batch (findings; overview rows of changed pairs), CPU | {e['close_cpu_s']:.2f} s | "
        f"{f['close_cpu_s']:.2f} s | | once per batch |",
        f"| CPU with the batch's share of the closing recount | {e['all_cpu_ms']:.2f} ms | {f['all_cpu_ms']:.2f} ms "
        f"| {ing['all_ratio']:.2f}× | ≤ 1.3×: {'met' if ing['all_ratio'] <= 1.3 else '**missed**'} |",
        "",
        f"Findings units (actor, measure family) stale at the close: {e['stale_units']:,} (empty) and "
        f"{f['stale_units']:,} ({f['claims_before']:,} claims); the documents touched {f['pairs']:,} actor/measure "
        "pairs. A claim that joins a stored cluster without changing its point only rewrites the claim ids of the "
        "findings that show it; a unit that only gained points compares only the pairs with a new point. The "
        "overview counts of a pair grow with each document; only pairs whose stored claims changed (clusters "
        f"merged or renamed) are recounted at the close: {e['stale_pairs']:,} (empty) and {f['stale_pairs']:,} "
        f"({f['claims_before']:,} claims).",
        "",
        f"Clusters of the {ing['keys']:,} merge keys the documents touched ({ing['key_claims']:,} claims) "
        f"equal clustering them from scratch: {'yes' if ing['same_clusters'] else '**NO**'}.",
    ]


def _time(ledger: Ledger, actor: str, measure: str, repeat: int) -> tuple[list[float], int, int]:
    times = []
    tl = None
    for _ in range(repeat):
        t = time.perf_counter()
        tl = ledger.timeline(actor, measure)
        times.append((time.perf_counter() - t) * 1000)
    assert tl is not None and tl.points, f"empty timeline for {actor}/{measure}"
    return times, sum(len(p["claim_ids"]) for p in tl.points), len(tl.points)


def _ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median milliseconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure_filters(ledger: Ledger, repeat: int) -> dict[str, float]:
    """The shared filters and paged totals (issue 16), each against its unfiltered peer in the same run."""
    hot = _ms(lambda: ledger.timeline(*HOT), repeat)
    return {
        "hot_ms": hot,
        "hot_since_ms": _ms(lambda: ledger.timeline(*HOT, since="2025-01"), repeat),
        "hot_outlet_ms": _ms(lambda: ledger.timeline(*HOT, outlet="outlet3"), repeat),
        "hot_alias_ms": _ms(lambda: ledger.timeline("Nordkorea", "killed"), repeat),
        "page_ms": _ms(lambda: ledger.claims(limit=50), repeat),
        "page_source_ms": _ms(lambda: ledger.claims(source="NIS", limit=50), repeat),
        "total_ms": _ms(lambda: ledger.count_claims(), repeat),
        "total_scan_ms": _ms(lambda: ledger.conn.execute(
            "SELECT count(*) FROM claims WHERE current = 1").fetchone(), 3),
        "total_source_ms": _ms(lambda: ledger.count_claims(source="NIS"), 3),
        "total_since_ms": _ms(lambda: ledger.count_claims(since="2025-06"), 3),
        "documents_page_ms": _ms(lambda: ledger.documents(limit=50, offset=1000), repeat),
        "documents_total_ms": _ms(lambda: ledger.count_documents(), 3),
        "sources_outlet_ms": _ms(lambda: ledger.sources(outlet="outlet3"), 3),
    }


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(path: Path, repeat: int, seed: int = 11) -> dict:
    rng = random.Random(seed)
    with Ledger(path, readonly=True) as ledger:
        n_claims = ledger.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        pairs = [tuple(r) for r in ledger.conn.execute(
            "SELECT DISTINCT actor, measure FROM claims WHERE actor LIKE 'Actor 0%' LIMIT 2000")]
        sample = rng.sample(pairs, k=min(20, len(pairs)))
        plan = " ".join(r[3] for r in ledger.conn.execute(
            "EXPLAIN QUERY PLAN " + _SELECT_TIMELINE, HOT))
        first = time.perf_counter()
        ledger.timeline(*sample[0])
        first_ms = (time.perf_counter() - first) * 1000
        typical, sizes = [], []
        for actor, measure_ in sample:
            t, n, _ = _time(ledger, actor, measure_, repeat)
            typical += t
            sizes.append(n)
        hot, hot_claims, hot_points = _time(ledger, *HOT, repeat)
        page = []
        for _ in range(5):
            t = time.perf_counter()
            ledger.claims(limit=50, offset=1000)
            page.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        n_pairs = len(ledger.metrics())
        metrics_ms = (time.perf_counter() - t) * 1000
        filtered = measure_filters(ledger, repeat)
    return {
        **filtered,
        "page_median_ms": statistics.median(page), "metrics_ms": metrics_ms, "pairs": n_pairs,
        "claims": n_claims, "plan": plan, "first_ms": first_ms,
        "typical_median_ms": statistics.median(typical), "typical_p95_ms": _p(typical, 0.95),
        "typical_claims": statistics.median(sizes),
        "hot_median_ms": statistics.median(hot), "hot_p95_ms": _p(hot, 0.95), "hot_claims": hot_claims,
        "hot_points": hot_points,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None, help="ledger file (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="measure an existing --db without regenerating")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "ledger.md")
    ap.add_argument("--ingest", type=int, default=400, metavar="DOCS",
                    help="documents stored into an empty and into the big ledger (0: skip)")
    args = ap.parse_args()
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory(prefix="figtrace-bench-")
        args.db = Path(tmp.name) / "bench.db"
    try:
        built: dict[str, Any] = {}
        if not (args.reuse and args.db.exists()):
            if args.db.exists():
                args.db.unlink()
            built = generate(args.db, args.claims, hold=args.ingest)
            held = built.pop("held")
        elif args.ingest:  # the same generation's held documents (same seed)
            held = make_claims(args.claims, hold=args.ingest)[1]
        result = measure(args.db, args.repeat)
        size_mb = os.path.getsize(args.db) / 1e6
        ingest = None
        if args.ingest:
            load = os.getloadavg()
            ingest = measure_ingest(args.db, held)
            ingest["load"] = load
            result["ingest"] = ingest
    finally:
        if tmp is not None:
            tmp.cleanup()
    lines = [
        f"### Ledger timeline over {result['claims']:,} generated claims ({dt.date.today().isoformat()}, "
        f"{os.cpu_count()} cores, SQLite ledger {size_mb:,.0f} MB)",
        "",
        f"- `Ledger.timeline` on a typical pair (median {result['typical_claims']:.0f} claims): "
        f"median {result['typical_median_ms']:.1f} ms, p95 {result['typical_p95_ms']:.1f} ms "
        f"({args.repeat} calls × 20 pairs); first call {result['first_ms']:.1f} ms",
        f"- hot pair North Korea / killed ({result['hot_claims']:,} claims, {result['hot_points']:,} points): "
        f"median {result['hot_median_ms']:.1f} ms, p95 {result['hot_p95_ms']:.1f} ms",
        f"- query plan: `{result['plan']}`",
        f"- one page of the claim list (`claims(limit=50)`): median {result['page_median_ms']:.1f} ms; "
        f"the overview (`metrics()`, {result['pairs']:,} actor/measure pairs): {result['metrics_ms']:.0f} ms",
        f"- shared filters on the hot timeline (median of {args.repeat}, against the unfiltered "
        f"{result['hot_ms']:.1f} ms in the same run): `since` {result['hot_since_ms']:.1f} ms "
        f"({result['hot_since_ms'] / result['hot_ms']:.1f}x), `outlet` {result['hot_outlet_ms']:.1f} ms "
        f"({result['hot_outlet_ms'] / result['hot_ms']:.1f}x), by alias (`Nordkorea`) "
        f"{result['hot_alias_ms']:.1f} ms ({result['hot_alias_ms'] / result['hot_ms']:.1f}x)",
        f"- paged totals: `count_claims()` {result['total_ms']:.2f} ms (from the overview counts; a full "
        f"`count(*)` takes {result['total_scan_ms']:.0f} ms), with `source=NIS` {result['total_source_ms']:.0f} ms, "
        f"with `since=2025-06` {result['total_since_ms']:.0f} ms; a claims page filtered by source "
        f"{result['page_source_ms']:.1f} ms (unfiltered {result['page_ms']:.1f} ms)",
        f"- documents: a page at offset 1,000 {result['documents_page_ms']:.1f} ms, their total "
        f"{result['documents_total_ms']:.0f} ms; sources of one outlet {result['sources_outlet_ms']:.0f} ms",
    ]
    if not built and args.out.exists():  # --reuse: keep how the measured ledger was built
        lines += [line for line in args.out.read_text(encoding="utf-8").splitlines()
                  if line.startswith("- generating")]
    if built:
        lines.append(f"- generating {result['claims']:,} claims with clusters took {built['generate_s']:.0f} s, "
                     f"bulk loading (with full-text index) {built['load_s']:.0f} s")
    if ingest is not None:
        lines += ingest_lines(ingest)
    write_results(args.out, lines, {k: v for k, v in result.items() if k != "plan"})


if __name__ == "__main__":
    main()

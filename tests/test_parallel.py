"""``--jobs``: a process pool gives the same claims, in the same order, as one process.

The corpus is the bundled sample articles plus pages and records written for
these tests (an HTML page, a JSON Lines file, a broken input), so every
reader path goes through the pool. What is checked is sameness across
engines, not extraction quality: the claims are whatever the engine finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PER_LANG, mixed_corpus

from figtrace.cli import main
from figtrace.errors import FigtraceError, InputError
from figtrace.model import Claim, Document
from figtrace.pipeline import Options, Result
from figtrace.scale import ingest, iter_results
from figtrace.scale.pool import Unit, plan, process_unit
from figtrace.store import Ledger

PAGE = """<!doctype html><html lang="en"><head><title>Front line update</title>
<meta property="og:site_name" content="Example Wire"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Front line update</h1>
<p>Officials in Kyiv said on Monday that at least 120 soldiers had been wounded near the river crossing
over the past week.</p>
<p>According to the governor, some 3,000 residents have left the district since the shelling began.</p>
</article><footer>Copyright Example Wire</footer></body></html>
"""
RECORDS = [
    {"text": "Laut dem Ministerium wurden mehr als 40 Soldaten verwundet.", "lang": "de",
     "published": "2025-03-04", "url": "https://example.org/a"},
    {"text": "The agency said 15 civilians were killed in the strike.", "lang": "en",
     "published": "2025-03-05", "url": "https://example.org/b"},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in which every reader occurs: text in two languages, HTML, JSON Lines, one broken file."""
    return mixed_corpus(tmp_path_factory.mktemp("corpus"), [*RECORDS, "{not json"],
                        {"page.html": PAGE, "empty.txt": "   \n"})


def keys(claims: list[Claim]) -> list[str]:
    return [json.dumps(c.to_dict(), sort_keys=True, ensure_ascii=False) for c in claims]


def run(corpus: Path, jobs: int, chunk: int = 4) -> tuple[list[str], list[str], list[str]]:
    """Claims (as JSON), document names and failures, in the order they came."""
    claims: list[str] = []
    docs: list[str] = []
    failures: list[str] = []
    for item in iter_results([str(corpus)], jobs=jobs, chunk=chunk):
        if isinstance(item, InputError):
            failures.append(str(item))
        else:
            docs.append(item.document.name)
            claims.extend(keys(item.claims))
    return claims, docs, failures


@pytest.fixture(scope="module")
def single(corpus: Path) -> tuple[list[str], list[str], list[str]]:
    return run(corpus, jobs=1)


def test_single_process_reads_every_kind_of_input(single: tuple[list[str], list[str], list[str]]) -> None:
    claims, docs, failures = single
    assert len(docs) == 2 * PER_LANG + 1 + 2  # the bundled articles, the page, two good records
    assert "page.html" in docs
    assert len(claims) > 20
    assert any("empty.txt" in f for f in failures)
    assert any("records.jsonl" in f for f in failures)  # the broken line


def test_two_jobs_give_the_same_claims_in_the_same_order(corpus: Path, single: tuple) -> None:
    assert run(corpus, jobs=2) == single


def test_result_does_not_depend_on_chunk_size(corpus: Path, single: tuple) -> None:
    assert run(corpus, jobs=2, chunk=1) == single
    assert run(corpus, jobs=3, chunk=7) == single


def test_plan_keeps_input_order_and_reads_records_here(corpus: Path) -> None:
    units = list(plan([str(corpus)], Options(), chunk=5))
    assert [u.index for u in units] == list(range(len(units)))
    assert all(0 < len(u) <= 5 for u in units)
    paths = [p for u in units for p in u.paths]
    assert paths == sorted(paths, key=lambda p: (Path(p).parent != corpus, p))  # folder-reader order
    record_units = [u for u in units if u.docs]
    assert len(record_units) == 1
    names = [d.name for d in record_units[0].docs]
    assert len(names) == 3 and names[0].startswith("records.jsonl")  # two records and the broken line


def test_a_failing_extractor_fails_one_document_not_the_batch() -> None:
    docs = [Document(text="Mindestens 40 Soldaten wurden verwundet.", name="good", lang="de"),
            Document(text="boom", name="bad", lang="de")]
    out = process_unit(Unit(0, docs=docs), Options(extractor=_explodes_on_boom))
    assert isinstance(out[0], Result) and out[0].document.name == "good" and out[0].claims == []
    assert isinstance(out[1], InputError)
    assert out[1].input == "bad" and "extraction failed: ValueError: boom" in out[1].message


def _explodes_on_boom(doc: Document) -> list[Claim]:
    if doc.text == "boom":
        raise ValueError("boom")
    return []


def test_jobs_below_one_is_refused() -> None:
    with pytest.raises(FigtraceError, match="--jobs"):
        list(iter_results(["x.txt"], jobs=0))


def test_cli_jobs_prints_what_one_process_prints(corpus: Path) -> None:
    one = CliRunner().invoke(main, ["extract", str(corpus / "de"), str(corpus / "page.html")])
    two = CliRunner().invoke(main, ["extract", "--jobs", "2", str(corpus / "de"), str(corpus / "page.html")])
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert one.stdout and one.stdout == two.stdout


def test_cli_scheduler_and_shards_need_the_dask_engine(corpus: Path) -> None:
    r = CliRunner().invoke(main, ["extract", "--scheduler", "tcp://127.0.0.1:1", str(corpus / "de")])
    assert r.exit_code == 2 and "--scheduler needs --engine dask" in r.stderr
    r = CliRunner().invoke(main, ["extract", "--shards", str(corpus / "out"), str(corpus / "de")])
    assert r.exit_code == 2 and "--shards needs --engine dask" in r.stderr


def test_cli_jobs_reports_a_bad_input_and_exits_1(corpus: Path) -> None:
    r = CliRunner().invoke(main, ["extract", "-j", "2", str(corpus / "empty.txt"), str(corpus / "en")])
    assert r.exit_code == 1
    assert "empty.txt" in r.stderr
    assert r.stdout.count("\n") > 5


def test_parallel_ingest_builds_the_same_ledger(corpus: Path, tmp_path: Path) -> None:
    inputs = [str(corpus / "de"), str(corpus / "en"), str(corpus / "page.html")]
    with Ledger(tmp_path / "one.db") as one, Ledger(tmp_path / "two.db") as two:
        s1 = ingest(one, inputs)
        s2 = ingest(two, inputs, jobs=2)
        assert (s1.documents_added, s1.claims_added) == (s2.documents_added, s2.claims_added)
        assert s2.documents_added == 2 * PER_LANG + 1
        a, b = one.claims(limit=None), two.claims(limit=None)
        assert len(a) == s1.claims_added
        assert a == b  # ids and clusters too: documents are stored in the same order
        again = ingest(two, inputs, jobs=2)
        assert again.documents_added == 0 and again.documents_skipped == 2 * PER_LANG + 1


def test_the_engine_is_loaded_once_before_the_pool_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from figtrace.scale import pool

    seen: list[str] = []
    monkeypatch.setattr("figtrace.pipeline.process", lambda doc, options: seen.append(doc.name))
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda: "spawn")
    pool.warm_before_fork(Options())
    assert seen == []  # spawned workers share nothing with this process: no point loading it here
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda: "fork")
    pool.warm_before_fork(Options())
    langs = sorted(p.name for p in pool.WARM_CORPUS.iterdir() if p.is_dir())
    assert len(seen) == len(langs) >= 2  # one sample article per language

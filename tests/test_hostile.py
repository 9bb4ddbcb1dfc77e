"""A corpus of hostile files, generated here: each ends in one error line or its claims, within its budget.

Every case is written next to ordinary articles in one folder. The folder is
ingested by the real ``figtrace`` command in a subprocess (so a crash, a
hang or a memory blow-up would show as such), and each case is also run on
its own with a wall-clock and a memory bound. What must hold for each case:

- it gives exactly the error lines (naming it) or the claims expected of it;
- every ordinary article of the folder is stored, before and after it;
- it takes less than its time budget and less than its memory budget.

The sentences are written for these tests.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from figtrace.errors import InputError
from figtrace.limits import (
    DOCUMENT_BUDGET_S,
    MAX_LINE_CHARS,
    MAX_TAGS,
    DocumentTimeout,
    InputTooLarge,
    Stopwatch,
    check_lines,
    time_limit,
)
from figtrace.model import Document
from figtrace.pipeline import Options, run, run_documents
from figtrace.store import Ledger

GOOD = {
    "a_first.txt": "About 2,000 soldiers were killed near the border, the defence ministry said on Tuesday.\n",
    "m_middle.txt": "Nach Angaben der UN wurden mindestens 50 Menschen bei dem Angriff getötet.\n",
    "z_last.txt": "According to the UN, at least 40 people were killed in the strike on Monday.\n",
}
ARTICLE_HTML = (b"<html><head><title>Border report</title></head><body><article><p>About 3,000 troops were "
                b"moved to the border region, the defence ministry said on Tuesday. Officials gave no "
                b"further details about the deployment or its equipment.</p></article></body></html>")
#: CPU seconds one case may take on its own, process start-up (about 2 s) included.
CASE_SECONDS = DOCUMENT_BUDGET_S + 15
#: Wall seconds after which a case counts as hung (generous: the machine may be loaded).
HANG_SECONDS = CASE_SECONDS * 6
#: Peak resident memory one case may reach on its own.
CASE_MB = 600


def _warc(records: list[tuple[str | None, bytes]], *, compress: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    for uri, body in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        rec = writer.create_warc_record(uri or "http://placeholder.example/", "response",
                                        payload=io.BytesIO(body), http_headers=http)
        if uri is None:
            rec.rec_headers.remove_header("WARC-Target-URI")
        writer.write_record(rec)
    return buf.getvalue()


def _truncated_gzip_warc() -> bytes:
    data = _warc([("http://news.example/a", ARTICLE_HTML), ("http://news.example/b", ARTICLE_HTML)],
                 compress=True)
    return data[: len(data) * 3 // 4]


def _nested_html(depth: int) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"About 500 soldiers were wounded, officials said." + \
        b"</div>" * depth + b"</body></html>"


def _many_dates(n: int) -> str:
    """A long page of dated lines: date finding and blocked spans must stay linear in it."""
    return "\n".join(f"On {d % 28 + 1} March 2025 the ministry said {d % 90 + 10} soldiers were wounded."
                     for d in range(n))


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], None]
    errors: int  # error lines naming this file
    message: str  # part of the error line
    claims: int = 0  # at least this many claims from it


def _text(data: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(data, encoding="utf-8")


def _bytes(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data())


CASES = [
    Case("warc_without_target.warc", _bytes(lambda: _warc([(None, ARTICLE_HTML)], compress=False)), 1,
         "damaged WARC record"),
    Case("warc_truncated.warc.gz", _bytes(_truncated_gzip_warc), 1, "truncated or damaged WARC", claims=1),
    Case("gzip_garbage.warc.gz", _bytes(lambda: gzip.compress(b"WARC/1.0\r\n" + b"\xff" * 5000)[:300]), 1,
         "WARC"),
    Case("json_nested.jsonl", _text("[" * 200_000 + "\n" + json.dumps(
        {"text": "About 700 soldiers were captured near the river, the general staff said."}) + "\n"), 1,
         "nested too deeply", claims=1),
    Case("json_dict_nested.jsonl", _text('{"text": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}\n"), 1,
         "nested too deeply"),
    Case("tag_flood.html", _bytes(lambda: b"<html><body><article>" + b"<b>x</b>" * 1_000_000
                                  + b"</article></body></html>"), 1, "tag limit"),
    Case("nested_html.html", _bytes(lambda: _nested_html(60_000)), 1, ""),  # refused, or read (see test)
    Case("huge_line.txt", _text("The ministry said 120 soldiers were killed. " * 50_000), 1,
         f"over the {MAX_LINE_CHARS:,}-character limit"),
    Case("many_dates.txt", _text(_many_dates(2_500)), 0, "", claims=500),
    Case("binary.txt", _bytes(lambda: bytes(range(256)) * 4000), 1, ""),
    Case("empty.txt", _text(""), 1, "empty"),
    Case("html_without_body.html", _bytes(lambda: b"<html><head><title>x</title></head></html>"), 1, ""),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    sub = folder / "m_sub"
    sub.mkdir()
    (sub / "inner.txt").write_text("Officials said 250 soldiers were wounded in the shelling.\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("About 999 soldiers were killed, the ministry said.\n", encoding="utf-8")
    (folder / "notes.unknown").write_bytes(b"\x00" * 100)
    for case in CASES:
        case.write(folder / f"m_{case.name}")
    return folder


def _cli(*args: str, timeout: float) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``figtrace`` in a subprocess; returns the result, its CPU seconds and its peak RSS in MB.

    CPU time, not wall time: it is the work the input cost, the same on a quiet machine and on two
    cores shared by five test suites (``timeout``, in wall seconds, only guards against a hang).
    """
    code = ("import resource, sys\nfrom figtrace.cli import main\ntry:\n    main()\nfinally:\n"
            "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
            "    print('usage', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
    usage = [line.split() for line in r.stderr.splitlines() if line.startswith("usage ")]
    assert usage, f"the child printed no resource usage: {r.stderr[-2000:]}"
    rss_kb, seconds = int(usage[-1][1]), float(usage[-1][2])
    return r, seconds, rss_kb / 1024


def test_the_folder_is_ingested_around_every_hostile_file(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "hostile.db"
    r, seconds, _ = _cli("ingest", str(corpus), "--db", str(db), timeout=600)
    assert r.returncode == 1, r.stderr  # some inputs failed, none stopped the batch
    assert "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("figtrace: ")]
    warnings = [line for line in lines if line.startswith("figtrace: warning: ")]
    lines = [line for line in lines if line not in warnings]
    summary = lines[-1]
    failures = lines[:-1]
    assert any("notes.unknown" in w for w in warnings), warnings  # skipped, and said so
    expected_failures = sum(c.errors for c in CASES)
    assert len(failures) == expected_failures, "\n".join(failures)
    assert f"{expected_failures} failures" in summary
    for case in CASES:
        mine = [f for f in failures if f"m_{case.name}" in f]
        assert len(mine) == case.errors, (case.name, mine)
        assert all(case.message in f for f in mine), (case.name, mine)
    with Ledger(db, readonly=True) as ledger:
        names = {d["name"] for d in ledger.documents()}
        quotes = " ".join(c["quote"] for c in ledger.claims())
    for name in [*GOOD, "inner.txt"]:
        assert name in names, (name, sorted(names))
    assert ".hidden.txt" not in names and "notes.unknown" not in names
    assert "2,000 soldiers" in quotes and "mindestens 50" in quotes and "at least 40" in quotes
    assert "700 soldiers were captured" in quotes  # the good line after the 200,000-deep one
    assert seconds < 600


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_alone_stays_within_its_time_and_memory(corpus: Path, case: Case) -> None:
    r, seconds, rss = _cli("extract", str(corpus / f"m_{case.name}"), "--lang", "en", timeout=HANG_SECONDS)
    errors = [line for line in r.stderr.splitlines() if line.startswith("figtrace: ")]
    claims = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    if case.name == "nested_html.html":  # libxml2 may cut the nesting and read the sentence, or refuse it
        assert len(errors) + min(len(claims), 1) == 1, (errors, claims[:1])
    else:
        assert len(errors) == case.errors, errors
        assert all(case.message in e for e in errors), errors
        assert len(claims) >= case.claims, len(claims)
    assert seconds < CASE_SECONDS, f"{case.name} took {seconds:.1f} s of CPU"
    assert rss < CASE_MB, f"{case.name} peaked at {rss:.0f} MB"


# -- the guards themselves ----------------------------------------------------------------

def test_time_limit_stops_a_busy_loop_that_never_checks_a_clock() -> None:
    t = time.monotonic()
    with pytest.raises(DocumentTimeout, match="over"), time_limit(0.2, lambda: "over"):
        while True:
            pass
    assert time.monotonic() - t < 10  # stopped at all (a loaded machine may deliver the signal late)


def test_time_limit_holds_outside_the_main_thread_and_is_off_when_unbounded() -> None:
    import threading

    out: list[str] = []

    def work() -> None:  # a Dask worker's thread: no timer signal reaches it, the watchdog does
        try:
            with time_limit(0.2, lambda: "over in a thread"):
                while True:
                    pass
        except DocumentTimeout as e:
            out.append(str(e))

    t = threading.Thread(target=work)
    started = time.monotonic()
    t.start()
    t.join(10)
    assert out == ["over in a thread"] and time.monotonic() - started < 5
    with time_limit(None, lambda: "never"):
        time.sleep(0.01)


def test_check_lines_names_the_line_and_the_limit() -> None:
    check_lines("short\n" * 10)
    with pytest.raises(InputTooLarge, match=r"line 3 is 11 characters long, over the 10-character limit"):
        check_lines("a\nb\n" + "x" * 11 + "\nc", limit=10)


def _recursing(doc: Document) -> list:
    def down(n: int) -> int:
        return down(n + 1)

    down(0)
    return []


def _spinning(doc: Document) -> list:
    if "slow" in doc.name:
        while True:
            pass
    return []


def test_an_extractor_that_recurses_forever_is_one_error_line() -> None:
    items = [Document(text="About 10 soldiers were killed.", name="deep.txt", lang="en"),
             Document(text="About 20 soldiers were killed.", name="next.txt", lang="en")]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(2000)  # another test or plugin may have raised it far beyond Python's default
    try:
        # no budget: the depth guard alone is under test, never a timer signal on a loaded machine
        out = list(run_documents(items, Options(extractor=_recursing, lang="en", budget=None)))
    finally:
        sys.setrecursionlimit(limit)
    assert [type(o).__name__ for o in out] == ["InputError", "InputError"]
    assert "recursion limit" in out[0].message


def test_the_budget_covers_every_stage_and_names_it(tmp_path: Path) -> None:
    """A stage that never checks a clock (here a spinning extractor) is stopped by the budget."""
    (tmp_path / "a_slow.txt").write_text("About 10 soldiers were killed, officials said.\n", encoding="utf-8")
    (tmp_path / "b_fine.txt").write_text("About 20 soldiers were killed, officials said.\n", encoding="utf-8")
    list(run([str(tmp_path / "b_fine.txt")], Options(extractor=_spinning, lang="en")))  # load lexicons first
    t = time.monotonic()
    out = list(run([str(tmp_path)], Options(extractor=_spinning, lang="en", budget=2.0)))
    assert time.monotonic() - t < 10
    assert isinstance(out[0], InputError) and "took longer than its 2 s budget while processing it" \
        in out[0].message
    assert not isinstance(out[1], InputError)
    assert out[1].elapsed < 2.0


def test_reading_time_counts_against_the_budget(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A reader that spins is stopped while reading, and the next file is read."""
    import figtrace.ingest as ingest_module

    real = ingest_module._Reader._text

    def slow_text(self, data, name, display):  # type: ignore[no-untyped-def]
        if name.startswith("a_"):
            while True:
                pass
        return real(self, data, name, display)

    (tmp_path / "a_spin.txt").write_text("About 10 soldiers were killed.\n", encoding="utf-8")
    (tmp_path / "b_fine.txt").write_text("About 20 soldiers were killed, officials said.\n", encoding="utf-8")
    list(run([str(tmp_path / "b_fine.txt")], Options(lang="en")))  # lexicons loaded before the clock runs
    monkeypatch.setattr(ingest_module._Reader, "_text", slow_text)
    out = list(run([str(tmp_path)], Options(lang="en", budget=2.0)))
    assert isinstance(out[0], InputError) and "while reading it" in out[0].message
    assert out[0].input.endswith("a_spin.txt")
    assert not isinstance(out[1], InputError)
    Stopwatch.reset()


def test_a_reader_bug_is_one_error_line_and_the_batch_goes_on(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    import figtrace.ingest as ingest_module

    real = ingest_module._Reader._text

    def broken(self, data, name, display):  # type: ignore[no-untyped-def]
        if name.startswith("a_"):
            raise KeyError("surprise")
        return real(self, data, name, display)

    monkeypatch.setattr(ingest_module._Reader, "_text", broken)
    (tmp_path / "a_bug.txt").write_text("About 10 soldiers were killed.\n", encoding="utf-8")
    (tmp_path / "b_fine.txt").write_text("About 20 soldiers were killed, officials said.\n", encoding="utf-8")
    out = list(run([str(tmp_path)], Options(lang="en")))
    assert isinstance(out[0], InputError) and out[0].message == "cannot read it: KeyError: 'surprise'"
    assert not isinstance(out[1], InputError)


def test_tag_and_line_limits_are_generous_for_real_pages() -> None:
    """A long real page has a few thousand tags and paragraphs of a few thousand characters."""
    assert MAX_TAGS >= 100 * 2_000 and MAX_LINE_CHARS >= 50 * 4_000
    assert resource.getrlimit(resource.RLIMIT_STACK)  # the process can report its limits (POSIX)


def _killing(doc: Document) -> list:
    """An extractor whose process dies on one document, as when the kernel kills it for memory."""
    if "killer" in doc.name:
        os.kill(os.getpid(), 9)
    from figtrace.store.synth import synthetic_extractor

    return synthetic_extractor(doc)


def test_a_worker_process_that_dies_costs_one_error_line(tmp_path: Path) -> None:
    from figtrace.scale.pool import iter_results
    from figtrace.store.synth import synthetic_documents

    names = []
    for i, d in enumerate(synthetic_documents(12, seed=4)):
        name = f"{i:02d}_killer.txt" if i == 5 else f"{i:02d}_{d.name}"
        (tmp_path / name).write_text(d.text, encoding="utf-8")
        names.append(name)
    out = list(iter_results([str(tmp_path)], Options(lang="en", extractor=_killing), jobs=2, chunk=3))
    assert len(out) == 12
    errors = [o for o in out if isinstance(o, InputError)]
    assert len(errors) == 1 and errors[0].input.endswith("05_killer.txt")
    assert "worker process died" in errors[0].message
    assert [o.document.name for o in out if not isinstance(o, InputError)] == [n for n in names if "killer" not in n]

"""A damaged ledger file: every command and page says so, and ``figtrace check`` says what can be saved.

The ledgers here are damaged the way a bad disk or a torn copy damages them:
pages of the file overwritten with garbage, found by their place in SQLite's
schema (the root page of a table), or the file cut short.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from figtrace.cli import main
from figtrace.scale.sink import recover
from figtrace.store import Ledger
from figtrace.store.check import check_ledger, readable_rows
from figtrace.store.db import LedgerDamaged, LedgerError
from figtrace.store.synth import synthetic_documents, synthetic_extractor
from figtrace.web import create_app

DAMAGED = "the ledger file is damaged: run `figtrace check"
N_DOCS = 60
SYNTH = "figtrace.store.synth:synthetic_extractor"


def _build(path: Path, n: int = N_DOCS) -> Path:
    with Ledger(path) as ledger, ledger.batch():
        for doc in synthetic_documents(n, seed=5, claims_per_doc=4):
            ledger.add_document(doc, synthetic_extractor(doc))
    # fold the write-ahead log into the file, so the pages below are the ones damaged
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def _pages(path: Path, table: str) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return int(root), int(size)


def _smash(path: Path, pages: list[int], page_size: int) -> None:
    with path.open("r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size)
            f.write(b"\xde\xad\xbe\xef" * (page_size // 4))


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("sound") / "sound.db")


@pytest.fixture(scope="module")
def claims_smashed(tmp_path_factory: pytest.TempPathFactory, sound: Path) -> Path:
    """The claims table's root page is garbage; documents are intact."""
    path = tmp_path_factory.mktemp("smashed") / "claims.db"
    path.write_bytes(sound.read_bytes())
    root, size = _pages(path, "claims")
    _smash(path, [root], size)
    return path


@pytest.fixture(scope="module")
def documents_hurt(tmp_path_factory: pytest.TempPathFactory, sound: Path) -> Path:
    """A stretch of pages in the middle of the file is garbage (some documents, some claims)."""
    path = tmp_path_factory.mktemp("hurt") / "docs.db"
    path.write_bytes(sound.read_bytes())
    _root, size = _pages(path, "documents")
    conn = sqlite3.connect(path)
    try:  # where the documents' rows lie, whatever indexes the schema adds around them
        leaves = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'documents' AND pagetype = 'leaf' ORDER BY pageno")]
    finally:
        conn.close()
    first = leaves[len(leaves) // 3]
    _smash(path, list(range(first, first + 6)), size)
    return path


# -- check --------------------------------------------------------------------------

def test_check_passes_a_sound_ledger(sound: Path) -> None:
    report = check_ledger(sound)
    assert report.ok and report.problems == []
    counts = {t.table: (t.stored, t.readable) for t in report.tables}
    assert counts["documents"] == (N_DOCS, N_DOCS)
    assert counts["claims"] == (N_DOCS * 4, N_DOCS * 4)
    r = CliRunner().invoke(main, ["check", "--db", str(sound)])
    assert r.exit_code == 0
    assert "ok (SQLite integrity check passed" in r.stdout and f"{N_DOCS} documents" in r.stdout


def test_check_names_the_damage_and_what_can_be_read(claims_smashed: Path) -> None:
    r = CliRunner().invoke(main, ["check", "--db", str(claims_smashed)])
    assert r.exit_code == 1
    assert "the ledger file is damaged; SQLite's integrity check found:" in r.stdout
    assert f"documents: {N_DOCS} readable of {N_DOCS} stored" in r.stdout
    assert "--recover-to NEW.db" in r.stdout
    data = json.loads(CliRunner().invoke(main, ["check", "--db", str(claims_smashed), "--json"]).stdout)
    assert data["ok"] is False and data["problems"]
    claims = next(t for t in data["tables"] if t["table"] == "claims")
    assert claims["readable"] < N_DOCS * 4


def test_readable_rows_step_over_damaged_pages(documents_hurt: Path) -> None:
    conn = sqlite3.connect(f"{documents_hurt.resolve().as_uri()}?mode=ro", uri=True)
    rows = list(readable_rows(conn, "documents", "name"))
    conn.close()
    good = [r for r in rows if r is not None]
    bad = [r for r in rows if r is None]
    assert good and bad, "the smashed stretch should cost some documents, not all"
    assert len(good) + len(bad) <= N_DOCS
    ids = [r[0] for r in good]
    assert ids == sorted(set(ids))
    assert good[-1][0] == N_DOCS  # the walk goes on past the damage to the last row


def test_recover_rebuilds_a_sound_ledger_from_the_readable_documents(
        claims_smashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGTRACE_EXTRACTOR", SYNTH)
    target = tmp_path / "recovered.db"
    r = CliRunner().invoke(main, ["check", "--db", str(claims_smashed), "--recover-to", str(target)])
    assert r.exit_code == 1  # the checked file is still damaged
    assert f"recovered into {target}: {N_DOCS} documents added" in r.stderr
    assert check_ledger(target).ok
    with Ledger(target, readonly=True) as ledger:
        assert len(ledger.claims()) == N_DOCS * 4
    with pytest.raises(LedgerError, match="exists"):
        recover(claims_smashed, target)


def test_recover_keeps_what_it_can_and_names_the_rest(
        documents_hurt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGTRACE_EXTRACTOR", SYNTH)
    summary = recover(documents_hurt, tmp_path / "partial.db")
    assert 0 < summary.documents_added < N_DOCS
    assert summary.failures and all("cannot be read" in str(f) for f in summary.failures)
    assert summary.documents_added + len(summary.failures) <= N_DOCS


def test_check_on_a_missing_or_foreign_file(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["check", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1 and "no ledger at" in r.stderr
    other = tmp_path / "notes.db"
    other.write_bytes(b"just some text, not a database" * 100)
    r = CliRunner().invoke(main, ["check", "--db", str(other)])
    assert r.exit_code == 1 and "not a SQLite database" in r.stderr


# -- every command ------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["claims"], ["claims", "--format", "jsonl"], ["sources"], ["conflicts"], ["conflicts", "--all"],
    ["timeline", "--actor", "North Korea", "--measure", "killed"],
    ["report", "-o", "-"],
])
def test_every_reading_command_says_the_ledger_is_damaged(claims_smashed: Path, args: list[str]) -> None:
    r = CliRunner().invoke(main, [*args, "--db", str(claims_smashed)])
    assert r.exit_code == 1, r.output
    assert DAMAGED in r.stderr, r.stderr
    assert ("Traceback" not in r.output and r.exception is None) or isinstance(r.exception, SystemExit)


def test_ingest_into_a_damaged_ledger_stops_with_the_message(
        claims_smashed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(claims_smashed.read_bytes())
    article = tmp_path / "a.txt"
    article.write_text(next(synthetic_documents(1, seed=99)).text, encoding="utf-8")
    monkeypatch.setenv("FIGTRACE_EXTRACTOR", SYNTH)
    r = CliRunner().invoke(main, ["ingest", str(article), "--db", str(copy), "--lang", "en"])
    assert r.exit_code == 1
    assert DAMAGED in r.stderr


def test_a_file_cut_short_is_reported_as_damaged(sound: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.db"
    data = sound.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    r = CliRunner().invoke(main, ["claims", "--db", str(cut)])
    assert r.exit_code == 1 and DAMAGED in r.stderr
    assert CliRunner().invoke(main, ["check", "--db", str(cut)]).exit_code == 1


def test_library_raises_one_error_class_that_is_also_a_database_error(claims_smashed: Path) -> None:
    with Ledger(claims_smashed, readonly=True) as ledger, pytest.raises(LedgerDamaged) as e:
        ledger.claims()
    assert isinstance(e.value, sqlite3.DatabaseError) and DAMAGED in str(e.value)
    assert str(claims_smashed) in str(e.value)


# -- the dashboard --------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/", "/claims", "/conflicts", "/sources", "/timeline?actor=North+Korea&measure=killed", "/claim/1",
    "/api/claims", "/api/claims/1", "/api/metrics", "/api/sources", "/api/conflicts",
    "/api/timeline?actor=North+Korea&measure=killed", "/download/claims.csv",
])
def test_every_page_answers_503_saying_the_ledger_is_damaged(claims_smashed: Path, path: str) -> None:
    client = TestClient(create_app(claims_smashed), base_url="http://127.0.0.1", raise_server_exceptions=False)
    r = client.get(path)
    assert r.status_code == 503, (path, r.status_code, r.text[:300])
    text = r.json()["error"] if path.startswith(("/api/", "/download/")) else r.text
    assert "the ledger file is damaged: run `figtrace check" in text.replace("&#96;", "`"), text[:500]


def test_serve_refuses_a_damaged_ledger_at_start(claims_smashed: Path) -> None:
    from figtrace.web.commands import serve

    r = CliRunner().invoke(serve, ["--db", str(claims_smashed), "--port", "0"])
    assert r.exit_code == 1
    assert DAMAGED in r.stderr


def test_serve_stops_on_sigterm_even_when_requests_fail(claims_smashed: Path) -> None:
    """A real server process over a damaged file (started with --no-check) answers 503 and stops on SIGTERM."""
    try:
        from tests.conftest_browser import free_port
    except ImportError:
        from conftest_browser import free_port  # type: ignore[no-redef]
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from figtrace.cli import main; main()", "serve",
                             "--db", str(claims_smashed), "--port", str(port), "--no-check"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/claims", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "no server") from None
                time.sleep(0.1)
        assert r.status_code == 503 and DAMAGED in r.json()["error"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert "stopped (SIGTERM)" in proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""Hardening drills: each ends in a consistent ledger and one clear message.

Every drill runs the real ``figtrace ingest`` in a subprocess, with the
synthetic extractor (``FIGTRACE_EXTRACTOR``) so the store is tested apart from
extraction quality: kill -9 mid-ingest, a full disk (file size limit), a
read-only ledger, two ingests at once, a ledger from an older schema.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import synthetic_files

from figtrace.store import Ledger
from figtrace.store.db import apply_migrations
from figtrace.store.schema import SCHEMA_VERSION

CLAIMS_PER_DOC = 5
ENV = {**os.environ, "FIGTRACE_EXTRACTOR": "figtrace.store.synth:synthetic_extractor"}
CLI = "from figtrace.cli import main; main()"
#: Drop root before running the CLI, after importing what it needs, the modules of the commands it runs
#: included (the CLI loads them when named; the interpreter lives under /root).
AS_NOBODY = ("import os, random, tomllib, figtrace.store.synth, figtrace.ingest, figtrace.scale.commands, "
             "figtrace.store.commands; "
             "from figtrace.cli import main; os.setgid(65534); os.setuid(65534); main()")


def write_corpus(folder: Path, n: int, seed: int = 3) -> list[str]:
    return synthetic_files(folder, n, seed=seed, claims_per_doc=CLAIMS_PER_DOC)


def cli(*args: str, code: str = CLI, **kw) -> subprocess.CompletedProcess:
    if args[0] == "ingest":
        args = (*args, "--lang", "en")  # no language detection: it writes temp files of its own
    return subprocess.run([sys.executable, "-c", code, *args], env=ENV, capture_output=True, text=True,
                          timeout=120, **kw)


def assert_consistent(db: Path, *, expect_docs: int | None = None) -> int:
    """The ledger opens, passes integrity_check and holds only whole documents; returns how many."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        per_doc = conn.execute(
            "SELECT d.id, count(c.id) FROM documents d LEFT JOIN claims c ON c.doc_id = d.id GROUP BY d.id"
        ).fetchall()
        assert all(n == CLAIMS_PER_DOC for _, n in per_doc), "a document was stored without all its claims"
        assert conn.execute("SELECT count(*) FROM claims WHERE cluster IS NULL").fetchone()[0] == 0
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT name FROM documents GROUP BY name HAVING count(*) > 1)")
        assert dupes.fetchone()[0] == 0
        fts = conn.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'FIGURE'").fetchone()[0]
        assert fts == n_docs * CLAIMS_PER_DOC
    finally:
        conn.close()
    if expect_docs is not None:
        assert n_docs == expect_docs
    return n_docs


def stored_docs(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_whole_documents_and_rerun_completes(tmp_path):
    n = 800
    paths = write_corpus(tmp_path / "in", n)
    db = tmp_path / "ledger.db"
    args = ["ingest", *paths, "--db", str(db), "--quiet", "--lang", "en"]
    proc = subprocess.Popen([sys.executable, "-c", CLI, *args], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while stored_docs(db) < 60 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = assert_consistent(db)
    assert 60 <= partial < n, "the kill must land in the middle of the ingest"

    rerun = cli("ingest", *paths, "--db", str(db))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n - partial} documents added, {partial} already stored" in rerun.stderr
    assert_consistent(db, expect_docs=n)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_full_disk_stops_with_one_message_and_keeps_whole_documents(tmp_path):
    n = 400
    paths = write_corpus(tmp_path / "in", n)
    db = tmp_path / "ledger.db"
    Ledger(db).close()
    full = cli("ingest", *paths, "--db", str(db), "--quiet", preexec_fn=_limit_file_size(256 * 1024))
    assert full.returncode == 1
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1, full.stderr
    assert "cannot write to" in lines[0] and str(db) in lines[0]
    assert "documents added" in lines[0]  # says how far it got
    partial = assert_consistent(db)
    assert partial < n

    rerun = cli("ingest", *paths, "--db", str(db))
    assert rerun.returncode == 0, rerun.stderr
    assert_consistent(db, expect_docs=n)


def test_read_only_ledger_gives_one_clear_message_and_stays_intact(tmp_path):
    paths = write_corpus(tmp_path / "in", 20)
    folder = Path(tempfile.mkdtemp(prefix="figtrace-ro-"))
    try:
        db = folder / "ledger.db"
        assert cli("ingest", *paths[:10], "--db", str(db), "--quiet").returncode == 0
        if os.geteuid() == 0:
            folder.chmod(0o755)
            db.chmod(0o644)
            for p in paths:
                Path(p).chmod(0o644)
            for parent in (tmp_path, tmp_path / "in"):
                parent.chmod(0o755)
            code = AS_NOBODY
        else:
            db.chmod(0o444)
            folder.chmod(0o555)
            code = CLI
        result = cli("ingest", *paths, "--db", str(db), "--quiet", code=code)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"figtrace: {db} is read-only: figtrace cannot write to it (check its permissions); "
            f"read-only commands such as 'figtrace claims' still work"]
        # reading still works for that user, though it cannot create WAL side files there
        listing = cli("claims", "--db", str(db), "--format", "jsonl", code=code)
        assert listing.returncode == 0, listing.stderr
        assert len(listing.stdout.splitlines()) == 10 * CLAIMS_PER_DOC
        folder.chmod(0o755)
        assert_consistent(db, expect_docs=10)
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_two_ingests_at_once_store_each_document_once(tmp_path):
    n = 300
    paths = write_corpus(tmp_path / "in", n)
    db = tmp_path / "ledger.db"
    procs = [subprocess.Popen([sys.executable, "-c", CLI, "ingest", *order, "--db", str(db), "--lang", "en"],
                              env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for order in (paths, paths[::-1])]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    summaries = [err.strip().splitlines()[-1] for _, err in outs]
    added = [int(line.split(": ")[-1].split(" documents added")[0]) for line in summaries]
    assert sum(added) == n
    assert_consistent(db, expect_docs=n)


def test_older_schema_is_migrated_by_ingest_and_named_by_readers(tmp_path):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    apply_migrations(conn, 1)
    conn.close()
    reader = cli("claims", "--db", str(db))
    assert reader.returncode == 1
    assert "schema version 1, older than" in reader.stderr and "figtrace ingest" in reader.stderr
    paths = write_corpus(tmp_path / "in", 5)
    assert cli("ingest", *paths, "--db", str(db), "--quiet").returncode == 0
    assert_consistent(db, expect_docs=5)
    assert cli("claims", "--db", str(db)).returncode == 0


@pytest.mark.parametrize("content", [b"not a database at all\n", b""])
def test_ingest_into_a_file_that_is_no_ledger(tmp_path, content):
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    if not content:  # an empty file becomes someone else's SQLite database
        sqlite3.connect(db).execute("CREATE TABLE notes (t TEXT)")
    result = cli("ingest", *write_corpus(tmp_path / "in", 1), "--db", str(db))
    assert result.returncode == 1
    assert "not a figtrace ledger" in result.stderr.strip().splitlines()[-1]

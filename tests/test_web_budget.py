"""Every dashboard request is bounded: at once, in time; expensive views never block behind an ingest."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import synthetic_files
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from figtrace.store import Ledger, db
from figtrace.web.budget import DEADLINE, OverBudget, RequestBudget, watch_connection
from figtrace.web.memo import Memo

try:
    from tests.conftest_browser import build_ledger
except ImportError:  # pytest run from inside tests/
    from conftest_browser import build_ledger  # type: ignore[no-redef]


#: How long the slow handler waits to be released: far beyond every budget and bound below, so a
#: request that ends in time was ended by its budget, however loaded the machine.
SLOW_S = 60
#: Wall-clock bound for "answered in time" (budgets of 0.3 s): generous on a loaded machine, far below SLOW_S.
IN_TIME_S = 20


def _app(budget: float, max_in_flight: int = 8) -> Starlette:
    release = threading.Event()
    entered = threading.Semaphore(0)  # one release per slow request that reached its handler

    def slow(request: Request) -> JSONResponse:
        entered.release()
        release.wait(timeout=SLOW_S)
        return JSONResponse({"done": True})

    def spin_sql(request: Request) -> JSONResponse:
        conn = sqlite3.connect(":memory:")
        watch_connection(conn)
        try:
            conn.execute("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                         "SELECT count(*) FROM r").fetchone()
        except sqlite3.OperationalError as e:
            return JSONResponse({"error": str(e)}, status_code=503)
        return JSONResponse({"done": True})

    def fast(request: Request) -> JSONResponse:
        return JSONResponse({"deadline_set": DEADLINE.get() is not None})

    app = Starlette(routes=[Route("/api/slow", slow), Route("/api/sql", spin_sql), Route("/api/fast", fast)])
    app.state.release = release
    app.state.entered = entered
    app.add_middleware(RequestBudget, budget=budget, max_in_flight=max_in_flight)
    return app


def test_a_request_over_its_budget_gets_503_with_a_message_in_time() -> None:
    app = _app(budget=0.3)
    client = TestClient(app)
    t = time.monotonic()
    r = client.get("/api/slow")
    elapsed = time.monotonic() - t
    app.state.release.set()
    assert r.status_code == 503
    assert "took longer than its 0.3 s budget" in r.json()["error"]
    assert r.headers["retry-after"]
    assert elapsed < IN_TIME_S


def test_sqlite_work_is_interrupted_at_the_deadline() -> None:
    client = TestClient(_app(budget=0.3))
    t = time.monotonic()
    r = client.get("/api/sql")
    assert time.monotonic() - t < IN_TIME_S
    assert r.status_code == 503 and "interrupted" in r.json()["error"]


def test_handlers_see_their_deadline() -> None:
    assert TestClient(_app(budget=5)).get("/api/fast").json() == {"deadline_set": True}


def test_too_many_requests_at_once_get_503_busy() -> None:
    app = _app(budget=SLOW_S, max_in_flight=2)
    results: list[int] = []

    def call() -> None:
        with TestClient(app) as c:
            results.append(c.get("/api/slow").status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for th in threads:
        th.start()
    for _ in threads:  # both slow requests hold their place (an event, not a guess at how long that takes)
        assert app.state.entered.acquire(timeout=IN_TIME_S)
    with TestClient(app) as c:
        busy = c.get("/api/fast")
    app.state.release.set()
    for th in threads:
        th.join()
    assert busy.status_code == 503 and "busy" in busy.json()["error"]
    assert results == [200, 200]


def test_memo_answers_from_the_last_value_while_it_refreshes(tmp_path: Path) -> None:
    f = tmp_path / "x.db"
    f.write_bytes(b"v1")
    memo = Memo(f, refresh_every=0)
    calls: list[str] = []
    gate = threading.Event()

    def compute() -> str:
        calls.append("run")
        if len(calls) > 1:
            gate.wait(timeout=SLOW_S)
        return f"value {len(calls)}"

    assert memo.get("k", compute) == "value 1"
    f.write_bytes(b"v2 changed")  # the ledger changed: a refresh starts, the old value is answered at once
    t = time.monotonic()
    assert memo.get("k", compute) == "value 1"
    assert time.monotonic() - t < IN_TIME_S  # not held up by the refresh, which waits for the gate
    gate.set()
    deadline = time.monotonic() + IN_TIME_S
    while memo.get("k", compute) != "value 2" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert memo.get("k", compute) == "value 2"
    assert len(calls) == 2  # one refresh, not one per request


def test_memo_waits_for_another_request_only_within_the_budget(tmp_path: Path) -> None:
    memo = Memo(tmp_path / "y.db")
    (tmp_path / "y.db").write_bytes(b"x")
    started = threading.Event()
    release = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(timeout=5)
        return "done"

    th = threading.Thread(target=memo.get, args=("k", slow))
    th.start()
    started.wait(timeout=5)
    token = DEADLINE.set(time.monotonic() + 0.2)
    try:
        with pytest.raises(OverBudget, match="still being computed"):
            memo.get("k", lambda: "other")
    finally:
        DEADLINE.reset(token)
        release.set()
        th.join()
    assert memo.get("k", lambda: "other") == "done"


def test_the_ledger_header_is_read_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing any descriptor of the file drops SQLite's locks: per-request header reads broke readers."""
    path = build_ledger(tmp_path / "h.db")
    opened: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.name == "h.db":
            opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    monkeypatch.setattr(db, "_HEADERS_SEEN", set())
    for _ in range(5):
        with Ledger(path, readonly=True) as ledger:
            assert ledger.claims(limit=1)
    assert len(opened) == 1


def test_opening_the_ledger_again_keeps_the_locks_of_readers_already_reading(tmp_path: Path) -> None:
    """The dashboard opens the ledger per request while other requests read it. Reading the file's
    header closed a descriptor of it, which drops every POSIX lock of the process, SQLite's too: a
    writer closing next then thought itself the last user and removed the write-ahead log under the
    readers ("database disk image is malformed" on a sound file)."""
    import subprocess
    import sys

    path = build_ledger(tmp_path / "locks.db")
    wal = Path(f"{path}-wal")
    reader = Ledger(path, readonly=True)
    try:
        reader.conn.execute("BEGIN")
        reader.conn.execute("SELECT count(*) FROM claims").fetchone()  # a read in progress
        with Ledger(path, readonly=True) as again:  # the next request
            again.claims(limit=1)
        writer = ("import sys\nfrom figtrace.store import Ledger\nfrom figtrace.store.synth import "
                  "synthetic_documents, synthetic_extractor\nwith Ledger(sys.argv[1]) as ledger:\n"
                  "    for d in synthetic_documents(2, seed=9):\n"
                  "        ledger.add_document(d, synthetic_extractor(d))\n")
        subprocess.run([sys.executable, "-c", writer, str(path)], check=True, timeout=60)
        assert wal.exists(), "the writer removed the write-ahead log while a reader was reading"
        assert reader.conn.execute("SELECT count(*) FROM claims").fetchone()[0] > 0
        reader.conn.execute("COMMIT")
    finally:
        reader.close()


def test_a_long_ingest_restarts_the_write_ahead_log_beside_readers(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With readers always reading, SQLite's automatic checkpoint never restarts the log (it grew to 780 MB
    in five minutes of the load test): the sink restarts it every ``CHECKPOINT_EVERY`` documents."""
    from figtrace.pipeline import Options
    from figtrace.scale import sink
    from figtrace.store.synth import synthetic_extractor

    folder = tmp_path / "in"
    synthetic_files(folder, 25, seed=3)
    monkeypatch.setattr(sink, "CHECKPOINT_EVERY", 10)
    calls: list[int] = []
    real = sink._checkpoint
    monkeypatch.setattr(sink, "_checkpoint", lambda ledger: (calls.append(1), real(ledger)))
    path = tmp_path / "wal.db"
    with Ledger(path) as ledger, Ledger(path, readonly=True) as reader:
        reader.claims(limit=1)
        summary = sink.ingest(ledger, [str(folder)], Options(lang="en", extractor=synthetic_extractor))
        assert summary.documents_added == 25
        assert len(reader.claims()) == 25 * 5
    assert len(calls) == 2


def test_every_answer_says_how_long_the_server_took() -> None:
    app = _app(budget=2.0)
    app.state.release.set()
    r = TestClient(app).get("/api/slow")
    assert r.status_code == 200
    name, _, dur = r.headers["server-timing"].partition(";dur=")
    assert name == "app" and 0 <= float(dur) < 2000

"""Every dashboard request is cheap: bounded counts, paged findings and overview, charts drawn once
per version of their pair and outside the server's interpreter, indexes under every view.

The timings themselves are measured in bench/load_test.py; these tests pin the mechanisms.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from figtrace.store import Ledger
from figtrace.store.synth import synthetic_documents, synthetic_extractor
from figtrace.web import create_app, pages, paging


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger of 60 synthetic articles (300 claims, eight actors), findings stored."""
    path = tmp_path_factory.mktemp("cheap") / "synth.db"
    with Ledger(path) as ledger, ledger.batch():
        for doc in synthetic_documents(60, seed=3, claims_per_doc=5):
            ledger.add_document(doc, synthetic_extractor(doc))
    return path


def _client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url="http://127.0.0.1")


# -- counts ---------------------------------------------------------------------------------------

def test_a_capped_count_stops_after_the_cap(synth_db: Path) -> None:
    with Ledger(synth_db, readonly=True) as ledger:
        exact = ledger.count_claims(q="FIGURE")
        assert exact == 300
        assert ledger.count_claims(q="FIGURE", cap=10) == 11  # "more than 10"
        assert ledger.count_claims(q="FIGURE", cap=1000) == 300
        assert ledger.count_claims(lang="en", cap=10) == 11


def test_counts_by_actor_and_measure_come_from_the_stored_overview_and_agree(synth_db: Path) -> None:
    with Ledger(synth_db, readonly=True) as ledger:
        for filters in ({"actor": "Israel"}, {"measure": "killed"}, {"actor": "Nordkorea", "measure": "killed"}):
            stored = ledger.count_claims(**filters)
            counted = len(ledger.claims(**filters))
            assert stored == counted > 0, filters
        # a stale overview row (an ingest running) is counted from the claims instead
        ledger_rw = Ledger(synth_db)
        try:
            ledger_rw.conn.execute("UPDATE pair_stats SET n_claims = -1 WHERE actor = 'Israel'")
            assert ledger_rw.count_claims(actor="Israel") == len(ledger_rw.claims(actor="Israel"))
        finally:
            ledger_rw.refresh_stale_stats()
            ledger_rw.close()


def test_a_search_page_says_more_than_when_counting_stopped(synth_db: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from figtrace.web import api

    monkeypatch.setattr(api, "COUNT_CAP", 40)
    client = _client(synth_db)
    body = client.get("/api/claims", params={"q": "FIGURE", "limit": 20}).json()
    assert body["total"] == 40 and body["total_exact"] is False
    assert body["next"] is not None
    ids = [c["id"] for c in body["claims"]]
    assert ids == sorted(ids, reverse=True)  # newest stored first: the index's order, no sort
    # past the counted rows a full page still links on; the last page does not
    deep = client.get("/api/claims", params={"q": "FIGURE", "limit": 100, "offset": 200}).json()
    assert deep["total_exact"] is False and deep["next"] is not None
    last = client.get("/api/claims", params={"q": "FIGURE", "limit": 100, "offset": 250}).json()
    assert len(last["claims"]) == 50 and last["next"] is None
    html = client.get("/claims", params={"q": "FIGURE", "limit": 20}).text
    assert "more than 40 claims" in html


def test_an_exact_page_is_unchanged() -> None:
    page = paging.page_of([1, 2], 2, 10, 0, cap=10)
    assert page.exact and page.total == 2 and not page.has_next


# -- findings --------------------------------------------------------------------------------------

def test_stored_findings_are_paged_in_sql_in_the_reading_order(synth_db: Path) -> None:
    with Ledger(synth_db, readonly=True) as ledger:
        everything = ledger.conflicts(with_claims=False)
        assert len(everything) > 6
        page = ledger.conflicts(limit=3, offset=2, with_claims=False, recompute_stale=False)
        assert [f.key for f in page] == [f.key for f in everything[2:5]]
        counts = ledger.count_findings(recompute_stale=False)
        assert sum(counts.values()) == len(everything)


def test_the_conflicts_page_never_recomputes_findings(synth_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    import shutil

    from figtrace.store.findings import Findings

    db = tmp_path / "stale.db"
    shutil.copy(synth_db, db)
    with Ledger(db) as ledger:  # an ingest in the middle of a batch: every actor's findings are stale
        ledger.conn.execute("INSERT OR IGNORE INTO findings_stale(actor) SELECT DISTINCT actor FROM claims")
        stored = len(ledger.conflicts(with_claims=False, recompute_stale=False))

    def refuse(self: Any, actor: str, factor: float = 2.0) -> list[Any]:
        raise AssertionError("a request recomputed findings")

    monkeypatch.setattr(Findings, "_compute", refuse)
    client = _client(db)
    body = client.get("/api/conflicts", params={"limit": 5}).json()
    assert body["total"] == stored and len(body["conflicts"]) == 5
    assert client.get("/conflicts", params={"actor": "Israel"}).status_code == 200
    csv_text = client.get("/download/conflicts.csv", params={"limit": 3}).text
    assert len(csv_text.strip().splitlines()) == 4  # header and the page asked for


# -- overview and timelines -------------------------------------------------------------------------

def test_the_overview_shows_a_page_of_actors_with_a_link_on(synth_db: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "OVERVIEW_ACTORS", 3)
    client = _client(synth_db)
    first = client.get("/").text
    assert first.count('class="card actor"') == 3
    assert "Actors 1–3 of 8" in first and 'href="/?offset=3"' in first
    rest = client.get("/", params={"offset": 6}).text
    assert rest.count('class="card actor"') == 2 and "next →" not in rest


def test_a_timeline_lists_its_first_claims_and_links_to_all(synth_db: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "TIMELINE_CLAIMS", 2)
    with Ledger(synth_db, readonly=True) as ledger:
        actor, measure = next((m["actor"], m["measure"]) for m in ledger.metrics() if m["n_claims"] > 2)
    html = _client(synth_db).get("/timeline", params={"actor": actor, "measure": measure}).text
    assert html.count("data-claim=") == 2
    assert 'id="claims-shown"' in html and "page through all of them" in html


def test_a_chart_is_redrawn_only_when_its_own_pair_changes(tmp_path: Path) -> None:
    from conftest_browser import build_ledger

    from figtrace.model import Document
    from figtrace.report.charts import render_svg
    from figtrace.store.synth import make_claim
    from figtrace.web.charts import ChartStore

    db = build_ledger(tmp_path / "charts.db")
    app = create_app(db, stale_answers_s=0)  # whole answers kept only while the file is unchanged
    drawn: list[dict[str, Any]] = []

    class Counting:
        def draw(self, spec: dict[str, Any]) -> str:
            drawn.append(spec)
            return render_svg(spec)

    app.state.charts = ChartStore(Counting())
    app.state.memo.refresh_every = 0.0
    client = TestClient(app, base_url="http://127.0.0.1")
    params = {"actor": "North Korea", "measure": "killed"}
    assert client.get("/timeline", params=params).status_code == 200
    assert len(drawn) == 1
    with Ledger(db) as ledger:  # another actor's claims: this chart stays
        ledger.add_document(Document(text="Other text.", name="other.txt", lang="en"),
                            [make_claim("other.txt", actor="Russia", quote="Other text.")])
    client.get("/timeline", params=params)
    _wait_for_refreshes()
    assert len(drawn) == 1
    with Ledger(db) as ledger:  # this pair's claims: redrawn (the old page served while it is refreshed)
        ledger.add_document(Document(text="Third text.", name="third.txt", lang="en"),
                            [make_claim("third.txt", value=7777, quote="Third text.")])
    client.get("/timeline", params=params)
    _wait_for_refreshes()
    assert "7,777" in client.get("/timeline", params=params).text
    assert len(drawn) == 2


def _wait_for_refreshes(timeout: float = 30.0) -> None:
    import threading
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(t.name.startswith("figtrace-refresh") for t in threading.enumerate()):
            return
        time.sleep(0.05)
    raise AssertionError("a background refresh did not finish")


def test_charts_are_drawn_in_a_worker_process() -> None:
    from figtrace.web.charts import ChartError, ChartWorker

    worker = ChartWorker()
    try:
        spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "point",
                "data": {"values": [{"x": 1, "y": 2}]},
                "encoding": {"x": {"field": "x", "type": "quantitative"},
                             "y": {"field": "y", "type": "quantitative"}}}
        svg = worker.draw(spec)
        assert svg.lstrip().startswith("<svg")
        first = worker.pid
        assert first is not None and first != os.getpid()
        with pytest.raises(ChartError, match="cannot draw the chart"):
            worker.draw({"mark": "no such mark"})
        assert worker.pid == first  # a bad chart does not end the worker
        os.kill(first, 9)  # a worker that dies is started again
        assert worker.draw(spec).lstrip().startswith("<svg") and worker.pid != first
    finally:
        worker.close()


# -- the server's threads and the indexes under each view ---------------------------------------

def test_handlers_run_on_a_small_pool_of_threads(synth_db: Path) -> None:
    import anyio.to_thread

    from figtrace.web.budget import WORKER_THREADS

    seen: list[float] = []

    async def probe() -> None:
        seen.append(anyio.to_thread.current_default_thread_limiter().total_tokens)

    with TestClient(create_app(synth_db), base_url="http://127.0.0.1") as client:
        assert client.get("/api/metrics").status_code == 200
        client.portal.call(probe)  # type: ignore[union-attr]
    assert seen == [WORKER_THREADS]


@pytest.mark.parametrize(("view", "sql", "args"), [
    ("sources", "SELECT s.name, count(c.id), count(DISTINCT c.doc_id) FROM sources s LEFT JOIN claims c "
                "ON c.source = s.name AND c.current = 1 GROUP BY s.name", []),
    ("languages", "SELECT DISTINCT lang FROM documents WHERE lang IS NOT NULL AND lang != '' ORDER BY lang", []),
    ("outlets", "SELECT DISTINCT outlet FROM documents WHERE outlet IS NOT NULL AND outlet != '' "
                "ORDER BY outlet", []),
    ("search", "SELECT c.id FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid WHERE c.current = 1 "
               "AND claims_fts MATCH ? ORDER BY claims_fts.rowid DESC LIMIT 50", ['"FIGURE"']),
    ("findings", "SELECT * FROM findings ORDER BY kind_rank, strength DESC, actor, rule, clusters, id LIMIT 50", []),
    ("finding counts", "SELECT kind_rank, count(*) FROM findings GROUP BY kind_rank", []),
    ("one actor's finding counts", "SELECT kind_rank, count(*) FROM findings WHERE actor = ? GROUP BY kind_rank",
     ["Israel"]),
    ("pair", "SELECT count(*), max(id) FROM claims WHERE actor = ? AND measure = ? AND current = 1",
     ["Israel", "killed"]),
])
def test_no_view_reads_a_whole_table(synth_db: Path, view: str, sql: str, args: list[Any]) -> None:
    with Ledger(synth_db, readonly=True) as ledger:
        plan = " | ".join(r[3] for r in ledger.conn.execute("EXPLAIN QUERY PLAN " + sql, args))
    scans = [step for step in plan.split(" | ") if step.startswith("SCAN ") and "USING" not in step
             and "VIRTUAL TABLE" not in step]
    assert not scans, (view, plan)  # every table is read through an index, none row by row


def test_the_conflicts_page_shows_a_page_of_findings_with_a_link_on(synth_db: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "CONFLICTS_PAGE", 2)
    client = _client(synth_db)
    html = client.get("/conflicts").text
    assert html.count('data-kind="') == 2 and 'href="/conflicts?offset=2"' in html
    assert client.get("/conflicts", params={"limit": 3}).text.count('data-kind="') == 3
    assert len(client.get("/api/conflicts").json()["conflicts"]) > 2  # the API keeps its own default


def test_static_files_are_served_from_memory_by_name(synth_db: Path) -> None:
    client = _client(synth_db)
    r = client.get("/static/figtrace.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert r.content == (Path(pages.__file__).with_name("static") / "figtrace.css").read_bytes()
    assert "content-security-policy" in r.headers  # the security headers still apply
    again = client.get("/static/figtrace.css", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.get("/static/app.js").headers["content-type"].startswith(("text/javascript",
                                                                            "application/javascript"))
    assert client.get("/static/nope.css").status_code == 404


def test_the_metrics_api_is_remembered_per_ledger_version(synth_db: Path) -> None:
    client = _client(synth_db)
    first = client.get("/api/metrics")
    assert first.headers["content-type"] == "application/json"
    with Ledger(synth_db, readonly=True) as ledger:
        assert first.json() == {"metrics": ledger.metrics()}
    assert client.get("/api/metrics").content == first.content
    narrowed = client.get("/api/metrics", params={"actor": "Israel"}).json()["metrics"]
    assert narrowed and {m["actor"] for m in narrowed} == {"Israel"}

"""The analyst's work through the API and the dashboard: shared filters, paging, documents, reviews, FTS."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from figtrace.store import Ledger
from figtrace.store.documents import record_skipped
from figtrace.web import create_app
from figtrace.web.params import MAX_LIMIT

try:
    from tests.conftest_browser import build_ledger
except ImportError:  # pytest run from inside tests/
    from conftest_browser import build_ledger  # type: ignore[no-redef]

BASE = "http://127.0.0.1"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = build_ledger(tmp_path / "sample.db")
    from figtrace.errors import InputError

    with Ledger(path) as ledger:
        record_skipped(ledger, [InputError("inbox/brief.pdf", "unsupported type: .pdf files are not read",
                                           "unsupported")])
    return path


@pytest.fixture
def client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url=BASE)


@pytest.fixture
def writer(db: Path) -> TestClient:
    return TestClient(create_app(db, allow_review=True), base_url=BASE)


# -- paging: totals, next links, no silent cap ---------------------------------------


def test_claims_page_with_total_and_next_link(client: TestClient) -> None:
    everything = client.get("/api/claims").json()
    total = everything["total"]
    assert total == len(everything["claims"]) and everything["next"] is None and total > 4
    seen, url = [], "/api/claims?limit=3&measure=deployed"
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["limit"] == 3
        seen += [c["id"] for c in body["claims"]]
        url = body["next"]
        pages += 1
    deployed = client.get("/api/claims?measure=deployed").json()
    assert seen == [c["id"] for c in deployed["claims"]] and len(seen) == deployed["total"]
    assert pages == -(-deployed["total"] // 3)
    assert client.get("/api/claims", params={"limit": MAX_LIMIT + 1}).status_code == 400


def test_documents_and_conflicts_page_too(client: TestClient) -> None:
    docs = client.get("/api/documents?limit=2").json()
    assert docs["total"] == 6 and len(docs["documents"]) == 2 and docs["next"] == "/api/documents?limit=2&offset=2"
    last = client.get("/api/documents?limit=2&offset=4").json()
    assert last["next"] is None and last["prev"] == "/api/documents?limit=2&offset=2"
    assert last["documents"][-1]["status"] == "skipped"
    conflicts = client.get("/api/conflicts?limit=1").json()
    assert conflicts["total"] >= 1 and len(conflicts["conflicts"]) == 1


# -- filters: one definition for every view -------------------------------------------


def test_every_endpoint_takes_the_shared_filters(client: TestClient) -> None:
    from figtrace.store.filters import FILTER_NAMES
    from figtrace.web.api import ENDPOINTS

    for path, _, names in ENDPOINTS:
        if "{" not in path:
            assert set(FILTER_NAMES) <= set(names), path
    spec = client.get("/api/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/timeline"]["get"]["parameters"]}
    assert {"doc", "outlet", "since", "until", "source", "q"} <= names


def test_timeline_api_takes_aliases_and_filters(client: TestClient) -> None:
    by_alias = client.get("/api/timeline", params={"actor": "Nordkorea", "measure": "killed"}).json()
    by_name = client.get("/api/timeline", params={"actor": "North Korea", "measure": "killed"}).json()
    assert by_alias["points"] == by_name["points"] and by_alias["actor"] == "North Korea"
    assert len(by_name["points"]) > 1
    narrowed = client.get("/api/timeline", params={"actor": "North Korea", "measure": "killed",
                                                   "outlet": "Example Wire"}).json()
    assert narrowed["points"] and {d for p in narrowed["points"] for d in p["docs"]} == {"nis-dead.txt"}


def test_sources_metrics_and_documents_follow_the_filters(client: TestClient) -> None:
    all_sources = {s["name"] for s in client.get("/api/sources").json()["sources"]}
    wire = {s["name"] for s in client.get("/api/sources?outlet=Example%20Wire").json()["sources"]}
    assert wire < all_sources and "South Korea JCS" in wire
    metrics = client.get("/api/metrics?since=2025-06").json()["metrics"]
    assert metrics and sum(m["n_claims"] for m in metrics) < sum(
        m["n_claims"] for m in client.get("/api/metrics").json()["metrics"])
    docs = client.get("/api/documents?outlet=Beispiel-Zeitung").json()
    assert {d["name"] for d in docs["documents"]} == {"kursk-verluste.txt", "westen-tote.txt"}
    skipped = client.get("/api/documents?status=skipped").json()["documents"]
    assert [(d["name"], d["reason"]) for d in skipped] == [("inbox/brief.pdf",
                                                           "unsupported type: .pdf files are not read")]
    assert client.get("/api/documents?status=gone").status_code == 400


def test_downloads_of_timeline_and_conflicts_as_csv_and_parquet(client: TestClient, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    r = client.get("/download/conflicts.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == {"rule", "status", "explanation", "actor", "clusters", "claim_ids"}
    for name, params in (("timeline.parquet", {"actor": "North Korea", "measure": "killed"}),
                         ("conflicts.parquet", {"actor": "Nordkorea"})):
        r = client.get(f"/download/{name}", params=params)
        assert r.status_code == 200, name
        path = tmp_path / name
        path.write_bytes(r.content)
        assert pq.read_table(path).num_rows > 0, name
    docs = list(csv.DictReader(io.StringIO(client.get("/download/documents.csv").text)))
    assert len(docs) == 6


def test_pages_take_the_filters(client: TestClient) -> None:
    r = client.get("/sources?outlet=Example+Wire")
    listing = r.text.split('id="filters"', 1)[1].split("</form>", 1)[1]  # below the form listing every source
    assert r.status_code == 200 and "South Korea JCS" in listing and "Western intelligence" not in listing
    r = client.get("/timeline?actor=Nordkorea&measure=killed&until=2025-06")
    assert r.status_code == 200 and "North Korea" in r.text
    r = client.get("/documents?outlet=Example+Wire")
    listing = r.text.split('id="filters"', 1)[1].split("</form>", 1)[1]
    assert r.status_code == 200 and "nis-dead.txt" in listing and "kursk-verluste.txt" not in listing
    assert 'name="outlet"' in client.get("/conflicts").text


# -- reviews from the dashboard --------------------------------------------------------


def _first_claim(client: TestClient, **params: str) -> dict:
    return client.get("/api/claims", params=params).json()["claims"][0]


def test_read_only_dashboard_has_no_review_form_and_refuses_posts(client: TestClient) -> None:
    c = _first_claim(client)
    page = client.get(f"/claim/{c['id']}").text
    assert 'action="/claim/' not in page and "Read-only view" in page
    r = client.post(f"/claim/{c['id']}/review", data={"source": "UN"}, headers={"origin": BASE})
    assert r.status_code == 405


def _token(page: str) -> str:
    import re

    m = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert m, "no review form"
    return m.group(1)


def test_review_from_the_claim_page(writer: TestClient) -> None:
    c = _first_claim(writer, measure="deployed")
    page = writer.get(f"/claim/{c['id']}").text
    token = _token(page)
    r = writer.post(f"/claim/{c['id']}/review", headers={"origin": BASE}, follow_redirects=False,
                    data={"token": token, "source": "UN", "note": "a UN figure", "action": "save"})
    assert r.status_code == 303 and r.headers["location"] == f"/claim/{c['id']}"
    after = writer.get(f"/api/claims/{c['id']}").json()
    assert (after["source"], after["machine_source"], after["review_note"]) == ("UN", c["source"], "a UN figure")
    shown = writer.get(f"/claim/{c['id']}").text
    assert 'id="review-state"' in shown and f"<del>{c['source']}</del>" in shown
    listed = writer.get("/claims?source=UN").text
    assert 'class="badge reviewed"' in listed and f"{c['source']}</del> UN" in listed
    # rejected: gone from the listings, still listed as reviewed
    r = writer.post(f"/claim/{c['id']}/review", headers={"origin": BASE}, follow_redirects=False,
                    data={"token": token, "reject": "1", "action": "save"})
    assert r.status_code == 303
    assert c["id"] not in {x["id"] for x in writer.get("/api/claims?limit=500").json()["claims"]}
    assert [x["id"] for x in writer.get("/api/claims?reviewed=1").json()["claims"]] == [c["id"]]
    page = writer.get("/claims?reviewed=1").text
    assert page.count("data-claim=") == 1 and f'data-claim="{c["id"]}"' in page
    assert 'name="reviewed" value="1" checked' in page and ">rejected</span>" in page


@pytest.mark.parametrize("headers,data,with_token,status", [
    ({"origin": "http://evil.example"}, {"source": "UN"}, True, 403),   # another site's page
    ({}, {"source": "UN"}, True, 403),                                   # no origin at all
    ({"origin": BASE, "sec-fetch-site": "cross-site"}, {"source": "UN"}, True, 403),
    ({"origin": BASE}, {"source": "UN", "token": "0" * 64}, False, 403),  # a forged token
    ({"origin": BASE}, {"source": "UN"}, False, 403),                    # no token
    ({"origin": BASE}, {"measure": "dead"}, True, 400),
    ({"origin": BASE}, {"action": "save"}, True, 400),                   # nothing to save
])
def test_review_posts_are_csrf_safe(writer: TestClient, headers: dict, data: dict, with_token: bool,
                                    status: int) -> None:
    c = _first_claim(writer)
    if with_token:
        data = {**data, "token": _token(writer.get(f"/claim/{c['id']}").text)}
    r = writer.post(f"/claim/{c['id']}/review", headers=headers, data=data, follow_redirects=False)
    assert r.status_code == status, r.text
    assert writer.get(f"/api/claims/{c['id']}").json()["source"] == c["source"]


def test_only_the_review_path_accepts_a_post(writer: TestClient) -> None:
    for path in ("/claims", "/api/claims", "/claim/1"):
        assert writer.post(path, headers={"origin": BASE}).status_code == 405, path


# -- the full-text index datasette detects --------------------------------------------


def test_full_text_index_is_detected_by_sqlite_utils(db: Path, tmp_path: Path) -> None:
    sqlite_utils = pytest.importorskip("sqlite_utils")
    assert sqlite_utils.Database(db)["claims"].detect_fts() == "claims_fts"
    # an older ledger migrates to the same form, with its rows indexed
    from figtrace.store.db import apply_migrations

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old, isolation_level=None)
    apply_migrations(conn, 4)
    conn.close()
    try:
        from tests.conftest_browser import sample_documents
    except ImportError:
        from conftest_browser import sample_documents  # type: ignore[no-redef]
    with Ledger(old) as ledger:
        for doc, claims in sample_documents():
            ledger.add_document(doc, claims)
        hits = ledger.claims(q="Generalstabschefs")
    assert sqlite_utils.Database(old)["claims"].detect_fts() == "claims_fts" and len(hits) == 1
    # datasette's own search query: rowid match against the content table
    conn = sqlite3.connect(old)
    n = conn.execute("SELECT count(*) FROM claims WHERE rowid IN (SELECT rowid FROM claims_fts "
                     "WHERE claims_fts MATCH 'Generalstabschefs')").fetchone()[0]
    assert n == 1

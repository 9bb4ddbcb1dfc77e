"""The dashboard over HTTP (in-process): pages, filters, API, downloads and every guard."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from figtrace.cli import main
from figtrace.model import Document
from figtrace.web import create_app
from figtrace.web.commands import allowed_hosts_for, serve
from figtrace.web.params import MAX_LIMIT, MAX_TEXT
from figtrace.web.security import SECURITY_HEADERS


@pytest.fixture(scope="module")
def db(sample_db: Path) -> Path:
    """The shared sample ledger (tests/conftest.py)."""
    return sample_db


@pytest.fixture(scope="module")
def client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url="http://127.0.0.1")


def _rows(html: str) -> int:
    return html.count("data-claim=")


# -- pages -----------------------------------------------------------------------

def test_overview_lists_actors_measures_and_spans(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "North Korea" in r.text
    assert "/timeline?actor=North+Korea&amp;measure=killed_or_wounded" in r.text
    # killed: the NIS's 2,000 of September; Western intelligence's floor of March is too old for the span
    assert "4,000–6,000+" in r.text and "<strong>2,000</strong>" in r.text and "1,000–2,000" not in r.text


def test_timeline_page_has_the_chart_and_each_sources_points(client: TestClient) -> None:
    r = client.get("/timeline", params={"actor": "North Korea", "measure": "killed"})
    assert r.status_code == 200
    assert r.text.count("<svg") == 1
    assert "≥1,000" in r.text and "~2,000" in r.text
    assert "Western intelligence" in r.text and "South Korea NIS" in r.text


def test_filters_narrow_the_claims_table(client: TestClient) -> None:
    everything = _rows(client.get("/claims").text)
    killed = client.get("/claims", params={"measure": "killed"}).text
    english = client.get("/claims", params={"lang": "en"}).text
    nis = client.get("/claims", params={"source": "South Korea NIS"}).text
    late = client.get("/claims", params={"since": "2025-09-01"}).text
    assert everything == 10
    assert _rows(killed) == 3
    assert _rows(english) == 4
    assert _rows(nis) == 3
    assert 0 < _rows(late) < everything
    assert 'value="killed" selected' in killed  # the form shows the filter in force


def test_search_finds_claims_by_their_sentence(client: TestClient) -> None:
    r = client.get("/claims", params={"q": "Generalstabschefs"})
    assert _rows(r.text) == 1
    assert "rund 3000" in r.text


def test_paging_links_keep_the_filters(client: TestClient) -> None:
    r = client.get("/claims", params={"measure": "deployed", "limit": 2})
    assert _rows(r.text) == 2
    assert 'href="/claims?measure=deployed&amp;limit=2&amp;offset=2"' in r.text
    assert _rows(client.get("/claims", params={"measure": "deployed", "limit": 2, "offset": 2}).text) == 1


def test_claim_page_marks_the_figure_in_its_article_and_lists_every_outlet(client: TestClient) -> None:
    found = client.get("/api/claims", params={"q": "Nordkoreaner", "measure": "killed"}).json()
    cid = found["claims"][0]["id"]
    r = client.get(f"/claim/{cid}")
    assert r.status_code == 200
    assert '<mark class="fig">etwa 2000</mark>' in r.text
    assert "Nachrichten Nord" in r.text and "Example Wire" in r.text  # both outlets that printed it
    assert client.get("/claim/999999").status_code == 404
    assert client.get("/claim/" + "9" * 40).status_code == 404  # beyond SQLite's integers: 404, not 500
    assert client.get("/api/claims/" + "9" * 40).status_code == 404


def test_hostile_article_renders_as_text(client: TestClient) -> None:
    cid = client.get("/api/claims", params={"measure": "wounded"}).json()["claims"][0]["id"]
    for path in (f"/claim/{cid}", "/claims", "/", "/conflicts", "/sources",
                 "/timeline?actor=North+Korea&measure=wounded"):
        html = client.get(path).text
        assert "<script>window" not in html, path
        assert "<img src=x" not in html and "<svg onload" not in html and "<b onmouseover" not in html, path
        assert 'href="javascript:' not in html, path
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in client.get(f"/claim/{cid}").text


# -- API and downloads ---------------------------------------------------------------

def test_api_claims_timeline_metrics_sources_conflicts(client: TestClient) -> None:
    claims = client.get("/api/claims", params={"measure": "killed_or_wounded"}).json()
    assert {c["figure"] for c in claims["claims"]} == {"über 6000", "roughly 4,000"}
    tl = client.get("/api/timeline", params={"actor": "North Korea", "measure": "killed_or_wounded"}).json()
    assert tl["span"]["text"] == "4,000–6,000+"
    assert {p["source"] for p in tl["latest"]} == {"UK Defence Intelligence", "South Korea JCS"}
    metrics = client.get("/api/metrics").json()["metrics"]
    assert {"actor": "North Korea", "measure": "killed"}.items() <= next(
        m for m in metrics if m["measure"] == "killed").items()
    assert any(s["name"] == "South Korea NIS" for s in client.get("/api/sources").json()["sources"])
    assert client.get("/api/conflicts").json()["conflicts"]
    assert client.get("/api/claims/1").json()["document_text"]


def test_openapi_describes_every_endpoint_with_bounds(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/claims", "/api/claims/{id}", "/api/timeline", "/download/{name}"} <= set(spec["paths"])
    params = {p["name"]: p for p in spec["paths"]["/api/claims"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert params["q"]["schema"]["maxLength"] == MAX_TEXT


def test_downloads_hold_what_the_page_shows(client: TestClient) -> None:
    page = client.get("/claims", params={"measure": "killed"}).text
    r = client.get("/download/claims.csv", params={"measure": "killed"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="claims.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == _rows(page) == 3
    assert {row["measure"] for row in rows} == {"killed"}
    data = client.get("/download/claims.json", params={"measure": "killed"}).json()
    assert sorted(c["id"] for c in data) == sorted(int(row["id"]) for row in rows)
    tl = client.get("/download/timeline.csv", params={"actor": "North Korea", "measure": "killed"})
    assert len(list(csv.DictReader(io.StringIO(tl.text)))) == 2


# -- guards ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/claims?limit=x", "/nope", "/static/figtrace.css", "/api/claims",
                                  "/claim/999999"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    csp = r.headers["content-security-policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and script_src.strip() == "'self'"


def test_pages_use_no_inline_script(client: TestClient) -> None:
    html = client.get("/claims").text
    assert '<script src="/static/app.js" defer></script>' in html
    assert html.count("<script") == 1
    assert " onclick=" not in html and " onchange=" not in html


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/", "/api/claims", "/no/such/route"])
def test_only_get_and_head_are_served(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert "read-only" in r.text
    assert client.head(path).status_code in (200, 404)


def test_the_app_opens_the_ledger_read_only(db: Path) -> None:
    app = create_app(db)
    before = db.read_bytes()
    with app.state.open_ledger() as ledger, pytest.raises((sqlite3.OperationalError, Exception)) as err:
        ledger.add_document(Document(text="Neue 5 Soldaten.", name="w.txt"), [])
    assert "readonly" in str(err.value).lower().replace("-", "") or "read-only" in str(err.value).lower()
    assert db.read_bytes() == before


def test_unknown_host_headers_are_refused(db: Path) -> None:
    evil = TestClient(create_app(db), base_url="http://attacker.example")
    assert evil.get("/").status_code == 400
    local = TestClient(create_app(db), base_url="http://localhost:8000")
    assert local.get("/").status_code == 200


def test_serve_binds_loopback_by_default() -> None:
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    assert allowed_hosts_for("127.0.0.1") == ("127.0.0.1", "localhost", "[::1]", "::1")
    assert allowed_hosts_for("0.0.0.0") == ("*",)


def test_serve_names_a_missing_ledger(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "missing.db")])
    assert res.exit_code == 1
    assert "missing.db" in res.output


@pytest.mark.parametrize("path", [
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/app.py",
    "/static/..%5capp.py",
    "/static//etc/passwd",
    "/download/..%2f..%2fpyproject.toml",
    "/download/%2e%2e%2fapp.py",
    "/download/passwd",
])
def test_no_path_traversal_in_static_or_download(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404, path
    assert "create_app" not in r.text and "[build-system]" not in r.text and "root:" not in r.text


def test_a_limit_over_the_maximum_is_refused_not_cut(client: TestClient) -> None:
    r = client.get("/api/claims", params={"limit": 10_000_000})
    assert r.status_code == 400
    assert r.json()["error"] == f"query parameter 'limit': must be at most {MAX_LIMIT}"
    assert client.get("/api/claims", params={"limit": MAX_LIMIT}).json()["limit"] == MAX_LIMIT


@pytest.mark.parametrize("params", [
    {"q": "x" * (MAX_TEXT + 1)},
    {"source": "y" * (MAX_TEXT + 50)},
    {"limit": "-1"},
    {"limit": "ten"},
    {"offset": "99999999999"},
    {"since": "yesterday"},
    {"until": "2025-02-30"},
    {"measure": "rumours"},
    {"lang": "deutsch"},
    {"q": "tab\there"},
])
def test_out_of_bound_parameters_get_400_naming_them(client: TestClient, params: dict) -> None:
    for path in ("/claims", "/api/claims"):
        r = client.get(path, params=params)
        assert r.status_code == 400, (path, params)
        assert repr(next(iter(params))) in r.text or next(iter(params)) in r.text


def test_overlong_query_string_is_refused(client: TestClient) -> None:
    r = client.get("/api/claims?" + "&".join(f"x{i}=1" for i in range(600)))
    assert r.status_code == 400


def test_search_syntax_errors_are_400_not_500(client: TestClient) -> None:
    r = client.get("/api/claims", params={"q": 'Soldaten AND ("'})
    assert r.status_code == 400
    assert "error" in r.json()


def test_timeline_needs_both_parameters(client: TestClient) -> None:
    assert client.get("/timeline", params={"actor": "North Korea"}).status_code == 400
    assert client.get("/api/timeline", params={"measure": "killed"}).status_code == 400
    assert client.get("/timeline", params={"actor": "Atlantis", "measure": "killed"}).status_code == 404


def test_slow_views_are_remembered_until_the_ledger_changes(tmp_path: Path) -> None:
    from figtrace.web.memo import Memo

    db = tmp_path / "m.db"
    db.write_bytes(b"one")
    import time

    memo = Memo(db, refresh_every=0)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memo.get("k", compute) == 1
    assert memo.get("k", compute) == 1  # unchanged file: remembered
    db.write_bytes(b"two, longer")
    assert memo.get("k", compute) == 1  # the ledger changed: the last value at once, a refresh behind it
    deadline = time.monotonic() + 5
    while memo.get("k", compute) != 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert memo.get("k", compute) == 2  # computed again, once
    assert Memo(None).get("k", compute) == 3  # no file to watch: never remembered


def test_conflicts_are_paged_contradictions_first(client: TestClient) -> None:
    everything = client.get("/api/conflicts").json()
    assert everything["total"] == len(everything["conflicts"]) > 2
    page = client.get("/api/conflicts", params={"limit": 2, "offset": 1}).json()
    assert page["conflicts"] == everything["conflicts"][1:3]
    assert page["next_offset"] == 3
    statuses = [f["status"] for f in everything["conflicts"]]
    assert statuses == sorted(statuses, key=lambda s: s == "explained")
    html = client.get("/conflicts", params={"limit": 2}).text
    assert html.count('class="finding ') == 2
    assert 'href="/conflicts?limit=2&amp;offset=2"' in html

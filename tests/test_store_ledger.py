import sqlite3

import pytest
from conftest import synthetic_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figtrace import Ledger as LazyLedger
from figtrace.errors import FigtraceError
from figtrace.model import Document, Segment
from figtrace.pipeline import Options
from figtrace.scale import ingest
from figtrace.store import IngestSummary, Ledger, LedgerError
from figtrace.store.db import apply_migrations
from figtrace.store.kb import load_aliases
from figtrace.store.schema import SCHEMA_VERSION
from figtrace.store.synth import make_claim, synthetic_documents, synthetic_extractor


def doc(text, name, **kw):
    return Document(text=text, name=name, **kw)


def add(ledger, d, *claims):
    return ledger.add_document(d, [make_claim(d.name, **c) for c in claims])


def test_package_exports_ledger():
    assert LazyLedger is Ledger


def test_add_document_is_idempotent_by_content(ledger):
    d = doc("Officials said 2000 soldiers died.", "a.txt", published="2025-09-02")
    assert add(ledger, d, {"value": 2000, "as_of": "2025-09"}) is True
    again = doc("Officials said 2000 soldiers died.", "copy-of-a.txt")
    assert add(ledger, again, {"value": 2000}) is False
    assert len(ledger.claims()) == 1
    assert [x["name"] for x in ledger.documents()] == ["a.txt"]


def test_changed_article_at_same_url_is_a_new_version(ledger):
    url = "https://example.org/story"
    v1 = doc("First text: 300 killed.", "story", url=url, published="2025-01-10")
    v2 = doc("Updated text: 500 killed.", "story", url=url, published="2025-01-11")
    add(ledger, v1, {"value": 300, "as_of": "2025-01-10"})
    add(ledger, v2, {"value": 500, "as_of": "2025-01-11"})
    docs = {d["id"]: d for d in ledger.documents()}
    assert docs[v1.id]["version"] == 1 and docs[v1.id]["superseded_by"] == v2.id
    assert docs[v2.id]["version"] == 2 and docs[v2.id]["superseded_by"] is None
    assert [c["value"] for c in ledger.claims()] == [500]
    assert sorted(c["value"] for c in ledger.claims(include_superseded=True)) == [300, 500]
    assert [p["value"] for p in ledger.timeline("North Korea", "killed").points] == [500]


def test_same_claim_in_two_outlets_is_one_cluster(ledger):
    a = doc("Agency: about 2,000 died.", "a.txt", outlet="Outlet A", published="2025-09-02")
    b = doc("Laut Geheimdienst rund 2.000 Tote.", "b.txt", outlet="Outlet B", published="2025-09-03",
            lang="de")
    c = doc("Agency earlier: 300 died.", "c.txt", outlet="Outlet C", published="2025-01-05")
    add(ledger, a, {"value": 2000, "qualifier": "approx", "as_of": "2025-09", "quote": "about 2,000 died"})
    add(ledger, b, {"value": 2000, "qualifier": "approx", "as_of": "2025-09-02", "quote": "rund 2.000 Tote"})
    add(ledger, c, {"value": 300, "as_of": "2025-01"})
    rows = {r["doc"]: r for r in ledger.claims()}
    assert rows["a.txt"]["cluster"] == rows["b.txt"]["cluster"] != rows["c.txt"]["cluster"]
    full = ledger.claim(rows["a.txt"]["id"])
    assert full["document_text"] == a.text
    assert [(m["doc"], m["outlet"], m["quote"]) for m in full["cluster_members"]] == [
        ("a.txt", "Outlet A", "about 2,000 died"), ("b.txt", "Outlet B", "rund 2.000 Tote")]
    [point] = [p for p in ledger.timeline("North Korea", "killed").points if p["value"] == 2000]
    assert point["docs"] == ["a.txt", "b.txt"]
    assert ledger.claim(10**6) is None


def test_claim_dict_has_contract_fields(ledger):
    d = doc("x" * 50, "a.txt", outlet="O", url="https://example.org/a", title="T", lang="en",
            published="2025-06-16", segments=[Segment(0, 10, "furniture", "caption"), Segment(10, 50)])
    claim = make_claim("a.txt", start=3, end=7, quote_start=0, quote_end=20, segment="furniture",
                       why={"measure": "cue 'killed'"}, location="Kursk")
    ledger.add_document(d, [claim])
    [c] = ledger.claims()
    expected = {"doc", "quote", "figure", "value", "low", "high", "qualifier", "measure", "actor", "unit",
                "source", "as_of", "location", "id", "cluster", "outlet", "published", "url", "doc_id",
                "title",
                "lang", "start", "end", "quote_start", "quote_end", "segment", "why"}
    assert expected <= set(c)
    assert (c["outlet"], c["url"], c["title"], c["lang"], c["segment"]) == (
        "O", "https://example.org/a", "T", "en", "furniture")
    assert c["why"] == {"measure": "cue 'killed'"}
    assert (c["start"], c["end"], c["quote_end"], c["location"]) == (3, 7, 20, "Kursk")
    assert isinstance(c["value"], int) and isinstance(c["id"], int)
    full = ledger.document(d.id)
    assert full["text"] == d.text and full["segments"][0] == {"start": 0, "end": 10, "kind": "furniture",
                                                              "label": "caption"}
    assert ledger.document("a.txt")["id"] == d.id
    assert ledger.document("nope") is None


@pytest.fixture
def filled(ledger):
    add(ledger, doc("Report one about Korea.", "one.txt", outlet="Alpha", lang="en", published="2025-01-20"),
        {"value": 300, "as_of": "2025-01", "quote": "about 300 soldiers were killed"},
        {"value": 11000, "measure": "deployed", "as_of": "2024-11"})
    add(ledger, doc("Bericht zwei.", "two.txt", outlet="Beta", lang="de", published="2025-06-16"),
        {"value": 6000, "qualifier": "more_than", "measure": "killed_or_wounded",
         "source": "UK Defence Intelligence", "as_of": "2025-06", "quote": "über 6000 Soldaten verloren"},
        {"value": 1150, "actor": "Russia", "measure": "killed_or_wounded", "source": "Ukrainian armed forces",
         "quote": "1150 russische Soldaten getötet oder verwundet"})
    return ledger


@pytest.mark.parametrize(("filters", "values"), [
    ({}, [300, 11000, 6000, 1150]),
    ({"actor": "north korea"}, [300, 11000, 6000]),
    ({"measure": "killed_or_wounded"}, [6000, 1150]),
    ({"source": "UK Defence Intelligence"}, [6000]),
    ({"since": "2025-06"}, [6000, 1150]),  # the undated 1150 holds as of its publication
    ({"until": "2024"}, [11000]),
    ({"since": "2025-01-15", "until": "2025-01-31"}, [300]),
    ({"lang": "de"}, [6000, 1150]),
    ({"outlet": "alpha"}, [300, 11000]),
    # a search lists the newest stored matches first (the full-text index's order, no sort)
    ({"q": "soldaten"}, [1150, 6000]),
    ({"q": "uber"}, [6000]),  # diacritics folded: über
    ({"q": "getötet OR killed"}, [1150, 300]),
    ({"limit": 2}, [300, 11000]),
    ({"limit": 2, "offset": 3}, [1150]),
])
def test_claim_filters(filled, filters, values):
    assert [c["value"] for c in filled.claims(**filters)] == values
    if "limit" not in filters:
        assert filled.count_claims(**filters) == len(values)


def test_source_filter_accepts_kb_alias(filled):
    if "South Korea NIS" not in load_aliases():
        pytest.skip("kb/sources.toml lists no aliases for South Korea NIS")
    assert [c["value"] for c in filled.claims(source="NIS")] == [300, 11000]


def test_bad_filters_give_one_clear_message(filled):
    with pytest.raises(FigtraceError, match="since 'last week' is not a date"):
        filled.claims(since="last week")
    with pytest.raises(FigtraceError, match="cannot search"):
        filled.claims(q='"unbalanced')


def test_views_metrics_sources_conflicts_frames(filled):
    metrics = {(m["actor"], m["measure"]): m for m in filled.metrics()}
    assert metrics[("North Korea", "killed")]["n_claims"] == 1
    assert metrics[("Russia", "killed_or_wounded")]["n_sources"] == 1
    srcs = {s["name"]: s for s in filled.sources()}
    assert srcs["South Korea NIS"]["n_claims"] == 2 and srcs["UK Defence Intelligence"]["n_documents"] == 1
    assert all(isinstance(s["aliases"], list) for s in srcs.values())
    frame = filled.frame("claims", actor="North Korea")
    assert list(frame["value"]) == [300, 11000, 6000]
    assert len(filled.frame("timeline", actor="North Korea", measure="deployed")) == 1
    with pytest.raises(FigtraceError, match="unknown frame kind"):
        filled.frame("nope")


def test_conflicts_through_ledger(ledger):
    add(ledger, doc("UK casualty estimate.", "uk.txt", published="2025-06-16"),
        {"value": 6000, "qualifier": "more_than", "measure": "killed_or_wounded",
         "source": "UK Defence Intelligence", "as_of": "2025-06"})
    add(ledger, doc("NIS death toll.", "nis.txt", published="2025-09-02"),
        {"value": 2000, "qualifier": "approx", "as_of": "2025-09"},
        {"value": 1200, "as_of": "2025-01", "actor": "Russia"},
        {"value": 900, "as_of": "2025-04", "actor": "Russia"})
    findings = ledger.conflicts()
    assert [(f.kind, f.rule, f.status, f.actor) for f in findings] == [
        ("contradiction", "running_total", "flagged", "Russia"),
        ("explained", "measure_hierarchy", "explained", "North Korea")]
    assert [f.status for f in ledger.conflicts(status="flagged")] == ["flagged"]
    assert [f.actor for f in ledger.conflicts(actor="North Korea")] == ["North Korea"]
    assert [f.kind for f in ledger.conflicts(kind="explained")] == ["explained"]
    assert ledger.count_findings() == {"contradiction": 1, "disagreement": 0, "explained": 1}
    assert [f.kind for f in ledger.conflicts(limit=1, offset=1)] == ["explained"]
    d = findings[1].to_dict()
    assert d["clusters"] == findings[1].clusters and {c["doc"] for c in d["claims"]} == {"uk.txt", "nis.txt"}
    frame = ledger.frame("conflicts")
    assert list(frame["status"]) == ["flagged", "explained"]


def test_findings_are_stored_at_ingest_and_kept_current(ledger):
    """Findings are rows written with the claims (not recomputed per request), updated per document."""
    add(ledger, doc("NIS early.", "a.txt", published="2025-01-05"), {"value": 1200, "as_of": "2025-01"})
    assert ledger.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
    add(ledger, doc("NIS later.", "b.txt", published="2025-04-05"), {"value": 900, "as_of": "2025-04"})
    rows = ledger.conn.execute("SELECT kind, rule, actor FROM findings").fetchall()
    assert [tuple(r) for r in rows] == [("contradiction", "running_total", "North Korea")]
    assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 0
    with ledger.batch():
        add(ledger, doc("NIS latest.", "c.txt", published="2025-05-05"), {"value": 800, "as_of": "2025-05"})
        # inside a batch the actor is only marked; a reader still sees current findings
        assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 1
        [f] = ledger.conflicts()
        assert f.n_more == 2
    assert ledger.conn.execute("SELECT count(*) FROM findings_stale").fetchone()[0] == 0
    [f] = ledger.conflicts()
    assert f.n_more == 2 and {c["doc"] for c in f.claims} == {"a.txt", "c.txt"}


def test_timeline_through_ledger(filled):
    tl = filled.timeline("North Korea", "killed_or_wounded")
    assert tl.actor == "North Korea" and tl.measure == "killed_or_wounded"
    assert tl.span == {**tl.span, "low": 6000, "high": 6000, "open_high": True, "text": "6,000+"}
    assert tl.to_dict()["points"][0]["latest"] is True
    assert filled.timeline("Nobody", "killed").points == []


# -- ingest ---------------------------------------------------------------------
def test_ingest_counts_added_skipped_and_failed(ledger, tmp_path):
    paths = synthetic_files(tmp_path, 4)
    summary = ingest(ledger, [*paths, str(tmp_path / "missing.txt")], Options(extractor=synthetic_extractor))
    assert isinstance(summary, IngestSummary)
    assert (summary.documents_added, summary.documents_skipped, summary.claims_added) == (4, 0, 20)
    assert [f.input for f in summary.failures] == [str(tmp_path / "missing.txt")]
    again = ingest(ledger, paths, Options(extractor=synthetic_extractor))
    assert (again.documents_added, again.documents_skipped, again.claims_added) == (0, 4, 0)
    assert ledger.count_claims() == 20
    assert "4 documents added" in summary.line() and summary.to_dict()["failures"]


def test_ingest_records_an_extractor_crash_as_failure_and_goes_on(ledger, tmp_path):
    (tmp_path / "a.txt").write_text("boom", encoding="utf-8")
    (tmp_path / "b.txt").write_text("fine", encoding="utf-8")

    def flaky(d):
        if d.text == "boom":
            raise ValueError("bad sentence")
        return [make_claim(d.name)]

    summary = ingest(ledger, [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], Options(extractor=flaky))
    assert summary.documents_added == 1
    assert [str(f) for f in summary.failures] == ["a.txt: extraction failed: ValueError: bad sentence"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(min_value=0, max_value=1e9, allow_nan=False), quote=st.text(min_size=1, max_size=80),
       as_of=st.sampled_from([None, "2025", "2025-06", "2025-06-15", "2024-09..2024-11"]))
def test_stored_claims_round_trip(tmp_path_factory, value, quote, as_of):
    with Ledger(":memory:") as led:
        d = Document(text=f"text {quote}", name="r.txt", published="2025-07-01")
        claim = make_claim("r.txt", value=value, low=value, high=value, quote=quote, as_of=as_of)
        led.add_document(d, [claim])
        [c] = led.claims()
        assert c["value"] == pytest.approx(value) and c["quote"] == quote and c["as_of"] == as_of
        assert c["as_of_basis"] == ("as_of" if as_of else "published")


# -- schema -----------------------------------------------------------------------
def test_new_ledger_has_current_schema_and_wal(tmp_path):
    path = tmp_path / "new.db"
    Ledger(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in conn.execute("SELECT version FROM migrations ORDER BY version")] == list(
        range(1, SCHEMA_VERSION + 1))
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM claims WHERE actor = 'x' AND measure = 'killed'"))
    assert "USING INDEX claims_" in plan and "actor=? AND measure=?" in plan


def test_older_schema_is_migrated_keeping_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, 1)  # a ledger from before full-text search
    conn.execute("INSERT INTO documents(id, name, text, ingested_at) VALUES ('d1', 'old.txt', 'old', 'now')")
    conn.execute(
        "INSERT INTO claims(doc_id, idx, quote, figure, value, qualifier, measure, actor, unit, source, "
        "as_of_basis, ckey, cluster) VALUES ('d1', 0, 'an old quote about artillery', '5', 5, 'exact', "
        "'killed', 'Russia', 'personnel', 'UN', 'none', 'k', 'c1')")
    conn.close()
    with Ledger(path) as led:
        assert [c["quote"] for c in led.claims(q="artillery")] == ["an old quote about artillery"]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_older_schema_opened_read_only_asks_for_migration(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, 1)
    conn.close()
    with pytest.raises(LedgerError, match="older than this figtrace's"):
        Ledger(path, readonly=True)


def test_newer_schema_is_refused_clearly(tmp_path):
    path = tmp_path / "future.db"
    Ledger(path).close()
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(LedgerError, match="written by a newer figtrace"):
        Ledger(path)


def test_files_that_are_not_ledgers_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("just some notes, not a database", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"notes\.db is not a SQLite database"):
        Ledger(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(LedgerError, match="not a figtrace ledger"):
        Ledger(other)
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger(tmp_path / "absent.db", readonly=True)


def test_read_only_ledger_refuses_writes(tmp_path):
    path = tmp_path / "r.db"
    Ledger(path).close()
    with Ledger(path, readonly=True) as led:
        assert led.claims() == []
        with pytest.raises(LedgerError, match="read-only"):
            led.add_document(Document(text="x", name="x.txt"), [])


def test_an_invalid_claim_fails_its_document_only(ledger, tmp_path):
    (tmp_path / "bad.txt").write_text("bad one", encoding="utf-8")
    (tmp_path / "good.txt").write_text("good one", encoding="utf-8")

    def extractor(d):
        if d.text == "bad one":
            return [make_claim(d.name, measure=None), make_claim(d.name, value=float("nan"))]
        return [make_claim(d.name)]

    summary = ingest(ledger, [str(tmp_path / "bad.txt"), str(tmp_path / "good.txt")], Options(extractor=extractor))
    assert summary.documents_added == 1
    assert [str(f) for f in summary.failures] == ["bad.txt: claim 0 ('1000'): measure is empty"]
    assert [d["name"] for d in ledger.documents()] == ["good.txt"]


def _recount(ledger):
    rows = ledger.conn.execute(
        "SELECT actor, measure, count(*), count(DISTINCT source), count(DISTINCT cluster), count(DISTINCT doc_id) "
        "FROM claims WHERE current = 1 GROUP BY actor, measure").fetchall()
    return sorted(tuple(r) for r in rows)


def test_overview_counts_stay_equal_to_a_full_recount(ledger):
    for d in synthetic_documents(30, seed=5):
        ledger.add_document(d, synthetic_extractor(d))
    url = "https://example.org/live"
    add(ledger, doc("live v1", "live", url=url, published="2025-02-01"), {"value": 10, "actor": "Atlantis"})
    add(ledger, doc("live v2", "live", url=url, published="2025-02-02"), {"value": 20, "actor": "Lemuria"})
    stats = sorted((m["actor"], m["measure"], m["n_claims"], m["n_sources"], m["n_clusters"], m["n_documents"])
                   for m in ledger.metrics())
    assert stats == _recount(ledger)
    actors = {m["actor"] for m in ledger.metrics()}
    assert "Lemuria" in actors and "Atlantis" not in actors  # the superseded version left the overview
    ledger.refresh_stats()
    assert sorted((m["actor"], m["measure"], m["n_claims"], m["n_sources"], m["n_clusters"], m["n_documents"])
                  for m in ledger.metrics()) == stats

"""The ledger commands through click's CliRunner, with exact output forms."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import synthetic_files

from figtrace.cli import main
from figtrace.model import SPEC_FIELDS, Document
from figtrace.store import Ledger
from figtrace.store.synth import make_claim, synthetic_documents

EXTRACTOR = {"FIGTRACE_EXTRACTOR": "figtrace.store.synth:synthetic_extractor"}
TIMELINE_KEYS = ["actor", "measure", "source", "as_of", "value", "low", "high", "qualifier", "cluster", "docs",
                 "latest"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def db(tmp_path):
    """A ledger with the UK/NIS pair, a falling cumulative figure, and one claim printed twice."""
    path = tmp_path / "l.db"
    with Ledger(path) as led:
        d1 = Document(text="First sample article.", name="one.txt", outlet="Alpha", published="2025-06-16")
        led.add_document(d1, [
            make_claim("one.txt", value=6000, qualifier="more_than", measure="killed_or_wounded",
                       source="UK Defence Intelligence", as_of="2025-06", figure="over 6,000"),
            make_claim("one.txt", value=11000, measure="deployed", as_of="2024-11", figure="11,000"),
        ])
        d2 = Document(text="Second sample article.", name="two.txt", outlet="Beta", published="2025-09-02")
        led.add_document(d2, [
            make_claim("two.txt", value=2000, qualifier="approx", as_of="2025-09", figure="about 2,000"),
            make_claim("two.txt", value=8000, measure="deployed", as_of="2025-04", figure="8,000"),
        ])
        d3 = Document(text="Third sample article.", name="three.txt", outlet="Gamma", published="2025-09-03")
        led.add_document(d3, [make_claim("three.txt", value=2000, as_of="2025-09-02", figure="2,000")])
    return str(path)


def test_ingest_reports_summary_and_skips_repeats(runner, tmp_path):
    paths = synthetic_files(tmp_path, 3)
    dbp = str(tmp_path / "x.db")
    first = runner.invoke(main, ["ingest", *paths, "--db", dbp, "--lang", "en"], env=EXTRACTOR)
    assert first.exit_code == 0, first.output
    assert first.stderr == f"figtrace: {dbp}: 3 documents added, 0 already stored, 15 claims, 0 skipped, 0 failures\n"
    again = runner.invoke(main, ["ingest", *paths, "--db", dbp, "--lang", "en"], env=EXTRACTOR)
    assert "0 documents added, 3 already stored, 0 claims" in again.stderr
    quiet = runner.invoke(main, ["ingest", *paths, "--db", dbp, "--quiet", "--lang", "en"], env=EXTRACTOR)
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_ingest_failure_exits_1_and_names_the_input(runner, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(next(synthetic_documents(1)).text, encoding="utf-8")
    missing = str(tmp_path / "missing.txt")
    result = runner.invoke(main, ["ingest", str(good), missing, "--db", str(tmp_path / "x.db"), "--lang", "en"],
                           env=EXTRACTOR)
    assert result.exit_code == 1
    assert "missing.txt" in result.stderr.splitlines()[0]
    assert "1 documents added, 0 already stored, 5 claims, 0 skipped, 1 failures" in result.stderr


def test_ingest_shows_progress_only_on_a_terminal(runner, tmp_path, monkeypatch):
    paths = synthetic_files(tmp_path, 3)
    piped = runner.invoke(main, ["ingest", *paths, "--db", str(tmp_path / "x.db"), "--lang", "en"], env=EXTRACTOR)
    assert piped.exit_code == 0
    assert "doc/s" not in piped.stderr  # piped or redirected: no bar in the log
    monkeypatch.setattr("figtrace.output.stderr_is_terminal", lambda: True)
    shown = runner.invoke(main, ["ingest", *paths, "--db", str(tmp_path / "y.db"), "--lang", "en"], env=EXTRACTOR)
    assert "ingest: " in shown.stderr and "doc/s" in shown.stderr


def test_ingest_rejects_a_bad_date(runner, tmp_path):
    result = runner.invoke(main, ["ingest", "x.txt", "--published", "yesterday", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "'yesterday' is not a date" in result.output


def test_claims_jsonl_has_spec_fields_first_plus_cluster(runner, db):
    result = runner.invoke(main, ["claims", "--db", db, "--format", "jsonl", "--actor", "North Korea",
                                  "--measure", "killed"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["figure"] for r in rows] == ["about 2,000", "2,000"]
    assert list(rows[0])[: len(SPEC_FIELDS)] == list(SPEC_FIELDS)
    assert rows[0]["cluster"] == rows[1]["cluster"]
    assert (rows[0]["outlet"], rows[0]["published"]) == ("Beta", "2025-09-02")


def test_claims_csv_table_and_parquet(runner, db, tmp_path):
    out = runner.invoke(main, ["claims", "--db", db, "--format", "csv", "--source", "UK Defence Intelligence"])
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["figure"], r["qualifier"]) for r in rows] == [("over 6,000", "more_than")]
    table = runner.invoke(main, ["claims", "--db", db, "--since", "2025-09"])
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "doc", "figure", "measure", "actor", "source", "as_of", "cluster"]
    assert len(lines) == 2 + 2
    pq = tmp_path / "c.parquet"
    assert runner.invoke(main, ["claims", "--db", db, "--format", "parquet", "-o", str(pq)]).exit_code == 0
    import pyarrow.parquet as pqm

    assert pqm.read_table(pq).num_rows == 5


def test_claims_on_missing_ledger_says_so(runner, tmp_path):
    result = runner.invoke(main, ["claims", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.stderr.startswith("figtrace: no ledger at")


def test_timeline_jsonl_points(runner, db):
    result = runner.invoke(main, ["timeline", "--db", db, "--actor", "North Korea", "--measure", "deployed",
                                  "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(r)[: len(TIMELINE_KEYS)] for r in rows] == [TIMELINE_KEYS, TIMELINE_KEYS]
    assert [(r["value"], r["as_of"], r["latest"], r["docs"]) for r in rows] == [
        (11000, "2024-11", False, ["one.txt"]), (8000, "2025-04", True, ["two.txt"])]
    assert [(r["lane"], r["item"], r["scope"], r["group"]) for r in rows] == [("dated", None, None, None)] * 2


def test_timeline_table_prints_span(runner, db):
    result = runner.invoke(main, ["timeline", "--db", db, "--actor", "north korea", "--measure", "killed"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].startswith("span of the latest figures: 2,000  [South Korea NIS")
    assert "one.txt" not in result.stdout and "two.txt, three.txt" in result.stdout
    empty = runner.invoke(main, ["timeline", "--db", db, "--actor", "Mars", "--measure", "killed"])
    assert empty.exit_code == 0 and "no claims about 'Mars'" in empty.stderr


def test_conflicts_flagged_by_default_all_adds_explained(runner, db):
    flagged = runner.invoke(main, ["conflicts", "--db", db, "--format", "jsonl"])
    rows = [json.loads(line) for line in flagged.stdout.splitlines()]
    assert [(r["kind"], r["rule"], r["status"]) for r in rows] == [("contradiction", "running_total", "flagged")]
    assert list(rows[0])[:5] == ["rule", "status", "explanation", "clusters", "kind"]
    everything = runner.invoke(main, ["conflicts", "--db", db, "--format", "jsonl", "--all"])
    rows = [json.loads(line) for line in everything.stdout.splitlines()]
    assert [(r["status"], r["kind"], r["reason"]) for r in rows] == [("flagged", "contradiction", None),
                                                                    ("explained", "explained", "measure")]
    assert [r["explanation"] for r in rows] == _stored_explanations(db)  # each with its whole explanation


def _stored_explanations(db: str) -> list[str]:
    with Ledger(db, readonly=True) as led:
        return [f.explanation for f in led.conflicts()]  # contradictions first, as the command lists them


def test_conflicts_kind_option(runner, db):
    only = runner.invoke(main, ["conflicts", "--db", db, "--kind", "explained", "--format", "jsonl"])
    assert only.exit_code == 0, only.output
    assert {json.loads(line)["kind"] for line in only.stdout.splitlines()} == {"explained"}
    none = runner.invoke(main, ["conflicts", "--db", db, "--kind", "disagreement", "--format", "jsonl"])
    assert none.exit_code == 0 and none.stdout == ""
    bad = runner.invoke(main, ["conflicts", "--db", db, "--kind", "alarm"])
    assert bad.exit_code == 2 and "alarm" in bad.output


def test_conflicts_factor_option(runner, db):
    # 6,000+ vs 2,000 is 3×: above factor 4 it is no longer an apparent conflict worth listing
    wide = runner.invoke(main, ["conflicts", "--db", db, "--all", "--factor", "4", "--format", "jsonl"])
    assert [json.loads(line)["status"] for line in wide.stdout.splitlines()] == ["flagged"]
    bad = runner.invoke(main, ["conflicts", "--db", db, "--factor", "1"])
    assert bad.exit_code == 2 and "not greater than 1" in bad.output


def test_sources_table(runner, db):
    result = runner.invoke(main, ["sources", "--db", db, "--format", "csv"])
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["South Korea NIS"]["n_claims"] == "4"
    assert rows["UK Defence Intelligence"]["n_documents"] == "1"


def test_ingest_lang_and_published_reach_the_stored_document(runner, tmp_path):
    p = tmp_path / "plain.txt"
    p.write_text(next(synthetic_documents(1)).text, encoding="utf-8")
    dbp = tmp_path / "x.db"
    result = runner.invoke(main, ["ingest", str(p), "--db", str(dbp), "--lang", "de", "--published", "2025-03-01"],
                           env=EXTRACTOR)
    assert result.exit_code == 0, result.output
    with Ledger(dbp, readonly=True) as led:
        [d] = led.documents()
        assert (d["lang"], d["published"]) == ("de", "2025-03-01")
        assert {c["published"] for c in led.claims()} == {"2025-03-01"}


@pytest.fixture
def local_server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1 for the duration of one test."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_ingest_allow_private_reaches_the_fetcher(runner, tmp_path, local_server):
    root, base = local_server
    paragraphs = "".join(f"<p>{line}</p>" for line in next(synthetic_documents(1)).text.splitlines())
    (root / "story.html").write_text(f"<html><head><title>Story</title></head><body><article>{paragraphs}"
                                     f"</article></body></html>", encoding="utf-8")
    url = f"{base}/story.html"
    dbp = str(tmp_path / "x.db")
    refused = runner.invoke(main, ["ingest", url, "--db", dbp, "--lang", "en"], env=EXTRACTOR)
    assert refused.exit_code == 1 and url in refused.stderr
    allowed = runner.invoke(main, ["ingest", url, "--db", dbp, "--lang", "en", "--allow-private"], env=EXTRACTOR)
    assert allowed.exit_code == 0, allowed.stderr
    assert "1 documents added" in allowed.stderr
    with Ledger(dbp, readonly=True) as led:
        assert led.documents()[0]["url"] == url


def test_conflicts_table_shows_whole_explanations(runner, db, tmp_path):
    result = runner.invoke(main, ["conflicts", "--db", db, "--all"])
    blocks = result.stdout.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        "CONTRADICTION  running_total  (North Korea)", "EXPLAINED  measure_hierarchy  (North Korea)"]
    for block, text in zip(blocks, _stored_explanations(db), strict=True):
        assert " ".join(text.split()) in " ".join(block.split())  # wrapped, never cut
    assert blocks[0].splitlines()[-1].startswith("  claims: ")
    out = tmp_path / "c.txt"
    runner.invoke(main, ["conflicts", "--db", db, "-o", str(out)])
    assert out.read_text(encoding="utf-8").startswith("CONTRADICTION  running_total")

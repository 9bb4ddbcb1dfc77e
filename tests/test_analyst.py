"""The analyst's daily work on the command line: shared filters, documents, reviews, nothing silent."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import synthetic_files

from figtrace.cli import main
from figtrace.errors import InputError
from figtrace.model import Document, Segment
from figtrace.store import Ledger
from figtrace.store.filters import FILTER_NAMES, Filters
from figtrace.store.synth import make_claim, synthetic_documents

EXTRACTOR = {"FIGTRACE_EXTRACTOR": "figtrace.store.synth:synthetic_extractor"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    """Three articles of three outlets: NIS and UK figures on North Korea, one Ukrainian figure on Russia."""
    path = tmp_path / "l.db"
    with Ledger(path) as led:
        led.add_document(Document(text="First sample article.", name="one.txt", outlet="Alpha",
                                  published="2025-03-01", lang="en", url="https://alpha.example/one"), [
            make_claim("one.txt", value=300, as_of="2025-01", figure="300", quote="NIS said 300 died."),
            make_claim("one.txt", value=6000, qualifier="more_than", measure="killed_or_wounded",
                       source="UK Defence Intelligence", as_of="2025-03", figure="over 6,000"),
        ])
        led.add_document(Document(text="Zweiter Artikel.", name="two.txt", outlet="Beta", published="2025-09-02",
                                  lang="de"), [
            make_claim("two.txt", value=2000, qualifier="approx", as_of="2025-09", figure="rund 2000",
                       quote="Rund 2000 Soldaten seien getötet worden."),
            make_claim("two.txt", value=900, actor="Russia", source="Ukrainian General Staff", as_of="2025-09-01",
                       figure="900"),
        ])
        led.add_document(Document(text="Third sample article.", name="three.txt", outlet="Gamma",
                                  published="2025-09-03", lang="en"),
                         [make_claim("three.txt", value=2000, as_of="2025-09-02", figure="2,000")])
    return str(path)


def _jsonl(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- 1. filters everywhere -------------------------------------------------------


def test_actor_aliases_resolve_on_every_view(runner, db):
    """`--actor Nordkorea` is `North Korea`: the knowledge base's aliases in any language."""
    assert Filters(actor="Nordkorea", source="NIS").resolved().actor == "North Korea"
    for args in (["timeline", "--measure", "killed"], ["claims"], ["sources"], ["conflicts", "--all"],
                 ["documents"]):
        by_alias = runner.invoke(main, [*args, "--db", db, "--actor", "Nordkorea", "--format", "jsonl"])
        by_name = runner.invoke(main, [*args, "--db", db, "--actor", "North Korea", "--format", "jsonl"])
        assert by_alias.exit_code == 0, (args, by_alias.output)
        assert by_alias.stdout == by_name.stdout, args
        assert by_alias.stdout, args


def test_every_listing_takes_every_filter(runner):
    for name in ("claims", "timeline", "conflicts", "sources", "report", "documents"):
        opts = {p.name for p in main.all_commands()[name].params}
        assert set(FILTER_NAMES) <= opts, (name, set(FILTER_NAMES) - opts)


def test_timeline_narrowed_by_source_date_outlet_and_doc(runner, db):
    base = ["timeline", "--db", db, "--actor", "North Korea", "--measure", "killed", "--format", "jsonl"]
    assert [p["value"] for p in _jsonl(runner.invoke(main, base))] == [300, 2000]
    assert [p["value"] for p in _jsonl(runner.invoke(main, [*base, "--since", "2025-06"]))] == [2000]
    assert _jsonl(runner.invoke(main, [*base, "--until", "2025-02"]))[0]["value"] == 300
    assert [p["docs"] for p in _jsonl(runner.invoke(main, [*base, "--outlet", "gamma"]))] == [["three.txt"]]
    assert [p["docs"] for p in _jsonl(runner.invoke(main, [*base, "--doc", "one.txt"]))] == [["one.txt"]]
    assert _jsonl(runner.invoke(main, [*base, "--lang", "de"]))[0]["docs"] == ["two.txt"]
    none = runner.invoke(main, [*base, "--source", "UN"])
    assert none.exit_code == 0 and "no claims about 'North Korea'" in none.stderr and "source=UN" in none.stderr


def test_sources_and_conflicts_follow_the_filters(runner, db):
    rows = _jsonl(runner.invoke(main, ["sources", "--db", db, "--format", "jsonl", "--outlet", "Beta"]))
    assert {r["name"]: r["n_claims"] for r in rows} == {"South Korea NIS": 1, "Ukrainian General Staff": 1}
    everything = _jsonl(runner.invoke(main, ["conflicts", "--db", db, "--all", "--format", "jsonl"]))
    assert everything
    assert _jsonl(runner.invoke(main, ["conflicts", "--db", db, "--all", "--format", "jsonl", "--doc",
                                       "one.txt"])) == everything  # the finding is between one.txt's claims
    assert _jsonl(runner.invoke(main, ["conflicts", "--db", db, "--all", "--format", "jsonl", "--doc",
                                       "two.txt"])) == []


def test_claims_search_and_doc_by_url(runner, db):
    rows = _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl", "-s", "Soldaten"]))
    assert [r["figure"] for r in rows] == ["rund 2000"]
    rows = _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl", "--doc",
                                       "https://alpha.example/one"]))
    assert {r["doc"] for r in rows} == {"one.txt"}


def test_a_bad_date_is_refused_by_name(runner, db):
    result = runner.invoke(main, ["sources", "--db", db, "--since", "June"])
    assert result.exit_code == 2 and "since 'June' is not a date" in result.output


def test_report_takes_the_filters(runner, db, tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", "--db", db, "-o", str(out), "--actor", "Nordkorea", "--outlet", "Beta"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "rund 2000" in html and "over 6,000" not in html and "Ukrainian General Staff" not in html
    assert "report: " not in result.stderr  # no progress bar when not on a terminal


# -- 2. documents --------------------------------------------------------------------


def test_documents_lists_each_document_with_date_origin_and_claims(runner, db):
    rows = _jsonl(runner.invoke(main, ["documents", "--db", db, "--format", "jsonl"]))
    assert [r["name"] for r in rows] == ["three.txt", "two.txt", "one.txt"]
    one = rows[-1]
    assert (one["url"], one["outlet"], one["lang"], one["published"], one["n_claims"], one["version"],
            one["status"]) == ("https://alpha.example/one", "Alpha", "en", "2025-03-01", 2, 1, "read")
    assert _jsonl(runner.invoke(main, ["documents", "--db", db, "--format", "jsonl", "--outlet", "beta"]))[0][
        "name"] == "two.txt"
    by_source = _jsonl(runner.invoke(main, ["documents", "--db", db, "--format", "jsonl", "--source",
                                            "Ukrainian General Staff"]))
    assert [r["name"] for r in by_source] == ["two.txt"]
    none = runner.invoke(main, ["documents", "--db", db, "--status", "skipped"])
    assert none.exit_code == 0 and none.stderr == f"figtrace: no documents match status=skipped in {db}\n"
    table = runner.invoke(main, ["documents", "--db", db])
    assert table.stdout.splitlines()[0].split() == ["name", "outlet", "lang", "published", "published_from",
                                                    "n_claims", "version", "status", "reason"]


def test_ingest_names_and_records_skipped_inputs(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    doc = next(synthetic_documents(1))
    (folder / doc.name).write_text(doc.text, encoding="utf-8")
    (folder / "brief.pdf").write_bytes(b"%PDF-1.7 not really")
    (folder / "memo.docx").write_bytes(b"PK\x03\x04 a zip")
    (tmp_path / "scan").write_bytes(b"%PDF-1.4 a pdf without its extension")
    dbp = str(tmp_path / "x.db")
    result = runner.invoke(main, ["ingest", str(folder), str(tmp_path / "scan"), "--db", dbp, "--lang", "en"],
                           env=EXTRACTOR)
    assert result.exit_code == 0, result.output  # a skip is a warning, not a failure
    warnings = [line for line in result.stderr.splitlines() if line.startswith("figtrace: warning:")]
    assert len(warnings) == 3
    assert any("brief.pdf: unsupported type: .pdf files" in w for w in warnings)
    assert any("memo.docx: unsupported type: .docx files" in w for w in warnings)
    assert any("scan: unsupported type: a PDF file" in w for w in warnings)
    assert "1 documents added, 0 already stored, 5 claims, 3 skipped (3 unsupported type), 0 failures" in \
        result.stderr
    rows = _jsonl(runner.invoke(main, ["documents", "--db", dbp, "--format", "jsonl"]))
    assert [r["status"] for r in rows] == ["read", "skipped", "skipped", "skipped"]
    assert rows[1]["name"].endswith("brief.pdf") and "not read" in rows[1]["reason"]
    only = _jsonl(runner.invoke(main, ["documents", "--db", dbp, "--format", "jsonl", "--status", "skipped"]))
    assert len(only) == 3


def test_parallel_ingest_reports_the_same_skips(runner, tmp_path):
    folder = tmp_path / "in"
    synthetic_files(folder, 3)
    (folder / "brief.pdf").write_bytes(b"%PDF-1.7")
    result = runner.invoke(main, ["ingest", str(folder), "--db", str(tmp_path / "p.db"), "--lang", "en", "-j", "2"],
                           env=EXTRACTOR)
    assert result.exit_code == 0, result.output
    assert "3 documents added, 0 already stored, 15 claims, 1 skipped (1 unsupported type), 0 failures" in \
        result.stderr


def test_language_mismatch_is_a_named_warning(runner, tmp_path):
    english = tmp_path / "wire.txt"
    english.write_text("The ministry said on Tuesday that 40 soldiers were killed and another 12 were wounded "
                       "in the fighting near the border, according to officials in the region.\n", encoding="utf-8")
    result = runner.invoke(main, ["extract", str(english), "--lang", "de"])
    assert result.exit_code == 0
    assert "figtrace: warning: wire.txt: no claims: the text looks like 'en' but --lang de was given" in \
        result.stderr
    assert "1 documents, 0 claims, 1 skipped (1 language mismatch), 0 failures" in result.stderr
    ingest = runner.invoke(main, ["ingest", str(english), "--lang", "de", "--db", str(tmp_path / "x.db")])
    assert "1 skipped (1 language mismatch)" in ingest.stderr
    fine = runner.invoke(main, ["extract", str(english)])
    assert "warning" not in fine.stderr and fine.stdout


def test_no_text_after_cleaning_is_named():
    from figtrace.diagnose import nothing_reason

    doc = Document(text="Foto: Agentur\nMehr zum Thema\n", name="teaser.html", lang="de",
                   segments=[Segment(0, 13, "furniture", "credit"), Segment(14, 29, "furniture", "links")])
    reason = nothing_reason(doc)
    assert isinstance(reason, InputError) and reason.kind == "no_text" and reason.skipped
    assert "no text left after cleaning" in str(reason)
    assert nothing_reason(Document(text="Ein Artikel ohne Zahlen über das Wetter.", name="a.txt", lang="de")) is None


# -- 3. reviews ----------------------------------------------------------------------


def _claim_id(runner, db, figure: str) -> int:
    rows = _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl"]))
    return next(r["id"] for r in rows if r["figure"] == figure)


def test_review_corrects_rejects_and_lists(runner, db):
    nis = _claim_id(runner, db, "rund 2000")
    result = runner.invoke(main, ["review", str(nis), "--db", db, "--source", "Kyiv Independent",
                                  "--note", "the NIS is only quoted"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"claim {nis} (rund 2000, two.txt): corrected: source 'South Korea NIS' -> "
                             f"'Kyiv Independent'\n")
    uk = _claim_id(runner, db, "over 6,000")
    assert runner.invoke(main, ["review", str(uk), "--db", db, "--reject"]).stdout.endswith(": rejected\n")
    # the reviewed value wins everywhere, the machine's is kept
    row = next(r for r in _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl"]))
               if r["id"] == nis)
    assert (row["source"], row["machine_source"], row["reviewed"], row["review_note"]) == (
        "Kyiv Independent", "South Korea NIS", True, "the NIS is only quoted")
    assert uk not in {r["id"] for r in _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl"]))}
    tl = _jsonl(runner.invoke(main, ["timeline", "--db", db, "--actor", "North Korea", "--measure", "killed",
                                     "--format", "jsonl"]))
    assert {p["source"] for p in tl} == {"South Korea NIS", "Kyiv Independent"}
    assert {p["source"]: p["reviewed"] for p in tl} == {"South Korea NIS": False, "Kyiv Independent": True}
    assert "Kyiv Independent" in {r["name"] for r in _jsonl(runner.invoke(main, ["sources", "--db", db,
                                                                                 "--format", "jsonl"]))}
    with Ledger(db, readonly=True) as led:  # the paged total (from the overview counts) agrees
        assert led.count_claims() == len(led.claims()) == 4
    reviewed = _jsonl(runner.invoke(main, ["claims", "--db", db, "--reviewed", "--format", "jsonl"]))
    assert {(r["id"], r["rejected"]) for r in reviewed} == {(nis, False), (uk, True)}
    # the report shows the reviewed value with the machine's struck through
    report = runner.invoke(main, ["report", "--db", db, "-o", "-"])
    assert "South Korea NIS</del> Kyiv Independent" in report.stdout
    # withdrawn: the machine's values come back
    assert runner.invoke(main, ["review", str(nis), "--db", db, "--clear"]).exit_code == 0
    assert next(r for r in _jsonl(runner.invoke(main, ["claims", "--db", db, "--format", "jsonl"]))
                if r["id"] == nis)["source"] == "South Korea NIS"


def test_review_refuses_what_it_cannot_do(runner, db):
    assert "say what to change" in runner.invoke(main, ["review", "1", "--db", db]).output
    bad = runner.invoke(main, ["review", "1", "--db", db, "--measure", "dead"])
    assert bad.exit_code == 1 and "unknown measure 'dead'" in bad.stderr
    missing = runner.invoke(main, ["review", "999", "--db", db, "--confirm"])
    assert missing.exit_code == 1 and "no claim with id 999" in missing.stderr


def test_reviews_survive_reingest_and_new_versions(runner, tmp_path):
    """A review names its claim by document, quote and figure: a new version of the article keeps it."""
    dbp = tmp_path / "v.db"
    text = "Intro line.\nFIGURE 120 exact killed ACTOR=North Korea|SOURCE=NIS|ASOF=2025-01|\n"
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    env = EXTRACTOR
    assert runner.invoke(main, ["ingest", str(page), "--db", str(dbp), "--lang", "en"], env=env).exit_code == 0
    claim = _jsonl(runner.invoke(main, ["claims", "--db", str(dbp), "--format", "jsonl"]))[0]
    assert runner.invoke(main, ["review", str(claim["id"]), "--db", str(dbp), "--measure", "wounded"]).exit_code == 0
    again = runner.invoke(main, ["ingest", str(page), "--db", str(dbp), "--lang", "en"], env=env)
    assert "0 documents added, 1 already stored" in again.stderr
    assert _jsonl(runner.invoke(main, ["claims", "--db", str(dbp), "--format", "jsonl"]))[0]["measure"] == "wounded"
    # the same sentence in a changed article stored again: the review is applied to the new claim
    with Ledger(dbp) as led:
        from figtrace.store.synth import synthetic_extractor

        doc = Document(text="Updated intro.\n" + text.split("\n", 1)[1], name="page.txt", lang="en")
        led.add_document(doc, synthetic_extractor(doc))
        rows = led.claims(doc="page.txt")
    assert {r["measure"] for r in rows} == {"wounded"} and len(rows) == 2 and all(r["reviewed"] for r in rows)


def test_eval_of_a_reviewed_ledger_scores_the_machine(runner, db):
    nope = runner.invoke(main, ["eval", "--db", db])
    assert nope.exit_code == 1 and "has no reviewed claims" in nope.stderr
    nis = _claim_id(runner, db, "rund 2000")
    uk = _claim_id(runner, db, "over 6,000")
    ok = _claim_id(runner, db, "2,000")
    runner.invoke(main, ["review", str(nis), "--db", db, "--source", "Kyiv Independent"])
    runner.invoke(main, ["review", str(uk), "--db", db, "--reject"])
    runner.invoke(main, ["review", str(ok), "--db", db, "--confirm"])
    runner.invoke(main, ["review", str(_claim_id(runner, db, "300")), "--db", db, "--confirm"])
    result = runner.invoke(main, ["eval", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    levels = json.loads(result.stdout)
    # 4 reviewed: 1 rejected (a false positive beside a kept claim of its article), 1 with the wrong source
    assert (levels["found"]["tp"], levels["found"]["gold"], levels["found"]["pred"]) == (3, 3, 4)
    assert levels["typed"]["tp"] == 3 and levels["attributed"]["tp"] == 2
    assert "scoring the machine against 4 reviewed claims (1 rejected)" in result.stderr


def test_furniture_only_text_is_a_named_skip(runner, tmp_path):
    teaser = tmp_path / "teaser.txt"
    teaser.write_text("Foto: Agentur XY\nMehr zum Thema\n", encoding="utf-8")
    result = runner.invoke(main, ["ingest", str(teaser), "--lang", "de", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 0, result.output
    assert "figtrace: warning: teaser.txt: no text left after cleaning" in result.stderr
    assert "1 skipped (1 no text after cleaning)" in result.stderr
    rows = _jsonl(runner.invoke(main, ["documents", "--db", str(tmp_path / "t.db"), "--format", "jsonl"]))
    assert [(r["name"], r["status"]) for r in rows] == [("teaser.txt", "read, no claims")]
    assert rows[0]["reason"].startswith("no text left after cleaning")


def test_report_progress_bar_only_on_a_terminal(runner, db, tmp_path, monkeypatch):
    quiet = runner.invoke(main, ["report", "--db", db, "-o", str(tmp_path / "a.html")])
    assert "chart/s" not in quiet.stderr
    monkeypatch.setattr("figtrace.output.stderr_is_terminal", lambda: True)
    shown = runner.invoke(main, ["report", "--db", db, "-o", str(tmp_path / "b.html")])
    assert shown.exit_code == 0 and "report: " in shown.stderr and "chart" in shown.stderr


def test_timeline_and_conflicts_export_as_csv_and_parquet(runner, db, tmp_path):
    import csv
    import io

    import pyarrow.parquet as pq

    tl = runner.invoke(main, ["timeline", "--db", db, "--actor", "North Korea", "--measure", "killed",
                              "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(tl.stdout)))
    assert [r["value"] for r in rows] == ["300", "2000"] and "reviewed" in rows[0]
    for args in (["timeline", "--actor", "Nordkorea", "--measure", "killed"], ["conflicts", "--all"]):
        out = tmp_path / f"{args[0]}.parquet"
        result = runner.invoke(main, [*args, "--db", db, "--format", "parquet", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert pq.read_table(out).num_rows >= 1, args
    need_file = runner.invoke(main, ["conflicts", "--db", db, "--format", "parquet"])
    assert need_file.exit_code == 2 and "--format parquet needs --output FILE" in need_file.output


def test_the_reason_survives_the_shards_of_the_dask_road(tmp_path):
    """Dask results travel as Parquet shards; an empty document's reason is read again on loading."""
    from figtrace.pipeline import Options, process
    from figtrace.scale.shards import iter_shards, write_shard

    text = ("The ministry said on Tuesday that 40 soldiers were killed and another 12 were wounded in the "
            "fighting near the border, according to officials in the region.\n")
    result = process(Document(text=text, name="wire.txt"), Options(lang="de"))
    assert result.claims == [] and result.empty_reason is not None and result.empty_reason.kind == "language"
    write_shard(0, [result], tmp_path)
    (loaded,) = list(iter_shards(tmp_path))
    assert loaded.empty_reason == result.empty_reason


def test_extract_progress_bar_only_on_a_terminal(runner, tmp_path, monkeypatch):
    doc = next(synthetic_documents(1))
    path = tmp_path / doc.name
    path.write_text(doc.text, encoding="utf-8")
    piped = runner.invoke(main, ["extract", str(path), "--lang", "en"], env=EXTRACTOR)
    assert piped.exit_code == 0 and piped.stderr == ""
    monkeypatch.setattr("figtrace.output.stderr_is_terminal", lambda: True)
    shown = runner.invoke(main, ["extract", str(path), "--lang", "en"], env=EXTRACTOR)
    assert "extract: " in shown.stderr and "doc/s" in shown.stderr
    n = len(piped.stdout.splitlines())
    assert f"figtrace: 1 documents, {n} claims, 0 skipped, 0 failures" in shown.stderr and n > 0

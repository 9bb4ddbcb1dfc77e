"""Honest publication dates: from metadata at its precision, a manifest, the --published fallback,
or a guess from the body, and always marked with where they came from (``published_from``).

The sentences are written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import figtrace
from figtrace.cli import main
from figtrace.errors import InputError
from figtrace.ingest import iter_documents
from figtrace.ingest.html import meta_date
from figtrace.ingest.manifest import ManifestError, load_manifest
from figtrace.model import Document
from figtrace.pipeline import Options, prepare, process
from figtrace.scale import ingest
from figtrace.store import Ledger

DE = "Die Armee meldete am Dienstag, dass 40 Soldaten getötet worden seien.\n"
#: A text whose body names its own date: a timestamp line under the title.
STAMPED = "Neue Kämpfe im Osten\n16.06.2025, 14:49\nLaut Armee wurden 12 Soldaten verwundet.\n"
PAGE = """<!doctype html><html lang="en"><head><title>Front line update</title>
<meta property="article:published_time" content="{date}"></head><body><article><h1>Front line update</h1>
<p>Officials said on Monday that at least 120 soldiers had been wounded near the river crossing over the
past week, and that the shelling of the town had not stopped since the weekend began.</p></article></body></html>
"""


def _read(path: Path) -> Document:
    [doc] = list(iter_documents([str(path)]))
    assert isinstance(doc, Document), doc
    return doc


def _extract(*args: str) -> list[dict]:
    r = CliRunner().invoke(main, ["extract", *args], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


# -- metadata at its precision ------------------------------------------------------------

@pytest.mark.parametrize("date", ["2025", "2025-08", "2025-08-14"])
def test_json_lines_published_keeps_its_precision(tmp_path: Path, date: str) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": DE, "published": date}) + "\n", encoding="utf-8")
    doc = prepare(_read(path))
    assert (doc.published, doc.published_from, doc.published_inferred) == (date, "metadata", False)


def test_html_meta_keeps_its_precision(tmp_path: Path) -> None:
    assert meta_date(PAGE.format(date="2025-08")) == "2025-08"
    assert meta_date(PAGE.format(date="2025-08-14T09:30:00+02:00")) == "2025-08-14"
    assert meta_date(PAGE.format(date="next week")) is None
    path = tmp_path / "page.html"
    path.write_text(PAGE.format(date="2025-08"), encoding="utf-8")
    doc = _read(path)
    assert (doc.published, doc.published_from, doc.meta["published_source"]) == ("2025-08", "metadata", "html")


def test_a_feed_date_in_iso_form_keeps_its_precision(tmp_path: Path) -> None:
    feed = tmp_path / "news.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>Wire</title><item><title>Update</title><dc:date>2025-08</dc:date>"
        "<description>&lt;p&gt;Officials said that at least 120 soldiers had been wounded near the river "
        "crossing over the past week, and the shelling of the town had not stopped.&lt;/p&gt;</description>"
        "</item></channel></rss>", encoding="utf-8")
    doc = _read(feed)
    assert (doc.published, doc.published_from, doc.meta["published_source"]) == ("2025-08", "metadata", "feed")


# -- the order: manifest, metadata, option, body -----------------------------------------

def test_published_option_is_a_fallback_not_an_override(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": DE, "published": "2025-08"}) + "\n"
                    + json.dumps({"id": "b", "text": DE}) + "\n", encoding="utf-8")
    a, b = (prepare(d, Options(published="2024-01-02")) for d in iter_documents([str(path)]))
    assert (a.published, a.published_from) == ("2025-08", "metadata")
    assert (b.published, b.published_from) == ("2024-01-02", "option")


def test_a_date_from_the_body_is_marked_as_such() -> None:
    doc = prepare(Document(STAMPED, "s.txt"))
    assert (doc.published, doc.published_from) == ("2025-06-16", "body")
    optioned = prepare(Document(STAMPED, "s.txt"), Options(published="2025-06-20"))
    assert (optioned.published, optioned.published_from) == ("2025-06-20", "option")  # the user's date beats a guess
    undated = prepare(Document(DE, "u.txt"))
    assert (undated.published, undated.published_from) == (None, None)
    assert any("no publication date" in w for w in process(Document(DE, "u.txt")).warnings)


def test_claims_carry_where_their_date_came_from() -> None:
    claims = process(Document(STAMPED, "s.txt", lang="de")).claims
    assert claims and {c.published_from for c in claims} == {"body"}
    assert {c.to_dict()["published_from"] for c in claims} == {"body"}


# -- the manifest ---------------------------------------------------------------------------

def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(DE, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(DE + "Weitere 7 Soldaten wurden verwundet.\n", encoding="utf-8")
    (root / "c.txt").write_text(STAMPED, encoding="utf-8")
    return root


@pytest.mark.parametrize(("name", "sep"), [("sources.csv", ","), ("sources.tsv", "\t"), ("list.txt", "\t")])
def test_manifest_gives_dates_and_outlets(tmp_path: Path, name: str, sep: str) -> None:
    root = _folder(tmp_path)
    rows = [["file", "published", "outlet", "note"], ["a.txt", "2025-08", "Example Wire", "x"],
            ["sub/b.txt", "2025-08-14", "", ""], ["c.txt", "2025", "", ""]]
    manifest = root / name
    manifest.write_text("".join(sep.join(r) + "\n" for r in rows), encoding="utf-8")
    options = Options(manifest=load_manifest(manifest))
    docs = {d.name: prepare(d, options) for d in iter_documents([str(root / "a.txt"), str(root / "sub"),
                                                                  str(root / "c.txt")])}
    assert (docs["a.txt"].published, docs["a.txt"].published_from, docs["a.txt"].outlet) == (
        "2025-08", "manifest", "Example Wire")
    assert (docs["b.txt"].published, docs["b.txt"].published_from) == ("2025-08-14", "manifest")
    assert (docs["c.txt"].published, docs["c.txt"].published_from) == ("2025", "manifest")  # not the body's day


def test_manifest_by_url_and_by_record_name(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,published\nhttps://example.org/a,2025-03\nrec-2,2025-04-01\n", encoding="utf-8")
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "rec-1", "text": DE, "url": "https://example.org/a"}) + "\n"
                    + json.dumps({"id": "rec-2", "text": DE, "published": "2025-01"}) + "\n", encoding="utf-8")
    options = Options(manifest=load_manifest(manifest))
    one, two = (prepare(d, options) for d in iter_documents([str(path)]))
    assert (one.published, one.published_from) == ("2025-03", "manifest")
    assert (two.published, two.published_from) == ("2025-04-01", "manifest")


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("name,published\na.txt,2025\n", "neither a 'file' nor a 'url' column"),
    ("file,title\na.txt,x\n", "neither a 'published' nor an 'outlet' column"),
    ("file,published\na.txt,Aug 2025\n", "m.csv:2: published 'Aug 2025' is not a date"),
    ("file,published\n,2025-08\n", "m.csv:2: the row names neither a file nor a URL"),
])
def test_a_bad_manifest_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(tmp_path / "m.csv")
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "missing.csv")


# -- the command line and the ledger ----------------------------------------------------------

def test_cli_manifest_and_month_published(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / "sources.csv").write_text("file,published,outlet\na.txt,2025-08,Example Wire\n", encoding="utf-8")
    rows = _extract(str(root / "a.txt"), str(root / "sub"), "--manifest", str(root / "sources.csv"),
                    "--published", "2025-07")
    by_doc = {r["doc"]: r for r in rows}
    assert (by_doc["a.txt"]["published"], by_doc["a.txt"]["published_from"], by_doc["a.txt"]["outlet"]) == (
        "2025-08", "manifest", "Example Wire")
    assert (by_doc["b.txt"]["published"], by_doc["b.txt"]["published_from"]) == ("2025-07", "option")


@pytest.mark.parametrize(("args", "message"), [
    (["--manifest", "missing.csv"], "no such manifest"),
    (["--published", "2025-8"], "'2025-8' is not a date like 2025, 2025-08 or 2025-08-14"),
])
def test_cli_refuses_a_bad_manifest_or_date(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "a.txt").write_text(DE, encoding="utf-8")
    r = CliRunner().invoke(main, ["extract", str(tmp_path / "a.txt"), *args])
    assert r.exit_code == 2 and message in r.stderr and r.stdout == ""


def test_ledger_keeps_where_each_date_came_from(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    with Ledger(tmp_path / "l.db") as ledger:
        summary = ingest(ledger, [str(root)], Options(published="2025-07"))
        assert summary.documents_added == 3
        docs = {d["name"]: d for d in (ledger.document(n) for n in ("a.txt", "b.txt", "c.txt")) if d}
        assert {n: (d["published"], d["published_from"]) for n, d in docs.items()} == {
            "a.txt": ("2025-07", "option"), "b.txt": ("2025-07", "option"), "c.txt": ("2025-07", "option")}
        assert {c["published_from"] for c in ledger.claims()} == {"option"}
    r = CliRunner().invoke(main, ["ingest", str(root), "--db", str(tmp_path / "m.db"), "-q",
                                  "--manifest", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2 and "no such manifest" in r.stderr


def test_reading_a_whole_input_leaves_no_clock_running_for_the_next_document(tmp_path: Path) -> None:
    """A document processed after a finished read is charged only its own time (no stale reading clock)."""
    from figtrace.limits import Stopwatch

    path = tmp_path / "a.txt"
    path.write_text(DE, encoding="utf-8")
    assert len(list(iter_documents([str(path)]))) == 1
    assert Stopwatch.elapsed() == 0.0


def test_manifest_columns_date_language_and_the_url_a_file_came_from(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / "m.tsv").write_text("file\turl\tlanguage\tdate\na.txt\thttps://www.example.org/x\tDE\t2025-08\n",
                                encoding="utf-8")
    doc = prepare(_read(root / "a.txt"), Options(manifest=load_manifest(root / "m.tsv")))
    assert (doc.published, doc.published_from, doc.lang, doc.url) == (
        "2025-08", "manifest", "de", "https://www.example.org/x")
    assert doc.outlet == "example.org"  # from the URL, as for a page fetched there


def test_an_abandoned_or_failed_read_leaves_no_clock_running(tmp_path: Path) -> None:
    """The next document processed in this thread is charged only its own time (the per-document budget)."""
    from figtrace.limits import Stopwatch

    (tmp_path / "a.txt").write_text(DE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(DE + "Weitere 7 Soldaten wurden verwundet.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    reading = iter_documents([str(tmp_path)])
    assert isinstance(next(reading), Document)
    reading.close()  # the consumer stops after one document
    assert Stopwatch.elapsed() == 0.0
    assert isinstance(list(iter_documents([str(tmp_path / "empty.txt")]))[-1], InputError)
    assert Stopwatch.elapsed() == 0.0


def test_a_stale_clock_is_not_charged_to_a_document_built_in_memory() -> None:
    from figtrace.limits import Stopwatch
    from figtrace.pipeline import Result, run_documents

    Stopwatch.start()
    Stopwatch._local.started -= 3600  # a read an hour ago that nobody finished
    out = list(run_documents([Document(DE, "d.txt", lang="de")], Options(budget=30)))
    assert isinstance(out[0], Result) and out[0].claims


def test_a_year_and_month_in_iso_form_is_a_month_not_a_span_of_years() -> None:
    from figtrace.lang.dates import find_dates

    found = [(m.iso, m.precision) for m in find_dates(" date 2025-06 Am Morgen …, in 2014-15 und 2019-2020", ("de",))]
    assert found == [("2025-06", "month")]


def test_a_date_guessed_from_the_body_keeps_its_precision() -> None:
    claims = figtrace.extract(" date 2025-06 Bei Angriffen wurden 40 Menschen getötet.", lang="de")
    assert claims[0].as_of == "2025-06"

"""``figtrace extract``: formats, options, stdin, and one bad input among good ones.

Through click's CliRunner (fast, in process) and once as a real subprocess
of the installed ``figtrace`` script. The articles are written for these
tests; what is checked is the contract (fields, offsets, exit status,
messages), not how good extraction is.
"""

from __future__ import annotations

import csv
import http.server
import importlib
import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from figtrace.cli import CLAIM_TABLE_FIELDS, main
from figtrace.model import SPEC_FIELDS, Document

GERMAN = (
    "Verluste in Kursk\n"
    "Laut UN wurden mindestens 50 Menschen getötet.\n"
    "Nordkorea hat im Herbst 2024 rund 11.000 Soldaten nach Russland entsandt. "
    "Am Dienstag wurden 40 nordkoreanische Soldaten verwundet.\n"
)
ENGLISH = (
    "Losses near Kursk\n"
    "According to the UN, at least 50 people were killed.\n"
    "North Korea has deployed some 11,000 troops to Russia. On Tuesday 40 North Korean soldiers were wounded.\n"
)
EXTRAS = ("start", "end", "quote_start", "quote_end", "lang", "why", "rules")


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, ["extract", *args], input=input, catch_exceptions=False)


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    return tmp_path


# -- jsonl -------------------------------------------------------------------------

def test_jsonl_has_the_spec_fields_first_then_extras(articles: Path) -> None:
    r = run(str(articles / "de.txt"), "--format", "jsonl", "--published", "2025-06-17")
    assert r.exit_code == 0, r.stderr
    rows = jsonl(r.stdout)
    assert rows
    for row in rows:
        assert tuple(row)[: len(SPEC_FIELDS)] == SPEC_FIELDS
        assert set(EXTRAS) <= set(row)
        assert row["doc"] == "de.txt"
        assert GERMAN[row["start"]:row["end"]] == row["figure"]
        assert GERMAN[row["quote_start"]:row["quote_end"]] == row["quote"]


def test_jsonl_is_the_default_format(articles: Path) -> None:
    a = run(str(articles / "de.txt"))
    b = run(str(articles / "de.txt"), "--format", "jsonl")
    assert a.stdout == b.stdout and jsonl(a.stdout)


def test_spec_only_emits_exactly_the_spec_fields(articles: Path) -> None:
    r = run(str(articles / "en.txt"), "--spec-only")
    rows = jsonl(r.stdout)
    assert rows
    assert all(tuple(row) == SPEC_FIELDS for row in rows)


def test_numbers_are_json_numbers_and_whole_ones_integers(articles: Path) -> None:
    rows = jsonl(run(str(articles / "de.txt"), "--spec-only").stdout)
    by_figure = {r["figure"]: r for r in rows}
    eleven = by_figure["rund 11.000"]
    assert eleven["value"] == 11000 and isinstance(eleven["value"], int)
    assert eleven["qualifier"] == "approx"
    fifty = by_figure["mindestens 50"]
    assert (fifty["low"], fifty["high"]) == (50, None)


def test_doc_is_the_files_basename(articles: Path) -> None:
    sub = articles / "a" / "b"
    sub.mkdir(parents=True)
    shutil.copy(articles / "de.txt", sub / "kursk.txt")
    rows = jsonl(run(str(sub / "kursk.txt"), "--spec-only").stdout)
    assert rows and {r["doc"] for r in rows} == {"kursk.txt"}


# -- options -----------------------------------------------------------------------

def test_published_anchors_relative_dates(articles: Path) -> None:
    path = str(articles / "de.txt")

    def as_of(published: str) -> dict[str, str | None]:
        return {r["figure"]: r["as_of"] for r in jsonl(run(path, "--spec-only", "--published", published).stdout)}

    june, september = as_of("2025-06-19"), as_of("2025-09-04")
    assert june["40"] == "2025-06-17"  # the Tuesday before publication
    assert september["40"] == "2025-09-02"
    assert june["rund 11.000"] == september["rund 11.000"] == "2024-09..2024-11"
    assert september["mindestens 50"] == "2025-09-04"
    rows = jsonl(run(path, "--published", "2025-09-04").stdout)
    assert {r["published"] for r in rows} == {"2025-09-04"}


@pytest.mark.parametrize("bad", ["2025-13-45", "yesterday", "16.06.2025", ""])
def test_a_bad_published_date_is_a_usage_error(articles: Path, bad: str) -> None:
    r = run(str(articles / "de.txt"), "--published", bad)
    assert r.exit_code == 2
    assert "--published" in r.stderr and repr(bad) in r.stderr
    assert r.stdout == ""


def test_an_engine_failure_on_one_document_is_one_line_not_a_traceback(
    articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = importlib.import_module("figtrace.extract")
    real = engine.extract_document

    def flaky(doc: Document) -> list:
        if doc.name == "de.txt":
            raise RuntimeError("boom")
        return real(doc)

    monkeypatch.setattr(engine, "extract_document", flaky)
    r = run(str(articles / "de.txt"), str(articles / "en.txt"))
    assert r.exit_code == 1
    err = r.stderr.splitlines()
    assert len(err) == 1 and "de.txt" in err[0] and "boom" in err[0]
    assert {row["doc"] for row in jsonl(r.stdout)} == {"en.txt"}


def test_lang_is_detected_or_forced(articles: Path) -> None:
    de = jsonl(run(str(articles / "de.txt")).stdout)
    en = jsonl(run(str(articles / "en.txt")).stdout)
    assert {r["lang"] for r in de} == {"de"}
    assert {r["lang"] for r in en} == {"en"}
    forced = jsonl(run(str(articles / "de.txt"), "--lang", "de").stdout)
    assert [r["figure"] for r in forced] == [r["figure"] for r in de]


def test_forcing_the_wrong_language_changes_how_numbers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("At least 1.500 soldiers were killed.\n", encoding="utf-8")
    as_en = jsonl(run(str(path), "--lang", "en").stdout)
    assert [r["value"] for r in as_en] == [1.5]
    assert all(r["lang"] == "en" for r in as_en)
    as_de = jsonl(run(str(path), "--lang", "de").stdout)
    assert all(r["lang"] == "de" and r["value"] != 1.5 for r in as_de)


def test_an_unknown_lang_is_a_usage_error_naming_the_languages(articles: Path) -> None:
    r = run(str(articles / "de.txt"), "--lang", "xx")
    assert r.exit_code == 2
    assert "'xx'" in r.stderr and "lexicons for de, en" in r.stderr


def test_output_to_a_file(articles: Path, tmp_path: Path) -> None:
    out = tmp_path / "claims.jsonl"
    r = run(str(articles / "de.txt"), "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert jsonl(out.read_text(encoding="utf-8")) == jsonl(run(str(articles / "de.txt")).stdout)


# -- csv and table -----------------------------------------------------------------

def test_csv_matches_jsonl(articles: Path) -> None:
    path = str(articles / "en.txt")
    rows = jsonl(run(path, "--spec-only").stdout)
    r = run(path, "--spec-only", "--format", "csv")
    assert r.exit_code == 0
    reader = csv.DictReader(io.StringIO(r.stdout))
    assert tuple(reader.fieldnames or ()) == SPEC_FIELDS
    got = list(reader)
    assert len(got) == len(rows)
    for c, j in zip(got, rows, strict=True):
        assert c["figure"] == j["figure"] and c["quote"] == j["quote"]
        assert float(c["value"]) == j["value"]
        assert c["high"] == ("" if j["high"] is None else str(j["high"]))


def test_csv_without_spec_only_keeps_the_extras(articles: Path) -> None:
    r = run(str(articles / "de.txt"), "--format", "csv")
    header = next(csv.reader(io.StringIO(r.stdout)))
    assert tuple(header[: len(SPEC_FIELDS)]) == SPEC_FIELDS
    assert set(EXTRAS) <= set(header)


def test_table_shows_one_line_per_claim(articles: Path) -> None:
    path = str(articles / "de.txt")
    n = len(jsonl(run(path).stdout))
    r = run(path, "--format", "table")
    lines = r.stdout.splitlines()
    assert lines[0].split() == list(CLAIM_TABLE_FIELDS)
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert len(lines) == 2 + n
    assert any("mindestens 50" in line for line in lines[2:])


# -- stdin, folders and bad inputs -------------------------------------------------------

def test_dash_reads_stdin() -> None:
    r = run("-", "--spec-only", input=GERMAN.encode("utf-8"))
    assert r.exit_code == 0, r.stderr
    rows = jsonl(r.stdout)
    assert rows and {row["doc"] for row in rows} == {"<stdin>"}
    assert "mindestens 50" in [row["figure"] for row in rows]


def test_a_folder_is_read_file_by_file(articles: Path) -> None:
    rows = jsonl(run(str(articles), "--spec-only").stdout)
    assert [d for d in dict.fromkeys(r["doc"] for r in rows)] == ["de.txt", "en.txt"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
    ],
)
def test_a_bad_input_is_reported_and_the_rest_still_processed(
    articles: Path, name: str, content: bytes | None, message: str
) -> None:
    bad = articles / name
    if content is not None:
        bad.write_bytes(content)
    good = jsonl(run(str(articles / "de.txt")).stdout)
    r = run(str(articles / "de.txt"), str(bad), str(articles / "en.txt"))
    assert r.exit_code == 1
    err = r.stderr.splitlines()
    assert len(err) == 1, err
    assert str(bad) in err[0] and message in err[0]
    rows = jsonl(r.stdout)
    assert [x for x in rows if x["doc"] == "de.txt"] == good
    assert any(x["doc"] == "en.txt" for x in rows)


def test_a_latin1_text_file_is_decoded_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "alt.txt"
    path.write_bytes(GERMAN.encode("latin-1"))
    r = run(str(path), "--spec-only")
    assert r.exit_code == 0 and r.stderr == ""
    assert "Laut UN wurden mindestens 50 Menschen getötet." in [row["quote"] for row in jsonl(r.stdout)]


def test_several_bad_inputs_each_get_a_line(articles: Path) -> None:
    (articles / "empty.txt").write_bytes(b"")
    r = run(str(articles / "nope.txt"), str(articles / "empty.txt"), str(articles / "de.txt"))
    assert r.exit_code == 1
    err = r.stderr.splitlines()
    assert len(err) == 2
    assert "nope.txt" in err[0] and "empty.txt" in err[1]
    assert jsonl(r.stdout)


def test_inputs_are_required() -> None:
    r = CliRunner().invoke(main, ["extract"])
    assert r.exit_code == 2
    assert "INPUTS" in r.stderr


_PAGE = (
    "<html><head><title>Verluste in Kursk</title></head><body><article><h1>Verluste in Kursk</h1>"
    "<p>Laut UN wurden mindestens 50 Menschen getötet. Nordkorea hat rund 11.000 Soldaten nach Russland "
    "entsandt.</p><p>Die Lage bleibt nach Einschätzung von Beobachtern vor Ort weiterhin angespannt.</p>"
    "</article></body></html>"
).encode()


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_PAGE)))
        self.end_headers()
        self.wfile.write(_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/kursk"
    finally:
        server.shutdown()
        server.server_close()


def test_a_local_url_needs_allow_private(page_url: str) -> None:
    refused = run(page_url, "--spec-only")
    assert refused.exit_code == 1 and refused.stdout == ""
    err = refused.stderr.splitlines()
    assert len(err) == 1 and page_url in err[0] and "--allow-private" in err[0]
    allowed = run(page_url, "--spec-only", "--allow-private")
    assert allowed.exit_code == 0, allowed.stderr
    rows = jsonl(allowed.stdout)
    assert {r["doc"] for r in rows} == {page_url}
    assert "mindestens 50" in [r["figure"] for r in rows]


def _figtrace_script() -> str | None:
    here = Path(sys.executable).parent / "figtrace"
    return str(here) if here.exists() else shutil.which("figtrace")


@pytest.mark.skipif(_figtrace_script() is None, reason="the figtrace script is not installed")
def test_the_installed_command(articles: Path) -> None:
    script = _figtrace_script()
    assert script is not None
    proc = subprocess.run(
        [script, "extract", str(articles / "de.txt"), str(articles / "missing.txt"), "-", "--spec-only",
         "--published", "2025-06-17"],
        input=ENGLISH.encode("utf-8"), capture_output=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode("utf-8").splitlines()
    assert len(err) == 1 and "missing.txt" in err[0]
    rows = jsonl(proc.stdout.decode("utf-8"))
    assert {r["doc"] for r in rows} == {"de.txt", "<stdin>"}
    assert all(tuple(r) == SPEC_FIELDS for r in rows)


def test_each_lazy_command_is_owned_by_the_module_named_for_it() -> None:
    """The name → module map of ``figtrace.cli`` agrees with each module's ``COMMANDS``."""
    from figtrace.cli import LAZY_COMMANDS

    for module in set(LAZY_COMMANDS.values()):
        names = {c.name for c in importlib.import_module(module).COMMANDS}
        assert names == {n for n, m in LAZY_COMMANDS.items() if m == module}, module
    listed = main.list_commands(click_context())
    assert set(LAZY_COMMANDS) | {"extract"} <= set(listed)
    assert set(main.all_commands()) == set(listed)


def click_context():  # type: ignore[no-untyped-def]
    import click

    return click.Context(main)


def test_extract_loads_neither_the_web_server_nor_the_report(tmp_path: Path) -> None:
    """Start-up: `figtrace extract` imports only the stages it runs (a cold start is paid per call)."""
    article = tmp_path / "a.txt"
    article.write_text(GERMAN, encoding="utf-8")
    probe = ("import sys\nfrom figtrace.cli import main\n"
             "try:\n    main(['extract', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('figtrace.web.app', 'figtrace.report.render', 'figtrace.store.commands',"
             " 'starlette', 'jinja2') if m in sys.modules]\n"
             "print('HEAVY', heavy, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(article)], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stderr, out.stderr
    assert json.loads(out.stdout.splitlines()[0])["doc"]
    help_text = CliRunner().invoke(main, ["--help"]).output
    for name in ("serve", "report", "claims", "ingest", "extract"):
        assert name in help_text

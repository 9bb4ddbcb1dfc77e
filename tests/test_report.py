"""The HTML report: charts that draw each figure as what it claims, escaped evidence, the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_browser import HOSTILE_SOURCE
from markupsafe import escape

from figtrace.cli import main
from figtrace.report.charts import UnsafeSVG, chart_rows, check_svg, render_svg, timeline_spec
from figtrace.report.figures import fmt_claim
from figtrace.report.highlight import context_html, mark_span, quote_html
from figtrace.report.render import render_report
from figtrace.report.view import report_context
from figtrace.store import Ledger


@pytest.fixture(scope="module")
def db(sample_db: Path) -> Path:
    """The shared sample ledger (tests/conftest.py)."""
    return sample_db


@pytest.fixture(scope="module")
def html(db: Path) -> str:
    with Ledger(db, readonly=True) as ledger:
        return render_report(ledger, db_name=db.name)


# -- periods and labels ------------------------------------------------------

@pytest.mark.parametrize(("row", "text"), [
    ({"qualifier": "more_than", "value": 6000}, "6,000+"),
    ({"qualifier": "approx", "value": 2000}, "~2,000"),
    ({"qualifier": "at_least", "value": 1000}, "≥1,000"),
    ({"qualifier": "range", "value": 1000, "low": 1000, "high": 2000}, "1,000–2,000"),
    ({"qualifier": "exact", "value": 2.5, "unit": "km"}, "2.5 km"),
    ({"qualifier": "vague", "value": 100}, "100s"),
])
def test_fmt_claim_shows_the_qualifier(row: dict, text: str) -> None:
    assert fmt_claim(row) == text


# -- highlighting ------------------------------------------------------------

def test_mark_span_escapes_before_marking() -> None:
    text = "<b>x</b> 500 <script>y</script>"
    out = str(mark_span(text, 9, 12))
    assert out == "&lt;b&gt;x&lt;/b&gt; <mark class=\"fig\">500</mark> &lt;script&gt;y&lt;/script&gt;"


def test_quote_html_uses_offsets_relative_to_the_quote() -> None:
    # the figure string occurs twice; the offsets pick the second one
    row = {"quote": "Of 500 sent, 500 died.", "figure": "500", "quote_start": 100, "start": 113, "end": 116}
    assert str(quote_html(row)) == 'Of 500 sent, <mark class="fig">500</mark> died.'


def test_quote_html_falls_back_to_the_figure_when_offsets_are_wrong() -> None:
    row = {"quote": "Rund 2.000 Soldaten.", "figure": "Rund 2.000", "quote_start": 0, "start": 40, "end": 50}
    assert str(quote_html(row)) == '<mark class="fig">Rund 2.000</mark> Soldaten.'


def test_context_html_marks_quote_and_figure_inside_the_article() -> None:
    text = "Title\n\nFirst <i>para</i>.\n\nThen 300 <em>more</em> came.\n\nEnd."
    qs = text.index("Then")
    qe = text.index("came.") + 5
    start = text.index("300")
    out = str(context_html(text, {"quote_start": qs, "quote_end": qe, "start": start, "end": start + 3}))
    marked = '<mark class="fig">300</mark>'
    assert f'<span class="quote">Then {marked} &lt;em&gt;more&lt;/em&gt; came.</span>' in out
    assert "&lt;i&gt;para&lt;/i&gt;" in out
    assert "<i>" not in out


# -- charts --------------------------------------------------------------------

KILLED = [
    {"source": "Western intelligence", "as_of": None, "published": "2025-03-12", "value": 1000, "low": 1000,
     "high": None, "qualifier": "at_least", "latest": True},
    {"source": "South Korea NIS", "as_of": "2025-09", "value": 2000, "low": 2000, "high": 2000,
     "qualifier": "approx", "latest": True},
    {"source": "Analysts", "as_of": "2025-04-02", "value": 1200, "low": 1200, "high": 1800,
     "qualifier": "range", "latest": True},
]


def test_chart_rows_draw_each_figure_as_what_it_claims() -> None:
    rows = {r["source"]: r for r in chart_rows(KILLED)}
    floor = rows["Western intelligence"]
    assert floor["qclass"] == "lower bound"
    assert floor["hollow"] and floor["xmid"] == "2025-03-12"  # undated: at publication, hollow
    nis = rows["South Korea NIS"]
    assert (nis["x"], nis["x2"], nis["period"]) == ("2025-09-01", "2025-09-30", True)
    assert nis["qclass"] == "approx." and not nis["hollow"]
    rng = rows["Analysts"]
    assert (rng["qclass"], rng["low"], rng["high"]) == ("range", 1200, 1800)


def test_spec_rules_go_up_for_floors_and_span_the_range() -> None:
    spec = timeline_spec(KILLED, actor="North Korea", measure="killed",
                         span={"low": 1000, "high": 2000, "text": "1,000–2,000"})
    rows = {r["source"]: r for r in spec["data"]["values"]}
    assert rows["Western intelligence"]["y1"] == 1000 and rows["Western intelligence"]["y2"] > 1000
    assert (rows["Analysts"]["y1"], rows["Analysts"]["y2"]) == (1200, 1800)
    points = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point"]
    assert points and all("datum.qclass != 'range'" in p["transform"][0]["filter"] for p in points)
    assert rows["South Korea NIS"]["y1"] < 2000 < rows["South Korea NIS"]["y2"]
    assert "1,000–2,000" in spec["title"]["subtitle"][0]
    assert any("hollow" in s for s in spec["title"]["subtitle"])


def test_reinforcements_stack_on_the_deployed_figure() -> None:
    deployed = [{"source": "UK Defence Intelligence", "as_of": "2024-09..2024-11", "value": 11000,
                 "low": 11000, "high": 11000, "qualifier": "exact"},
                {"source": "South Korea NIS", "as_of": "2024-12", "value": 1000, "low": 1000, "high": 1000,
                 "qualifier": "exact"},  # a part (engineers), later but smaller: not the base
                {"source": "Western intelligence", "as_of": "2025-06", "value": 15000, "low": 15000,
                 "high": 15000, "qualifier": "exact"}]  # after the addition: not the base either
    extra = [{"source": "South Korea JCS", "as_of": "2025-01..2025-02", "value": 3000, "low": 3000,
              "high": 3000, "qualifier": "approx"}]
    spec = timeline_spec(deployed, actor="North Korea", measure="deployed", additions=extra)
    added = [layer for layer in spec["layer"] if layer.get("data")]
    values = added[-1]["data"]["values"][0]
    assert (values["y1"], values["y2"]) == (11000, 14000)
    assert values["label"] == "~3,000 more → 14,000"


def test_rendered_svg_names_every_source_and_escapes_labels() -> None:
    pts = [*KILLED, {"source": "<script>alert(1)</script>", "as_of": "2025-05", "value": 5, "low": 5,
                     "high": 5, "qualifier": "exact"}]
    svg = render_svg(timeline_spec(pts, actor="North Korea", measure="killed"))
    assert svg.startswith("<svg")
    for name in ("Western intelligence", "South Korea NIS", "Analysts"):
        assert name in svg
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


@pytest.mark.parametrize("svg", [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
])
def test_check_svg_refuses_active_content(svg: str) -> None:
    with pytest.raises(UnsafeSVG):
        check_svg(svg)


# -- the report ------------------------------------------------------------------

def test_report_has_a_chart_per_metric_and_the_north_korea_spans(db: Path, html: str) -> None:
    with Ledger(db, readonly=True) as ledger:
        ctx = report_context(ledger)
    spans = {m.measure: m.span["text"] for m in ctx["metrics"] if m.actor == "North Korea"}
    # Western intelligence's floor of 1,000 is half a year older than the NIS's 2,000: still its latest
    # point, but no longer part of what the sources say now
    assert spans["killed"] == "2,000"
    killed_latest = next(m.latest for m in ctx["metrics"] if m.actor == "North Korea" and m.measure == "killed")
    assert {p["source"] for p in killed_latest} >= {"Western intelligence", "South Korea NIS"}
    assert spans["killed_or_wounded"] == "4,000–6,000+"
    assert spans["deployed"] == "11,000"
    assert html.count("<svg") == len(ctx["metrics"])
    killed = next(m for m in ctx["metrics"] if m.measure == "killed")
    by_source = {r["source"]: r for r in killed.spec["data"]["values"]}
    assert by_source["Western intelligence"]["label"] == "≥1,000"
    assert by_source["South Korea NIS"]["label"] == "~2,000"


def test_report_is_self_contained_and_scriptless(html: str) -> None:
    assert 'http-equiv="Content-Security-Policy"' in html
    assert "default-src &#39;none&#39;" in html or "default-src 'none'" in html
    assert not re.search(r"<script", html, re.I)
    assert not re.search(r"<(link|img|iframe)\b", html, re.I)
    # nothing is fetched; article links are only links
    assert not re.search(r"""<[a-z][^>]*\ssrc=|url\(|@import""", html, re.I)


def test_report_escapes_hostile_article_text(html: str) -> None:
    assert "<img src=x" not in html
    assert "<b onmouseover" not in html
    assert "javascript:" not in html  # the hostile url is not made a link
    assert "&lt;svg onload=" in html
    assert HOSTILE_SOURCE not in html


def test_report_lists_evidence_conflicts_and_source_aliases(html: str, db: Path) -> None:
    assert '<mark class="fig">über 6000</mark>' in html
    assert '<mark class="fig">About 2,000</mark>' in html
    assert 'href="https://wire.example/nis-dead"' in html
    with Ledger(db, readonly=True) as ledger:
        explained = ledger.conflicts(kind="explained")
    assert {f.reason for f in explained} == {"measure"}
    assert all(str(escape(f.explanation)) in html for f in explained)  # each explained finding, explained
    assert "National Intelligence Service" in html  # an alias of South Korea NIS
    assert "@media print" in html and "@media (max-width: 640px)" in html


def test_report_cli_writes_file_and_filters_by_actor(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["report", "--db", str(db), "--actor", "north korea", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "<title>figtrace report: North Korea</title>" in text
    assert "North Korea: killed" in text


def test_report_cli_names_unknown_actor_and_missing_db(db: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["report", "--db", str(db), "--actor", "Atlantis",
                                    "-o", str(tmp_path / "x")])
    assert res.exit_code == 1
    assert "no claims about 'Atlantis'" in res.output and "North Korea" in res.output
    res = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "none.db"), "-o", str(tmp_path / "y")])
    assert res.exit_code == 1
    assert "none.db" in res.output
    assert not (tmp_path / "y").exists()


def test_report_of_an_empty_ledger_says_so(tmp_path: Path) -> None:
    with Ledger(tmp_path / "empty.db") as ledger:
        html = render_report(ledger)
    assert "No claims in this ledger yet" in html


def _have_extractor() -> bool:
    try:
        from figtrace.extract import extract_document  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _have_extractor(), reason="the extraction engine (figtrace.extract) is not installed")
def test_demo_ingests_only_the_articles_and_writes_the_report(tmp_path: Path) -> None:
    from figtrace.report.demo import corpus_files

    files = corpus_files()
    assert files and all(p.suffix == ".txt" for p in files)
    out = tmp_path / "demo.html"
    res = CliRunner().invoke(main, ["demo", "-o", str(out), "--db", str(tmp_path / "demo.db")])
    assert res.exit_code == 0, res.output
    assert f"report: {out}" in res.output
    with Ledger(tmp_path / "demo.db", readonly=True) as ledger:
        docs = ledger.documents()
    assert docs and all(d["name"].endswith(".txt") for d in docs)  # golden .claims.jsonl files are not input
    assert len(docs) <= len(files)
    assert "<svg" in out.read_text(encoding="utf-8")


def test_report_lists_contradictions_first_and_caps_the_findings(db: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    import figtrace.report.view as view

    monkeypatch.setattr(view, "MAX_REPORT_FINDINGS", 2)
    with Ledger(db, readonly=True) as ledger:
        total = len(ledger.conflicts())
        ctx = view.report_context(ledger)
        html = render_report(ledger)
    assert total > 2
    assert len(ctx["conflicts"]) == 2 and ctx["n_conflicts"] == total
    assert f"The first 2 of {total} findings" in html
    statuses = [f["status"] for f in view.flagged_first([{"status": "explained"}, {"status": "flagged"}])]
    assert statuses == ["flagged", "explained"]


def test_claims_without_an_actor_are_listed_but_not_charted(tmp_path: Path) -> None:
    from figtrace.model import Claim, Document

    doc = Document(text="Some 40 people were hurt.", name="noactor.txt", published="2025-01-02")
    claim = Claim(doc=doc.name, quote=doc.text, figure="40", value=40, low=40, high=40, qualifier="exact",
                  measure="wounded", actor=None, unit="personnel", source="unattributed", as_of=None,
                  location=None, start=5, end=7, quote_start=0, quote_end=len(doc.text), doc_id=doc.id)
    with Ledger(tmp_path / "n.db") as ledger:
        ledger.add_document(doc, [claim])
        html = render_report(ledger)
    assert '<mark class="fig">40</mark>' in html
    assert "<svg" not in html


# -- timelines that read right: undated lane, units, one colour per source, bounded charts ------------

def test_undated_figures_get_their_own_lane_instead_of_vanishing() -> None:
    pts = [*KILLED, {"source": "Local officials", "as_of": None, "published": None, "value": 700, "low": 700,
                     "high": 700, "qualifier": "exact"}]
    spec = timeline_spec(pts, actor="North Korea", measure="killed")
    rows = {r["source"]: r for r in spec["data"]["values"]}
    assert set(rows) == {"Western intelligence", "South Korea NIS", "Analysts", "Local officials"}
    lane = rows["Local officials"]["xplot"]
    # every undated figure sits in the lane, right of every dated one
    assert rows["Western intelligence"]["xplot"] == lane
    assert lane > max(r["x2"] for r in spec["data"]["values"] if not r["hollow"])
    lane_labels = [layer for layer in spec["layer"] if layer.get("data", {}).get("values", [{}])[0].get("text")]
    assert lane_labels and lane_labels[0]["data"]["values"][0]["text"] == "undated"
    svg = render_svg(spec)
    assert ">undated<" in svg and "Local officials" in svg


@pytest.mark.parametrize(("measure", "unit", "items", "title", "label"), [
    ("territory_captured", "km2", [None], "territory captured (km²)", "1,300 km²"),
    ("advance", "km", [None], "advance (km)", "1,300 km"),
    ("equipment", "equipment", ["drone"], "equipment (drones)", "1,300 drones"),
    ("equipment", "equipment", ["drone", "tank", "missile"], "equipment (items)", "1,300 drones"),
    ("killed", "personnel", [None], "killed", "1,300"),
])
def test_units_on_the_axis_and_on_every_label(measure: str, unit: str, items: list[str | None], title: str,
                                               label: str) -> None:
    pts = [{"source": f"S{i}", "as_of": f"2025-0{i + 1}", "value": 1300, "low": 1300, "high": 1300,
            "qualifier": "exact", "item": item} for i, item in enumerate(items)]
    spec = timeline_spec(pts, actor="Russia", measure=measure, unit=unit)
    y_titles = {layer["encoding"]["y"].get("title") for layer in spec["layer"]
                if "y" in layer.get("encoding", {}) and layer["encoding"]["y"].get("title")}
    assert y_titles == {title}
    assert spec["data"]["values"][0]["label"] == label


def test_a_chart_of_thousands_of_figures_is_thinned_and_keeps_each_latest() -> None:
    import datetime as dt

    from figtrace.report.charts import MAX_CHART_POINTS

    day = dt.date(2024, 1, 1)
    pts = [{"source": f"S{i % 5}", "as_of": (day + dt.timedelta(days=i // 5)).isoformat(), "value": 100 + i,
            "low": 100 + i, "high": 100 + i, "qualifier": "exact", "latest": i >= 2995} for i in range(3000)]
    spec = timeline_spec(pts, actor="X", measure="killed")
    rows = spec["data"]["values"]
    assert len(rows) <= MAX_CHART_POINTS
    assert {r["source"] for r in rows if r["latest"]} == {f"S{i}" for i in range(5)}
    assert all(r["labelled"] == r["latest"] for r in rows)  # only each source's latest is labelled
    assert any("of 3000 figures drawn" in s for s in spec["title"]["subtitle"])


def test_dates_spread_over_centuries_do_not_explode_the_axis() -> None:
    pts = [{"source": "A", "as_of": "2024-01", "value": 1, "low": 1, "high": 1, "qualifier": "exact"},
           {"source": "A", "as_of": "9500-01", "value": 2, "low": 2, "high": 2, "qualifier": "exact"}]
    svg = render_svg(timeline_spec(pts, actor="X", measure="killed"))
    assert svg.count("<text") < 60 and len(svg) < 200_000


def test_one_colour_per_source_in_every_chart_of_a_report(db: Path) -> None:
    with Ledger(db, readonly=True) as ledger:
        ctx = report_context(ledger)
    seen: dict[str, set[str]] = {}
    for m in ctx["metrics"]:
        for layer in m.spec["layer"]:
            color = layer.get("encoding", {}).get("color", {})
            scale = color.get("scale") if isinstance(color, dict) else None
            if scale:
                for source, colour in zip(scale["domain"], scale["range"], strict=True):
                    seen.setdefault(source, set()).add(colour)
    assert len(seen) >= 4
    assert all(len(colours) == 1 for colours in seen.values()), seen
    assert len({next(iter(c)) for c in seen.values()}) == len(seen)  # and no two sources share one


def test_a_large_report_lists_a_bounded_number_of_claims_and_points() -> None:
    from figtrace.report.view import report_claims, table_points

    claims = [{"id": i, "published": f"2025-01-{1 + i % 28:02d}"} for i in range(3000)]
    listed = report_claims(claims, keep={5, 2999}, limit=100)
    assert len(listed) == 100 and {5, 2999} <= {c["id"] for c in listed}
    points = [{"cluster": f"c{i}", "period_end": f"2025-{1 + i % 12:02d}-01", "latest": i == 3} for i in range(500)]
    shown = table_points(points, limit=20)
    assert len(shown) == 20 and any(p["latest"] for p in shown)

"""The dashboard and the report in Debian's headless chromium, driven by Playwright.

Run ``scripts/install-browser.sh`` first on a fresh machine. Without
``/usr/bin/chromium`` these tests skip locally; with ``CI`` set they fail
instead, so CI cannot pass without running them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_browser import BROWSER_MARKS, build_ledger, running_server

from figtrace.report.render import write_report
from figtrace.store import Ledger
from figtrace.web import create_app

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ledger(tmp_path_factory.mktemp("browser") / "sample.db", hostile=True)


@pytest.fixture(scope="module")
def base_url(db: Path) -> Iterator[str]:
    with running_server(create_app(db)) as url:
        yield url


def _rows(page: Any) -> int:
    return int(page.locator("table.claims tbody tr[data-claim]").count())


def test_overview_loads(page: Any, base_url: str) -> None:
    resp = page.goto(base_url + "/")
    assert resp.status == 200
    assert page.title() == "figtrace · figtrace"
    card = page.locator("section.actor", has_text="North Korea")
    assert card.is_visible()
    assert card.locator("a.metric").count() == 5
    assert page.errors == []


def test_a_filter_narrows_the_table(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims")
    before = _rows(page)
    with page.expect_navigation():
        page.select_option("select[name=measure]", "killed")  # app.js submits on change
    after = _rows(page)
    assert "measure=killed" in page.url
    assert 0 < after < before
    measures = page.locator("table.claims td[data-label=measure]").all_inner_texts()
    assert set(measures) == {"killed"}


def test_search_box_finds_a_sentence(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.keyboard.press("/")  # app.js focuses the search box
    page.keyboard.type("Generalstabschefs")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _rows(page) == 1
    assert page.locator("table.claims mark.fig").inner_text() == "rund 3000"


def test_claim_page_highlights_the_figure(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims?q=Militärgeheimdienstes")
    with page.expect_navigation():
        page.locator("table.claims td.fignum a").first.click()
    mark = page.locator("#context mark.fig")
    assert mark.count() == 1
    assert mark.inner_text() == "über 6000"
    assert mark.is_visible()
    background = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    quote = page.locator("#context span.quote").inner_text()
    assert quote.startswith("Nach einer Einschätzung") and "über 6000" in quote


def test_timeline_chart_svg_is_present(page: Any, base_url: str) -> None:
    page.goto(base_url + "/timeline?actor=North+Korea&measure=killed_or_wounded")
    svg = page.locator("figure.chart svg")
    assert svg.count() == 1
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    labels = svg.locator("text").all_text_contents()
    assert "UK Defence Intelligence" in labels and "South Korea JCS" in labels
    assert "6,000+" in labels and "~4,000" in labels


#: Fires every mouse and load event on every element and reports any event-handler attribute.
_PROVOKE = """() => {
    const all = [...document.querySelectorAll('*')];
    for (const el of all) {
        for (const type of ['mouseover', 'mouseenter', 'click', 'load', 'error', 'focus']) {
            if (type === 'click' && el.closest('a, button, form')) continue;
            el.dispatchEvent(new Event(type, {bubbles: true}));
        }
    }
    return all.flatMap(el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => a.name));
}"""


def test_a_malicious_article_does_not_execute_script(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims?measure=wounded")
    with page.expect_navigation():
        page.locator("table.claims td.fignum a").first.click()
    context = page.locator("#context").inner_text()
    assert "<script>window.__pwned = 1</script>" in context  # shown as text
    for path in ("", "/claims", "/conflicts", "/sources", "/timeline?actor=North+Korea&measure=wounded"):
        if path:
            page.goto(base_url + path)
        assert page.evaluate(_PROVOKE) == [], path
        assert page.evaluate("typeof window.__pwned") == "undefined", path
    assert page.locator("script:not([src])").count() == 0
    assert page.dialogs == []
    assert page.errors == []


def test_csp_blocks_injected_inline_script(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    ran = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', () => resolve('blocked'));
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.appendChild(s);
        setTimeout(() => resolve(window.__inline === 1 ? 'ran' : 'not run'), 500);
    })""")
    assert ran == "blocked"


def test_claims_fit_a_phone_screen(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/claims")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert page.locator("table.claims thead").is_hidden()  # rows become cards
    context.close()


def test_print_hides_navigation_and_forms(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims")
    page.emulate_media(media="print")
    assert page.locator("form.filters").is_hidden()
    assert page.locator("nav.toc").is_hidden()
    assert page.locator("table.claims").is_visible()


def test_report_file_renders_charts_and_runs_no_script(page: Any, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    with Ledger(db, readonly=True) as ledger:
        write_report(ledger, out)
    page.goto(out.as_uri())
    assert page.locator("figure.chart svg").count() == 5
    assert page.locator("#claims mark.fig").count() == 10
    assert page.evaluate(_PROVOKE) == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less margins
    assert page.evaluate("document.documentElement.scrollWidth") <= 718  # nothing cut off on paper
    assert page.locator("nav.toc").is_hidden()
    assert page.dialogs == [] and page.errors == []


def test_report_chart_of_territory_carries_km2_on_axis_and_labels(page: Any, tmp_path: Path) -> None:
    """Units on charts: a territory timeline says km² on its axis and its figures' labels."""
    from conftest_browser import _claim

    from figtrace.model import Document

    text = ("Kursk offensive\n\nUkraine said its troops held about 1,300 square kilometres in August.\n\n"
            "Analysts put the area at 900 square kilometres by November.")
    doc = Document(text=text, name="kursk-area.txt", outlet="Example Wire", published="2024-11-20", lang="en")
    claims = [_claim(doc, "about 1,300", 1300, 1300, 1300, "approx", "territory_captured", "Ukraine",
                     "Ukrainian government", "2024-08", unit="km2"),
              _claim(doc, "900", 900, 900, 900, "exact", "territory_captured", "Ukraine", "ISW", "2024-11",
                     unit="km2")]
    db = tmp_path / "area.db"
    with Ledger(db) as ledger:
        ledger.add_document(doc, claims)
    out = tmp_path / "area.html"
    with Ledger(db, readonly=True) as ledger:
        write_report(ledger, out)
    page.goto(out.as_uri())
    svg = page.locator("figure.chart svg")
    assert svg.count() == 1
    texts = svg.locator("text").all_text_contents()
    assert "territory captured (km²)" in texts
    assert "~1,300 km²" in texts and "900 km²" in texts
    assert page.errors == []


def test_conflicts_page_lists_kinds_in_order_and_folds_the_explained(page: Any, base_url: str, db: Path) -> None:
    page.goto(base_url + "/conflicts")
    heads = page.locator("h3.kind-head").all_text_contents()
    assert heads == ["Contradictions", "Disagreements"]
    details = page.locator("details.explained-list")
    assert details.count() == 1 and details.get_attribute("open") is None  # the rest waits to be opened
    explained = details.locator("li.finding.explained")
    assert explained.count() >= 1 and not explained.first.is_visible()
    details.locator("summary").click()
    assert explained.first.is_visible()
    assert explained.first.locator(".badge").inner_text().lower() == "explained"
    with Ledger(db, readonly=True) as ledger:
        stored = [f.explanation for f in ledger.conflicts(kind="explained")]
    shown = " ".join(explained.all_inner_texts())
    assert stored and all(text in shown for text in stored)  # each with its explanation
    assert page.errors == []


def test_claim_page_says_scope_and_relays(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims?q=Militärgeheimdienstes")
    with page.expect_navigation():
        page.locator("table.claims td.fignum a").first.click()
    assert page.locator("dd.via").inner_text() == "directly"
    assert page.locator("dd.scope").inner_text() in ("running total", "count over a period", "toll of one event",
                                                     "not stated")
    assert page.errors == []


def test_the_overview_pages_through_actors_and_a_timeline_links_to_all_its_claims(
        page: Any, db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from figtrace.store.synth import synthetic_documents, synthetic_extractor
    from figtrace.web import pages

    monkeypatch.setattr(pages, "OVERVIEW_ACTORS", 1)
    monkeypatch.setattr(pages, "TIMELINE_CLAIMS", 1)
    with Ledger(tmp_path / "actors.db") as ledger:  # eight actors
        for doc in synthetic_documents(12, seed=2):
            ledger.add_document(doc, synthetic_extractor(doc))
    with running_server(create_app(tmp_path / "actors.db")) as url:
        page.goto(url + "/")
        assert page.locator("section.actor").count() == 1
        first = page.locator("section.actor h3").inner_text()
        assert page.locator("#actors-shown").inner_text().startswith("Actors 1–1 of ")
        with page.expect_navigation():
            page.click("nav.pager a[rel=next]")
        assert "offset=1" in page.url
        assert page.locator("section.actor").count() == 1
        assert page.locator("section.actor h3").inner_text() != first
    with running_server(create_app(db)) as url:
        page.goto(url + "/timeline?actor=North+Korea&measure=killed")
        assert page.locator("svg").first.is_visible()
        assert _rows(page) == 1
        note = page.locator("#claims-shown")
        assert "The first 1 of" in note.inner_text()
        with page.expect_navigation():
            note.locator("a").click()
        assert "/claims?" in page.url and _rows(page) > 1
        assert page.errors == []

"""The analyst's pages in Debian's headless chromium: documents, shared filters, reviews from a claim page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_browser import BROWSER_MARKS, build_ledger, running_server

from figtrace.errors import InputError
from figtrace.store import Ledger
from figtrace.store.documents import record_skipped
from figtrace.web import create_app

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_ledger(tmp_path_factory.mktemp("browser-analyst") / "sample.db")
    with Ledger(path) as ledger:
        record_skipped(ledger, [InputError("inbox/brief.pdf", "unsupported type: .pdf files are not read",
                                           "unsupported")])
    return path


@pytest.fixture(scope="module")
def base_url(db: Path) -> Iterator[str]:
    with running_server(create_app(db, allow_review=True)) as url:
        yield url


@pytest.fixture(scope="module")
def readonly_url(db: Path) -> Iterator[str]:
    with running_server(create_app(db)) as url:
        yield url


def test_documents_page_lists_read_and_skipped_and_filters_by_outlet(page: Any, readonly_url: str) -> None:
    page.goto(readonly_url + "/documents")
    rows = page.locator("table.documents tbody tr")
    assert rows.count() == 6
    assert page.locator("tr[data-status=skipped]").inner_text().startswith("inbox/brief.pdf")
    assert "not read" in page.locator("tr[data-status=skipped] .reason").inner_text()
    with page.expect_navigation():
        page.select_option("select[name=outlet]", "Example Wire")  # app.js submits on change
    assert "outlet=Example+Wire" in page.url
    names = page.locator("table.documents td[data-label=document]").all_inner_texts()
    assert names and all(o == "Example Wire" for o in
                         page.locator("table.documents td[data-label=outlet]").all_inner_texts())
    assert page.errors == []


def test_documents_fit_a_phone_screen(browser: Any, readonly_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.goto(readonly_url + "/documents")
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    context.close()


def test_timeline_filter_form_keeps_the_metric(page: Any, readonly_url: str) -> None:
    page.goto(readonly_url + "/timeline?actor=Nordkorea&measure=killed")
    assert page.locator("h2").first.inner_text().startswith("North Korea")
    before = page.locator("figure.chart svg").count()
    assert before == 1
    with page.expect_navigation():
        page.select_option("select[name=outlet]", "Example Wire")
    assert "measure=killed" in page.url and "outlet=Example+Wire" in page.url
    assert page.locator("figure.chart svg").count() == 1
    assert page.errors == []


def test_read_only_dashboard_shows_no_review_form(page: Any, readonly_url: str) -> None:
    page.goto(readonly_url + "/claims?measure=deployed")
    with page.expect_navigation():
        page.locator("table.claims td.fignum a").first.click()
    assert page.locator("form#review").count() == 0


def test_a_review_from_the_claim_page(page: Any, base_url: str) -> None:
    page.goto(base_url + "/claims?measure=deployed&outlet=Example+Wire")
    with page.expect_navigation():
        page.locator("table.claims td.fignum a").first.click()
    claim_url = page.url
    before = page.locator("dl.facts dd").nth(2).inner_text()
    form = page.locator("form#review")
    assert form.is_visible()
    form.locator("input[name=source]").fill("UN")
    form.locator("input[name=note]").fill("the wire quotes a UN count")
    with page.expect_navigation():
        form.locator("button[value=save]").click()
    assert page.url == claim_url
    state = page.locator("#review-state")
    assert "reviewed" in state.inner_text().lower() and "the wire quotes a UN count" in state.inner_text()
    assert state.locator("del").inner_text() == before
    assert page.locator("dl.facts dd").nth(2).inner_text() == "UN"
    # the claims list shows the reviewed value too
    page.goto(base_url + "/claims?source=UN")
    assert page.locator("table.claims tbody tr[data-claim]").count() == 1
    assert page.errors == []

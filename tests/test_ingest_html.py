"""The HTML reader: resiliparse's main text, metadata from the page's tags, trafilatura as the fallback."""

from __future__ import annotations

import pytest

from figtrace.ingest import html
from figtrace.ingest.errors import ReadError
from figtrace.ingest.html import MAX_DEPTH, letters, nesting, read_html

BODY = ("<p>Officials in Kharkiv said on Tuesday that at least 42 people had been wounded when a glide bomb hit "
        "a market hall in the city centre.</p><p>Rescue teams were still searching the ruins late in the "
        "evening, the regional governor told reporters.</p>")


def _page(head: str = "", body: str = BODY, nav: bool = True) -> bytes:
    menu = "<nav><ul>" + "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(12)) + "</ul></nav>"
    return (f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>"
            f"{menu if nav else ''}<main><article><h1>Market hall hit</h1>{body}</article></main>"
            "<footer><p>All rights reserved by the example outlet.</p></footer></body></html>").encode()


def test_main_text_leaves_out_navigation_and_footer_and_starts_with_the_title() -> None:
    page = read_html(_page())
    assert page.text.startswith("Market hall hit\n")
    assert "at least 42 people had been wounded" in page.text
    assert "Section 3" not in page.text and "All rights reserved" not in page.text


def test_metadata_comes_from_the_tags_a_news_page_carries() -> None:
    head = ('<title>Market hall hit | Example Outlet</title><meta property="og:title" content="Market hall hit">'
            '<meta property="og:site_name" content="Example Outlet">'
            '<meta property="article:published_time" content="2025-03-04T09:00:00Z">'
            '<link rel="canonical" href="https://news.example/market-hall">')
    page = read_html(_page(head))
    assert (page.title, page.sitename, page.published, page.url) == (
        "Market hall hit", "Example Outlet", "2025-03-04", "https://news.example/market-hall")


def test_without_tags_the_title_is_the_heading_and_the_site_the_host() -> None:
    page = read_html(_page(), url="https://www.example.org/a/b")
    assert (page.title, page.sitename, page.url) == ("Market hall hit", "www.example.org", "https://www.example.org/a/b")


def test_the_declared_charset_decodes_the_bytes() -> None:
    body = BODY.replace("Kharkiv", "Charkiw, sagte ein Sprecher für Städte")
    data = _page("<meta http-equiv='content-type' content='text/html; charset=iso-8859-1'>", body).replace(
        b"<meta charset='utf-8'>", b"")
    page = read_html(data.decode().encode("latin-1"))
    assert "für Städte" in page.text


def test_a_page_without_an_article_is_refused() -> None:
    with pytest.raises(ReadError, match="no article text"):
        read_html(b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>")


def test_nesting_counts_open_elements_but_not_those_pages_leave_open() -> None:
    assert nesting("<div><section><div>x</div></section></div>") == 3
    assert nesting("<div>" + "<p>para" * 5000 + "<li>item" * 5000 + "</div>") == 1
    assert nesting("<div>" * 5000) == 5000


def test_a_deeply_nested_page_goes_to_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    monkeypatch.setattr(html, "_parse", lambda markup: used.append("resiliparse"))
    deep = MAX_DEPTH + 1
    data = b"<html><body>" + b"<div>" * deep + BODY.encode() + b"</div>" * deep + b"</body></html>"
    try:
        page = read_html(data)
        assert "42 people" in page.text
    except ReadError as e:  # lxml may cut the nesting before the text: then the page is refused, never hung
        assert "no article text" in str(e)
    assert used == []


def test_trafilatura_reads_a_page_resiliparse_finds_no_main_text_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "_main_text", lambda tree: "")
    page = read_html(_page())
    assert "at least 42 people had been wounded" in page.text


def test_letters_counts_letters_only() -> None:
    assert letters("Ab 12, cd_ ä!") == 5

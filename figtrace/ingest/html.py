"""HTML pages: main text with resiliparse, metadata from the page's own tags.

Why resiliparse: its main-content extraction (a C HTML parser and a rule
pass over the DOM) reads a page several times faster than trafilatura and,
measured on the generated news pages of bench/bench_html.py, gives the same
claims (bench/results/html.md states both). trafilatura stays as the
fallback for a page where resiliparse finds no article text.

Metadata is read from the tags a news page carries rather than by a full
metadata pass: the title from ``og:title`` (else the first ``<h1>``, else
``<title>``), the site name from ``og:site_name``, the address from the
canonical link or ``og:url``. The publication date comes from the page's
markup only, at the precision it is written: the date ``<meta>`` tags first
(``article:published_time``, ``datePublished``, ``dc.date``, ...; "2025-08"
stays a month), else htmldate's reading of the markup (``extensive_search``
off: a date merely mentioned in the body is no publication date; the
metadata stage may still guess one from the body, marked as such).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from figtrace.ingest.decode import repair
from figtrace.ingest.errors import ReadError
from figtrace.limits import MAX_TAGS
from figtrace.periods import iso_date

# trafilatura logs every page it cannot parse; our InputError already says so, once.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


#: ``<meta>`` names (``name``, ``property`` or ``itemprop``) that carry the publication date, most specific first.
DATE_META = ("article:published_time", "datepublished", "og:published_time", "dc.date.issued", "dcterms.issued",
             "dc.date", "dcterms.date", "citation_publication_date", "pubdate", "publishdate", "date")
#: Bytes of the page searched for ``<meta>`` tags (they stand in the head).
META_WINDOW = 200_000
_META = re.compile(r"<meta\b[^<>]{0,2000}>", re.I)
# an attribute name starts after no name character: every position is tried once, not once per suffix
_ATTR = re.compile(r"""(?<![\w:.-])([\w:.-]{1,100})\s{0,20}=\s{0,20}"""
                   r"""(?:"([^"]{0,1000})"|'([^']{0,1000})'|([^\s>]{1,1000}))""")

#: A page whose main text (title aside) has fewer letters holds no article: navigation, a stub.
MIN_LETTERS = 60


@dataclass(slots=True)
class Page:
    text: str
    title: str | None
    published: str | None
    sitename: str | None
    url: str | None
    repaired: bool


def read_html(data: bytes | str, url: str | None = None) -> Page:
    """The article in an HTML page, title first; :class:`ReadError` when there is none."""
    tags = data.count(b"<" if isinstance(data, bytes) else "<")
    if tags > MAX_TAGS:
        raise ReadError(f"the page has {tags:,} tags, over the {MAX_TAGS:,}-tag limit (a tag flood, not an "
                        f"article)")
    markup = _markup(data)
    if tags > MAX_DEPTH and nesting(markup) > MAX_DEPTH:  # resiliparse's main-content pass is quadratic in it
        return _read_with_trafilatura(data, url)
    try:
        tree = _parse(markup)
        text = _main_text(tree)
    except RecursionError:
        raise ReadError("the HTML is nested too deeply to read (over Python's recursion limit)") from None
    except ReadError:
        raise
    except Exception as e:  # a parser's error on broken markup
        raise ReadError(f"cannot parse the HTML ({type(e).__name__})") from None
    metas = _metas(tree)
    title = metas.get("og:title") or metas.get("twitter:title") or _h1(tree) or (tree.title or "").strip() or None
    if not text:
        text, fallback_title = _trafilatura_text(data, url)
        title = title or fallback_title
    if not text:
        raise ReadError("no article text found in the HTML (empty body or only navigation)")
    body = text[len(title) :] if title and text.startswith(title) else text
    if letters(body) < MIN_LETTERS:
        raise ReadError("no article text found in the HTML (empty body or only navigation)")
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    text, repaired = repair(text)
    page_url = url or _canonical(tree, metas)
    return Page(
        text=text,
        title=title,
        published=meta_date(data) or _htmldate(markup, url),
        sitename=metas.get("og:site_name") or (urlsplit(page_url).hostname if page_url else None),
        url=page_url,
        repaired=repaired,
    )


#: Elements a page leaves open (``<p>``, ``<li>``) or never closes: not counted as nesting.
_UNCOUNTED = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                        "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt",
                        "rp", "colgroup", "thead", "tbody", "tfoot", "caption", "head", "body", "html"})
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,30})")
#: Nesting past which a page is read by trafilatura (lxml caps the depth) instead of resiliparse.
MAX_DEPTH = 1_000


def nesting(markup: str) -> int:
    """The deepest nesting of elements a page opens (an upper bound: unclosed tags count as open)."""
    depth = deepest = 0
    for close, name in _TAG.findall(markup):
        if name.lower() in _UNCOUNTED:
            continue
        if close:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest


def _read_with_trafilatura(data: bytes | str, url: str | None) -> Page:
    """A page resiliparse should not read (nested too deeply): trafilatura's text, the same metadata rules."""
    text, title = _trafilatura_text(data, url)
    body = text[len(title) :] if title and text.startswith(title) else text
    if not text or letters(body) < MIN_LETTERS:
        raise ReadError("no article text found in the HTML (empty body or only navigation)")
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    text, repaired = repair(text)
    return Page(text=text, title=title, published=meta_date(data), sitename=urlsplit(url).hostname if url else None,
                url=url, repaired=repaired)


def letters(text: str) -> int:
    """How many letters ``text`` holds (the test for a page without an article), in C-speed passes."""
    return len(_NON_LETTERS.sub("", text))


#: Everything but a letter: digits, underscores, space, punctuation and symbols.
_NON_LETTERS = re.compile(r"[\W\d_]+")


def _markup(data: bytes | str) -> str:
    """The page as text: the charset its ``<meta>`` declares, else detected from the bytes."""
    if isinstance(data, str):
        return data
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    return str(bytes_to_str(data, detect_encoding(data, from_html_meta=True)))


def _parse(markup: str) -> Any:
    from resiliparse.parse.html import HTMLTree

    return HTMLTree.parse(markup)


def _main_text(tree: Any) -> str:
    """The page's main content as plain text: paragraphs and tables, no navigation, forms or links' targets."""
    from resiliparse.extract.html2text import extract_plain_text

    return str(extract_plain_text(tree, main_content=True, list_bullets=False, alt_texts=False, links=False,
                                  form_fields=False, noscript=False, comments=False)).strip()


def _trafilatura_text(data: bytes | str, url: str | None) -> tuple[str, str | None]:
    """trafilatura's reading of a page resiliparse found no main text in: text and title, or empty."""
    import trafilatura

    try:
        result = trafilatura.bare_extraction(data, url=url, with_metadata=False, include_comments=False,
                                             include_tables=True, include_images=False, include_links=False,
                                             deduplicate=False)
    except RecursionError:
        raise ReadError("the HTML is nested too deeply to read (over Python's recursion limit)") from None
    except Exception as e:  # trafilatura raises many kinds on broken markup
        raise ReadError(f"cannot parse the HTML ({type(e).__name__})") from None
    if result is None:
        return "", None
    return (getattr(result, "text", None) or "").strip(), (getattr(result, "title", None) or "").strip() or None


def _metas(tree: Any) -> dict[str, str]:
    """The ``content`` of the head's ``<meta>`` tags by property or name (lower-cased), the first of each."""
    head = tree.head
    out: dict[str, str] = {}
    if head is None:
        return out
    for el in head.get_elements_by_tag_name("meta"):
        key = (el.getattr("property") or el.getattr("name") or "").strip().lower()
        if key and key not in out:
            content = (el.getattr("content") or "").strip()
            if content:
                out[key] = content
    return out


def _h1(tree: Any) -> str | None:
    body = tree.body
    if body is None:
        return None
    for el in body.get_elements_by_tag_name("h1"):
        text = " ".join(el.text.split())
        if text:
            return text
    return None


def _canonical(tree: Any, metas: dict[str, str]) -> str | None:
    head = tree.head
    if head is not None:
        for el in head.get_elements_by_tag_name("link"):
            if "canonical" in (el.getattr("rel") or "").lower().split() and el.getattr("href"):
                href = el.getattr("href").strip()
                if href.lower().startswith(("http://", "https://")):
                    return str(href)
    og = metas.get("og:url")
    return og if og and og.lower().startswith(("http://", "https://")) else None


def _htmldate(markup: str, url: str | None) -> str | None:
    """htmldate's reading of the markup (no search of the body text), only when no date tag says it."""
    from htmldate import find_date

    try:
        return iso_date(find_date(markup, extensive_search=False, original_date=True, url=url))
    except Exception:  # htmldate on broken markup: no date, not a failed page
        return None


def meta_date(data: bytes | str) -> str | None:
    """The publication date a ``<meta>`` tag states, at its precision; None when no tag states one."""
    head = data[:META_WINDOW]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    found: dict[str, str] = {}
    for tag in _META.finditer(text):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _ATTR.finditer(tag.group())}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in DATE_META and "content" in attrs:
            found.setdefault(key, attrs["content"])
    for key in DATE_META:
        date = iso_date(found.get(key))
        if date:
            return date
    return None

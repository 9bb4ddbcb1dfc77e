"""HTML pages: main text and metadata with trafilatura.

The publication date comes from the page's markup only, at the precision it
is written: the date ``<meta>`` tags first (``article:published_time``,
``datePublished``, ``dc.date``, ...; "2025-08" stays a month), else
htmldate's reading of the markup (``extensive_search`` off: a date merely
mentioned in the body is no publication date; the metadata stage may still
guess one from the body, marked as such).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

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
    import trafilatura
    from trafilatura.settings import set_date_params

    tags = data.count(b"<" if isinstance(data, bytes) else "<")
    if tags > MAX_TAGS:
        raise ReadError(f"the page has {tags:,} tags, over the {MAX_TAGS:,}-tag limit (a tag flood, not an "
                        f"article)")
    try:
        result = trafilatura.bare_extraction(
            data,
            url=url,
            with_metadata=True,
            date_extraction_params=set_date_params(extensive=False),
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except RecursionError:
        raise ReadError("the HTML is nested too deeply to read (over Python's recursion limit)") from None
    except Exception as e:  # trafilatura raises many kinds on broken markup
        raise ReadError(f"cannot parse the HTML ({type(e).__name__})") from None
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if not text:
        raise ReadError("no article text found in the HTML (empty body or only navigation)")
    title = (result.title or "").strip() or None
    body = text[len(title) :] if title and text.startswith(title) else text
    if sum(ch.isalpha() for ch in body) < MIN_LETTERS:
        raise ReadError("no article text found in the HTML (empty body or only navigation)")
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    text, repaired = repair(text)
    return Page(
        text=text,
        title=title,
        published=meta_date(data) or iso_date(result.date),
        sitename=result.sitename or result.hostname or None,
        url=url or result.url,
        repaired=repaired,
    )


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

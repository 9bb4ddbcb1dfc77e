"""HTML pages: main text and metadata with trafilatura (dates through htmldate)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from figtrace.ingest.decode import repair
from figtrace.ingest.errors import ReadError
from figtrace.limits import MAX_TAGS

# trafilatura logs every page it cannot parse; our InputError already says so, once.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


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

    tags = data.count(b"<" if isinstance(data, bytes) else "<")
    if tags > MAX_TAGS:
        raise ReadError(f"the page has {tags:,} tags, over the {MAX_TAGS:,}-tag limit (a tag flood, not an "
                        f"article)")
    try:
        result = trafilatura.bare_extraction(
            data,
            url=url,
            with_metadata=True,
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
        published=_iso_date(result.date),
        sitename=result.sitename or result.hostname or None,
        url=url or result.url,
        repaired=repaired,
    )


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None

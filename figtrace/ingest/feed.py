"""RSS and Atom feeds: each entry is an article, fetched from its link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from figtrace.ingest.errors import ReadError
from figtrace.periods import iso_date


@dataclass(slots=True)
class Entry:
    link: str | None
    title: str | None
    published: str | None
    content: str | None  # HTML of the entry itself, for entries without a link
    id: str | None


def parse_feed(data: bytes, base_url: str | None = None) -> Iterator[Entry]:
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
            reason = str(parsed.bozo_exception).splitlines()[0][:120]
            raise ReadError(f"not a readable RSS/Atom feed: {reason}")
        if not parsed.get("version"):
            raise ReadError("not an RSS or Atom feed")
        return
    for e in parsed.entries:
        link = e.get("link")
        if link and base_url:
            link = urljoin(base_url, link)
        content = None
        if e.get("content"):
            content = e.content[0].get("value")
        content = content or e.get("summary")
        yield Entry(
            link=link,
            title=e.get("title"),
            published=iso_date(e.get("published") or e.get("updated"))
            or _date(e.get("published_parsed") or e.get("updated_parsed")),
            content=content,
            id=e.get("id"),
        )


def _date(value: object) -> str | None:
    """A date feedparser parsed from another form (RFC 822: "Thu, 14 Aug 2025 10:00:00 GMT"): a day."""
    try:
        return dt.date(*value[:3]).isoformat()  # type: ignore[index]
    except (TypeError, ValueError):
        return None

"""Paging for every listing of the API and the dashboard: a total, the page, and links on.

Nothing is cut off silently: a listing answers with how many rows match
(``total``), the ``limit`` and ``offset`` it used, and a ``next`` link (the
same query with the next offset) until the last page. Every JSON listing
uses :func:`page_body`, so a client pages the same way everywhere. A count that
would read more than :data:`COUNT_CAP` rows stops there and says so
(``total_exact`` false, "more than 10,000" on a page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing."""

    rows: list[Any]
    total: int
    limit: int
    offset: int
    #: False when ``total`` is a lower bound: counting stopped there ("more than 10,000").
    exact: bool = True

    @property
    def has_next(self) -> bool:
        if not self.exact and self.offset + len(self.rows) >= self.total:
            return len(self.rows) == self.limit  # beyond the counted rows: a full page may have more after it
        return self.offset + len(self.rows) < self.total

    @property
    def has_prev(self) -> bool:
        return self.offset > 0


#: Rows a listing counts before it says "more than": a page should not count a whole ledger
#: (a search matching every one of 100,000 claims took 0.1 s to count, per page view).
COUNT_CAP = 10_000


def page_of(rows: list[Any], total: int, limit: int, offset: int, cap: int | None = None) -> Page:
    """One page; ``total`` counted up to ``cap`` (a count of ``cap + 1`` means "more than ``cap``")."""
    if cap is not None and total > cap:
        return Page(rows, max(cap, offset + len(rows)), limit, offset, exact=False)
    return Page(rows, total, limit, offset)


def link(request: Request, offset: int | None) -> str:
    """This request's path and query with ``offset`` replaced (None: the first page)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    if offset:
        query.append(("offset", str(offset)))
    qs = urlencode(query)
    return request.url.path + (f"?{qs}" if qs else "")


def page_body(request: Request, key: str, page: Page) -> dict[str, Any]:
    """The JSON of one page: rows under ``key``, ``total``, ``limit``, ``offset``, ``next`` and ``prev`` links."""
    return {
        key: page.rows,
        "total": page.total,
        "total_exact": page.exact,  # False: at least ``total`` (counting stopped there)
        "limit": page.limit,
        "offset": page.offset,
        "next": link(request, page.offset + page.limit) if page.has_next else None,
        "prev": link(request, max(0, page.offset - page.limit)) if page.has_prev else None,
        "next_offset": page.offset + page.limit if page.has_next else None,
    }

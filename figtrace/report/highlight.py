"""Mark the figure inside its sentence without ever trusting article text as HTML.

The text is split at the figure's offsets first and each piece escaped on
its own; only then is ``<mark>`` put around the middle piece. Replacing the
figure's string inside unescaped text would let an article choose markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape


def mark_span(text: str, start: int, end: int, *, css: str = "fig") -> Markup:
    """``text`` with ``text[start:end]`` wrapped in ``<mark>``; out-of-range offsets mark nothing."""
    if not (0 <= start < end <= len(text)):
        return Markup(escape(text))
    return Markup("{}<mark class=\"{}\">{}</mark>{}").format(
        text[:start], css, text[start:end], text[end:])


def quote_html(row: Mapping[str, Any]) -> Markup:
    """The claim's quote with its figure marked (offsets are document offsets).

    Falls back to finding the figure string in the quote when offsets are
    missing or point elsewhere (a claim built by hand, or an old ledger).
    """
    quote = row.get("quote") or ""
    qs = row.get("quote_start")
    start, end = row.get("start"), row.get("end")
    figure = row.get("figure") or ""
    if isinstance(qs, int) and isinstance(start, int) and isinstance(end, int):
        s, e = start - qs, end - qs
        if 0 <= s < e <= len(quote) and (not figure or quote[s:e] == figure):
            return mark_span(quote, s, e)
    if figure:
        at = quote.find(figure)
        if at >= 0:
            return mark_span(quote, at, at + len(figure))
    return Markup(escape(quote))


def context_html(text: str, row: Mapping[str, Any], *, radius: int = 600) -> Markup:
    """The claim in its article: paragraphs around the quote, quote and figure marked."""
    qs, qe = row.get("quote_start"), row.get("quote_end")
    start, end = row.get("start"), row.get("end")
    if not (isinstance(qs, int) and isinstance(qe, int) and 0 <= qs < qe <= len(text)):
        return quote_html(row)
    lo = max(0, text.rfind("\n", 0, max(0, qs - radius)) + 1) if qs > radius else 0
    hi = text.find("\n", min(len(text), qe + radius))
    hi = len(text) if hi < 0 else hi
    inner: Markup
    if isinstance(start, int) and isinstance(end, int) and qs <= start < end <= qe:
        inner = mark_span(text[qs:qe], start - qs, end - qs)
    else:
        inner = Markup(escape(text[qs:qe]))
    return Markup("{}{}<span class=\"quote\">{}</span>{}{}").format(
        "… " if lo > 0 else "", text[lo:qs], inner, text[qe:hi], " …" if hi < len(text) else "")

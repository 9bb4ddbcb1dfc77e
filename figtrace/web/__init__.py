"""``figtrace serve``: a read-only dashboard over a ledger."""

from __future__ import annotations

from figtrace.web.app import create_app

__all__ = ["create_app"]

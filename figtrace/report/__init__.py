"""Exports of a ledger for people: the self-contained HTML report and its charts."""

from __future__ import annotations

from figtrace.report.render import render_report, write_report

__all__ = ["render_report", "write_report"]

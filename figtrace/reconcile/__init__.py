"""Reconciliation: same-claim clusters, timelines, consistency rules (design.md)."""

from figtrace.periods import Period, parse_period
from figtrace.reconcile.rules import Finding, check
from figtrace.reconcile.timeline import Timeline, build_timeline

__all__ = ["Finding", "Period", "Timeline", "build_timeline", "check", "parse_period"]

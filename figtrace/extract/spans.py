"""Overlap removal: the one rule by which competing matches over the same text are settled.

Figures, time expressions and the like are found by several patterns at
once; where two matches overlap, the one that starts first wins, and of two
that start together the longer one ("rund 11.000" over "11.000"). Kept here
once so every finder settles overlaps the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def drop_overlaps(items: Iterable[T], span: Callable[[T], tuple[int, int]]) -> list[T]:
    """The matches that overlap no earlier kept one, leftmost first and longest first at the same start."""
    ordered = sorted(items, key=lambda x: (span(x)[0], -(span(x)[1] - span(x)[0])))
    out: list[T] = []
    last_end = -1
    for x in ordered:
        start, end = span(x)
        if start >= last_end:
            out.append(x)
            last_end = end
    return out

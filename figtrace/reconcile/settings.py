"""Calibrated constants of reconciliation, named and explained in one place.

They were chosen as a set against the seed corpus and the sample corpus in
``tests/golden/ledger/``; change one and rerun those golden tests, since a
wider window or a smaller factor changes which findings are flagged.
"""

from __future__ import annotations

#: Two sources disagree when one figure exceeds the other by more than this
#: factor at close dates (``figtrace conflicts --factor``). Below 2, ordinary
#: rounding and estimate spread ("about 2,000" vs "3,000") would flag.
DEFAULT_FACTOR: float = 2.0

#: Periods at most this many days apart count as "close dates": figures that
#: describe the same moment closely enough to be compared. 45 days covers an
#: agency's monthly update cycle plus the lag between a briefing and print.
CLOSE_DAYS: int = 45

#: Apparent conflicts (figures a factor apart) are looked for up to this many
#: days apart, so they can be listed as *explained* (different measure, growth
#: over time) instead of being silently ignored. 120 days reaches the UK's
#: June casualty figure from the NIS's September death toll, the issue's
#: example, without pairing every figure of a year with every other.
RELATED_DAYS: int = 120

#: A running total that "falls" to less than a third of an earlier figure of the
#: same source is read as another scope (a day's count, the toll of one strike, a
#: part such as the first contingent) unless both say they are running totals:
#: sources revise totals by tens of percent, not by a factor of three.
FALL_FACTOR: float = 3.0

#: Figures this many times apart do not even look like the same count (12,000
#: soldiers and "4" of something): a fall or a floor between them is not listed, not
#: even as explained, since nobody would mistake one for the other.
APPARENT_FACTOR: float = 20.0

#: Sources disagree only about figures known to hold within this many days: an
#: as-of of a whole year cannot show that two sources speak of the same time.
SPREAD_MAX_DAYS: int = 62

#: A contradiction is only as good as its evidence: both claims must have read their
#: actor and measure from their own words. The engine lowers a claim's confidence
#: below this when it took the actor from the paragraph or the story, or the claim
#: sits in page furniture; such a pair is listed as explained ("inferred"), to check.
GROUNDED_CONFIDENCE: float = 0.9

#: A timeline's span (the range the sources' latest figures cover) leaves out a
#: source whose latest figure is more than this many days older than the newest:
#: it no longer speaks of the same moment. Equal to RELATED_DAYS.
SPAN_WINDOW_DAYS: int = 120

#: An approximate figure ("about 2,000") is read as ±10 % when checked
#: against another figure, so rounding alone never raises a flag.
APPROX_TOLERANCE: float = 0.10

#: Same figure, same source, as-of periods at most this many days apart: one
#: claim. Outlets date one briefing differently ("on Monday" in one, the
#: print date in the next), and a source seldom repeats an exact figure a few
#: days later unless it is the same report.
MERGE_GAP_DAYS: int = 7

#: A claim without an as-of is ordered by its article's publication date; for
#: merging it is taken to hold during the window before publication, so two
#: outlets printing the same undated figure weeks apart still share a cluster.
UNDATED_WINDOW_DAYS: int = 45

#: Measures that only grow for one source over time (the spec: "deployed is
#: cumulative"; losses are counted since the war began). ``captured`` is left
#: out on purpose: prisoner exchanges make it fall legitimately.
CUMULATIVE_MEASURES: frozenset[str] = frozenset(
    {"deployed", "killed", "wounded", "killed_or_wounded", "missing"}
)

#: The measure hierarchy: each pair ``(part, whole)`` means a figure of
#: ``part`` can never exceed a figure of ``whole`` for the same actor at a
#: close or later date.
HIERARCHY: tuple[tuple[str, str], ...] = (
    ("killed", "killed_or_wounded"),
    ("wounded", "killed_or_wounded"),
    ("killed_or_wounded", "deployed"),
)

#: Measures readers mistake for each other ("2,000 dead" vs "6,000 losses"):
#: only these pairs are listed as *explained* when they look a factor apart.
#: Nobody reads troops deployed as a contradiction of a death toll.
CONFUSABLE: frozenset[tuple[str, str]] = frozenset(
    {("killed", "killed_or_wounded"), ("wounded", "killed_or_wounded")}
)

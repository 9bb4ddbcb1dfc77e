"""Each consistency rule in both directions, plus cases that must not be flagged."""

import math

import pytest

from figtrace.errors import FigtraceError
from figtrace.reconcile.rules import check, cumulative_falls, lower_bound, measure_hierarchy, source_factor
from figtrace.reconcile.settings import CLOSE_DAYS
from figtrace.reconcile.timeline import build_points, build_timeline
from figtrace.reconcile.values import bounds, describe_with_source, value_class

_ids = iter(range(1, 10**6))


def cl(source, measure, value, qualifier="exact", as_of="2025-06", actor="North Korea", published=None,
       doc=None):
    i = next(_ids)
    lower = qualifier in ("more_than", "at_least", "vague")
    upper = qualifier in ("up_to", "at_most", "less_than")
    return {
        "id": i, "cluster": f"k{i}", "doc": doc or f"d{i}.txt", "source": source, "measure": measure,
        "value": value, "low": None if upper else value, "high": None if lower else value,
        "qualifier": qualifier, "actor": actor, "as_of": as_of, "published": published,
        "quote": f"quote {i}", "figure": str(value), "outlet": None,
    }


def run(rule, *claims, factor=2.0):
    points, members = build_points(claims)
    return rule(points, members, factor)


def statuses(findings):
    return sorted((f.rule, f.status) for f in findings)


# -- bounds ---------------------------------------------------------------
def test_bounds_read_wording_as_interval():
    assert bounds(cl("A", "killed", 6000, "more_than")) == (6000, math.inf)
    assert bounds(cl("A", "killed", 500, "up_to")) == (0, 500)
    lo, hi = bounds(cl("A", "killed", 2000, "approx"))
    assert lo == pytest.approx(1800) and hi == pytest.approx(2200)
    assert bounds(cl("A", "killed", 2000, "approx"), tolerant=False) == (2000, 2000)


def test_value_class_merges_exact_with_approx_but_not_with_bounds():
    assert value_class("exact", 2000, 2000, 2000) == value_class("approx", 2000, 2000, 2000)
    assert value_class("more_than", 2000, 2000, None) == value_class("at_least", 2000, 2000, None)
    assert value_class("more_than", 2000, 2000, None) != value_class("exact", 2000, 2000, 2000)
    assert value_class("range", 2000, 2000, 3000) != value_class("range", 2000, 2000, 4000)


# -- measure hierarchy ----------------------------------------------------
def test_hierarchy_flags_part_larger_than_whole_at_close_dates():
    killed = cl("South Korea NIS", "killed", 5000, as_of="2025-03")
    kow = cl("UK Defence Intelligence", "killed_or_wounded", 3000, as_of="2025-03-20")
    [f] = run(measure_hierarchy, killed, kow)
    assert (f.rule, f.status) == ("measure_hierarchy", "flagged")
    assert "5,000 killed" in f.explanation and "3,000 killed or wounded" in f.explanation
    assert "South Korea NIS" in f.explanation and "UK Defence Intelligence" in f.explanation
    assert set(f.clusters) == {killed["cluster"], kow["cluster"]}
    assert {c["id"] for c in f.claims} == {killed["id"], kow["id"]}


def test_hierarchy_applies_transitively_killed_vs_deployed():
    [f] = run(measure_hierarchy, cl("A", "killed", 12000, as_of="2025-01"), cl("B", "deployed", 11000,
                                                                             as_of="2025-01"))
    assert f.status == "flagged" and "cannot exceed deployed" in f.explanation


def test_hierarchy_does_not_flag_a_later_part_outgrowing_an_old_whole():
    # killed in September may exceed killed-or-wounded of January: the whole grew meanwhile
    killed = cl("A", "killed", 5000, as_of="2025-09")
    kow = cl("B", "killed_or_wounded", 3000, as_of="2025-01")
    assert run(measure_hierarchy, killed, kow) == []


def test_hierarchy_does_flag_an_earlier_part_larger_than_a_later_whole():
    killed = cl("A", "killed", 5000, as_of="2025-01")
    kow = cl("B", "killed_or_wounded", 3000, as_of="2025-09")
    assert statuses(run(measure_hierarchy, killed, kow)) == [("measure_hierarchy", "flagged")]


def test_hierarchy_explains_uk_casualties_against_nis_killed():
    """The issue's example: over 6,000 casualties vs about 2,000 killed is no contradiction."""
    uk = cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06")
    nis = cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09")
    [f] = run(measure_hierarchy, uk, nis)
    assert f.status == "explained"
    assert "count different things" in f.explanation
    assert "more than 6,000 killed or wounded" in f.explanation and "about 2,000 killed" in f.explanation


def test_hierarchy_explains_only_confusable_measures():
    deployed = cl("A", "deployed", 11000, as_of="2025-06")
    killed = cl("B", "killed", 300, as_of="2025-06")
    assert run(measure_hierarchy, deployed, killed) == []


def test_hierarchy_lower_bound_whole_never_contradicted():
    killed = cl("A", "killed", 9000, as_of="2025-06")
    kow = cl("B", "killed_or_wounded", 6000, "more_than", as_of="2025-06")
    assert run(measure_hierarchy, killed, kow) == []


def test_hierarchy_within_rounding_is_not_flagged():
    killed = cl("A", "killed", 2000, "approx", as_of="2025-06")
    kow = cl("B", "killed_or_wounded", 1900, as_of="2025-06")
    assert run(measure_hierarchy, killed, kow) == []


# -- cumulative falls -----------------------------------------------------
def test_cumulative_figure_that_falls_is_flagged():
    early = cl("South Korea NIS", "deployed", 11000, as_of="2024-11")
    late = cl("South Korea NIS", "deployed", 8000, as_of="2025-04")
    [f] = run(cumulative_falls, early, late)
    assert f.status == "flagged"
    assert f.explanation.startswith("South Korea NIS's 11,000 deployed (2024-11) is followed by")
    assert f.clusters == [early["cluster"], late["cluster"]]


def test_cumulative_figure_that_rises_is_fine():
    assert run(cumulative_falls, cl("A", "deployed", 8000, as_of="2024-11"),
               cl("A", "deployed", 11000, as_of="2025-04")) == []


def test_cumulative_fall_to_a_lower_bound_is_explained():
    [f] = run(cumulative_falls, cl("A", "deployed", 11000, as_of="2024-11"),
              cl("A", "deployed", 10000, "more_than", as_of="2025-02"))
    assert f.status == "explained" and "lower bound" in f.explanation


def test_cumulative_rule_ignores_other_sources_and_non_cumulative_measures():
    assert run(cumulative_falls, cl("A", "deployed", 11000, as_of="2024-11"),
               cl("B", "deployed", 8000, as_of="2025-04")) == []
    assert run(cumulative_falls, cl("A", "captured", 900, as_of="2024-11"),
               cl("A", "captured", 100, as_of="2025-04")) == []


def test_cumulative_rule_uses_publication_date_when_as_of_is_missing():
    early = cl("A", "killed", 3000, as_of=None, published="2025-01-10")
    late = cl("A", "killed", 1000, as_of=None, published="2025-05-10")
    [f] = run(cumulative_falls, early, late)
    assert f.status == "flagged" and "published 2025-01-10" in f.explanation


# -- factor between sources -----------------------------------------------
def test_two_sources_a_factor_apart_at_close_dates_are_flagged():
    a = cl("South Korea NIS", "killed", 300, "approx", as_of="2025-01")
    b = cl("Ukrainian armed forces", "killed", 1000, as_of="2025-01-25")
    [f] = run(source_factor, a, b)
    assert f.status == "flagged" and "factor of 2" in f.explanation


def test_factor_option_changes_the_verdict():
    a = cl("A", "killed", 1000, as_of="2025-01")
    b = cl("B", "killed", 2500, as_of="2025-01")
    assert statuses(run(source_factor, a, b, factor=2.0)) == [("source_factor", "flagged")]
    assert run(source_factor, a, b, factor=3.0) == []


def test_factor_apart_but_far_apart_in_time_is_explained():
    a = cl("A", "killed", 300, as_of="2025-01")
    b = cl("B", "killed", 2000, as_of="2025-04")
    [f] = run(source_factor, a, b)
    assert f.status == "explained" and f"{CLOSE_DAYS} days" in f.explanation
    # beyond RELATED_DAYS the two are not even an apparent conflict
    assert run(source_factor, a, cl("B", "killed", 2000, as_of="2025-12")) == []


def test_factor_apart_only_before_rounding_is_explained():
    a = cl("A", "killed", 2000, "approx", as_of="2025-01")
    b = cl("B", "killed", 4300, as_of="2025-01")
    [f] = run(source_factor, a, b)
    assert f.status == "explained" and "rounding" in f.explanation


def test_same_source_or_close_figures_are_not_compared_by_factor():
    assert run(source_factor, cl("A", "killed", 300), cl("A", "killed", 3000)) == []
    assert run(source_factor, cl("A", "killed", 1500), cl("B", "killed", 2500)) == []


def test_factor_leaves_open_ended_figures_to_the_lower_bound_rule():
    assert run(source_factor, cl("A", "killed", 6000, "more_than"), cl("B", "killed", 1000)) == []


# -- lower bounds ---------------------------------------------------------
def test_lower_bound_contradicted_by_smaller_exact_figure_is_flagged():
    uk = cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06")
    ua = cl("Ukrainian armed forces", "killed_or_wounded", 4000, as_of="2025-06-20")
    [f] = run(lower_bound, uk, ua)
    assert f.status == "flagged"
    assert "more than 6,000" in f.explanation and "4,000" in f.explanation


def test_lower_bound_with_larger_exact_figure_is_explained_not_flagged():
    uk = cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06")
    big = cl("Ukrainian armed forces", "killed_or_wounded", 15000, as_of="2025-06")
    [f] = run(lower_bound, uk, big)
    assert f.status == "explained" and "does not contradict" in f.explanation


def test_lower_bound_near_a_close_figure_raises_nothing():
    assert run(lower_bound, cl("A", "killed", 1000, "at_least"), cl("B", "killed", 1200, "approx")) == []
    # two lower bounds never contradict each other
    assert run(lower_bound, cl("A", "killed", 1000, "at_least"), cl("B", "killed", 300, "more_than")) == []


def test_lower_bound_far_apart_in_time_is_not_compared():
    assert run(lower_bound, cl("A", "killed", 6000, "more_than", as_of="2025-06"),
               cl("B", "killed", 1000, as_of="2024-06")) == []


# -- all rules together ---------------------------------------------------
def test_check_orders_flagged_first_and_validates_factor():
    claims = [
        cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06"),
        cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09"),
        cl("South Korea NIS", "deployed", 11000, as_of="2024-11"),
        cl("South Korea NIS", "deployed", 8000, as_of="2025-04"),
    ]
    points, members = build_points(claims)
    findings = check(points, members)
    assert [(f.rule, f.status) for f in findings] == [
        ("cumulative_falls", "flagged"), ("measure_hierarchy", "explained")]
    with pytest.raises(FigtraceError, match="factor"):
        check(points, members, 1.0)


def test_describe_names_unattributed_and_undated_figures():
    text = describe_with_source(cl("unattributed", "killed", 70, as_of=None))
    assert text == "an unattributed 70 killed (undated)"


# -- timelines ------------------------------------------------------------
def test_timeline_latest_per_source_and_span_with_open_high():
    claims = [
        cl("South Korea NIS", "killed", 300, "approx", as_of="2025-01"),
        cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09"),
        cl("UK Defence Intelligence", "killed", 6000, "more_than", as_of="2025-06"),
    ]
    tl = build_timeline("North Korea", "killed", claims)
    assert [(p["source"], p["value"], p["latest"]) for p in tl.points] == [
        ("South Korea NIS", 300, False), ("South Korea NIS", 2000, True),
        ("UK Defence Intelligence", 6000, True)]
    assert tl.span["text"] == "2,000–6,000+"
    assert tl.span["open_high"] is True
    assert tl.span["claim_ids"] == sorted([claims[1]["id"], claims[2]["id"]])
    assert set(tl.latest) == {"South Korea NIS", "UK Defence Intelligence"}


def test_timeline_orders_undated_by_publication_and_says_so():
    claims = [cl("A", "killed", 500, as_of=None, published="2025-03-01"),
              cl("A", "killed", 400, as_of="2025-02")]
    tl = build_timeline("North Korea", "killed", claims)
    assert [p["value"] for p in tl.points] == [400, 500]
    assert [p["as_of_basis"] for p in tl.points] == ["as_of", "published"]
    assert tl.latest["A"]["value"] == 500
    assert tl.span["text"] == "500"


def test_timeline_point_lists_every_document_of_its_cluster():
    a = cl("A", "killed", 500, as_of="2025-02", doc="late.txt", published="2025-02-20")
    b = dict(cl("A", "killed", 500, as_of="2025-02-10", doc="early.txt", published="2025-02-11"),
             cluster=a["cluster"])
    [p] = build_timeline("North Korea", "killed", [a, b]).points
    assert p["docs"] == ["early.txt", "late.txt"]
    assert p["as_of"] == "2025-02-10"  # the most precise as-of represents the cluster
    assert p["claim_ids"] == sorted([a["id"], b["id"]])

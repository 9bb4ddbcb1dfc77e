"""Each consistency rule in both directions, plus cases that must not be flagged."""

import math

import pytest

from figtrace.errors import FigtraceError
from figtrace.reconcile.rules import REASONS, check
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


def kinds(findings):
    return sorted((f.kind, f.rule) for f in findings)


# -- measure hierarchy ----------------------------------------------------
def test_hierarchy_one_source_part_larger_than_whole_is_a_contradiction():
    killed = cl("South Korea NIS", "killed", 5000, as_of="2025-03")
    kow = cl("South Korea NIS", "killed_or_wounded", 3000, as_of="2025-03-20")
    [f] = run(check, killed, kow)
    assert (f.kind, f.rule, f.status, f.measure) == ("contradiction", "measure_hierarchy", "flagged",
                                                     "killed<killed_or_wounded")
    assert set(f.clusters) == {killed["cluster"], kow["cluster"]}
    assert {c["id"] for c in f.claims} == {killed["id"], kow["id"]}


def test_hierarchy_between_two_sources_is_a_disagreement():
    killed = cl("South Korea NIS", "killed", 5000, as_of="2025-03")
    kow = cl("UK Defence Intelligence", "killed_or_wounded", 3000, as_of="2025-03-20")
    assert kinds(run(check, killed, kow)) == [("disagreement", "measure_hierarchy")]


def test_hierarchy_applies_transitively_killed_vs_deployed():
    [f] = run(check, cl("A", "killed", 12000, as_of="2025-01"), cl("A", "deployed", 11000, as_of="2025-01"))
    assert (f.kind, f.measure) == ("contradiction", "killed<deployed")


def test_hierarchy_does_not_compare_a_part_dated_after_its_whole():
    # killed in September may exceed killed-or-wounded of January: the whole grew meanwhile
    assert run(check, cl("A", "killed", 5000, as_of="2025-09"), cl("A", "killed_or_wounded", 3000,
                                                                    as_of="2025-01")) == []


def test_hierarchy_engineers_are_a_part_of_the_force_not_its_size():
    """The seeds' false alarm: about 2,000 killed against about 1,000 engineers deployed."""
    killed = cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09-02")
    engineers = dict(cl("South Korea NIS", "deployed", 1000, "approx", as_of="2025-09-02"), group="engineers")
    assert run(check, killed, engineers) == []
    whole = cl("South Korea NIS", "deployed", 1000, "approx", as_of="2025-09-02")
    assert kinds(run(check, killed, whole)) == [("contradiction", "measure_hierarchy")]


def test_hierarchy_explains_uk_casualties_against_nis_killed():
    """The issue's example: over 6,000 casualties vs about 2,000 killed is no contradiction."""
    uk = cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06")
    nis = cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09")
    [f] = run(check, uk, nis)
    assert (f.kind, f.reason, f.status, f.measure) == ("explained", "measure", "explained", "killed<killed_or_wounded")
    assert set(f.claim_ids) == {uk["id"], nis["id"]}


def test_hierarchy_lower_bound_whole_and_rounding_are_never_contradicted():
    assert run(check, cl("A", "killed", 9000, as_of="2025-06"),
               cl("A", "killed_or_wounded", 6000, "more_than", as_of="2025-06")) == []
    assert run(check, cl("A", "killed", 2000, "approx", as_of="2025-06"),
               cl("A", "killed_or_wounded", 1900, as_of="2025-06")) == []


def test_an_inferred_actor_or_measure_cannot_ground_a_contradiction():
    killed = dict(cl("A", "killed", 5000, as_of="2025-03"), confidence=0.8)
    kow = cl("A", "killed_or_wounded", 3000, as_of="2025-03")
    [f] = run(check, killed, kow)
    assert (f.kind, f.reason) == ("explained", "inferred") and REASONS["inferred"] in f.explanation


# -- running totals ---------------------------------------------------------
def test_running_total_that_falls_is_a_contradiction():
    early = cl("South Korea NIS", "deployed", 11000, as_of="2024-11")
    late = cl("South Korea NIS", "deployed", 8000, as_of="2025-04")
    [f] = run(check, early, late)
    assert (f.kind, f.rule) == ("contradiction", "running_total")
    # the sentence a reader gets (the one test of its wording; the others assert on fields)
    assert f.explanation.startswith("South Korea NIS's 11,000 deployed (2024-11) is followed by")
    assert f.clusters == [early["cluster"], late["cluster"]]


def test_running_total_that_rises_or_falls_to_a_bound_is_fine():
    assert run(check, cl("A", "deployed", 8000, as_of="2024-11"), cl("A", "deployed", 11000, as_of="2025-04")) == []
    [f] = run(check, cl("A", "deployed", 11000, as_of="2024-11"),
              cl("A", "deployed", 10000, "more_than", as_of="2025-02"))
    assert (f.kind, f.reason, f.rule) == ("explained", "bound", "running_total")


def test_a_days_count_after_a_running_total_is_not_a_fall():
    """The issue's false alarm: 1,140 over the past day, then about 1,000 a week later."""
    day1 = dict(cl("Ukrainian armed forces", "killed_or_wounded", 1140, as_of="2025-06-09..2025-06-10"),
                scope="period")
    day2 = dict(cl("Ukrainian armed forces", "killed_or_wounded", 1000, "approx", as_of="2025-06-17"),
                scope="period")
    total = dict(cl("Ukrainian armed forces", "killed_or_wounded", 1000340, as_of="2025-06-12"), scope="total")
    assert [f for f in run(check, day1, day2, total) if f.kind != "explained"] == []
    # a figure that does not say, a thousandth of the total, is not even an apparent fall
    unsaid = cl("Ukrainian armed forces", "killed_or_wounded", 1000, "approx", as_of="2025-06-17")
    assert run(check, total, unsaid) == []
    # a few times smaller is read as another scope (a period's count, a part), and said so
    week = cl("Ukrainian armed forces", "killed_or_wounded", 300000, as_of="2025-06-20")
    [f] = run(check, total, week)
    assert (f.kind, f.reason) == ("explained", "scope")


def test_running_total_rule_ignores_other_sources_unattributed_and_counts_that_may_fall():
    assert [f.kind for f in run(check, cl("A", "deployed", 11000, as_of="2024-11"),
                                cl("B", "deployed", 8000, as_of="2025-04"))] in ([], ["disagreement"])
    assert run(check, cl("unattributed", "deployed", 11000, as_of="2024-11"),
               cl("unattributed", "deployed", 8000, as_of="2025-04")) == []
    assert run(check, cl("A", "captured", 900, as_of="2024-11"), cl("A", "captured", 100, as_of="2025-04")) == []


def test_running_total_uses_publication_date_when_as_of_is_missing():
    early = cl("A", "killed", 3000, as_of=None, published="2025-01-10")
    late = cl("A", "killed", 2000, as_of=None, published="2025-05-10")
    [f] = run(check, early, late)
    assert f.kind == "contradiction" and f.claim_ids == [early["id"], late["id"]]  # ordered by publication


# -- lower bounds ---------------------------------------------------------
def test_lower_bound_above_another_sources_figure_at_the_same_time_is_a_contradiction():
    ua = cl("Volodymyr Zelensky", "killed_or_wounded", 3000, "more_than", as_of="2024-12-23")
    kr = cl("South Korea JCS", "killed_or_wounded", 1100, "approx", as_of="2024-12-23")
    [f] = run(check, ua, kr)
    assert (f.kind, f.rule) == ("contradiction", "lower_bound")
    assert set(f.claim_ids) == {ua["id"], kr["id"]}


def test_lower_bound_after_a_smaller_earlier_figure_is_growth():
    early = cl("South Korea JCS", "killed_or_wounded", 4000, "approx", as_of="2025-05-10")
    uk = cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06-15")
    [f] = run(check, uk, early)
    assert (f.kind, f.reason) == ("explained", "growth")


def test_lower_bound_near_a_close_figure_or_another_bound_raises_nothing():
    assert run(check, cl("A", "killed", 1000, "at_least"), cl("B", "killed", 1200, "approx")) == []
    assert run(check, cl("A", "killed", 1000, "at_least"), cl("B", "killed", 300, "more_than")) == []


def test_lower_bound_far_apart_in_time_or_dated_only_to_a_year_is_not_compared():
    assert run(check, cl("A", "killed", 6000, "more_than", as_of="2025-06"),
               cl("B", "killed", 1000, as_of="2024-06")) == []
    assert run(check, cl("A", "killed", 6000, "more_than", as_of="2025"), cl("B", "killed", 1000,
                                                                            as_of="2025-06")) == []


def test_different_items_groups_and_scopes_are_never_compared():
    drones = dict(cl("A", "equipment", 100, "more_than", as_of="2025-06-16"), item="drone", scope="total")
    tanks = dict(cl("A", "equipment", 19, as_of="2025-06-16"), item="tank", scope="total")
    assert run(check, drones, tanks) == []
    exchange = dict(cl("A", "captured", 270, as_of="2025-05-23"), scope="event")
    deal = dict(cl("B", "captured", 1000, as_of="2025-05-23"), scope="total")
    assert run(check, exchange, deal) == []
    children = dict(cl("A", "killed", 20, as_of="2025-05-23"), group="children")
    assert run(check, children, cl("A", "killed", 100, "more_than", as_of="2025-05-23")) == []


# -- nested periods ------------------------------------------------------------
def test_a_days_count_above_its_weeks_count_is_a_contradiction_and_within_it_is_fine():
    day = dict(cl("Ukrainian armed forces", "killed_or_wounded", 1500, as_of="2025-06-10"), scope="period")
    week = dict(cl("Ukrainian armed forces", "killed_or_wounded", 1200, as_of="2025-06-04..2025-06-10"),
                scope="period")
    [f] = [f for f in run(check, day, week) if f.rule == "nested_periods"]
    assert (f.kind, f.window) == ("contradiction", "2025-06-04..2025-06-10")
    assert set(f.claim_ids) == {day["id"], week["id"]}
    bigger_week = dict(week, value=7000, low=7000, high=7000)
    assert [f for f in run(check, day, bigger_week) if f.rule == "nested_periods"] == []
    other = dict(week, source="Russian Ministry of Defence")
    assert [f.kind for f in run(check, day, other) if f.rule == "nested_periods"] == ["disagreement"]


# -- disagreement as a spread ---------------------------------------------------
def test_sources_apart_at_the_same_time_are_one_spread_not_pairwise_alarms():
    claims = [cl(f"S{i}", "killed", v, as_of="2025-01-1" + str(i)) for i, v in enumerate((300, 320, 900, 1000))]
    [f] = run(check, *claims)
    assert (f.kind, f.rule) == ("disagreement", "spread")
    assert f.spread["low"] == 300 and f.spread["high"] == 1000 and len(f.spread["sources"]) == 4
    assert f.window == "2025-01"
    assert run(check, *claims, factor=4.0) == []


def test_the_factor_option_changes_the_verdict():
    a, b = cl("A", "killed", 1000, as_of="2025-01"), cl("B", "killed", 2500, as_of="2025-01")
    assert kinds(run(check, a, b, factor=2.0)) == [("disagreement", "spread")]
    assert run(check, a, b, factor=3.0) == []


# -- one finding per group ---------------------------------------------------
def test_many_pairs_of_one_group_are_one_finding_with_the_strongest_pair_and_a_count():
    early = [cl("A", "deployed", v, as_of="2024-11") for v in (11000, 12000, 11500)]
    late = [cl("A", "deployed", v, as_of="2025-04") for v in (8000, 9000)]
    [f] = run(check, *early, *late)
    assert f.kind == "contradiction" and f.n_more == 5
    assert sorted(c["value"] for c in f.claims) == [8000, 12000]  # the strongest pair is the one shown


def test_check_orders_contradictions_disagreements_explained_and_validates_factor():
    claims = [
        cl("UK Defence Intelligence", "killed_or_wounded", 6000, "more_than", as_of="2025-06"),
        cl("South Korea NIS", "killed", 2000, "approx", as_of="2025-09"),
        cl("South Korea NIS", "deployed", 11000, as_of="2024-11"),
        cl("South Korea NIS", "deployed", 8000, as_of="2025-04"),
        cl("X", "wounded", 100, as_of="2025-02-01"), cl("Y", "wounded", 900, as_of="2025-02-02"),
    ]
    points, members = build_points(claims)
    findings = check(points, members)
    assert [f.kind for f in findings][:3] == ["contradiction", "disagreement", "explained"]
    assert {f.kind for f in findings[2:]} == {"explained"}
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
    assert [p["lane"] for p in tl.points] == ["dated", "undated"]
    # a dated figure beats one placed at its publication date: the undated one is not "the latest"
    assert tl.latest["A"]["value"] == 400
    assert tl.span["text"] == "400"


def test_timeline_undated_points_count_only_for_a_source_with_nothing_else():
    claims = [cl("A", "killed", 500, as_of=None, published="2025-03-01"),
              cl("B", "killed", 450, as_of=None, published=None)]
    tl = build_timeline("North Korea", "killed", claims)
    assert {s: p["value"] for s, p in tl.latest.items()} == {"A": 500, "B": 450}
    assert {p["lane"] for p in tl.points} == {"undated"}


def test_timeline_latest_reads_ranges_by_their_end_and_months_by_their_start():
    claims = [
        cl("A", "killed_or_wounded", 1000340, as_of="2022-02..2025-06-16"),  # a running total up to June 16
        cl("A", "killed_or_wounded", 999000, as_of="2025-06-10"),
        cl("B", "killed", 2000, as_of="2025"),          # some time in 2025 …
        cl("B", "killed", 2100, as_of="2025-09-02"),    # … is not newer than a day in it
    ]
    assert build_timeline("X", "killed_or_wounded", claims[:2]).latest["A"]["value"] == 1000340
    assert build_timeline("X", "killed", claims[2:]).latest["B"]["value"] == 2100


def test_timeline_latest_and_span_come_from_whole_counts_not_parts_or_days():
    total = cl("A", "killed_or_wounded", 1000340, as_of="2025-06-12")
    day = dict(cl("A", "killed_or_wounded", 880, as_of="2025-09-02"), scope="period")
    children = dict(cl("B", "killed_or_wounded", 20, as_of="2025-09-02"), group="children")
    other = cl("B", "killed_or_wounded", 950000, as_of="2025-06-01")
    tl = build_timeline("Russia", "killed_or_wounded", [total, day, children, other])
    assert tl.latest["A"]["value"] == 1000340 and tl.latest["B"]["value"] == 950000
    assert tl.span["text"] == "950,000–1,000,340"
    assert len(tl.points) == 4  # the day's count and the part stay on the timeline


def test_timeline_span_leaves_out_a_source_silent_for_months():
    claims = [cl("A", "killed", 2000, as_of="2025-09-02"), cl("B", "killed", 300, as_of="2025-01"),
              cl("C", "killed", 2500, as_of="2025-08")]
    tl = build_timeline("North Korea", "killed", claims)
    assert set(tl.latest) == {"A", "B", "C"}
    assert tl.span["text"] == "2,000–2,500" and len(tl.span["clusters"]) == 2


def test_timeline_point_lists_every_document_of_its_cluster():
    a = cl("A", "killed", 500, as_of="2025-02", doc="late.txt", published="2025-02-20")
    b = dict(cl("A", "killed", 500, as_of="2025-02-10", doc="early.txt", published="2025-02-11"),
             cluster=a["cluster"])
    [p] = build_timeline("North Korea", "killed", [a, b]).points
    assert p["docs"] == ["early.txt", "late.txt"]
    assert p["as_of"] == "2025-02-10"  # the most precise as-of represents the cluster
    assert p["claim_ids"] == sorted([a["id"], b["id"]])


@pytest.mark.parametrize("bitmap_pairs", [0, 1 << 29])
def test_contradicted_pairs_are_held_the_same_as_bits_or_as_numbers(monkeypatch, bitmap_pairs: int) -> None:
    from figtrace.reconcile import rules

    monkeypatch.setattr(rules, "BITMAP_PAIRS", bitmap_pairs)
    held = rules._PairSet(50)
    assert 7 not in held  # nothing held yet, nothing allocated
    marked = {0, 7, 8, 51, 2499, 1234}
    for k in marked:
        held.add(k)
    assert (held.bits is None) == (bitmap_pairs == 0)
    assert {k for k in range(2500) if k in held} == marked

from hypothesis import given, settings
from hypothesis import strategies as st

from figtrace.reconcile.clusters import assign_clusters, claim_key


def c(i, as_of, published=None, **kw):
    d = {"id": i, "source": "South Korea NIS", "actor": "North Korea", "measure": "killed", "value": 2000,
         "low": 2000, "high": 2000, "qualifier": "approx", "as_of": as_of, "published": published}
    d.update(kw)
    return d


def groups(result):
    out = {}
    for i, cid in result.items():
        out.setdefault(cid, set()).add(i)
    return sorted(sorted(g) for g in out.values())


def test_overlapping_periods_merge_and_disjoint_ones_do_not():
    claims = [c(1, "2025-09"), c(2, "2025-09-02"), c(3, "2025-08..2025-09"), c(4, "2025-03")]
    assert groups(assign_clusters(claims)) == [[1, 2, 3], [4]]


def test_overlap_is_taken_transitively():
    # 1 and 3 do not overlap, but both overlap 2: one printed figure, one cluster
    claims = [c(1, "2025-01..2025-02"), c(2, "2025-02..2025-03"), c(3, "2025-03..2025-04")]
    assert groups(assign_clusters(claims)) == [[1, 2, 3]]


def test_any_difference_in_key_splits():
    base = c(1, "2025-09")
    others = [c(2, "2025-09", source="UK Defence Intelligence"), c(3, "2025-09", actor="Russia"),
              c(4, "2025-09", measure="killed_or_wounded"), c(5, "2025-09", value=2100, low=2100, high=2100),
              c(6, "2025-09", qualifier="more_than", high=None)]
    assert groups(assign_clusters([base, *others])) == [[1], [2], [3], [4], [5], [6]]


def test_exact_and_approx_of_one_source_merge_case_insensitively():
    claims = [c(1, "2025-09"), c(2, "2025-09", qualifier="exact", source="south korea nis")]
    assert groups(assign_clusters(claims)) == [[1, 2]]
    assert claim_key(claims[0]) == claim_key(claims[1])


def test_undated_claims_merge_by_publication_window():
    claims = [c(1, None, "2025-09-02"), c(2, None, "2025-09-20"), c(3, "2025-08"), c(4, None, "2026-03-01")]
    assert groups(assign_clusters(claims)) == [[1, 2, 3], [4]]


def test_claims_without_any_date_share_one_cluster():
    claims = [c(1, None), c(2, None), c(3, "2025-08")]
    assert groups(assign_clusters(claims)) == [[1, 2], [3]]


@settings(max_examples=40, deadline=None)
@given(st.permutations([c(1, "2025-09"), c(2, "2025-09-02"), c(3, "2025-03"), c(4, None, "2025-03-10"),
                        c(5, "2025", source="UN"), c(6, None)]))
def test_cluster_ids_do_not_depend_on_ingest_order(claims):
    reference = assign_clusters(sorted(claims, key=lambda x: x["id"]))
    assert assign_clusters(claims) == reference


def test_one_briefing_dated_differently_by_two_outlets_still_merges():
    # "on Monday" in one outlet, the print date two days later in the next
    claims = [c(1, "2025-01-13"), c(2, "2025-01-15"), c(3, "2025-01-30")]
    assert groups(assign_clusters(claims)) == [[1, 2], [3]]

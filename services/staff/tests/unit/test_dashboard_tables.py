"""The dashboard's tables from the outcomes API's answers, and its filters checked before any
call: what a manager reads and downloads is what the API counted."""

from __future__ import annotations

import csv
import io

from staff.entrypoints.web.dashboard import (
    SOURCES,
    Filters,
    before_after_table,
    category_table,
    definitions,
    scorecard_tables,
)

SHARE = {"numerator": 3, "denominator": 4, "percent": 75.0}
EMPTY = {"numerator": 0, "denominator": 0, "percent": None}
CARD = {
    "how_much": {
        "contacts": 8,
        "referrals_by_source": {"school_via_cluster": 5, "police": 1},
        "families_allocated": 6,
        "formulations_completed": 6,
        "plans_opened": 6,
        "sub_goals_set": 12,
        "reviews_recorded": 36,
    },
    "how_well": {
        "formulations_six_ps_and_walk_back": SHARE,
        "sub_goals_with_baseline": SHARE,
        "reviews_on_time": EMPTY,
        "feedback_treated_with_respect": SHARE,
        "feedback_would_recommend": SHARE,
        "days_contact_to_decision": {"n": 3, "mean_days": 0.0, "median_days": 0.0},
        "days_contact_to_allocation": {"n": 0, "mean_days": None, "median_days": None},
    },
    "better_off": {
        "goal_movement": {"improved": 8, "scored": 12, "improved_percent": 66.7},
        "closures": {"completed": 4},
        "all_goals_achieved": SHARE,
        "escalations_to_area_social_work": 1,
        "re_referrals_within_12_months": EMPTY,
    },
}


def test_the_scorecard_reads_how_much_how_well_and_better_off() -> None:
    much, well, better = scorecard_tables(CARD)
    assert (much.caption, well.caption, better.caption) == (
        "How much did we do?",
        "How well did we do it?",
        "Is anyone better off?",
    )
    assert ["Referrals", 6] in [list(r) for r in much.rows]
    assert ["Reviews on time", None] in [list(r) for r in well.rows]
    # Zero days is a figure, not "no figure".
    assert ["Mean days from contact to decision", 0.0] in [list(r) for r in well.rows]
    assert ["Goals improved from baseline", "66.7% (8 of 12)"] in [list(r) for r in better.rows]


def test_goal_movement_by_category_names_each_category_and_downloads_the_same_rows() -> None:
    body = {
        "rows": [
            {
                "category": "child_safeguarding",
                "goals": 6,
                "scored": 6,
                "improved": 4,
                "unchanged": 1,
                "deteriorated": 1,
                "no_score": 0,
                "improved_percent": 67.0,
            }
        ]
    }
    table = category_table(body)
    assert table.rows == [["Child safeguarding", 6, 4, 1, 1, 0, "67%"]]
    rows = list(csv.reader(io.StringIO(table.csv())))
    assert rows[1] == ["Child safeguarding", "6", "4", "1", "1", "0", "67%"]


def test_a_table_1_row_without_a_split_has_no_difference_and_the_totals_are_kept() -> None:
    body = {
        "window_from": "2017-01-01",
        "window_to": "2018-12-31",
        "rows": [
            {
                "cluster_id": "inner-east",
                "split_in_window": True,
                "months_before": 9,
                "count_before": 1,
                "average_before": "0.11",
                "months_after": 15,
                "count_after": 3,
                "average_after": "0.20",
                "difference": "0.09",
            },
            {
                "cluster_id": "jess",
                "split_in_window": False,
                "months_before": 24,
                "count_before": 0,
                "average_before": "0.00",
                "months_after": 0,
                "count_after": 0,
                "average_after": "0.00",
                "difference": None,
            },
        ],
        "totals": {
            "count_before": 1,
            "average_before": "0.11",
            "count_after": 3,
            "average_after": "0.20",
            "difference": "0.09",
        },
    }
    table = before_after_table("table-1", "Table 1", body)
    assert table.rows[1][-1] is None
    assert table.foot[0][0] == "Total" and table.foot[0][-1] == "0.09"
    assert "2017-01-01" in table.notes


def test_filters_are_checked_before_anything_is_asked() -> None:
    bad = Filters.of(
        {"from": "2026-13-01", "to": "2026-01-01", "cluster_id": "nowhere", "code": "Z9"}
    )
    errors = bad.errors()
    assert set(errors.by_input) == {"from", "cluster_id", "code"}
    backwards = Filters.of({"from": "2026-03-01", "to": "2026-01-01"}).errors()
    assert list(backwards.by_input) == ["to"]
    assert not Filters.of({"cluster_id": "inner-east", "code": "s1"}).errors()


def test_each_table_gets_only_the_filters_that_apply_to_it() -> None:
    filters = Filters.of({"from": "2026-01-01", "cluster_id": "inner-east", "code": "S1"})
    assert SOURCES["table-4"].params(filters)["code"] == "S1"
    assert "code" not in SOURCES["closure-reasons"].params(filters)
    assert SOURCES["closure-reasons"].params(filters)["cluster_id"] == "inner-east"
    assert "code" not in SOURCES["intervention"].params(filters)  # plans carry no code
    # Tables 1-3 carry no goal coding: with a code chosen they are not shown at all.
    assert not SOURCES["table-1"].shown(filters)
    assert SOURCES["table-1"].shown(Filters.of({"cluster_id": "inner-east"}))
    assert set(SOURCES["table-3"].params(Filters.of({"cluster_id": "jess"}))) == {
        "from",
        "to",
        "cluster_id",
    }


def test_definitions_are_listed_once_each_whichever_figures_carry_them() -> None:
    shares = {"key": "goal_movement_shares", "text": "Shares of scored goals", "source": "3.3"}
    grace = {"key": "review_timeliness_grace", "text": "Two days", "source": "project"}
    bodies = {
        "/v1/scorecard": {"definitions": [grace, shares]},
        "/v1/evaluation/goal-movement": {"definitions": [shares]},
        "/v1/evaluation/table-4": {"rows": []},
    }
    assert definitions(bodies) == [shares, grace]

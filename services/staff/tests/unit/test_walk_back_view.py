"""The walk back as a practitioner reads it: each failing step by its words and what to fix,
each priority with no step, linked to where it is fixed."""

from __future__ import annotations

from datetime import date

from staff.entrypoints.web.formulations import walk_back_view
from staff.entrypoints.web.plans import review_state

FORMULATION = {
    "next_steps": [{"id": "s1", "what": "Weekly check-in at school"}],
    "factors": {
        "perpetuating": [{"id": "f1", "description": "Mornings end in arguments"}],
    },
}


def test_a_failing_walk_back_says_what_to_fix_for_each_step_and_priority() -> None:
    walk = {
        "passed": False,
        "can_complete": False,
        "untraced_steps": [
            {"step_id": "s1", "gaps": ["no_perpetuating_factor", "no_presenting_issue"]}
        ],
        "unaddressed_priorities": ["f1"],
        "unconsidered_ps": ["predicting"],
        "missing_minimum_roles": ["school"],
        "blockers": [
            {"field": "next_steps.s1", "message": "does not walk back"},
            {"field": "hypothesis", "message": "say what is going on for the family right now"},
        ],
        "steps_not_building_on_protective_factors": ["s1"],
    }
    view = walk_back_view(FORMULATION, walk)
    texts = [p["text"] for p in view["problems"]]
    needs = [p["text"] for p in view["needs"]]
    assert texts[0] == (
        "Next step ‘Weekly check-in at school’ does not walk back: say which prioritised "
        "perpetuating factor it addresses; say which presenting issue it walks back to"
    )
    assert view["problems"][0]["href"] == "#step-s1"
    assert any("‘Mornings end in arguments’" in t for t in texts)
    assert any(t.startswith("Predicting factors") for t in needs)
    assert any("school" in t for t in needs)
    assert "Hypothesis: say what is going on for the family right now" in needs
    # The step's blocker is said once, in words, not again as a field path.
    assert not any("next_steps" in t for t in texts + needs)
    assert view["advice"] == ["Weekly check-in at school"]
    assert not view["passed"]


def test_a_passing_walk_back_has_nothing_to_fix() -> None:
    view = walk_back_view(FORMULATION, {"passed": True, "can_complete": True})
    assert view["passed"] and view["problems"] == [] and view["needs"] == []


def test_reviews_due_this_week_and_overdue_are_tagged() -> None:
    today = date(2026, 12, 3)
    assert review_state({"status": "active", "review_due_on": "2026-12-01"}, today) == (
        "Review overdue by 2 days",
        "red",
    )
    assert review_state({"status": "active", "review_due_on": "2026-12-03"}, today) == (
        "Review due today",
        "yellow",
    )
    assert review_state({"status": "active", "review_due_on": "2026-12-20"}, today) is None
    assert review_state({"status": "achieved", "review_due_on": "2026-11-01"}, today) is None

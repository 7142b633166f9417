"""Who may call which goals endpoint, and which records they may see (see runtime.policy).

RES staff read and write the plans of families allocated to their team; Duty and Advice,
supervisors and Rethink facilitators read every plan; administrators read and write every plan.
BI analysts and partner systems see no family record (they get the pseudonymised stream).
"""

from __future__ import annotations

from runtime.identity import Role
from runtime.policy import ANALYSTS, PRACTICE, RES, ObjectRule, Policy, rule

READ = PRACTICE
WRITE = RES | {Role.ADMIN}
STAFF = PRACTICE | ANALYSTS

_PLAN = "/v1/plans/{plan_id}"
_SUB_GOAL = _PLAN + "/sub-goals/{sub_goal_id}"
_WRITES = [
    ("POST", _PLAN + "/sub-goals", "agree a sub-goal (active or queued)"),
    ("POST", _SUB_GOAL + "/start", "start a queued sub-goal"),
    ("PATCH", _SUB_GOAL, "agree a tracking frequency"),
    ("POST", _SUB_GOAL + "/baseline", "record the family's baseline score"),
    ("POST", _SUB_GOAL + "/scores", "record a tracking score"),
    ("POST", _SUB_GOAL + "/evaluations", "evaluate a sub-goal"),
    ("POST", _SUB_GOAL + "/end", "end a sub-goal; the next queued one starts"),
    ("POST", _SUB_GOAL + "/actions", "agree an action"),
    ("POST", _SUB_GOAL + "/actions/{action_id}/progress", "record progress on an action"),
    ("POST", _PLAN + "/closure", "close with a sustainability plan"),
    ("POST", _PLAN + "/return-to-formulation", "send the plan back to formulation"),
    ("POST", _PLAN + "/feedback", "record the family's feedback"),
]

POLICY = Policy(
    "goals",
    [
        rule(
            "GET",
            "/v1/reference/codes",
            STAFF,
            [],
            ObjectRule.NONE,
            "the Children and Families code table",
        ),
        rule(
            "GET",
            "/v1/reference/activity-categories",
            STAFF,
            [],
            ObjectRule.NONE,
            "activity categories of actions",
        ),
        rule("GET", "/v1/reference/closure-reasons", STAFF, [], ObjectRule.NONE, "closure reasons"),
        rule(
            "POST",
            "/v1/plans",
            WRITE,
            [],
            ObjectRule.OWN_TEAM,
            "open a plan; RES for families allocated to their team",
        ),
        rule(
            "GET",
            "/v1/plans",
            READ,
            [],
            ObjectRule.OWN_TEAM,
            "list plans; RES see their team's families",
        ),
        rule("GET", _PLAN, READ, [], ObjectRule.OWN_TEAM, "read a plan"),
        rule(
            "GET", _PLAN + "/progress", READ, [], ObjectRule.OWN_TEAM, "scores over time, as data"
        ),
        rule(
            "GET",
            _PLAN + "/progress.svg",
            READ,
            [],
            ObjectRule.OWN_TEAM,
            "scores over time, as a chart",
        ),
        rule(
            "GET",
            "/v1/reviews/overdue",
            READ,
            [],
            ObjectRule.OWN_TEAM,
            "sub-goals overdue a review",
        ),
        *(
            rule(method, path, WRITE, [], ObjectRule.OWN_TEAM, summary)
            for method, path, summary in _WRITES
        ),
        rule(
            "POST",
            "/v1/admin/imports",
            [Role.ADMIN],
            objects=ObjectRule.NONE,
            summary="import historical plans",
        ),
    ],
)

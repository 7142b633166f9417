"""Who may call which formulation endpoint, and which records they may see (see runtime.policy).

Duty and Advice, Rethink facilitators, supervisors and admins see every formulation and meeting;
RES staff only those of families allocated to their team (anything else answers 404). Only a
supervisor reviews a plan in supervision or overrides a failing walk back. BI analysts and
partner systems have no rule here: the formulation record is not theirs to read.
"""

from __future__ import annotations

from runtime.identity import Role
from runtime.policy import PRACTICE, ObjectRule, Policy, Rule, rule

F = "/v1/formulations"
FI = F + "/{formulation_id}"
M = "/v1/meetings"
MI = M + "/{meeting_id}"
SUPERVISOR = frozenset({Role.SUPERVISOR})
TEAM = ObjectRule.OWN_TEAM


def _practice(method: str, path: str, summary: str) -> Rule:
    return rule(method, path, PRACTICE, objects=TEAM, summary=summary)


POLICY = Policy(
    "formulation",
    [
        rule(
            "POST",
            F,
            PRACTICE,
            objects=ObjectRule.NONE,
            summary="RES staff: only for a family allocated to their team",
        ),
        _practice("GET", F, "list; RES staff see their team's families only"),
        _practice("GET", FI, "read one version"),
        _practice("GET", FI + "/history", "every version of the lineage"),
        _practice("GET", FI + "/compare", "what changed between two versions"),
        _practice("GET", FI + "/walk-back", "the walk back on demand"),
        _practice("POST", FI + "/participants", "add a participant"),
        _practice("DELETE", FI + "/participants/{participant_id}", "remove a participant"),
        _practice("PUT", FI + "/family-structure", "record the genogram"),
        _practice("POST", FI + "/factors", "add a factor under a P"),
        _practice("PATCH", FI + "/factors/{factor_id}", "reword, mark a driver, whose view"),
        _practice("DELETE", FI + "/factors/{factor_id}", "remove a factor"),
        _practice("PUT", FI + "/factors/{factor_id}/prioritisation", "the 4 Ps assessment"),
        _practice("DELETE", FI + "/factors/{factor_id}/prioritisation", "clear the 4 Ps"),
        _practice("PUT", FI + "/ps/{p}/order", "reorder the factors of a P"),
        _practice("PUT", FI + "/ps/{p}/considered-none", "a P considered with nothing under it"),
        _practice("PUT", FI + "/hypothesis", "the hypothesis"),
        _practice("PUT", FI + "/overall-goal", "the overall goal"),
        _practice("POST", FI + "/next-steps", "add a next step"),
        _practice("PUT", FI + "/next-steps/{step_id}", "revise a next step"),
        _practice("DELETE", FI + "/next-steps/{step_id}", "remove a next step"),
        rule(
            "POST",
            FI + "/walk-back/override",
            SUPERVISOR,
            objects=TEAM,
            summary="supervisors only: the reason is recorded",
        ),
        _practice("POST", FI + "/complete", "complete the draft"),
        _practice("POST", FI + "/reformulations", "formulate again"),
        rule(
            "POST",
            FI + "/supervision-reviews",
            SUPERVISOR,
            objects=TEAM,
            summary="supervisors only: outcome focused supervision",
        ),
        _practice("POST", FI + "/reflections", "Four Ways of Being"),
        rule(
            "POST",
            M,
            PRACTICE,
            objects=ObjectRule.NONE,
            summary="RES staff: only for a family allocated to their team",
        ),
        _practice("GET", M, "list; RES staff see their team's families only"),
        _practice("GET", MI, "read a meeting"),
        _practice("POST", MI + "/participants", "add a participant"),
        _practice("DELETE", MI + "/participants/{participant_id}", "remove a participant"),
        _practice("PUT", MI + "/alignment-scores/{moment}", "alignment scores at start or end"),
        _practice("POST", MI + "/alignment", "measure alignment"),
        _practice("PUT", MI + "/fair-process", "the Fair Process check"),
        _practice("POST", MI + "/reflections", "Four Ways of Being"),
        rule(
            "POST",
            "/v1/admin/imports",
            [Role.ADMIN],
            objects=ObjectRule.NONE,
            summary="import historical formulations",
        ),
    ],
)

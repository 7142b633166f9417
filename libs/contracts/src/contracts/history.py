"""Existing history brought over from the council's case system: the document an import reads.

One row is one historical request for help, as the source system holds it: the contact and the
people it named, the front door's decision, for a RES acceptance the allocation and its closure.
Records are named by the source system's ids (`import_id`); the platform's ids are derived from
them (`history_id`), so every service finds what an earlier run of the same file imported.
Pure: the shape and the checks between its dates; each service applies its own rules on top.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.reference.goals import ClosureReason as PlanClosureReason
from contracts.reference.goals import SubGoalEndState
from contracts.reference.referrals import (
    RES_ACCEPTANCES,
    ClosureReason,
    ConsentStatus,
    DecisionType,
    ReferralSource,
    UnknownReference,
    cluster,
)

# The namespace of every id an import derives (a fixed, arbitrary UUID: changing it would
# import everything again under new ids).
HISTORY_NAMESPACE = uuid.UUID("6d1c8f0e-3b7a-5c2e-9f41-0a8b2d7e5c13")

ImportId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HistoricalPerson(_Row):
    import_id: ImportId
    given_name: Name
    family_name: Name
    date_of_birth: date | None = None


class HistoricalDecision(_Row):
    decision_type: DecisionType
    decided_on: date
    rationale: Text
    explanation_for_referrer: Text


class HistoricalAllocation(_Row):
    """A RES acceptance's allocation (on the decision's date) and, once it ended, its closure."""

    lead_worker_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None


class HistoricalFormulation(_Row):
    """That a formulation was held with the family on a day, and the presenting issue it
    recorded: the case system keeps no 6 Ps, so nothing more is claimed."""

    held_on: date
    presenting_issue: Text


class HistoricalScore(_Row):
    score: int = Field(ge=0, le=10)
    on: date


class HistoricalSubGoal(_Row):
    import_id: ImportId
    what: Text
    measure: Text
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]$")]
    set_on: date
    by_when: date
    baseline: HistoricalScore
    scores: list[HistoricalScore] = Field(default_factory=list, max_length=100)
    ended_on: date | None = None
    end_state: SubGoalEndState | None = None


class HistoricalPlanClosure(_Row):
    closed_on: date
    reason: PlanClosureReason


class HistoricalPlan(_Row):
    """The family plan opened from the formulation, its sub-goals (about the row's children)
    with their baseline and tracking scores, and its closure."""

    opened_on: date
    overall_goal: Text
    sub_goals: list[HistoricalSubGoal] = Field(min_length=1, max_length=12)
    closure: HistoricalPlanClosure | None = None


class HistoricalReferral(_Row):
    import_id: ImportId
    # The family as the source system groups it; a family referred twice shares it.
    family_import_id: ImportId
    source: ReferralSource
    cluster_id: Name
    contacted_on: date
    worry: Text | None = None
    consent: ConsentStatus = ConsentStatus.GIVEN
    children: list[HistoricalPerson] = Field(min_length=1, max_length=12)
    adults: list[HistoricalPerson] = Field(default_factory=list, max_length=12)
    decision: HistoricalDecision
    allocation: HistoricalAllocation | None = None
    formulation: HistoricalFormulation | None = None
    plan: HistoricalPlan | None = None


class HistoryImport(_Row):
    """The whole file: who it comes from, and its rows in any order."""

    source_system: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
    referrals: list[HistoricalReferral] = Field(min_length=1, max_length=1000)


def history_id(source_system: str, kind: str, import_id: str) -> uuid.UUID:
    """The platform's id of a record the source system calls `import_id`."""
    return uuid.uuid5(HISTORY_NAMESPACE, f"{source_system}:{kind}:{import_id}")


def row_field(index: int, path: str) -> str:
    return f"referrals.{index}.{path}"


def history_errors(doc: HistoryImport, today: date) -> list[tuple[str, str]]:
    """(field, message) for every row whose dates or references do not hold together.

    Each service checks the same file the same way before it stores anything, so a file one
    refuses is refused by all. Fields are named `referrals.<row>.<path>`, as the
    request's own validation names them."""
    errors: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    people: dict[str, HistoricalPerson] = {}
    for i, row in enumerate(doc.referrals):
        at = row.import_id
        if at in seen:
            errors.append((row_field(i, "import_id"), f"{at} is also row {seen[at]}"))
        seen.setdefault(at, i)
        try:
            cluster(row.cluster_id)
        except UnknownReference:
            errors.append((row_field(i, "cluster_id"), f"{row.cluster_id} is not a cluster"))
        for group in ("children", "adults"):
            for j, person in enumerate(getattr(row, group)):
                known = people.setdefault(person.import_id, person)
                if known != person:
                    errors.append(
                        (
                            row_field(i, f"{group}.{j}"),
                            f"person {person.import_id} is given differently in another row",
                        )
                    )
        dates = [
            ("contacted_on", row.contacted_on, None, ""),
            ("decision.decided_on", row.decision.decided_on, row.contacted_on, "the contact"),
        ]
        allocation = row.allocation
        if allocation is not None:
            if allocation.closed_on is not None:
                dates.append(
                    (
                        "allocation.closed_on",
                        allocation.closed_on,
                        row.decision.decided_on,
                        "the allocation",
                    )
                )
            if (allocation.closed_on is None) != (allocation.closure_reason is None):
                errors.append(
                    (
                        row_field(i, "allocation.closure_reason"),
                        "a closure needs both closed_on and closure_reason",
                    )
                )
        formulation, plan = row.formulation, row.plan
        if formulation is not None:
            if allocation is None:
                errors.append((row_field(i, "formulation"), "a formulation needs an allocation"))
            dates.append(
                (
                    "formulation.held_on",
                    formulation.held_on,
                    row.decision.decided_on,
                    "the decision",
                )
            )
        if plan is not None:
            if formulation is None:
                errors.append((row_field(i, "plan"), "a plan is opened from a formulation"))
            else:
                dates.append(
                    ("plan.opened_on", plan.opened_on, formulation.held_on, "the formulation")
                )
            for j, goal in enumerate(plan.sub_goals):
                at_goal = f"plan.sub_goals.{j}"
                dates.append((f"{at_goal}.set_on", goal.set_on, plan.opened_on, "the plan"))
                dates.append(
                    (f"{at_goal}.baseline.on", goal.baseline.on, goal.set_on, "the sub-goal")
                )
                last = goal.baseline.on
                for k, score in enumerate(goal.scores):
                    dates.append((f"{at_goal}.scores.{k}.on", score.on, last, "the score before"))
                    last = max(last, score.on)
                if (goal.ended_on is None) != (goal.end_state is None):
                    errors.append(
                        (
                            row_field(i, f"{at_goal}.end_state"),
                            "an end needs ended_on and end_state",
                        )
                    )
                if goal.ended_on is not None:
                    dates.append((f"{at_goal}.ended_on", goal.ended_on, last, "its last score"))
            if plan.closure is not None:
                dates.append(
                    ("plan.closure.closed_on", plan.closure.closed_on, plan.opened_on, "the plan")
                )
        for path, on, not_before, what in dates:
            if on > today:
                errors.append((row_field(i, path), f"{on} is in the future"))
            elif not_before is not None and on < not_before:
                errors.append((row_field(i, path), f"{on} is before {what} ({not_before})"))
        accepted = row.decision.decision_type in RES_ACCEPTANCES
        if accepted and allocation is None:
            errors.append(
                (row_field(i, "allocation"), "a RES acceptance is allocated to a lead worker")
            )
        if not accepted and allocation is not None:
            errors.append((row_field(i, "allocation"), "only a RES acceptance is allocated"))
    return errors

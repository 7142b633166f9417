"""Builds the pseudonymised outcome stream events for the BI team from read-model records.

Identifiers pass only through `runtime.pseudonym`; nothing else about a family is taken in.
Event ids are derived from the source event, so a replay of the source emits nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from contracts.outcomes.v1 import (
    AgeBand,
    ClosureReason,
    PlanClosed,
    ServiceResponseRecorded,
    SubGoalMovementRecorded,
)
from contracts.plausibility import OLDEST_AGE_YEARS
from contracts.reference import codes
from runtime import pseudonym
from runtime.domain import FieldError

from outcomes.domain.months import month_index, month_label
from outcomes.domain.movement import code_row, movement_of
from outcomes.domain.records import PlanRecord, ServiceResponseRecord, SubGoalRecord

STREAM_NAMESPACE = uuid.UUID("6f0d7c52-7d1e-4c55-9d8e-3b1c0c1f5a10")
UNKNOWN_CLUSTER = "unknown"


def stream_event_id(source_event_id: uuid.UUID, event_type: str) -> uuid.UUID:
    """The id of the stream event a source event gives rise to: the same on every replay."""
    return uuid.uuid5(STREAM_NAMESPACE, f"{source_event_id}/{event_type}")


def response_date_errors(
    occurred_on: date, date_of_birth: date | None, today: date
) -> list[FieldError]:
    """What makes a service response's dates impossible: a start after today, or a child born
    after it started, after today, or longer ago than anyone lives."""
    errors: list[FieldError] = []
    if occurred_on > today:
        errors.append(FieldError("occurred_on", f"{occurred_on} is after today ({today})"))
    if date_of_birth is not None:
        if date_of_birth > today:
            errors.append(FieldError("child_date_of_birth", f"{date_of_birth} is in the future"))
        elif date_of_birth > occurred_on:
            errors.append(
                FieldError("child_date_of_birth", f"{date_of_birth} is after occurred_on")
            )
        elif occurred_on.year - date_of_birth.year > OLDEST_AGE_YEARS:
            errors.append(
                FieldError(
                    "child_date_of_birth",
                    f"{date_of_birth} is more than {OLDEST_AGE_YEARS} years before occurred_on",
                )
            )
    return errors


def age_band_on(date_of_birth: date, on: date) -> AgeBand:
    """The stream's age band; the runtime's adult bands all report as 18+."""
    label = pseudonym.age_band(date_of_birth, on)
    try:
        return AgeBand(label)
    except ValueError:
        return AgeBand.ADULT


@dataclass(frozen=True)
class MovementCounts:
    improved: int
    unchanged: int
    deteriorated: int
    no_score: int

    @property
    def total(self) -> int:
        return self.improved + self.unchanged + self.deteriorated + self.no_score


class OutcomeStream:
    """Stream event builders over one environment's pseudonymiser."""

    def __init__(self, pseudonymiser: pseudonym.Pseudonymiser) -> None:
        self._pseudonymiser = pseudonymiser

    def ref(self, kind: str, identifier: object) -> str:
        return self._pseudonymiser.pseudonym(kind, identifier)

    def sub_goal_movement(
        self,
        goal: SubGoalRecord,
        *,
        family_id: str,
        cluster_id: str | None,
        recorded_on: date,
        scores_recorded: int,
        about_adults_only: bool,
    ) -> SubGoalMovementRecorded:
        row = code_row(goal)
        movement = movement_of(goal)
        change = (
            goal.latest_score - goal.baseline
            if goal.latest_score is not None and goal.baseline is not None
            else None
        )
        adult = about_adults_only or row.plan is codes.Plan.BEST_COUNCIL_PLAN
        return SubGoalMovementRecorded(
            subgoal_ref=self.ref("subgoal", goal.sub_goal_id),
            plan_ref=self.ref("plan", goal.plan_id),
            family_ref=self.ref("family", family_id),
            code=row.code,
            code_edition=goal.edition,
            reporting_category=row.category,
            age_band=AgeBand.ADULT if adult else AgeBand.UNKNOWN,
            cluster_id=cluster_id or UNKNOWN_CLUSTER,
            set_month=month_label(goal.set_at),
            recorded_on=recorded_on,
            baseline_score=goal.baseline,
            latest_score=goal.latest_score,
            score_change=change,
            movement=movement,
            scores_recorded=scores_recorded,
            ended=goal.ended_state is not None,
        )

    def plan_closed(self, plan: PlanRecord, counts: MovementCounts) -> PlanClosed:
        if plan.closed_at is None or plan.closure_reason is None:
            raise ValueError(f"plan {plan.plan_id} has not closed")
        return PlanClosed(
            plan_ref=self.ref("plan", plan.plan_id),
            family_ref=self.ref("family", plan.family_id),
            cluster_id=plan.cluster_id or UNKNOWN_CLUSTER,
            opened_month=month_label(plan.opened_at),
            closed_on=plan.closed_at,
            closure_reason=plan.closure_reason,
            all_goals_achieved=plan.closure_reason is ClosureReason.ALL_GOALS_ACHIEVED,
            days_open=max(0, (plan.closed_at - plan.opened_at).days),
            goals_total=counts.total,
            goals_improved=counts.improved,
            goals_unchanged=counts.unchanged,
            goals_deteriorated=counts.deteriorated,
            goals_no_score=counts.no_score,
        )

    def service_response(
        self,
        response: ServiceResponseRecord,
        *,
        child_key: str,
        age_band: AgeBand,
        res_started_on: date | None,
    ) -> ServiceResponseRecorded:
        after = res_started_on is not None and month_index(res_started_on) <= month_index(
            response.occurred_on
        )
        return ServiceResponseRecorded(
            response_ref=self.ref("response", response.response_id),
            child_ref=self.ref("child", child_key),
            response_kind=response.kind,
            cluster_id=response.cluster_id,
            month=month_label(response.occurred_on),
            age_band=age_band,
            after_res_start=after,
        )

"""Importing the family plans of the council's existing history: for each row of the history
file with a plan, the plan opened from the row's imported formulation, its sub-goals with their
baseline and tracking scores and ends, and its closure, through the plan's own rules.

The formulation is known here from the formulation service's events; until every row's is, the
file is refused as waiting for them (409) and nothing is stored. A plan already here (an
earlier run of the same file) is found, not imported again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.history import (
    HistoricalReferral,
    HistoricalSubGoal,
    HistoryImport,
    history_errors,
    history_id,
)
from contracts.reference.referrals import team_for_cluster
from runtime.domain import FieldError, ImportAwaitsEvents
from runtime.history import Imported, importing_row, refuse
from runtime.uow import UnitOfWork

from goals.adapters.repository import CompletedFormulations, PlanRepository
from goals.domain.access import Visibility
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.opening import (
    ensure_formulation_is_completed_for_family,
    ensure_no_open_plan,
    ensure_plan_opens_after_formulation,
)
from goals.domain.plan import FamilyPlan
from goals.domain.scores import Scorer

# The closure use case's field names, as the file names them (under `plan`).
CLOSURE_FIELDS = {"closed_on": "closure.closed_on", "reason": "closure.reason"}


async def import_history(
    doc: HistoryImport, uow: UnitOfWork, now: datetime, imported_by: str
) -> Imported[FamilyPlan]:
    errors = history_errors(doc, now.date())
    if errors:
        raise refuse(errors)
    plans, formulations = PlanRepository(uow.session), CompletedFormulations(uow.session)
    result: Imported[FamilyPlan] = Imported()
    pending: list[tuple[int, HistoricalReferral]] = []
    waiting: list[FieldError] = []
    for index, row in enumerate(doc.referrals):
        if row.plan is None:
            continue
        plan_id = history_id(doc.source_system, "plan", row.import_id)
        if await plans.get(plan_id, Visibility.all_families()) is not None:
            result.already_imported.append(row.import_id)
            continue
        formulation_id = history_id(doc.source_system, "formulation", row.import_id)
        if await formulations.get(formulation_id) is None:
            waiting.append(
                FieldError(
                    f"referrals.{index}.formulation",
                    f"formulation {formulation_id} of {row.import_id} is not known here yet",
                )
            )
        pending.append((index, row))
    if waiting:
        raise ImportAwaitsEvents(
            detail=f"{len(waiting)} row(s) wait for their formulation's events",
            errors=waiting,
        )
    # One open plan a family: a family's earlier plan is imported (and closed) first.
    pending.sort(key=lambda item: item[1].plan.opened_on if item[1].plan else now.date())
    for index, row in pending:
        with importing_row(index, row.import_id, "plan", rename=CLOSURE_FIELDS):
            plan = await _import_plan(doc.source_system, index, row, uow, now)
        result.imported.append(row.import_id)
        result.records.append(plan)
    return result


async def _import_plan(
    source_system: str, index: int, row: HistoricalReferral, uow: UnitOfWork, now: datetime
) -> FamilyPlan:
    assert row.plan is not None
    history = row.plan
    plans = PlanRepository(uow.session)
    family_id = history_id(source_system, "family", row.family_import_id)
    formulation_id = history_id(source_system, "formulation", row.import_id)
    formulation = await CompletedFormulations(uow.session).get(formulation_id)
    ensure_formulation_is_completed_for_family(formulation, formulation_id, family_id)
    assert formulation is not None
    ensure_plan_opens_after_formulation(history.opened_on, formulation)
    ensure_no_open_plan(family_id, [p.id for p in await plans.open_plans_of(family_id)])
    # The team that held the family then: the cluster's (the allocation may long have closed).
    team = team_for_cluster(row.cluster_id)
    plan = FamilyPlan.open(
        family_id=family_id,
        formulation_id=formulation_id,
        overall_goal=history.overall_goal,
        now=now,
        team_id=team.team_id if team else None,
        cluster_id=row.cluster_id,
        plan_id=history_id(source_system, "plan", row.import_id),
        opened_on=history.opened_on,
    )
    children = tuple(history_id(source_system, "person", c.import_id) for c in row.children)
    # The case system records scores as the family's, about the row's children.
    family = Scorer.family(children[0])
    factor = history_id(source_system, "factor", row.import_id)
    for j, goal in sorted(enumerate(history.sub_goals), key=lambda item: item[1].set_on):
        with importing_row(index, row.import_id, f"plan.sub_goals.{j}"):
            _import_sub_goal(plan, goal, children, factor, family, source_system)
    if history.closure is not None:
        recorded = f"As recorded in {source_system}"
        plan.close(
            review=ClosingReview(
                held_on=history.closure.closed_on,
                sustainability_plan=SustainabilityPlan(
                    worked_on=recorded,
                    achieved=recorded,
                    how_family_continues=recorded,
                    supports=(Support(who=recorded, keeps_doing=recorded, contact=recorded),),
                    look_out_for=recorded,
                ),
            ),
            reason=history.closure.reason,
            closed_on=history.closure.closed_on,
            now=now,
        )
    await plans.add(plan)
    uow.collect(plan)
    return plan


def _import_sub_goal(
    plan: FamilyPlan,
    goal: HistoricalSubGoal,
    children: tuple[uuid.UUID, ...],
    factor: uuid.UUID,
    family: Scorer,
    source_system: str,
) -> None:
    sub_goal = plan.set_sub_goal(
        what=goal.what,
        measure=goal.measure,
        by_when=goal.by_when,
        code=goal.code,
        person_ids=children,
        factor_ids=(factor,),
        on=goal.set_on,
        sub_goal_id=history_id(source_system, "sub-goal", goal.import_id),
    )
    plan.record_baseline(
        sub_goal.id, score=goal.baseline.score, on=goal.baseline.on, given_by=family
    )
    for score in goal.scores:
        plan.record_score(sub_goal.id, score=score.score, on=score.on, given_by=family)
    if goal.ended_on is not None and goal.end_state is not None:
        plan.end_sub_goal(sub_goal.id, goal.end_state, on=goal.ended_on, promote_next=False)

"""Handlers of the formulation service's events: which formulations are completed, for whom."""

from __future__ import annotations

from contracts.formulation.v1 import FormulationCompleted
from contracts.reference.formulation import SubjectKind
from runtime.consumer import Handler, HandlerContext

from goals.adapters.repository import CompletedFormulations, PlanRepository


async def formulation_completed(ctx: HandlerContext, event: FormulationCompleted) -> None:
    family_id = event.family_id
    if family_id is None and event.subject_kind == SubjectKind.FAMILY:
        family_id = event.subject_id
    formulations = CompletedFormulations(ctx.session)
    await formulations.add(
        event.formulation_id,
        lineage_id=event.lineage_id,
        version=event.version,
        family_id=family_id,
        completed_at=event.completed_at,
        held_on=event.held_on,
    )
    if family_id is None:
        return
    # A plan may have opened from the previous version before this news arrived: mark it.
    plans = PlanRepository(ctx.session)
    for plan in await plans.open_plans_of(family_id):
        known = await formulations.get(plan.formulation_id)
        if known is not None and known.superseded_by is not None:
            if plan.note_formulation_superseded(known.superseded_by):
                await plans.save(plan)


HANDLERS: dict[str, Handler] = {FormulationCompleted.event_type: formulation_completed}

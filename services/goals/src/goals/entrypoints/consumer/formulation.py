"""Handlers of the formulation service's events: which formulations are completed, for whom."""

from __future__ import annotations

from contracts.formulation.v1 import FormulationCompleted
from contracts.reference.formulation import SubjectKind
from runtime.consumer import Handler, HandlerContext

from goals.adapters.repository import CompletedFormulations


async def formulation_completed(ctx: HandlerContext, event: FormulationCompleted) -> None:
    family_id = event.family_id
    if family_id is None and event.subject_kind == SubjectKind.FAMILY:
        family_id = event.subject_id
    await CompletedFormulations(ctx.session).add(
        event.formulation_id,
        lineage_id=event.lineage_id,
        version=event.version,
        family_id=family_id,
        completed_at=event.completed_at,
    )


HANDLERS: dict[str, Handler] = {FormulationCompleted.event_type: formulation_completed}

"""Handlers of the formulation service's events: each formulation version and its quality."""

from __future__ import annotations

from typing import Any

from contracts.formulation.v1 import (
    FormulationCompleted,
    FormulationStarted,
    FormulationSuperseded,
)
from runtime.consumer import HandlerContext
from runtime.practice import practice_moment

from outcomes.adapters import orm
from outcomes.adapters.read_models import cluster_of_team, merge


def _identity(event: FormulationStarted | FormulationCompleted) -> dict[str, Any]:
    return {
        "lineage_id": event.lineage_id,
        "version": event.version,
        "family_id": event.family_id,
        "contact_id": event.contact_id,
        "team_id": event.team_id,
        "cluster_id": cluster_of_team(event.team_id),
    }


async def formulation_started(ctx: HandlerContext, event: FormulationStarted) -> None:
    await merge(
        ctx.session,
        orm.formulations,
        {"formulation_id": event.formulation_id},
        {**_identity(event), "started_at": event.started_at},
    )


async def formulation_completed(ctx: HandlerContext, event: FormulationCompleted) -> None:
    await merge(
        ctx.session,
        orm.formulations,
        {"formulation_id": event.formulation_id},
        {
            **_identity(event),
            # Completed on the day the formulation was held: its practice date.
            "completed_at": practice_moment(event.held_on, event.completed_at),
            "all_six_ps_considered": event.all_six_ps_considered,
            "walk_back_passed": event.walk_back_passed,
        },
    )


async def formulation_superseded(ctx: HandlerContext, event: FormulationSuperseded) -> None:
    await merge(
        ctx.session,
        orm.formulations,
        {"formulation_id": event.formulation_id},
        {"lineage_id": event.lineage_id, "version": event.version, "superseded": True},
    )


HANDLERS: dict[str, Any] = {
    FormulationStarted.event_type: formulation_started,
    FormulationCompleted.event_type: formulation_completed,
    FormulationSuperseded.event_type: formulation_superseded,
}

"""Handlers of the goals service's events: a plan that did not progress comes back to formulation
(Appendix 5, step 14) as a new draft version of the formulation it came from."""

from __future__ import annotations

import logging

from contracts.goals.v1 import ReturnedToFormulation
from runtime.consumer import Handler, HandlerContext
from runtime.db import utcnow

from formulation.service_layer.formulations import PlanReturned, reopen_for_returned_plan

log = logging.getLogger(__name__)


async def returned_to_formulation(ctx: HandlerContext, event: ReturnedToFormulation) -> None:
    cmd = PlanReturned(
        plan_id=event.plan_id, formulation_id=event.formulation_id, returned_on=event.returned_on
    )
    reopened = await reopen_for_returned_plan(cmd, ctx, utcnow())
    if reopened is None:
        log.info(
            "plan %s returned to formulation %s: nothing to reopen",
            event.plan_id,
            event.formulation_id,
        )
        return
    await ctx.audit("create", "formulation", reopened.id, family_id=event.family_id)


HANDLERS: dict[str, Handler] = {ReturnedToFormulation.event_type: returned_to_formulation}

"""Handlers of the formulation service's events: the status of a referral-stage formulation
shown on its contact. Status only moves forward, so late or repeated news changes nothing."""

from __future__ import annotations

import logging

from contracts.formulation.v1 import FormulationCompleted, FormulationStarted
from runtime.consumer import Handler, HandlerContext

from referrals.adapters.repository import Repositories
from referrals.service_layer import contacts

log = logging.getLogger(__name__)


async def formulation_started(ctx: HandlerContext, event: FormulationStarted) -> None:
    if event.contact_id is None:
        return  # a family's or a group's formulation: nothing on a contact to update
    applied = await contacts.record_formulation_news(
        Repositories(ctx.session),
        event.contact_id,
        lambda contact: contact.formulation_opened(event.formulation_id, event.started_at),
    )
    if applied:
        await ctx.audit("update", "contact", event.contact_id, family_id=event.family_id)
    else:
        log.info(
            "formulation %s started: contact %s has nothing to update",
            event.formulation_id,
            event.contact_id,
        )


async def formulation_completed(ctx: HandlerContext, event: FormulationCompleted) -> None:
    if event.contact_id is None:
        return
    applied = await contacts.record_formulation_news(
        Repositories(ctx.session),
        event.contact_id,
        lambda contact: contact.formulation_completed(event.formulation_id, event.completed_at),
    )
    if applied:
        await ctx.audit("update", "contact", event.contact_id, family_id=event.family_id)
    else:
        log.info(
            "formulation %s completed: contact %s has nothing to update",
            event.formulation_id,
            event.contact_id,
        )


HANDLERS: dict[str, Handler] = {
    FormulationStarted.event_type: formulation_started,
    FormulationCompleted.event_type: formulation_completed,
}

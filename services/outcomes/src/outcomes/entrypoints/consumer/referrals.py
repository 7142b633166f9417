"""Handlers of the referrals service's events: contacts, decisions, people and allocations."""

from __future__ import annotations

from typing import Any

from contracts.referrals.v1 import (
    AllocationClosed,
    ContactOpened,
    ConversationRecorded,
    DecisionMade,
    FamilyAllocated,
    FamilyReallocated,
    PersonRegistered,
    ReReferralFlagged,
)
from runtime.consumer import HandlerContext
from runtime.practice import practice_moment

from outcomes.adapters import orm
from outcomes.adapters.read_models import insert_once, merge


async def contact_opened(ctx: HandlerContext, event: ContactOpened) -> None:
    await merge(
        ctx.session,
        orm.contacts,
        {"contact_id": event.contact_id},
        {
            "source": event.source,
            "referring_agency_id": event.referring_agency_id,
            "cluster_id": event.cluster_id,
            "opened_at": practice_moment(event.opened_on, event.opened_at),
        },
    )


async def conversation_recorded(ctx: HandlerContext, event: ConversationRecorded) -> None:
    await merge(
        ctx.session,
        orm.contacts,
        {"contact_id": event.contact_id},
        {"cluster_id": event.cluster_id, "family_id": event.family_id},
    )


async def decision_made(ctx: HandlerContext, event: DecisionMade) -> None:
    await merge(
        ctx.session,
        orm.contacts,
        {"contact_id": event.contact_id},
        {
            "source": event.source.value,
            "referring_agency_id": event.referring_agency_id,
            "cluster_id": event.cluster_id,
            "team_id": event.team_id,
            "family_id": event.family_id,
            "opened_at": practice_moment(event.contact_opened_on, event.contact_opened_at),
            "decided_at": practice_moment(event.decided_on, event.decided_at),
            "decision_type": event.decision_type.value,
            # Never unset: a re-referral flagged by its own event stays flagged.
            "re_referral": True if event.is_rereferral else None,
        },
    )


async def rereferral_flagged(ctx: HandlerContext, event: ReReferralFlagged) -> None:
    # It carries when the contact was recorded, not its practice date: that comes from the
    # contact's own events, so it only stands in until they arrive.
    await insert_once(
        ctx.session,
        orm.contacts,
        {"contact_id": event.contact_id},
        opened_at=event.contact_opened_at,
        re_referral=True,
    )
    await merge(ctx.session, orm.contacts, {"contact_id": event.contact_id}, {"re_referral": True})


async def person_registered(ctx: HandlerContext, event: PersonRegistered) -> None:
    await merge(ctx.session, orm.people, {"person_id": event.person_id}, {"kind": event.kind.value})


async def family_allocated(ctx: HandlerContext, event: FamilyAllocated) -> None:
    await merge(
        ctx.session,
        orm.allocations,
        {"allocation_id": event.allocation_id},
        {
            "family_id": event.family_id,
            "contact_id": event.contact_id,
            "team_id": event.team_id,
            "cluster_id": event.cluster_id,
            "allocated_at": practice_moment(event.allocated_on, event.allocated_at),
        },
    )
    await merge(
        ctx.session,
        orm.contacts,
        {"contact_id": event.contact_id},
        {
            "allocated_at": practice_moment(event.allocated_on, event.allocated_at),
            "team_id": event.team_id,
            "cluster_id": event.cluster_id,
            "family_id": event.family_id,
        },
    )


async def family_reallocated(ctx: HandlerContext, event: FamilyReallocated) -> None:
    # A new lead worker in the same team: only the place matters to the measures. Arriving
    # before its allocation, the row starts from this event and the allocation fills it in.
    await insert_once(
        ctx.session,
        orm.allocations,
        {"allocation_id": event.allocation_id},
        family_id=event.family_id,
        contact_id=event.contact_id,
        team_id=event.team_id,
        cluster_id=event.cluster_id,
        allocated_at=event.reallocated_at,
    )
    await merge(
        ctx.session,
        orm.allocations,
        {"allocation_id": event.allocation_id},
        {"team_id": event.team_id, "cluster_id": event.cluster_id},
    )


async def allocation_closed(ctx: HandlerContext, event: AllocationClosed) -> None:
    await insert_once(
        ctx.session,
        orm.allocations,
        {"allocation_id": event.allocation_id},
        family_id=event.family_id,
        contact_id=event.contact_id,
        team_id=event.team_id,
        cluster_id=event.cluster_id,
        allocated_at=event.allocated_at,
    )
    await merge(
        ctx.session,
        orm.allocations,
        {"allocation_id": event.allocation_id},
        {"closed_on": event.closed_on},
    )


HANDLERS: dict[str, Any] = {
    ContactOpened.event_type: contact_opened,
    ConversationRecorded.event_type: conversation_recorded,
    DecisionMade.event_type: decision_made,
    ReReferralFlagged.event_type: rereferral_flagged,
    PersonRegistered.event_type: person_registered,
    FamilyAllocated.event_type: family_allocated,
    FamilyReallocated.event_type: family_reallocated,
    AllocationClosed.event_type: allocation_closed,
}

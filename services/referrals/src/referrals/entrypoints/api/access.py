"""Which referrals records a caller may see, beyond the route policy: partners their own
agency's contacts, RES staff their own team's; everyone else at the front door all of them.

A record the caller may not see answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import Request
from runtime import audit
from runtime.db import Database
from runtime.domain import NotFound
from runtime.errors import ProblemError
from runtime.identity import Principal, Role
from runtime.policy import RES
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.config import Settings
from referrals.domain.allocation import CaseloadLimits
from referrals.domain.contact import Contact
from referrals.service_layer import views
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork


async def get_referrals_uow(request: Request) -> ReferralsUnitOfWork:
    definition = request.app.state.definition
    return ReferralsUnitOfWork(
        request.app.state.db,
        definition.tables,
        source=definition.source,
        correlation_id=getattr(request.state, "correlation_id", None),
    )


async def caseload_limits(request: Request) -> CaseloadLimits:
    settings: Settings = request.app.state.settings
    return settings.caseload_limits()


def is_res(caller: Principal) -> bool:
    return caller.role in RES


def res_team_of(caller: Principal) -> str:
    """The team a RES caller works in; a RES token without one may read nothing."""
    if not caller.team_id:
        raise ProblemError(403, "a RES token must carry the team it works in (team_id)")
    return caller.team_id


async def can_see_contact(session: AsyncSession, caller: Principal, contact: Contact) -> bool:
    if caller.is_partner:
        return caller.agency_id is not None and contact.referring_agency_id == caller.agency_id
    if is_res(caller):
        # runtime.policy's need to know: while the allocation made from the contact is open.
        return await views.contact_allocated_to_team(
            session, contact.contact_id, res_team_of(caller)
        )
    return True


async def ensure_can_see_contact(
    session: AsyncSession, caller: Principal, contact: Contact | None, contact_id: uuid.UUID
) -> Contact:
    if contact is None or not await can_see_contact(session, caller, contact):
        raise NotFound(f"no contact {contact_id}")
    return contact


async def ensure_can_see_family(
    session: AsyncSession, caller: Principal, family_id: uuid.UUID
) -> None:
    if is_res(caller) and not await views.family_allocated_to_team(
        session, family_id, res_team_of(caller)
    ):
        raise NotFound(f"no family {family_id}")


async def ensure_can_see_person(
    session: AsyncSession, caller: Principal, person_id: uuid.UUID
) -> None:
    if is_res(caller) and not await views.person_allocated_to_team(
        session, person_id, res_team_of(caller)
    ):
        raise NotFound(f"no person {person_id}")


def ensure_manages_team(caller: Principal, team_id: str) -> None:
    """Only the team's own manager (or an administrator) changes who is in it; another team's
    manager is told the team's workers are not there, as for any record they may not see."""
    if caller.role is Role.ADMIN:
        return
    if caller.role is not Role.RES_MANAGER or caller.team_id != team_id:
        raise NotFound(f"no workers of {team_id} that this caller manages")


def ensure_can_read_team(caller: Principal, team_id: str) -> None:
    if is_res(caller) and res_team_of(caller) != team_id:
        raise NotFound(f"no workers of {team_id} that this caller may read")


async def audit_reads(
    db: Database,
    request: Request,
    caller: Principal,
    record_type: str,
    records: Iterable[tuple[object, ...]],
    status: int = 200,
) -> None:
    """One read entry per record a list returned (record id, family id[, person id]), in one
    transaction."""
    await audit.record_reads(
        db, request.app.state.tables, request, caller, record_type, records, status
    )


def people_named(contact: Contact) -> list[uuid.UUID]:
    """Everyone a contact names: an entry about it goes in each one's subject access trail."""
    named = sorted(contact.child_ids | contact.adult_ids, key=str)
    if contact.caller.person_id is not None and contact.caller.person_id not in named:
        named.append(contact.caller.person_id)
    return named


def contact_audit_rows(contacts: Iterable[Contact]) -> list[tuple[object, ...]]:
    """(contact id, family id, person id) once per person named; once with none if nobody."""
    rows: list[tuple[object, ...]] = []
    for c in contacts:
        rows += [(c.contact_id, c.family_id, p) for p in people_named(c)] or [
            (c.contact_id, c.family_id)
        ]
    return rows

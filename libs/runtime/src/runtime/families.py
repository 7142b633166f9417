"""What a service that keeps a family's records knows of the family from the referrals service:
its members (so a record's person ids stay within it, and a read is audited for each of them)
and the consent to share its latest contact recorded (runtime.policy's consent rule).

One table and one set of handlers, the same in every service that has them (formulation, goals).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from contracts.reference.referrals import ConsentStatus
from contracts.referrals.v1 import ConversationRecorded, FamilyMembershipRecorded
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.consumer import Handler, HandlerContext
from runtime.db import UtcDateTime
from runtime.domain import FieldError, PersonNotInFamily
from runtime.identity import Principal
from runtime.policy import ConsentToShare, SharedWith, consent_allows, every_consent, shared_with

TABLE = "family_facts"


def family_facts_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        Column("family_id", Uuid, primary_key=True),
        # The whole membership as the referrals service last recorded it (person ids, as text).
        Column("member_ids", JSON, nullable=True),
        Column("members_as_of", UtcDateTime, nullable=True),
        Column("consent_status", String(16), nullable=True),
        Column("consent_rethink_team", Boolean, nullable=True),
        Column("consent_group_supervision", Boolean, nullable=True),
        Column("consent_as_of", UtcDateTime, nullable=True),
    )


class FamilyFacts:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self.session = session
        self.table = table

    async def _row(self, family_id: uuid.UUID) -> Any:
        c = self.table.c
        return (
            await self.session.execute(select(self.table).where(c.family_id == family_id))
        ).first()

    async def members_of(self, family_id: uuid.UUID | None) -> list[uuid.UUID]:
        """The family's members; none known for no family or before its membership arrived."""
        if family_id is None:
            return []
        row = await self._row(family_id)
        return [uuid.UUID(p) for p in (row.member_ids or [])] if row is not None else []

    async def check_members(
        self, family_id: uuid.UUID | None, named: Iterable[tuple[str, uuid.UUID | None]]
    ) -> None:
        """Refuse person ids (each with the field naming it) that belong to no member of the
        family. A family whose membership has not arrived yet is not checked: nothing is known
        against which to check, and a record is never refused for the broker being behind."""
        if family_id is None:
            return
        row = await self._row(family_id)
        if row is None or row.member_ids is None:
            return
        members = set(row.member_ids)
        wrong = [
            FieldError(field, f"{person} is not a member of family {family_id}")
            for field, person in named
            if person is not None and str(person) not in members
        ]
        if wrong:
            raise PersonNotInFamily(detail=wrong[0].message, errors=wrong)

    async def record_members(
        self, family_id: uuid.UUID, members: list[uuid.UUID], at: datetime
    ) -> None:
        await self._upsert(
            family_id, "members_as_of", at, {"member_ids": [str(p) for p in members]}
        )

    async def record_consent(
        self, family_id: uuid.UUID, consent: ConsentToShare, at: datetime
    ) -> None:
        await self._upsert(
            family_id,
            "consent_as_of",
            at,
            {
                "consent_status": consent.status.value,
                "consent_rethink_team": consent.rethink_team,
                "consent_group_supervision": consent.group_supervision,
            },
        )

    async def _upsert(
        self, family_id: uuid.UUID, as_of: str, at: datetime, values: dict[str, Any]
    ) -> None:
        """Apply what an event says happened `at`, unless a later event already said more."""
        c = self.table.c
        row = await self._row(family_id)
        if row is None:
            await self.session.execute(
                insert(self.table).values(family_id=family_id, **{as_of: at}, **values)
            )
            return
        known = getattr(row, as_of)
        if known is not None and known > at:
            return
        await self.session.execute(
            update(self.table).where(c.family_id == family_id).values(**{as_of: at}, **values)
        )


def consent_condition(
    table: Table, family_id: ColumnElement[Any], audience: SharedWith | None
) -> ColumnElement[bool]:
    """The condition a record's family column must meet to be shown to `audience`: the family's
    recorded consent is one `consent_allows` grants (asked of every consent there can be, so the
    rule is stated once). A record of no family is no family's to consent to."""
    if audience is None:
        return true()
    c = table.c
    granted = [
        and_(
            c.consent_status == consent.status.value,
            c.consent_rethink_team.is_(consent.rethink_team),
            c.consent_group_supervision.is_(consent.group_supervision),
        )
        for consent in every_consent()
        if consent_allows(consent, audience)
    ]
    consented = select(c.family_id).where(or_(*granted))
    return or_(family_id.is_(None), family_id.in_(consented))


def audience_of(caller: Principal) -> SharedWith | None:
    """Whom the caller reads for, under the consent rule; None with a supervisor's override."""
    return None if caller.consent_override else shared_with(caller)


async def consent_of(
    session: AsyncSession, table: Table, family_id: uuid.UUID
) -> ConsentToShare | None:
    c = table.c
    row = (
        await session.execute(
            select(c.consent_status, c.consent_rethink_team, c.consent_group_supervision).where(
                c.family_id == family_id
            )
        )
    ).first()
    if row is None or row.consent_status is None:
        return None
    return ConsentToShare(
        ConsentStatus(row.consent_status),
        bool(row.consent_rethink_team),
        bool(row.consent_group_supervision),
    )


def handlers(table: Table) -> dict[str, Handler]:
    """The consumer handlers that keep the table, for a service's bootstrap."""

    async def membership_recorded(ctx: HandlerContext, event: FamilyMembershipRecorded) -> None:
        await FamilyFacts(ctx.session, table).record_members(
            event.family_id, [*event.child_ids, *event.adult_ids], event.recorded_at
        )

    async def conversation_recorded(ctx: HandlerContext, event: ConversationRecorded) -> None:
        # Each entry carries the contact's consent as it now stands, and its family.
        if event.family_id is None or event.consent_status is None:
            return
        consent = ConsentToShare(
            event.consent_status,
            bool(event.consent_includes_rethink_team),
            bool(event.consent_includes_group_supervision),
        )
        await FamilyFacts(ctx.session, table).record_consent(
            event.family_id, consent, event.recorded_at
        )

    return {
        FamilyMembershipRecorded.event_type: membership_recorded,
        ConversationRecorded.event_type: conversation_recorded,
    }


async def people_touched(
    session: AsyncSession,
    table: Table,
    family_id: uuid.UUID | None,
    named: Iterable[tuple[str, uuid.UUID]] = (),
) -> list[uuid.UUID]:
    """Whose record a read or write of a family's record touches, once each: every member of
    the family and anyone else the record names (audited once per person)."""
    members = await FamilyFacts(session, table).members_of(family_id)
    return list(dict.fromkeys([*members, *(person for _, person in named)]))


async def members_by_family(
    session: AsyncSession, table: Table, family_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The members of each family of a page of records, in one query."""
    wanted = {f for f in family_ids if f is not None}
    if not wanted:
        return {}
    c = table.c
    rows = (
        await session.execute(select(c.family_id, c.member_ids).where(c.family_id.in_(wanted)))
    ).all()
    return {row.family_id: [uuid.UUID(p) for p in row.member_ids or []] for row in rows}


def per_person(
    records: Iterable[tuple[object, uuid.UUID | None]],
    members: dict[uuid.UUID, list[uuid.UUID]],
) -> list[tuple[object, uuid.UUID | None, uuid.UUID | None]]:
    """(record id, family id, person id) for each member of each record's family, for
    `runtime.audit.record_reads`; a record of no known members once, with no person."""
    found: list[tuple[object, uuid.UUID | None, uuid.UUID | None]] = []
    for record_id, family_id in records:
        people = members.get(family_id, []) if family_id is not None else []
        found += [(record_id, family_id, p) for p in people] or [(record_id, family_id, None)]
    return found


def refused_subjects(
    facts: Table, records: Mapping[str, tuple[Table, str]]
) -> Callable[
    [AsyncSession, Mapping[str, str]], Awaitable[tuple[uuid.UUID | None, list[uuid.UUID]]]
]:
    """A service's `refused_subjects` (runtime.app): `records` maps a path parameter (such as
    `plan_id`) to the table and key column of the record it names, which has a `family_id`;
    the first parameter of the path that names a record says whose it is."""

    async def subjects(
        session: AsyncSession, params: Mapping[str, str]
    ) -> tuple[uuid.UUID | None, list[uuid.UUID]]:
        for name, (table, key) in records.items():
            if name not in params:
                continue
            try:
                record_id = uuid.UUID(str(params[name]))
            except ValueError:
                return None, []
            family_id = await session.scalar(
                select(table.c.family_id).where(table.c[key] == record_id)
            )
            return family_id, await FamilyFacts(session, facts).members_of(family_id)
        return None, []

    return subjects

"""Use cases of a formulation: start one (by hand or when referrals ask), change a draft,
complete it, formulate again, and read its history, walk back and changes between versions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from contracts.reference.formulation import FormulationSetting, ParticipantRole, SubjectKind
from sqlalchemy.ext.asyncio import AsyncSession

from formulation.adapters.repository import FormulationRepository
from formulation.domain.access import FamilyScope
from formulation.domain.errors import ReformulationInDraft
from formulation.domain.formulation import (
    CompletionCheck,
    Formulation,
    FormulationStatus,
    Subject,
)
from formulation.domain.versions import VersionDiff, complete_version, diff_versions
from formulation.service_layer.unit_of_work import (
    Changed,
    Loaded,
    RevisionCheck,
    Work,
    change,
    check_people,
    family_team,
    load,
)

T = TypeVar("T")

# A referral-stage formulation's id follows from the referrals service's request id, so the
# same request, however often it arrives, opens one formulation.
_REQUESTED = uuid.UUID("6f1c9a52-8d0e-4c4b-9a51-2b7e6c3f0a11")


# The draft reopened for a returned plan follows from the plan and the formulation it came from.
_RETURNED = uuid.UUID("0b8f3c1e-5a7d-4e29-8c61-93d2f4a7b510")


def requested_formulation_id(formulation_request_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_REQUESTED, str(formulation_request_id))


@dataclass(frozen=True)
class NewParticipant:
    role: ParticipantRole
    person_id: uuid.UUID | None = None
    user_id: str | None = None
    agency_id: str | None = None


@dataclass(frozen=True)
class StartFormulation:
    subject_kind: SubjectKind
    subject_id: uuid.UUID
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    family_id: uuid.UUID | None = None
    team_id: str | None = None
    participants: Sequence[NewParticipant] = ()


@dataclass(frozen=True)
class OpenRequestedFormulation:
    """The referrals service asked for a referral-stage formulation of a contact."""

    formulation_request_id: uuid.UUID
    contact_id: uuid.UUID
    family_id: uuid.UUID | None
    requested_at: datetime
    requested_by: str | None


@dataclass(frozen=True)
class Reformulate:
    previous_id: uuid.UUID
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    carry_forward: Sequence[uuid.UUID] = ()
    team_id: str | None = None


def _add_participants(formulation: Formulation, participants: Sequence[NewParticipant]) -> None:
    for p in participants:
        formulation.add_participant(
            p.role, person_id=p.person_id, user_id=p.user_id, agency_id=p.agency_id
        )


async def start_formulation(
    cmd: StartFormulation, work: Work, scope: FamilyScope, now: datetime
) -> Formulation:
    subject = Subject.of(cmd.subject_kind, cmd.subject_id, cmd.family_id)
    formulation = Formulation.start(
        formulation_id=uuid.uuid4(),
        subject=subject,
        setting=cmd.setting,
        held_on=cmd.held_on,
        facilitator_id=cmd.facilitator_id,
        now=now,
        team_id=await family_team(work.session, scope, subject.family_id, cmd.team_id, cmd.setting),
    )
    _add_participants(formulation, cmd.participants)
    await check_people(work.session, formulation.subject.family_id, formulation.people())
    await FormulationRepository(work.session).add(formulation)
    work.collect(formulation)
    return formulation


async def open_requested_formulation(
    cmd: OpenRequestedFormulation, work: Work, now: datetime
) -> Formulation | None:
    """Open the draft referral-stage formulation of a contact; None if it is already open."""
    repo = FormulationRepository(work.session)
    formulation_id = requested_formulation_id(cmd.formulation_request_id)
    if await repo.exists(formulation_id):
        return None
    formulation = Formulation.start(
        formulation_id=formulation_id,
        subject=Subject.of(SubjectKind.REFERRAL, cmd.contact_id, cmd.family_id),
        setting=FormulationSetting.REFERRAL_STAGE,
        held_on=cmd.requested_at.date(),
        facilitator_id=cmd.requested_by or "duty_and_advice",
        now=now,
    )
    await repo.add(formulation)
    work.collect(formulation)
    return formulation


async def change_formulation(
    work: Work,
    formulation_id: uuid.UUID,
    scope: FamilyScope,
    check_revision: RevisionCheck,
    apply: Callable[[Formulation], T],
) -> Changed[Formulation, T]:
    repo = FormulationRepository(work.session)
    return await change(work, repo, formulation_id, scope, check_revision, apply)


async def complete_formulation(
    work: Work,
    formulation_id: uuid.UUID,
    scope: FamilyScope,
    check_revision: RevisionCheck,
    now: datetime,
) -> Changed[Formulation, CompletionCheck]:
    """Complete a draft; a re-formulation supersedes the version it rethinks in the same step."""
    repo = FormulationRepository(work.session)
    draft = await repo.visible(formulation_id, scope)
    check_revision(repo.revisions[draft.id])
    previous = (
        await repo.visible(draft.previous_version_id, scope)
        if draft.previous_version_id is not None
        else None
    )
    complete_version(draft, previous, now)
    revision = await repo.save(draft)
    if previous is not None:
        await repo.save(previous)
    # The draft's completion comes before the supersession it causes.
    work.collect(draft, previous)
    return Changed(draft, revision, draft.completion_check())


async def reformulate(
    cmd: Reformulate, work: Work, scope: FamilyScope, now: datetime
) -> Formulation:
    """Step 14: formulate again. The new draft version is linked to the completed one."""
    repo = FormulationRepository(work.session)
    previous = await repo.visible(cmd.previous_id, scope)
    newer = [
        f for f in await repo.lineage(previous.lineage_id, scope) if f.version > previous.version
    ]
    if newer:
        raise ReformulationInDraft(
            detail=f"version {newer[0].version} is {newer[0].status.value}",
            extra={"formulation_id": str(newer[0].id)},
        )
    formulation = Formulation.reformulate(
        previous,
        formulation_id=uuid.uuid4(),
        setting=cmd.setting,
        held_on=cmd.held_on,
        facilitator_id=cmd.facilitator_id,
        now=now,
        carry_forward=cmd.carry_forward,
        team_id=await family_team(
            work.session, scope, previous.subject.family_id, cmd.team_id, cmd.setting
        ),
    )
    await repo.add(formulation)  # a racing re-formulation of the same version: 409
    work.collect(formulation)
    return formulation


@dataclass(frozen=True)
class PlanReturned:
    """A family's plan did not progress and came back to its formulation (step 14)."""

    plan_id: uuid.UUID
    formulation_id: uuid.UUID
    returned_on: date


async def reopen_for_returned_plan(
    cmd: PlanReturned, work: Work, now: datetime
) -> Formulation | None:
    """Start the next version of the plan's formulation as a draft, every factor carried forward,
    so the practitioner re-formulates from where the family was (step 14) and drops what no longer
    holds. None when there is nothing to reopen: the formulation is unknown here, not completed,
    or a newer version already exists (someone is re-formulating, or this is a redelivery).
    """
    repo = FormulationRepository(work.session)
    everyone = FamilyScope.everyone()
    previous = await repo.get(cmd.formulation_id)
    if previous is None or previous.status is not FormulationStatus.COMPLETED:
        return None
    if any(f.version > previous.version for f in await repo.lineage(previous.lineage_id, everyone)):
        return None
    formulation = Formulation.reformulate(
        previous,
        formulation_id=uuid.uuid5(_RETURNED, f"{cmd.plan_id}/{cmd.formulation_id}"),
        setting=previous.setting,
        held_on=cmd.returned_on,
        facilitator_id=previous.facilitator_id,
        now=now,
        carry_forward=[f.id for f in previous.all_factors()],
    )
    await repo.add(formulation)
    work.collect(formulation)
    return formulation


# -- reads ---------------------------------------------------------------------------------------


async def read_formulation(
    session: AsyncSession, formulation_id: uuid.UUID, scope: FamilyScope
) -> Loaded[Formulation]:
    return await load(FormulationRepository(session), formulation_id, scope)


async def read_history(
    session: AsyncSession, formulation_id: uuid.UUID, scope: FamilyScope
) -> list[Loaded[Formulation]]:
    """Every version of the formulation this one belongs to, oldest first."""
    repo = FormulationRepository(session)
    formulation = await repo.visible(formulation_id, scope)
    versions = await repo.lineage(formulation.lineage_id, scope)
    return [Loaded(f, repo.revisions[f.id]) for f in versions]


@dataclass(frozen=True)
class Comparison:
    before: Formulation
    after: Formulation
    diff: VersionDiff


async def compare_versions(
    session: AsyncSession, formulation_id: uuid.UUID, other_id: uuid.UUID, scope: FamilyScope
) -> Comparison:
    """What changed between two versions of one formulation, earlier to later either way."""
    repo = FormulationRepository(session)
    one = await repo.visible(formulation_id, scope)
    other = await repo.visible(other_id, scope)
    before, after = sorted((one, other), key=lambda f: f.version)
    return Comparison(before, after, diff_versions(before, after))

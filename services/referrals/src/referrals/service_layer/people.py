"""Use cases for people and families: register once (never merging silently), update
identifiers, look for matches, and group people into families with their relationships."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contracts.reference.referrals import PersonKind, RelationshipKind
from runtime.domain import NotFound

from referrals.adapters.repository import Repositories
from referrals.domain.errors import FieldError, PossibleDuplicatePerson, UnknownRecord
from referrals.domain.identifiers import PersonDetails
from referrals.domain.matching import Match, find_matches
from referrals.domain.people import Family, Person, Relationship, register_person
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork


@dataclass(frozen=True)
class RegisterPerson:
    kind: PersonKind
    details: PersonDetails
    # Near matches confirmed as someone else: id -> why the worker is sure.
    confirmed_distinct_from: Mapping[uuid.UUID, str] = field(default_factory=dict)
    confirmed_by: str | None = None
    # An import names people by the source system's ids, which are their identity there: it
    # gives the id and screens against nobody (nothing is merged silently either way).
    person_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UpdatePerson:
    person_id: uuid.UUID
    details: PersonDetails
    kind: PersonKind | None = None


@dataclass(frozen=True)
class RelationshipSpec:
    person_id: uuid.UUID
    related_person_id: uuid.UUID
    kind: RelationshipKind


@dataclass(frozen=True)
class FormFamily:
    member_ids: tuple[uuid.UUID, ...]
    relationships: tuple[RelationshipSpec, ...] = ()


@dataclass(frozen=True)
class ChangeFamily:
    family_id: uuid.UUID
    add_member_ids: tuple[uuid.UUID, ...] = ()
    remove_member_ids: tuple[uuid.UUID, ...] = ()
    relationships: tuple[RelationshipSpec, ...] = field(default=())


def person_summary(person: Person) -> dict[str, object]:
    """What a worker needs to tell two records apart (shown to staff at the front door only)."""
    d = person.details
    return {
        "person_id": str(person.person_id),
        "kind": person.kind.value,
        "given_name": d.given_name,
        "family_name": d.family_name,
        "date_of_birth": d.date_of_birth.isoformat() if d.date_of_birth else None,
        "postcode": d.postcode,
        "school": d.school,
        "has_nhs_number": d.nhs_number is not None,
    }


async def get_person(repos: Repositories, person_id: uuid.UUID) -> Person:
    person = await repos.people.get(person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


async def get_family(repos: Repositories, family_id: uuid.UUID) -> Family:
    family = await repos.families.get(family_id)
    if family is None:
        raise NotFound(f"no family {family_id}")
    return family


async def register(cmd: RegisterPerson, uow: ReferralsUnitOfWork, now: datetime) -> Person:
    """Register a child or adult; a possible match is refused with the candidates to compare."""
    candidates = [] if cmd.person_id else await uow.repos.people.candidates(cmd.details)
    try:
        person = register_person(
            cmd.person_id or uuid.uuid4(),
            cmd.kind,
            cmd.details,
            existing=candidates,
            now=now,
            confirmed_distinct_from=cmd.confirmed_distinct_from,
            confirmed_by=cmd.confirmed_by,
        )
    except PossibleDuplicatePerson as refused:
        by_id = {p.person_id: p for p in candidates}
        refused.extra["matches"] = [
            {**m, "person": person_summary(by_id[uuid.UUID(str(m["person_id"]))])}
            for m in refused.extra["matches"]
        ]
        raise
    await uow.repos.people.add(person)
    uow.collect(person)
    return person


async def update_person(cmd: UpdatePerson, uow: ReferralsUnitOfWork, now: datetime) -> Person:
    person = await get_person(uow.repos, cmd.person_id)
    candidates = await uow.repos.people.candidates(cmd.details)
    person.update(cmd.details, now, kind=cmd.kind, existing=candidates)
    if person.events:
        await uow.repos.people.save(person)
        uow.collect(person)
    return person


async def matches_for(repos: Repositories, details: PersonDetails) -> list[tuple[Match, Person]]:
    """Registered people who may be this person, strongest first, without registering anyone."""
    candidates = await repos.people.candidates(details)
    by_id = {p.person_id: p for p in candidates}
    return [(m, by_id[m.person_id]) for m in find_matches(details, candidates)]


async def form_family(
    cmd: FormFamily, uow: ReferralsUnitOfWork, now: datetime, family_id: uuid.UUID | None = None
) -> Family:
    members = await _members(uow.repos, cmd.member_ids, "member_ids")
    family = Family.form(family_id or uuid.uuid4(), members, now, _relationships(cmd.relationships))
    await uow.repos.families.add(family)
    uow.collect(family)
    return family


async def change_family(cmd: ChangeFamily, uow: ReferralsUnitOfWork, now: datetime) -> Family:
    """Add members, remove members, then record relationships; one event for the whole change."""
    family = await get_family(uow.repos, cmd.family_id)
    for person_id, kind in (
        await _members(uow.repos, cmd.add_member_ids, "add_member_ids")
    ).items():
        family.add_member(person_id, kind, now)
    for person_id in cmd.remove_member_ids:
        family.remove_member(person_id, now)
    for rel in cmd.relationships:
        family.relate(rel.person_id, rel.related_person_id, rel.kind, now)
    if family.events:
        # Each step recorded the whole membership; the last record says it all.
        family.events[:] = family.events[-1:]
        await uow.repos.families.save(family)
        uow.collect(family)
    return family


async def _members(
    repos: Repositories, person_ids: Sequence[uuid.UUID], field_name: str
) -> dict[uuid.UUID, PersonKind]:
    kinds = await repos.people.kinds(set(person_ids))
    unknown = [
        FieldError(f"{field_name}[{i}]", f"No person {p} is registered")
        for i, p in enumerate(person_ids)
        if p not in kinds
    ]
    if unknown:
        raise UnknownRecord(detail="Register each person before adding them", errors=unknown)
    return {p: kinds[p] for p in person_ids}


def _relationships(specs: Iterable[RelationshipSpec]) -> list[Relationship]:
    return [Relationship(s.person_id, s.related_person_id, s.kind) for s in specs]

"""Children and adults registered once, and the families or households they belong to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime

from contracts.envelope import EventPayload
from contracts.reference.referrals import PersonKind, RelationshipKind
from contracts.referrals.v1 import (
    FamilyMembershipRecorded,
    FamilyRelationship,
    PersonRegistered,
    PersonUpdated,
)

from referrals.domain.errors import (
    FieldError,
    InvalidFamily,
    InvalidPerson,
    PersonAlreadyRegistered,
    PossibleDuplicatePerson,
)
from referrals.domain.identifiers import PersonDetails
from referrals.domain.matching import Match, MatchStrength, Registered, find_matches


@dataclass(frozen=True)
class DistinctFrom:
    """A worker's check that a near match is someone else, and why they are sure."""

    person_id: uuid.UUID
    reason: str
    confirmed_by: str | None
    confirmed_at: datetime


@dataclass
class Person:
    person_id: uuid.UUID
    kind: PersonKind
    details: PersonDetails
    registered_at: datetime
    updated_at: datetime
    # Near matches a worker confirmed are other people when registering this one.
    distinct_from: tuple[DistinctFrom, ...] = ()
    events: list[EventPayload] = field(default_factory=list, compare=False, repr=False)

    def update(
        self,
        details: PersonDetails,
        now: datetime,
        *,
        kind: PersonKind | None = None,
        existing: Iterable[Registered] = (),
    ) -> list[str]:
        """Replace the identifiers; returns the names of the fields that changed.

        `existing` are other registered people: a new NHS number already held by one of them
        is refused, since that record is the same person.
        """
        _ensure_identifiers_are_usable(details, now)
        if details.nhs_number and details.nhs_number != self.details.nhs_number:
            others = [p for p in existing if p.person_id != self.person_id]
            _refuse_exact_match(find_matches(details, others))
        changed = [
            f.name
            for f in fields(PersonDetails)
            if getattr(details, f.name) != getattr(self.details, f.name)
        ]
        if kind is not None and kind != self.kind:
            changed.append("kind")
            self.kind = kind
        if not changed:
            return []
        self.details = details
        self.updated_at = now
        self.events.append(
            PersonUpdated(
                person_id=self.person_id,
                changed_fields=changed,
                has_nhs_number=details.nhs_number is not None,
                updated_at=now,
            )
        )
        return changed


def register_person(
    person_id: uuid.UUID,
    kind: PersonKind,
    details: PersonDetails,
    *,
    existing: Iterable[Registered],
    now: datetime,
    confirmed_distinct_from: Mapping[uuid.UUID, str] | None = None,
    confirmed_by: str | None = None,
) -> Person:
    """Register a child or adult once.

    An NHS number already registered is refused (use that record). Probable and possible
    matches are refused until the worker has either chosen the existing record or confirmed,
    in `confirmed_distinct_from` (the near match's id and why), that it is someone else. The
    reason is required and kept with the new record: nothing is ever merged or split silently.
    """
    confirmed = dict(confirmed_distinct_from or {})
    _ensure_identifiers_are_usable(details, now)
    _ensure_reasons_given(confirmed)
    matches = find_matches(details, existing)
    _refuse_exact_match(matches)
    unconfirmed = [m for m in matches if m.person_id not in confirmed]
    if unconfirmed:
        raise PossibleDuplicatePerson(
            detail=(
                f"{len(unconfirmed)} registered {'person looks' if len(unconfirmed) == 1 else 'people look'} "
                "like this one: choose the existing record, or confirm this is someone else"
            ),
            extra={"matches": [m.as_dict() for m in unconfirmed]},
        )
    distinct = tuple(
        DistinctFrom(m.person_id, confirmed[m.person_id].strip(), confirmed_by, now)
        for m in matches
    )
    person = Person(
        person_id, kind, details, registered_at=now, updated_at=now, distinct_from=distinct
    )
    person.events.append(
        PersonRegistered(
            person_id=person_id,
            kind=kind,
            has_nhs_number=details.nhs_number is not None,
            near_matches_confirmed_distinct=len(matches),
            registered_at=now,
        )
    )
    return person


def _ensure_reasons_given(confirmed: Mapping[uuid.UUID, str]) -> None:
    errors = [
        FieldError(
            f"confirmed_distinct_from.{n}.reason",
            "Say why you are sure this is a different person",
        )
        for n, reason in enumerate(confirmed.values())
        if not (reason and reason.strip())
    ]
    if errors:
        raise InvalidPerson(
            detail="A near match confirmed as someone else needs the reason", errors=errors
        )


def _ensure_identifiers_are_usable(details: PersonDetails, now: datetime) -> None:
    errors: list[FieldError] = []
    if not details.has_a_name:
        errors.append(FieldError("family_name", "Give at least a given name or a family name"))
    if details.date_of_birth is not None and details.date_of_birth > now.date():
        errors.append(FieldError("date_of_birth", "The date of birth is in the future"))
    if errors:
        raise InvalidPerson(detail="The person cannot be recorded as given", errors=errors)


def _refuse_exact_match(matches: list[Match]) -> None:
    for match in matches:
        if match.strength is MatchStrength.EXACT:
            raise PersonAlreadyRegistered(
                detail="This NHS number belongs to a person already registered",
                extra={"person_id": str(match.person_id)},
            )


# -- Families and households -------------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    """`person_id` is `kind` of `related_person_id` (a parent of, a sibling of)."""

    person_id: uuid.UUID
    related_person_id: uuid.UUID
    kind: RelationshipKind


@dataclass
class Family:
    """A family or household: registered people grouped, with how they relate.

    A person may belong to more than one household (a child of separated parents).
    """

    family_id: uuid.UUID
    members: dict[uuid.UUID, PersonKind]
    relationships: list[Relationship]
    formed_at: datetime
    events: list[EventPayload] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def form(
        cls,
        family_id: uuid.UUID,
        members: Mapping[uuid.UUID, PersonKind],
        now: datetime,
        relationships: Iterable[Relationship] = (),
    ) -> Family:
        if PersonKind.CHILD not in members.values():
            raise InvalidFamily(
                detail="A family needs at least one child",
                errors=[FieldError("members", "Add at least one child")],
            )
        family = cls(family_id, dict(members), [], formed_at=now)
        for rel in relationships:
            family._relate(rel)
        family._record(now)
        return family

    @property
    def child_ids(self) -> list[uuid.UUID]:
        return sorted((p for p, k in self.members.items() if k is PersonKind.CHILD), key=str)

    @property
    def adult_ids(self) -> list[uuid.UUID]:
        return sorted((p for p, k in self.members.items() if k is PersonKind.ADULT), key=str)

    def add_member(self, person_id: uuid.UUID, kind: PersonKind, now: datetime) -> None:
        if self.members.get(person_id) is kind:
            return
        self.members[person_id] = kind
        self._record(now)

    def remove_member(self, person_id: uuid.UUID, now: datetime) -> None:
        if person_id not in self.members:
            return
        remaining = {p: k for p, k in self.members.items() if p != person_id}
        if PersonKind.CHILD not in remaining.values():
            raise InvalidFamily(
                detail="A family needs at least one child",
                errors=[FieldError("members", "The last child cannot be removed")],
            )
        self.members = remaining
        self.relationships = [
            r for r in self.relationships if person_id not in (r.person_id, r.related_person_id)
        ]
        self._record(now)

    def relate(
        self,
        person_id: uuid.UUID,
        related_person_id: uuid.UUID,
        kind: RelationshipKind,
        now: datetime,
    ) -> None:
        """Record how one member relates to another, replacing what was recorded for that pair."""
        self._relate(Relationship(person_id, related_person_id, kind))
        self._record(now)

    def _relate(self, rel: Relationship) -> None:
        errors = [
            FieldError(name, "Not a member of this family")
            for name, pid in (
                ("person_id", rel.person_id),
                ("related_person_id", rel.related_person_id),
            )
            if pid not in self.members
        ]
        if rel.person_id == rel.related_person_id:
            errors.append(FieldError("related_person_id", "A person cannot be related to themself"))
        if errors:
            raise InvalidFamily(detail="The relationship cannot be recorded", errors=errors)
        self.relationships = [
            r
            for r in self.relationships
            if (r.person_id, r.related_person_id) != (rel.person_id, rel.related_person_id)
        ]
        self.relationships.append(rel)

    def _record(self, now: datetime) -> None:
        self.events.append(
            FamilyMembershipRecorded(
                family_id=self.family_id,
                child_ids=self.child_ids,
                adult_ids=self.adult_ids,
                relationships=[
                    FamilyRelationship(
                        person_id=r.person_id, related_person_id=r.related_person_id, kind=r.kind
                    )
                    for r in self.relationships
                ],
                recorded_at=now,
            )
        )

"""Who takes part in a formulation or meeting, by role and by id: a registered person, a user,
or an agency's representative. Names stay in the systems that own them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.formulation.v1 import RoleCount
from contracts.reference.formulation import ParticipantRole

# Step 1: involve at a minimum the parents, the young person and the school.
MINIMUM_ROLES: tuple[ParticipantRole, ...] = (
    ParticipantRole.PARENT_CARER,
    ParticipantRole.YOUNG_PERSON,
    ParticipantRole.SCHOOL,
)

# When the family is not in the room (forums, supervision), the participant holding their voice
# stands for the parents and the young person.
_FAMILY_ROLES = frozenset({ParticipantRole.PARENT_CARER, ParticipantRole.YOUNG_PERSON})


@dataclass(frozen=True)
class Participant:
    id: uuid.UUID
    role: ParticipantRole
    person_id: uuid.UUID | None = None  # a child or adult registered by the referrals service
    user_id: str | None = None  # a practitioner, supervisor or facilitator
    agency_id: str | None = None  # the school or agency a representative speaks for


def missing_minimum_roles(participants: Iterable[Participant]) -> tuple[ParticipantRole, ...]:
    """The step 1 roles nobody in the room holds."""
    present = {p.role for p in participants}
    if ParticipantRole.FAMILY_VOICE in present:
        present |= _FAMILY_ROLES
    return tuple(role for role in MINIMUM_ROLES if role not in present)


def role_counts(participants: Iterable[Participant]) -> list[RoleCount]:
    counts = Counter(p.role for p in participants)
    return [RoleCount(role=role, count=counts[role]) for role in ParticipantRole if counts[role]]

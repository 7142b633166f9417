"""The genogram or family structure (step 2): people by id and how they are related."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from runtime.domain import FieldError

from formulation.domain.errors import InvalidFamilyStructure


class RelationshipKind(StrEnum):
    PARENT_OF = "parent_of"
    STEP_PARENT_OF = "step_parent_of"
    CARER_OF = "carer_of"
    GRANDPARENT_OF = "grandparent_of"
    SIBLING_OF = "sibling_of"
    HALF_SIBLING_OF = "half_sibling_of"
    PARTNER_OF = "partner_of"
    FORMER_PARTNER_OF = "former_partner_of"
    OTHER = "other"


class RelationshipQuality(StrEnum):
    """How a genogram draws the line between two people."""

    CLOSE = "close"
    STRAINED = "strained"
    CONFLICTED = "conflicted"
    CUT_OFF = "cut_off"


@dataclass(frozen=True)
class FamilyMember:
    person_id: uuid.UUID
    in_household: bool = True


@dataclass(frozen=True)
class Relationship:
    from_person_id: uuid.UUID
    to_person_id: uuid.UUID
    kind: RelationshipKind
    quality: RelationshipQuality | None = None


@dataclass(frozen=True)
class FamilyStructure:
    members: tuple[FamilyMember, ...] = ()
    relationships: tuple[Relationship, ...] = ()

    def ensure_consistent(self) -> None:
        """Every relationship joins two different members; each person appears once."""
        errors: list[FieldError] = []
        ids = [m.person_id for m in self.members]
        if len(ids) != len(set(ids)):
            errors.append(FieldError("members", "a person appears more than once"))
        known = set(ids)
        for i, rel in enumerate(self.relationships):
            if rel.from_person_id not in known or rel.to_person_id not in known:
                errors.append(
                    FieldError(f"relationships[{i}]", "joins a person who is not a member")
                )
            if rel.from_person_id == rel.to_person_id:
                errors.append(FieldError(f"relationships[{i}]", "joins a person to themselves"))
        if errors:
            raise InvalidFamilyStructure(errors=errors)

"""Field types and pieces every formulation and meeting body shares: bounded texts, dates that
cannot be in the future, known team ids, participants and Four Ways reflections.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from contracts.reference.formulation import ParticipantRole, WayOfBeing
from contracts.reference.referrals import RES_TEAMS
from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from runtime.fields import PracticeDate, RequestBody

from formulation.domain.participants import Participant
from formulation.domain.restorative_tools import FourWaysReflection
from formulation.service_layer.formulations import NewParticipant

_TEAM_IDS = frozenset(t.team_id for t in RES_TEAMS)

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(max_length=2000)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=128)]  # a user or agency id
Ids = Annotated[list[uuid.UUID], Field(max_length=200)]


def _known_team(value: str) -> str:
    if value not in _TEAM_IDS:
        raise ValueError(f"unknown RES team; one of {sorted(_TEAM_IDS)}")
    return value


# A session is recorded once it has been held (not after today in Leeds).
HeldOn = PracticeDate
# The schema names the known teams, so a client (and a contract fuzzer) knows them up front.
TeamId = Annotated[
    str, AfterValidator(_known_team), Field(json_schema_extra={"enum": sorted(_TEAM_IDS)})
]


# Every request body's base (runtime.fields), under the name the API modules use.
Strict = RequestBody


class ParticipantRequest(Strict):
    role: ParticipantRole
    person_id: uuid.UUID | None = Field(
        None, description="a child or adult registered by referrals"
    )
    user_id: Ref | None = Field(None, description="a practitioner, supervisor or facilitator")
    agency_id: Ref | None = Field(None, description="the school or agency a representative is for")

    def command(self) -> NewParticipant:
        return NewParticipant(self.role, self.person_id, self.user_id, self.agency_id)


class ParticipantResponse(BaseModel):
    id: uuid.UUID
    role: ParticipantRole
    person_id: uuid.UUID | None
    user_id: str | None
    agency_id: str | None

    @classmethod
    def of(cls, p: Participant) -> ParticipantResponse:
        return cls(
            id=p.id, role=p.role, person_id=p.person_id, user_id=p.user_id, agency_id=p.agency_id
        )


class ReflectionRequest(Strict):
    """Where the practitioner places their practice: doing TO, FOR, NOT or WITH the family."""

    way_of_being: WayOfBeing
    notes: Note = ""


class ReflectionResponse(BaseModel):
    id: uuid.UUID
    practitioner_id: str
    way_of_being: WayOfBeing
    notes: str
    recorded_at: datetime

    @classmethod
    def of(cls, r: FourWaysReflection) -> ReflectionResponse:
        return cls(
            id=r.id,
            practitioner_id=r.practitioner_id,
            way_of_being=r.way_of_being,
            notes=r.notes,
            recorded_at=r.recorded_at,
        )

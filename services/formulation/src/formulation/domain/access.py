"""Whose families a caller may see: every family (the front door, Rethink, supervisors, admins)
or only the families allocated to one RES team; and, for the Rethink team and supervision,
only the families that consented to share with them (runtime.policy's consent rule).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts.reference.formulation import FormulationSetting
from runtime.domain import FieldError
from runtime.policy import (
    SHARED_WITH_SETTING,
    ConsentToShare,
    SharedWith,
    consent_allows,
    team_needs_to_know,
)

from formulation.domain.errors import FamilyNotFound, NoConsentToShare, NotTheFamilysTeam


@dataclass(frozen=True)
class FamilyScope:
    every_family: bool
    team_id: str | None = None
    # Whom the caller reads for under the consent rule (None: the family's own workers).
    audience: SharedWith | None = None
    consent_overridden: bool = False

    @classmethod
    def everyone(
        cls, audience: SharedWith | None = None, consent_overridden: bool = False
    ) -> FamilyScope:
        return cls(every_family=True, audience=audience, consent_overridden=consent_overridden)

    @classmethod
    def team(cls, team_id: str | None) -> FamilyScope:
        """RES staff: a token without a team sees no family at all."""
        return cls(every_family=False, team_id=team_id)

    def allows(self, allocated_team_id: str | None) -> bool:
        """Whether a family currently allocated to `allocated_team_id` (None: to no team) is seen."""
        if self.every_family:
            return True
        # runtime.policy's need to know; `allocated_team_id` is only ever an open allocation's.
        return team_needs_to_know(self.team_id, allocated_team_id, allocation_open=True)


def check_consent(
    scope: FamilyScope,
    family_id: uuid.UUID | None,
    setting: FormulationSetting,
    consent: ConsentToShare | None,
) -> None:
    """A new record of a family is made only where the family's consent lets it be shown: to
    the caller (the Rethink team, supervision) and in its setting (a Rethink forum, group
    supervision). A supervisor's override lifts both, and the audit keeps why."""
    if family_id is None or scope.consent_overridden:
        return
    if not consent_allows(consent, scope.audience):
        raise FamilyNotFound(
            detail=f"family {family_id} has not consented to share with the {scope.audience}",
            errors=[FieldError("family_id", "the family has not consented to share with you")],
        )
    in_setting = SHARED_WITH_SETTING.get(setting)
    if not consent_allows(consent, in_setting):
        raise NoConsentToShare(
            detail=f"family {family_id} has not consented to share with {in_setting}",
            errors=[FieldError("setting", f"the family has not consented to {in_setting}")],
        )


def formulating_team(
    scope: FamilyScope,
    family_id: uuid.UUID | None,
    allocated_team_id: str | None,
    requested_team_id: str | None,
) -> str | None:
    """The team a new formulation or meeting of a family belongs to.

    The caller must see the family (RES staff: allocated to their team). A family allocated to a
    team is formulated by that team; naming another team is refused.
    """
    if not scope.allows(allocated_team_id if family_id is not None else None):
        raise FamilyNotFound(
            detail=f"no family {family_id} is allocated to your team"
            if family_id is not None
            else "RES staff formulate only with a family allocated to their team",
            errors=[FieldError("family_id", "not a family allocated to your team")],
        )
    if (
        requested_team_id is not None
        and allocated_team_id is not None
        and requested_team_id != allocated_team_id
    ):
        raise NotTheFamilysTeam(
            errors=[FieldError("team_id", f"the family is allocated to {allocated_team_id}")]
        )
    return requested_team_id or allocated_team_id

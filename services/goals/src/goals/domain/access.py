"""Whose plans a caller may see: RES staff their own team's families, other practice roles all,
the Rethink team and supervisors only those of families that consented to share with them."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.policy import SharedWith, team_needs_to_know


@dataclass(frozen=True)
class Visibility:
    """`everyone` or only the families allocated to `team_id` (none at all without a team)."""

    everyone: bool
    team_id: str | None = None
    # Whom the caller reads for under runtime.policy's consent rule (None: the family's own
    # workers, or a supervisor's override).
    audience: SharedWith | None = None

    @classmethod
    def all_families(cls, audience: SharedWith | None = None) -> Visibility:
        return cls(everyone=True, audience=audience)

    @classmethod
    def team(cls, team_id: str | None) -> Visibility:
        return cls(everyone=False, team_id=team_id)

    def sees(self, family_team_id: str | None, allocation_open: bool = True) -> bool:
        """Whether a family allocated to `family_team_id` is seen (runtime.policy's need to
        know: RES staff only while that allocation is open)."""
        return self.everyone or team_needs_to_know(self.team_id, family_team_id, allocation_open)

"""Whose plans a caller may see: RES staff their own team's families, other practice roles all."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Visibility:
    """`everyone` or only the families allocated to `team_id` (none at all without a team)."""

    everyone: bool
    team_id: str | None = None

    @classmethod
    def all_families(cls) -> Visibility:
        return cls(everyone=True)

    @classmethod
    def team(cls, team_id: str | None) -> Visibility:
        return cls(everyone=False, team_id=team_id)

    def sees(self, family_team_id: str | None) -> bool:
        return self.everyone or (self.team_id is not None and family_team_id == self.team_id)

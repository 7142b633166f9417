"""The 4 Ps of prioritisation (Appendix 3): a perpetuating factor is a priority only if it meets
all four. Priority is computed from the assessment, never set directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FourPsAssessment:
    """One judgement per P, made together so that priority does not rest on one view alone."""

    prerequisite: bool  # must change first for progress to start
    powerful: bool  # a strong driver of the issue
    proximal: bool  # closely connected to the issue
    participants_goals: bool  # important to the family's desired outcomes

    @property
    def criteria_met(self) -> int:
        return sum((self.prerequisite, self.powerful, self.proximal, self.participants_goals))

    @property
    def meets_all_four(self) -> bool:
        return self.criteria_met == 4

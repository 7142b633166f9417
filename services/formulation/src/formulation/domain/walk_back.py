"""The walk back (Appendix 3): every next step must trace back to a prioritised perpetuating
factor and a presenting issue, and every prioritised factor must be addressed by a step.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.reference.formulation import SixP

from formulation.domain.factors import Factor
from formulation.domain.next_steps import NextStep


class WalkBackGap(StrEnum):
    NO_PERPETUATING_FACTOR = "no_perpetuating_factor"
    FACTOR_NOT_PRIORITISED = "factor_not_prioritised"
    NO_PRESENTING_ISSUE = "no_presenting_issue"


@dataclass(frozen=True)
class UntracedStep:
    step_id: uuid.UUID
    gaps: tuple[WalkBackGap, ...]


@dataclass(frozen=True)
class WalkBackReport:
    untraced_steps: tuple[UntracedStep, ...]
    unaddressed_priorities: tuple[uuid.UUID, ...]
    # Advice, not a failure: plans should build on strengths, but a step may have none to use.
    steps_not_building_on_protective_factors: tuple[uuid.UUID, ...]

    @property
    def passed(self) -> bool:
        return not self.untraced_steps and not self.unaddressed_priorities


def walk_back(factors: Iterable[Factor], steps: Iterable[NextStep]) -> WalkBackReport:
    """Check each step against the factors it names, and each priority against the steps."""
    by_id = {f.id: f for f in factors}
    step_list = list(steps)
    untraced: list[UntracedStep] = []
    without_protective: list[uuid.UUID] = []
    for step in step_list:
        gaps: list[WalkBackGap] = []
        addressed = by_id.get(step.addresses_factor_id) if step.addresses_factor_id else None
        if addressed is None or addressed.p is not SixP.PERPETUATING:
            gaps.append(WalkBackGap.NO_PERPETUATING_FACTOR)
        elif not addressed.is_priority:
            gaps.append(WalkBackGap.FACTOR_NOT_PRIORITISED)
        issue = by_id.get(step.presenting_issue_id) if step.presenting_issue_id else None
        if issue is None or issue.p is not SixP.PRESENTING:
            gaps.append(WalkBackGap.NO_PRESENTING_ISSUE)
        if gaps:
            untraced.append(UntracedStep(step.id, tuple(gaps)))
        protective = [by_id.get(i) for i in step.builds_on_factor_ids]
        if not any(f is not None and f.p is SixP.PROTECTIVE for f in protective):
            without_protective.append(step.id)
    addressed_ids = {s.addresses_factor_id for s in step_list}
    unaddressed = [f.id for f in by_id.values() if f.is_priority and f.id not in addressed_ids]
    return WalkBackReport(
        untraced_steps=tuple(sorted(untraced, key=lambda u: str(u.step_id))),
        unaddressed_priorities=tuple(sorted(unaddressed, key=str)),
        steps_not_building_on_protective_factors=tuple(sorted(without_protective, key=str)),
    )


@dataclass(frozen=True)
class WalkBackOverride:
    """A supervisor's recorded reason to complete despite a failing walk back.

    It covers the failures it was given for: if the steps or priorities change afterwards, the
    new failures need their own override.
    """

    supervisor_id: str
    reason: str
    recorded_at: datetime
    untraced_steps: tuple[UntracedStep, ...]
    unaddressed_priorities: tuple[uuid.UUID, ...]

    def covers(self, report: WalkBackReport) -> bool:
        return (
            self.untraced_steps == report.untraced_steps
            and self.unaddressed_priorities == report.unaddressed_priorities
        )

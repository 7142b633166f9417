"""Factors under the 6 Ps: what was identified, whose view it is and whether it drives the issue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts.reference.formulation import SixP

from formulation.domain.prioritisation import FourPsAssessment


@dataclass(frozen=True)
class Factor:
    """One factor of a formulation. Its order within its P is its position in the formulation."""

    id: uuid.UUID
    p: SixP
    description: str
    is_main_driver: bool = False
    # The participant whose view this is; None when it is the shared view of the room.
    view_of: uuid.UUID | None = None
    prioritisation: FourPsAssessment | None = None
    # The factor of the previous version this one was carried forward from.
    carried_from: uuid.UUID | None = None

    @property
    def is_priority(self) -> bool:
        return (
            self.p is SixP.PERPETUATING
            and self.prioritisation is not None
            and self.prioritisation.meets_all_four
        )

"""Restorative tools woven through formulating (Appendix 3): the Four Ways of Being and the
Fair Process check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.reference.formulation import FairProcessPrinciple, WayOfBeing


@dataclass(frozen=True)
class FourWaysReflection:
    """Where a practitioner places their practice: doing TO, FOR, NOT, or WITH the family."""

    id: uuid.UUID
    practitioner_id: str
    way_of_being: WayOfBeing
    notes: str
    recorded_at: datetime


@dataclass(frozen=True)
class FairProcessCheck:
    principle: FairProcessPrinciple
    met: bool
    notes: str = ""

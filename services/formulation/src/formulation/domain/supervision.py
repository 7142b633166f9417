"""Outcome focused supervision: is the plan likely to achieve the goal, and if not, why not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.reference.formulation import SupervisionKind
from runtime.domain import FieldError

from formulation.domain.errors import SupervisionReviewNeedsReason


@dataclass(frozen=True)
class SupervisionReview:
    id: uuid.UUID
    supervisor_id: str
    kind: SupervisionKind
    plan_likely_to_achieve_goal: bool
    why_not: str | None
    changes: str | None  # what should change in the plan or the understanding
    reviewed_at: datetime

    @classmethod
    def record(
        cls,
        *,
        review_id: uuid.UUID,
        supervisor_id: str,
        kind: SupervisionKind,
        plan_likely_to_achieve_goal: bool,
        why_not: str | None,
        changes: str | None,
        now: datetime,
    ) -> SupervisionReview:
        why_not = (why_not or "").strip() or None
        if not plan_likely_to_achieve_goal and why_not is None:
            raise SupervisionReviewNeedsReason(
                errors=[FieldError("why_not", "say why the plan is not likely to achieve the goal")]
            )
        return cls(
            id=review_id,
            supervisor_id=supervisor_id,
            kind=kind,
            plan_likely_to_achieve_goal=plan_likely_to_achieve_goal,
            why_not=why_not,
            changes=(changes or "").strip() or None,
            reviewed_at=now,
        )

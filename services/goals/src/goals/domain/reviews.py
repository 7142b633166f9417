"""Which active sub-goals are overdue a review at their agreed tracking frequency (step 11)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from goals.domain.plan import FamilyPlan, SubGoal


@dataclass(frozen=True)
class OverdueReview:
    plan_id: uuid.UUID
    family_id: uuid.UUID
    sub_goal_id: uuid.UUID
    code: str
    last_reviewed_on: date
    due_on: date
    days_overdue: int


def review_due_on(sub_goal: SubGoal) -> date | None:
    """Last baseline, tracking or evaluation score plus the tracking frequency.

    A sub-goal with no baseline yet counts from the day it started, so a missing baseline
    shows up as overdue too. Sub-goals that are queued or ended are never due.
    """
    if not sub_goal.is_active or sub_goal.activated_on is None:
        return None
    last = sub_goal.last_reviewed_on() or sub_goal.activated_on
    return last + timedelta(days=sub_goal.tracking_frequency_days)


def overdue_reviews(plans: Iterable[FamilyPlan], today: date) -> list[OverdueReview]:
    """Active sub-goals of open plans whose review fell due before `today`, most overdue first."""
    overdue: list[OverdueReview] = []
    for plan in plans:
        if not plan.is_open:
            continue
        for sub_goal in plan.active_sub_goals:
            due_on = review_due_on(sub_goal)
            if due_on is None or due_on >= today:
                continue
            overdue.append(
                OverdueReview(
                    plan_id=plan.id,
                    family_id=plan.family_id,
                    sub_goal_id=sub_goal.id,
                    code=sub_goal.code,
                    last_reviewed_on=due_on - timedelta(days=sub_goal.tracking_frequency_days),
                    due_on=due_on,
                    days_overdue=(today - due_on).days,
                )
            )
    overdue.sort(key=lambda review: (review.due_on, str(review.sub_goal_id)))
    return overdue

"""Builders for family plans used across the goals unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer

START = date(2025, 3, 3)


@pytest.fixture
def plan() -> FamilyPlan:
    return FamilyPlan.open(
        family_id=uuid.uuid4(),
        formulation_id=uuid.uuid4(),
        overall_goal="The children feel safe and settled at home and go to school every day",
        now=datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        team_id="res-east",
        cluster_id="cluster-7",
    )


@pytest.fixture
def mum() -> Scorer:
    return Scorer.family(uuid.uuid4())


@pytest.fixture
def set_goal(plan: FamilyPlan) -> Callable[..., SubGoal]:
    def _set(code: str = "S1", **overrides: Any) -> SubGoal:
        fields: dict[str, Any] = {
            "what": f"Work on {code}",
            "measure": "Family score 0-10 at each visit",
            "by_when": START + timedelta(days=90),
            "code": code,
            "person_ids": [uuid.uuid4()],
            "factor_ids": [uuid.uuid4()],
            "on": START,
        }
        fields.update(overrides)
        return plan.set_sub_goal(**fields)

    return _set


@pytest.fixture
def started_goal(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal], mum: Scorer
) -> Callable[..., SubGoal]:
    """An active sub-goal with a baseline, ready for scores and actions."""

    def _start(code: str = "S1", baseline: int = 3, **overrides: Any) -> SubGoal:
        sub_goal = set_goal(code, **overrides)
        plan.record_baseline(sub_goal.id, score=baseline, on=sub_goal.set_on, given_by=mum)
        return sub_goal

    return _start

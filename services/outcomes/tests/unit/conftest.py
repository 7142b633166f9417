"""Event-level records built to the counts the evaluation prints.

Where the evaluation prints a share but not its count, the count is the nearest whole number
(largest remainder where shares must add up); the tests then check that the engine, computing
from the records, gives back the printed figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference import codes, evaluation
from contracts.reference.codes import ReportingCategory
from outcomes.domain.months import month_index, month_start
from outcomes.domain.records import (
    ActionRecord,
    ContactRecord,
    DecisionType,
    OutcomeRecords,
    PlanRecord,
    ServiceResponseRecord,
    SubGoalRecord,
)

# Not printed: Table 4 shows actions on goals with no score, so some goals have none.
NO_SCORE_GOALS = 45
BASELINE = 3


def largest_remainder(percents: dict[str, int], total: int) -> dict[str, int]:
    """Whole counts adding to `total` whose shares are nearest the printed percentages."""
    exact = {k: Fraction(p * total, 100) for k, p in percents.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:left]:
        counts[k] += 1
    return counts


def nearest(numerator: Fraction) -> int:
    return int(numerator + Fraction(1, 2))


def code_for(category: ReportingCategory) -> str:
    return next(row.code for row in codes.EDITIONS["2019"] if row.category is category)


@dataclass(frozen=True)
class GoalMix:
    category: ReportingCategory
    improved: int
    unchanged: int
    deteriorated: int
    no_score: int


def goal_mixes() -> list[GoalMix]:
    """Per category counts: the four printed categories to their n and %, the rest to the
    overall 84/10/6 of the goals with a score."""
    scored_total = evaluation.GOALS - NO_SCORE_GOALS
    overall = largest_remainder(evaluation.GOAL_MOVEMENT_PERCENT, scored_total)
    mixes: list[GoalMix] = []
    for figure in evaluation.CATEGORY_IMPROVEMENT:
        no_score = nearest(Fraction(figure.goals * NO_SCORE_GOALS, evaluation.GOALS))
        scored = figure.goals - no_score
        improved = nearest(Fraction(figure.percent_improved * scored, 100))
        rest = scored - improved
        unchanged = nearest(Fraction(rest * 10, 16))
        mixes.append(
            GoalMix(
                ReportingCategory(figure.category),
                improved,
                unchanged,
                rest - unchanged,
                no_score,
            )
        )
    printed = {m.category for m in mixes}
    others = [c for c in ReportingCategory if c not in printed]
    left = (
        overall["improved"] - sum(m.improved for m in mixes),
        overall["unchanged"] - sum(m.unchanged for m in mixes),
        overall["deteriorated"] - sum(m.deteriorated for m in mixes),
        NO_SCORE_GOALS - sum(m.no_score for m in mixes),
    )
    # The unprinted categories share what is left, each fewer than the printed ones.
    for k, category in enumerate(others):
        part = [n // len(others) + (1 if k < n % len(others) else 0) for n in left]
        mixes.append(GoalMix(category, *part))
    return mixes


def _goal_dates(i: int) -> date:
    # June 2018 to March 2020, the evaluation's 21 months of goals.
    return month_start(month_index(date(2018, 6, 1)) + i % 21) + timedelta(days=i % 27)


@pytest.fixture(scope="session")
def evaluation_records() -> OutcomeRecords:
    """473 plans (353 completed), 1,445 goals and the actions of Table 4."""
    closure_counts = largest_remainder(evaluation.CLOSURE_PERCENT, evaluation.COMPLETED_PLANS)
    reasons = [ClosureReason(k) for k, n in closure_counts.items() for _ in range(n)]
    plans = []
    for i in range(evaluation.PLANS):
        opened = _goal_dates(i)
        closed = i < evaluation.COMPLETED_PLANS
        plans.append(
            PlanRecord(
                plan_id=f"plan-{i}",
                family_id=f"family-{i}",
                cluster_id=evaluation.CLUSTERS[i % 7],
                team_id=f"team-{i % 7}",
                opened_at=opened,
                closed_at=opened + timedelta(days=117) if closed else None,
                closure_reason=reasons[i] if closed else None,
            )
        )

    goals: list[SubGoalRecord] = []

    def add(mix: GoalMix, latest: int | None, how_many: int) -> None:
        for _ in range(how_many):
            n = len(goals)
            goals.append(
                SubGoalRecord(
                    sub_goal_id=f"goal-{n}",
                    plan_id=f"plan-{n % evaluation.PLANS}",
                    code=code_for(mix.category),
                    edition="2019",
                    set_at=_goal_dates(n),
                    baseline=BASELINE if latest is not None else None,
                    latest_score=latest,
                    tracking_frequency_days=7,
                )
            )

    for mix in goal_mixes():
        add(mix, BASELINE + 4, mix.improved)
        add(mix, BASELINE, mix.unchanged)
        add(mix, BASELINE - 1, mix.deteriorated)
        add(mix, None, mix.no_score)

    by_movement: dict[str, list[SubGoalRecord]] = {"up": [], "same": [], "down": [], "none": []}
    for goal in goals:
        key = (
            "none"
            if goal.latest_score is None
            else "up"
            if goal.latest_score > BASELINE
            else "same"
            if goal.latest_score == BASELINE
            else "down"
        )
        by_movement[key].append(goal)

    actions: list[ActionRecord] = []
    for row in evaluation.TABLE_4:
        for key, n in (
            ("down", row.deteriorated),
            ("same", row.unchanged),
            ("up", row.improved),
            ("none", row.no_score),
        ):
            pool = by_movement[key]
            for j in range(n):
                actions.append(
                    ActionRecord(
                        f"action-{len(actions)}", pool[j % len(pool)].sub_goal_id, row.activity
                    )
                )
    # Actions of other kinds, fewer than the four Table 4 reports.
    for j in range(300):
        actions.append(
            ActionRecord(f"action-{len(actions)}", goals[j].sub_goal_id, "housing_support")
        )
    return OutcomeRecords(plans=tuple(plans), sub_goals=tuple(goals), actions=tuple(actions))


def res_starts() -> dict[str, date]:
    """Each cluster's RES start: its Table 1 "before" months after the window opens."""
    first = month_index(evaluation.WINDOW_FROM)
    return {row.cluster_id: month_start(first + row.months_before) for row in evaluation.TABLE_1}


def spread(first_month: date, months: int, count: int) -> Iterator[date]:
    """`count` days spread over `months` whole months from `first_month`."""
    start = month_index(first_month)
    for i in range(count):
        yield month_start(start + i % months) + timedelta(days=(i * 7) % 28)


def responses_for(
    kind: ResponseKind, counts: dict[str, tuple[int, int]]
) -> list[ServiceResponseRecord]:
    starts = res_starts()
    window_months = month_index(evaluation.WINDOW_TO) - month_index(evaluation.WINDOW_FROM) + 1
    records: list[ServiceResponseRecord] = []
    for cluster_id, (before, after) in counts.items():
        months_before = month_index(starts[cluster_id]) - month_index(evaluation.WINDOW_FROM)
        days = [
            *spread(evaluation.WINDOW_FROM, months_before, before),
            *spread(starts[cluster_id], window_months - months_before, after),
        ]
        records.extend(
            ServiceResponseRecord(f"{kind}-{cluster_id}-{i}", kind, cluster_id, day)
            for i, day in enumerate(days)
        )
    return records


@pytest.fixture(scope="session")
def make_responses() -> Callable[
    [ResponseKind, dict[str, tuple[int, int]]], list[ServiceResponseRecord]
]:
    return responses_for


@pytest.fixture(scope="session")
def starts() -> dict[str, date]:
    return res_starts()


@pytest.fixture(scope="session")
def table_3_contacts() -> list[ContactRecord]:
    """Contacts to the inferred Table 3 counts; the first of each cluster's period are the
    referrals, and the first of those the re-referrals."""
    counts = evaluation.INFERRED_TABLE_3_COUNTS
    starts = res_starts()
    window_months = month_index(evaluation.WINDOW_TO) - month_index(evaluation.WINDOW_FROM) + 1
    decisions = (DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK, DecisionType.ACCEPT_FOR_RES_EARLY_HELP)
    contacts: list[ContactRecord] = []
    for i, cluster_id in enumerate(evaluation.CLUSTERS):
        months_before = month_index(starts[cluster_id]) - month_index(evaluation.WINDOW_FROM)
        periods = (
            (evaluation.WINDOW_FROM, months_before, "before"),
            (starts[cluster_id], window_months - months_before, "after"),
        )
        for first, months, side in periods:
            n_contacts = getattr(counts["contacts"], side)[i]
            n_referrals = getattr(counts["referrals"], side)[i]
            n_re = getattr(counts["re_referrals"], side)[i]
            for j, day in enumerate(spread(first, months, n_contacts)):
                opened = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
                referral = j < n_referrals
                contacts.append(
                    ContactRecord(
                        contact_id=f"contact-{cluster_id}-{side}-{j}",
                        source="school" if j % 3 else "health",
                        cluster_id=cluster_id,
                        team_id=None,
                        opened_at=opened,
                        decided_at=opened + timedelta(hours=5),
                        decision_type=decisions[j % 2]
                        if referral
                        else DecisionType.SIGNPOST_TO_CLUSTER,
                        re_referral=j < n_re,
                    )
                )
    return contacts

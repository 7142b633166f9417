"""The Outcomes Based Accountability scorecard (Leeds OBA): How much did we do? How well did we
do it? Is anyone better off? By period, cluster, team and goal outcome, priority or code.

Goal filters (outcome, priority, code, category) narrow the goal measures (sub-goals, reviews,
movement, score change, actions); contacts, formulations and plans are not coded, so they are
narrowed by period, cluster and team only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from contracts.outcomes.v1 import ClosureReason
from contracts.reference.codes import ReportingCategory
from runtime.domain import FieldError

from outcomes.domain.errors import FilterNotApplicable, InvalidPeriod
from outcomes.domain.goal_measures import ClosureSummary, is_completed, summarise_closures
from outcomes.domain.months import month_end, month_index
from outcomes.domain.movement import MovementSummary, code_row, summarise_movement
from outcomes.domain.records import (
    REFERRAL_DECISIONS,
    ContactRecord,
    FeedbackRecord,
    FormulationRecord,
    OutcomeRecords,
    PlanRecord,
    SubGoalRecord,
)
from outcomes.domain.shares import Share, mean, median

# A review a day or two after its due date is still on time: visits move around weekends.
REVIEW_GRACE_DAYS = 2
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Filter:
    period_from: date | None = None
    period_to: date | None = None
    cluster_id: str | None = None
    team_id: str | None = None
    outcome: str | None = None
    priority: str | None = None
    code: str | None = None
    category: ReportingCategory | None = None

    def __post_init__(self) -> None:
        if (
            self.period_from is not None
            and self.period_to is not None
            and self.period_from > self.period_to
        ):
            raise InvalidPeriod(detail=f"period starts {self.period_from} after {self.period_to}")

    def in_period(self, day: date | datetime | None) -> bool:
        if day is None:
            return False
        when = day.date() if isinstance(day, datetime) else day
        if self.period_from is not None and when < self.period_from:
            return False
        return self.period_to is None or when <= self.period_to

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether something running from `start` to `end` (open if None) meets the period."""
        if self.period_to is not None and start > self.period_to:
            return False
        return end is None or self.period_from is None or end >= self.period_from

    def in_place(self, cluster_id: str | None, team_id: str | None) -> bool:
        if self.cluster_id is not None and cluster_id != self.cluster_id:
            return False
        return self.team_id is None or team_id == self.team_id

    def goal_filters(self) -> list[str]:
        """The query fields of the goal coding filters that are set."""
        named = {
            "outcome": self.outcome,
            "priority": self.priority,
            "code": self.code,
            "category": self.category,
        }
        return [name for name, value in named.items() if value is not None]

    def refuse_goal_filters(self, figure: str) -> None:
        """For figures of plans or cluster rows, which carry no goal coding."""
        names = self.goal_filters()
        if names:
            raise FilterNotApplicable(
                detail=f"{figure} carry no Children and Families code",
                errors=[FieldError(name, f"does not apply to {figure}") for name in names],
            )

    @property
    def narrows_goals(self) -> bool:
        return any(v is not None for v in (self.outcome, self.priority, self.code, self.category))

    def matches_goal(self, goal: SubGoalRecord) -> bool:
        if not self.narrows_goals:
            return True
        row = code_row(goal)
        return (
            (self.code is None or row.code == self.code)
            and (self.outcome is None or row.outcome == self.outcome)
            and (self.priority is None or row.priority == self.priority)
            and (self.category is None or row.category is self.category)
        )

    def for_month(self, month: date) -> Filter:
        """This filter narrowed to one calendar month (for run charts)."""
        start = month.replace(day=1)
        end = month_end(start)
        period_from = max(start, self.period_from) if self.period_from else start
        period_to = min(end, self.period_to) if self.period_to else end
        return replace(self, period_from=period_from, period_to=max(period_from, period_to))


@dataclass(frozen=True)
class DurationSummary:
    """Days between two events, over the records that have both."""

    n: int
    mean_days: Decimal | None
    median_days: Decimal | None


@dataclass(frozen=True)
class HowMuch:
    contacts: int
    referrals_by_source: dict[str, int]
    decisions_by_type: dict[str, int]
    families_allocated: int
    formulations_completed: int
    plans_opened: int
    sub_goals_set: int
    reviews_recorded: int


@dataclass(frozen=True)
class HowWell:
    formulations_six_ps_and_walk_back: Share
    sub_goals_with_baseline: Share
    reviews_on_time: Share
    feedback_treated_with_respect: Share
    feedback_would_recommend: Share
    mean_service_rating: Decimal | None
    mean_communication_rating: Decimal | None
    mean_understanding_rating: Decimal | None
    days_contact_to_decision: DurationSummary
    days_contact_to_allocation: DurationSummary


@dataclass(frozen=True)
class BetterOff:
    goal_movement: MovementSummary
    closures: ClosureSummary
    mean_score_change_by_code: dict[str, Decimal]
    mean_score_change_by_category: dict[ReportingCategory, Decimal]
    escalations_to_area_social_work: int
    re_referrals_within_12_months: Share

    @property
    def all_goals_achieved(self) -> Share:
        return self.closures.share(ClosureReason.ALL_GOALS_ACHIEVED)


@dataclass(frozen=True)
class Scorecard:
    filter: Filter
    how_much: HowMuch
    how_well: HowWell
    better_off: BetterOff


def _days(start: datetime, end: datetime) -> Fraction:
    delta = end - start
    return Fraction(delta.days * SECONDS_PER_DAY + delta.seconds, SECONDS_PER_DAY)


def _durations(pairs: Iterable[tuple[datetime, datetime]]) -> DurationSummary:
    days = [_days(start, end) for start, end in pairs if end >= start]
    return DurationSummary(n=len(days), mean_days=mean(days), median_days=median(days))


def reviews_on_time(
    goal: SubGoalRecord, grace_days: int = REVIEW_GRACE_DAYS
) -> list[tuple[date, bool]]:
    """Each review with whether it came within the agreed frequency of the one before it
    (the first, of the goal being set)."""
    if goal.tracking_frequency_days is None:
        return []
    allowed = goal.tracking_frequency_days + grace_days
    previous = goal.set_at
    judged: list[tuple[date, bool]] = []
    for review in sorted(goal.review_dates):
        judged.append((review, (review - previous).days <= allowed))
        previous = review
    return judged


def _share(flags: Iterable[bool | None]) -> Share:
    answered = [flag for flag in flags if flag is not None]
    return Share(sum(1 for flag in answered if flag), len(answered))


def _plan_in_place(records: OutcomeRecords, flt: Filter) -> Callable[[str], bool]:
    plans_by_id: dict[str, PlanRecord] = {plan.plan_id: plan for plan in records.plans}

    def plan_in_place(plan_id: str) -> bool:
        # Records whose plan the read model does not hold yet count only when no place is asked.
        plan = plans_by_id.get(plan_id)
        if plan is None:
            return flt.cluster_id is None and flt.team_id is None
        return flt.in_place(plan.cluster_id, plan.team_id)

    return plan_in_place


def goals_in_scope(records: OutcomeRecords, flt: Filter = Filter()) -> list[SubGoalRecord]:
    """The sub-goals a filter reaches: their plan's place, their coding, and active at some
    time in the period (the goals whose movement the scorecard and the evaluation count)."""
    plan_in_place = _plan_in_place(records, flt)
    return [
        _as_of(g, flt.period_to)
        for g in records.sub_goals
        if plan_in_place(g.plan_id) and flt.matches_goal(g) and flt.overlaps(g.set_at, g.ended_on)
    ]


def _as_of(goal: SubGoalRecord, day: date | None) -> SubGoalRecord:
    """The goal as it stood at the end of the period: its latest score on or before `day`
    (`definitions.LATEST_SCORE`), so a later score does not move an earlier period."""
    if day is None:
        return goal
    latest = goal.latest_score_as_of(day)
    return goal if latest == goal.latest_score else replace(goal, latest_score=latest)


def closed_plans_in_scope(records: OutcomeRecords, flt: Filter = Filter()) -> list[PlanRecord]:
    """Completed plans of the filter's place that closed in its period."""
    return [
        p
        for p in records.plans
        if flt.in_place(p.cluster_id, p.team_id) and is_completed(p) and flt.in_period(p.closed_at)
    ]


def build_scorecard(records: OutcomeRecords, flt: Filter = Filter()) -> Scorecard:
    plan_in_place = _plan_in_place(records, flt)
    placed_goals = [
        g for g in records.sub_goals if plan_in_place(g.plan_id) and flt.matches_goal(g)
    ]
    placed_contacts = [c for c in records.contacts if flt.in_place(c.cluster_id, c.team_id)]
    placed_plans = [p for p in records.plans if flt.in_place(p.cluster_id, p.team_id)]

    contacts_opened = [c for c in placed_contacts if flt.in_period(c.opened_at)]
    decided = [c for c in placed_contacts if flt.in_period(c.decided_at)]
    allocated = [c for c in placed_contacts if flt.in_period(c.allocated_at)]
    referrals = [c for c in decided if c.decision_type in REFERRAL_DECISIONS]
    formulations = [
        f
        for f in records.formulations
        if flt.in_place(f.cluster_id, f.team_id) and flt.in_period(f.completed_at)
    ]
    goals_set = [g for g in placed_goals if flt.in_period(g.set_at)]
    goals_active = goals_in_scope(records, flt)
    judged_reviews = [
        on_time
        for goal in placed_goals
        for review, on_time in reviews_on_time(goal)
        if flt.in_period(review)
    ]
    reviews = [r for g in placed_goals for r in g.review_dates if flt.in_period(r)]
    closed = closed_plans_in_scope(records, flt)
    feedback = [
        fb for fb in records.feedback if flt.in_period(fb.received_on) and plan_in_place(fb.plan_id)
    ]

    how_much = HowMuch(
        contacts=len(contacts_opened),
        referrals_by_source=dict(sorted(Counter(c.source for c in referrals).items())),
        decisions_by_type=dict(
            sorted(Counter(c.decision_type or "undecided" for c in decided).items())
        ),
        families_allocated=len(allocated),
        formulations_completed=len(formulations),
        plans_opened=sum(1 for p in placed_plans if flt.in_period(p.opened_at)),
        sub_goals_set=len(goals_set),
        reviews_recorded=len(reviews),
    )

    how_well = HowWell(
        formulations_six_ps_and_walk_back=Share(
            sum(1 for f in formulations if f.all_six_ps_considered and f.walk_back_passed),
            len(formulations),
        ),
        sub_goals_with_baseline=Share(
            sum(1 for g in goals_set if g.baseline is not None), len(goals_set)
        ),
        reviews_on_time=Share(sum(1 for ok in judged_reviews if ok), len(judged_reviews)),
        feedback_treated_with_respect=_share(fb.treated_with_respect for fb in feedback),
        feedback_would_recommend=_share(fb.would_recommend for fb in feedback),
        mean_service_rating=mean(
            fb.service_rating for fb in feedback if fb.service_rating is not None
        ),
        mean_communication_rating=mean(
            fb.communication_rating for fb in feedback if fb.communication_rating is not None
        ),
        mean_understanding_rating=mean(
            fb.understanding_rating for fb in feedback if fb.understanding_rating is not None
        ),
        days_contact_to_decision=_durations(
            (c.opened_at, c.decided_at) for c in decided if c.decided_at is not None
        ),
        days_contact_to_allocation=_durations(
            (c.opened_at, c.allocated_at) for c in allocated if c.allocated_at is not None
        ),
    )

    changes_by_code: dict[str, list[int]] = defaultdict(list)
    changes_by_category: dict[ReportingCategory, list[int]] = defaultdict(list)
    for goal in goals_active:
        if goal.baseline is None or goal.latest_score is None:
            continue
        change = goal.latest_score - goal.baseline
        row = code_row(goal)
        changes_by_code[row.code].append(change)
        changes_by_category[row.category].append(change)

    closures = summarise_closures(closed)
    better_off = BetterOff(
        goal_movement=summarise_movement(goals_active),
        closures=closures,
        mean_score_change_by_code=_means(changes_by_code),
        mean_score_change_by_category=_means(changes_by_category),
        escalations_to_area_social_work=closures.by_reason[
            ClosureReason.ESCALATED_TO_AREA_SOCIAL_WORK
        ],
        re_referrals_within_12_months=Share(
            sum(1 for c in referrals if c.re_referral), len(referrals)
        ),
    )
    return Scorecard(filter=flt, how_much=how_much, how_well=how_well, better_off=better_off)


K = TypeVar("K", str, ReportingCategory)


def _means(groups: dict[K, list[int]]) -> dict[K, Decimal]:
    result: dict[K, Decimal] = {}
    for key in sorted(groups):
        value = mean(groups[key])
        if value is not None:
            result[key] = value
    return result


def scorecards_by_month(
    records: OutcomeRecords, months: Iterable[date], flt: Filter = Filter()
) -> list[Scorecard]:
    """The scorecard of each month (`flt.for_month`), each the same as `build_scorecard` over
    every record gives, but built over only the records that month can count (`by_month`),
    so a year of months costs about one scorecard of the year, not twelve."""
    filters = [flt.for_month(month) for month in months]
    slices = by_month(records, {_month_of(f) for f in filters})
    return [build_scorecard(slices[_month_of(f)], f) for f in filters]


def _month_of(flt: Filter) -> int:
    # A month's filter (`Filter.for_month`) always has a period, and it lies in one calendar
    # month: the month asked, or the day the filter starts when that is after it.
    assert flt.period_from is not None
    return month_index(flt.period_from)


def by_month(records: OutcomeRecords, months: Iterable[int]) -> dict[int, OutcomeRecords]:
    """For each month (`months.month_index`), the records a scorecard of any period within
    that month can count, whatever its place and goal filters: a superset that
    `build_scorecard` narrows exactly as it narrows every record. It reads the same dates as
    `build_scorecard`: a contact is in the months it was opened, decided and allocated in; a
    formulation in the month it was completed; a goal in every month it ran in, was set in or
    was reviewed in (with all its scores and reviews: an earlier review decides whether one in
    the month was on time); feedback in the month it came; a plan in the months it opened and
    closed in, and in every month one of its goals or feedback is in (it places them)."""
    wanted = sorted(set(months))
    inside = set(wanted)
    contacts: dict[int, list[ContactRecord]] = {m: [] for m in wanted}
    formulations: dict[int, list[FormulationRecord]] = {m: [] for m in wanted}
    goals: dict[int, list[SubGoalRecord]] = {m: [] for m in wanted}
    feedback: dict[int, list[FeedbackRecord]] = {m: [] for m in wanted}
    plan_ids: dict[int, set[str]] = {m: set() for m in wanted}

    def days_months(*days: date | datetime | None) -> set[int]:
        found = set()
        for day in days:
            if day is not None:
                index = month_index(day.date() if isinstance(day, datetime) else day)
                if index in inside:
                    found.add(index)
        return found

    for contact in records.contacts:
        for m in days_months(contact.opened_at, contact.decided_at, contact.allocated_at):
            contacts[m].append(contact)
    for formulation in records.formulations:
        for m in days_months(formulation.completed_at):
            formulations[m].append(formulation)
    for goal in records.sub_goals:
        first = month_index(goal.set_at)
        last = None if goal.ended_on is None else month_index(goal.ended_on)
        running = {m for m in wanted if first <= m and (last is None or m <= last)}
        for m in sorted(running | days_months(goal.set_at, *goal.review_dates)):
            goals[m].append(goal)
            plan_ids[m].add(goal.plan_id)
    for item in records.feedback:
        for m in days_months(item.received_on):
            feedback[m].append(item)
            plan_ids[m].add(item.plan_id)
    plans: dict[int, list[PlanRecord]] = {m: [] for m in wanted}
    for plan in records.plans:
        dated = days_months(plan.opened_at, plan.closed_at)
        for m in wanted:
            if m in dated or plan.plan_id in plan_ids[m]:
                plans[m].append(plan)
    return {
        m: OutcomeRecords(
            contacts=tuple(contacts[m]),
            formulations=tuple(formulations[m]),
            plans=tuple(plans[m]),
            sub_goals=tuple(goals[m]),
            feedback=tuple(feedback[m]),
        )
        for m in wanted
    }

"""Response bodies of the scorecard and the evaluation's tables, made from the domain's results.

Shares carry their counts and a percentage; averages and money keep the evaluation's exact
two-place decimals (as strings in JSON, so 8.625 stays 8.63 and 13497 stays 13497.00).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.outcomes.v1 import ClosureReason, GoalMovement
from pydantic import BaseModel, Field

from outcomes.domain import definitions as d
from outcomes.domain.before_after import BeforeAfterTable
from outcomes.domain.cost_comparison import CostComparison
from outcomes.domain.goal_measures import (
    ActivityProgressRow,
    CategoryImprovement,
    ClosureSummary,
)
from outcomes.domain.intervention import InterventionLength
from outcomes.domain.movement import MovementSummary
from outcomes.domain.scorecard import DurationSummary, Scorecard
from outcomes.domain.shares import Share, round_half_up


class DefinitionResponse(BaseModel):
    """How a figure of this response was made, where the evaluation left the choice open."""

    key: str
    text: str
    source: str


def defined(*definitions: d.Definition) -> list[DefinitionResponse]:
    return [DefinitionResponse(key=x.key, text=x.text, source=x.source) for x in definitions]


class ShareResponse(BaseModel):
    numerator: int
    denominator: int
    percent: float | None

    @classmethod
    def of(cls, share: Share, places: int = 1) -> ShareResponse:
        value = share.percent(places)
        return cls(
            numerator=share.numerator,
            denominator=share.denominator,
            percent=None if value is None else float(value),
        )


class DurationResponse(BaseModel):
    n: int
    mean_days: float | None
    median_days: float | None

    @classmethod
    def of(cls, d: DurationSummary) -> DurationResponse:
        return cls(
            n=d.n,
            mean_days=None if d.mean_days is None else float(d.mean_days),
            median_days=None if d.median_days is None else float(d.median_days),
        )


class MovementResponse(BaseModel):
    """Counts of goals by movement; shares are of goals with a score (the evaluation's 84/10/6)."""

    goals: int
    scored: int
    improved: int
    unchanged: int
    deteriorated: int
    no_score: int
    improved_percent: float | None
    unchanged_percent: float | None
    deteriorated_percent: float | None
    improved_percent_of_all: float | None
    unchanged_percent_of_all: float | None
    deteriorated_percent_of_all: float | None
    definitions: list[DefinitionResponse]

    @classmethod
    def of(cls, m: MovementSummary, places: int = 0) -> MovementResponse:
        def pct(movement: GoalMovement) -> float | None:
            value = m.share(movement).percent(places)
            return None if value is None else float(value)

        def of_all(movement: GoalMovement) -> float | None:
            value = Share(m.count(movement), m.total).percent(places)
            return None if value is None else float(value)

        return cls(
            goals=m.total,
            scored=m.scored,
            improved=m.improved,
            unchanged=m.unchanged,
            deteriorated=m.deteriorated,
            no_score=m.no_score,
            improved_percent=pct(GoalMovement.IMPROVED),
            unchanged_percent=pct(GoalMovement.UNCHANGED),
            deteriorated_percent=pct(GoalMovement.DETERIORATED),
            improved_percent_of_all=of_all(GoalMovement.IMPROVED),
            unchanged_percent_of_all=of_all(GoalMovement.UNCHANGED),
            deteriorated_percent_of_all=of_all(GoalMovement.DETERIORATED),
            definitions=defined(d.GOAL_MOVEMENT_SHARES, d.LATEST_SCORE),
        )


class ClosureReasonsResponse(BaseModel):
    completed: int
    by_reason: dict[ClosureReason, ShareResponse]

    @classmethod
    def of(cls, c: ClosureSummary, places: int = 0) -> ClosureReasonsResponse:
        return cls(
            completed=c.completed,
            by_reason={
                reason: ShareResponse.of(c.share(reason), places) for reason in ClosureReason
            },
        )


class HowMuchResponse(BaseModel):
    contacts: int
    referrals_by_source: dict[str, int]
    decisions_by_type: dict[str, int]
    families_allocated: int
    formulations_completed: int
    plans_opened: int
    sub_goals_set: int
    reviews_recorded: int


class HowWellResponse(BaseModel):
    formulations_six_ps_and_walk_back: ShareResponse
    sub_goals_with_baseline: ShareResponse
    reviews_on_time: ShareResponse
    feedback_treated_with_respect: ShareResponse
    feedback_would_recommend: ShareResponse
    mean_service_rating: float | None
    mean_communication_rating: float | None
    mean_understanding_rating: float | None
    days_contact_to_decision: DurationResponse
    days_contact_to_allocation: DurationResponse


class BetterOffResponse(BaseModel):
    goal_movement: MovementResponse
    closures: ClosureReasonsResponse
    all_goals_achieved: ShareResponse
    mean_score_change_by_code: dict[str, float]
    mean_score_change_by_category: dict[str, float]
    escalations_to_area_social_work: int
    re_referrals_within_12_months: ShareResponse


class ScorecardFilterResponse(BaseModel):
    period_from: date | None = None
    period_to: date | None = None
    cluster_id: str | None = None
    team_id: str | None = None
    outcome: str | None = None
    priority: str | None = None
    code: str | None = None
    category: str | None = None


class ScorecardResponse(BaseModel):
    """Leeds OBA: How much did we do? How well did we do it? Is anyone better off?"""

    filter: ScorecardFilterResponse
    how_much: HowMuchResponse
    how_well: HowWellResponse
    better_off: BetterOffResponse
    definitions: list[DefinitionResponse] = Field(
        default_factory=lambda: defined(d.REVIEW_GRACE, d.LATEST_SCORE, d.GOAL_MOVEMENT_SHARES)
    )

    @classmethod
    def of(cls, s: Scorecard) -> ScorecardResponse:
        f, m, w, b = s.filter, s.how_much, s.how_well, s.better_off

        def num(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return cls(
            filter=ScorecardFilterResponse(
                period_from=f.period_from,
                period_to=f.period_to,
                cluster_id=f.cluster_id,
                team_id=f.team_id,
                outcome=f.outcome,
                priority=f.priority,
                code=f.code,
                category=f.category.value if f.category else None,
            ),
            how_much=HowMuchResponse(
                contacts=m.contacts,
                referrals_by_source=m.referrals_by_source,
                decisions_by_type={str(k): v for k, v in m.decisions_by_type.items()},
                families_allocated=m.families_allocated,
                formulations_completed=m.formulations_completed,
                plans_opened=m.plans_opened,
                sub_goals_set=m.sub_goals_set,
                reviews_recorded=m.reviews_recorded,
            ),
            how_well=HowWellResponse(
                formulations_six_ps_and_walk_back=ShareResponse.of(
                    w.formulations_six_ps_and_walk_back
                ),
                sub_goals_with_baseline=ShareResponse.of(w.sub_goals_with_baseline),
                reviews_on_time=ShareResponse.of(w.reviews_on_time),
                feedback_treated_with_respect=ShareResponse.of(w.feedback_treated_with_respect),
                feedback_would_recommend=ShareResponse.of(w.feedback_would_recommend),
                mean_service_rating=num(w.mean_service_rating),
                mean_communication_rating=num(w.mean_communication_rating),
                mean_understanding_rating=num(w.mean_understanding_rating),
                days_contact_to_decision=DurationResponse.of(w.days_contact_to_decision),
                days_contact_to_allocation=DurationResponse.of(w.days_contact_to_allocation),
            ),
            better_off=BetterOffResponse(
                goal_movement=MovementResponse.of(b.goal_movement, 1),
                closures=ClosureReasonsResponse.of(b.closures, 1),
                all_goals_achieved=ShareResponse.of(b.all_goals_achieved),
                mean_score_change_by_code={
                    k: float(v) for k, v in b.mean_score_change_by_code.items()
                },
                mean_score_change_by_category={
                    k.value: float(v) for k, v in b.mean_score_change_by_category.items()
                },
                escalations_to_area_social_work=b.escalations_to_area_social_work,
                re_referrals_within_12_months=ShareResponse.of(b.re_referrals_within_12_months),
            ),
        )


class CategoryImprovementRow(BaseModel):
    category: str
    goals: int
    scored: int
    improved: int
    unchanged: int
    deteriorated: int
    no_score: int
    improved_percent: float | None

    @classmethod
    def of(cls, row: CategoryImprovement) -> CategoryImprovementRow:
        pct = row.improved.percent(0)
        return cls(
            category=row.category.value,
            goals=row.goals,
            scored=row.movement.scored,
            improved=row.movement.improved,
            unchanged=row.movement.unchanged,
            deteriorated=row.movement.deteriorated,
            no_score=row.movement.no_score,
            improved_percent=None if pct is None else float(pct),
        )


class ImprovementByCategoryResponse(BaseModel):
    rows: list[CategoryImprovementRow]
    definitions: list[DefinitionResponse] = Field(
        default_factory=lambda: defined(d.CODE_CATEGORIES, d.GOAL_MOVEMENT_SHARES, d.LATEST_SCORE)
    )


class Table4Row(BaseModel):
    activity_category: str
    deteriorated: int
    unchanged: int
    improved: int
    no_score: int
    total: int
    percent_on_improving: float | None

    @classmethod
    def of(cls, row: ActivityProgressRow) -> Table4Row:
        pct = row.on_improving_goals.percent(0)
        return cls(
            activity_category=row.activity_category,
            deteriorated=row.deteriorated,
            unchanged=row.unchanged,
            improved=row.improved,
            no_score=row.no_score,
            total=row.total,
            percent_on_improving=None if pct is None else float(pct),
        )


class Table4Response(BaseModel):
    """Actions by activity category against the movement of the goal they supported."""

    rows: list[Table4Row]
    definitions: list[DefinitionResponse] = Field(default_factory=lambda: defined(d.LATEST_SCORE))


class BeforeAfterRow(BaseModel):
    """A cluster's children per month before and after its RES team started. Where the window
    does not hold the start, `split_in_window` is false, every month is on one side, the
    difference is null and the row is not in the totals."""

    cluster_id: str
    split_in_window: bool
    months_before: int
    count_before: int
    average_before: Decimal
    months_after: int
    count_after: int
    average_after: Decimal
    difference: Decimal | None


class BeforeAfterTotals(BaseModel):
    count_before: int
    average_before: Decimal
    count_after: int
    average_after: Decimal
    difference: Decimal


class BeforeAfterResponse(BaseModel):
    """Monthly averages per RES cluster before and after its team started (Tables 1 and 2)."""

    kind: str
    window_from: date
    window_to: date
    rows: list[BeforeAfterRow]
    totals: BeforeAfterTotals
    definitions: list[DefinitionResponse] = Field(
        default_factory=lambda: defined(d.CHILDREN_PER_MONTH)
    )

    @classmethod
    def of(cls, kind: str, start: date, end: date, t: BeforeAfterTable) -> BeforeAfterResponse:
        return cls(
            kind=kind,
            window_from=start,
            window_to=end,
            rows=[
                BeforeAfterRow(
                    cluster_id=r.cluster_id,
                    split_in_window=r.split_in_window,
                    months_before=r.months_before,
                    count_before=r.count_before,
                    average_before=r.average_before,
                    months_after=r.months_after,
                    count_after=r.count_after,
                    average_after=r.average_after,
                    difference=r.difference,
                )
                for r in t.rows
            ],
            totals=BeforeAfterTotals(
                count_before=t.count_before,
                average_before=t.average_before,
                count_after=t.count_after,
                average_after=t.average_after,
                difference=t.difference,
            ),
        )


class CostLineResponse(BaseModel):
    row: str
    unit_cost: Decimal
    monthly_volume_before: Decimal
    monthly_volume_after: Decimal
    before: Decimal
    after: Decimal


class Table3Response(BaseModel):
    """Monthly costs before and after RES from the unit costs of one edition, and the saving."""

    edition: str
    window_from: date
    window_to: date
    lines: list[CostLineResponse]
    total_before: Decimal
    total_after: Decimal
    saving: Decimal
    definitions: list[DefinitionResponse] = Field(
        default_factory=lambda: defined(d.HOURS_PER_CONTACT, d.CHILDREN_PER_MONTH)
    )

    @classmethod
    def of(cls, start: date, end: date, c: CostComparison) -> Table3Response:
        return cls(
            edition=c.edition,
            window_from=start,
            window_to=end,
            lines=[
                CostLineResponse(
                    row=line.row.value,
                    unit_cost=line.unit_cost,
                    monthly_volume_before=round_half_up(line.monthly_volume_before),
                    monthly_volume_after=round_half_up(line.monthly_volume_after),
                    before=line.before,
                    after=line.after,
                )
                for line in c.lines
            ],
            total_before=c.total_before,
            total_after=c.total_after,
            saving=c.saving,
        )


class InterventionLengthResponse(BaseModel):
    plans: int
    mean_months: float | None
    mean_days: float | None


class InterventionResponse(BaseModel):
    """The intervention itself (sections 3.1 and 3.3): its average length, goals worked on for
    more than three months, live plans on the period's last day, and new RES allocations as a
    share of contacts."""

    period_from: date | None
    as_of: date
    length_of_intervention: InterventionLengthResponse
    goals_worked_on_over_three_months: ShareResponse
    live_plans: int
    new_allocations_share_of_contacts: ShareResponse
    definitions: list[DefinitionResponse] = Field(
        default_factory=lambda: defined(
            d.INTERVENTION_LENGTH, d.GOALS_OVER_THREE_MONTHS, d.LIVE_PLANS, d.ALLOCATIONS_SHARE
        )
    )

    @classmethod
    def of(
        cls,
        period_from: date | None,
        as_of: date,
        length: InterventionLength,
        long_goals: Share,
        live: int,
        allocations: Share,
    ) -> InterventionResponse:
        return cls(
            period_from=period_from,
            as_of=as_of,
            length_of_intervention=InterventionLengthResponse(
                plans=length.plans,
                mean_months=None if length.mean_months is None else float(length.mean_months),
                mean_days=None if length.mean_days is None else float(length.mean_days),
            ),
            goals_worked_on_over_three_months=ShareResponse.of(long_goals, 0),
            live_plans=live,
            new_allocations_share_of_contacts=ShareResponse.of(allocations, 0),
        )

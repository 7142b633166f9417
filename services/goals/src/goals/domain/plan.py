"""The family plan aggregate: an overall goal and its SMART sub-goals (Appendix 5 steps 5-16).

Decisions this module makes, so every caller gets the same answer:

- At most three sub-goals are active; a fourth is refused (`GoalLimitReached`) unless it is
  set to wait in the queue. When an active sub-goal ends, the next queued one (in the order
  they were set) starts automatically on the same date; the caller may name a different
  queued one, or keep the place free (for instance for the goal that replaces it).
- Baseline, tracking scores, evaluations and actions apply only to active sub-goals, and all
  but the baseline need the baseline first: the baseline is the family's score before any
  action (step 8), so it is taken when work on the sub-goal starts.
- Closing ends what is still open: active sub-goals end as achieved when the closure reason is
  "all goals achieved" and as withdrawn otherwise; queued ones end as withdrawn. "All goals
  achieved" must be true of the open sub-goals: each is active and scored after its baseline,
  not below it; an unscored, worsened or queued one is refused, naming it, so the worker ends
  it with its own end state first or gives the reason that is true. (A closure that marked
  unscored goals achieved told the BI stream something nobody had seen.) Returning to
  formulation ends them all as replaced, since the new formulation sets new goals.
- A plan opened from a formulation version that, unknown to this service yet, had already been
  superseded is not undone when the news arrives: it is marked `formulation_superseded_by` the
  current version, which the plan's view shows, for the worker to return to formulation.
- Practice dates (`on`) are passed in and may be earlier than today, because work is often
  written up after a visit; `now` is when the record was made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from contracts.envelope import EventPayload
from contracts.goals import v1 as events
from contracts.reference.codes import CURRENT_EDITION, UnknownCode, lookup
from contracts.reference.goals import (
    DEFAULT_TRACKING_FREQUENCY,
    MAX_ACTIVE_SUB_GOALS,
    TRACKING_FREQUENCY_DAYS,
    ActivityCategory,
    ClosureReason,
    EvaluationDecision,
    Movement,
    PlanStatus,
    ReturnToFormulationReason,
    ScoreEntry,
    ScoreKind,
    ScorerKind,
    SubGoalEndState,
    SubGoalStatus,
    TrackingFrequency,
    latest_score,
)
from runtime.practice import practice_date_errors

from goals.domain.closure import (
    ClosingReview,
    Closure,
    FormulationReturn,
    SustainabilityPlan,
    ensure_closure_reason,
    ensure_sustainability_plan_is_complete,
)
from goals.domain.errors import (
    ActionNotFound,
    BaselineAlreadyRecorded,
    BaselineRequired,
    ClosureReasonDisagreesWithGoals,
    FeedbackAlreadyRecorded,
    FeedbackBeforeClosure,
    FieldError,
    GoalLimitReached,
    GoalsError,
    IncompleteSustainabilityPlan,
    InvalidAction,
    InvalidChildrenAndFamiliesCode,
    InvalidClosure,
    InvalidEvaluation,
    InvalidPlan,
    InvalidPracticeDate,
    InvalidScore,
    InvalidSubGoal,
    PlanAlreadyClosed,
    PlanNotOpen,
    SubGoalAlreadyEnded,
    SubGoalNotActive,
    SubGoalNotFound,
    SubGoalNotQueued,
)
from goals.domain.feedback import FamilyFeedback, ensure_feedback_is_valid
from goals.domain.scores import (
    BaselineScore,
    Evaluation,
    ScorePoint,
    Scorer,
    TrackingScore,
    classify_movement,
)

E = TypeVar("E", bound=StrEnum)


def _ensure_practice_date(
    field_name: str,
    on: date,
    *,
    today: date | None = None,
    not_before: date | None = None,
    what: str = "the record it belongs to",
) -> None:
    """Practice dates are not before what they depend on (nor, with `today`, in the future:
    the API refuses future dates before the domain sees them)."""
    errors = practice_date_errors(
        field_name, on, today=today or date.max, not_before=not_before, what=what
    )
    if errors:
        raise InvalidPracticeDate(detail=errors[0].message, errors=errors)


def _last_practice_date(sub_goal: SubGoal) -> date:
    """The latest practice date on a sub-goal: set, started, scored or actions agreed."""
    dates = [sub_goal.set_on, *(p.on for p in sub_goal.score_history())]
    if sub_goal.activated_on is not None:
        dates.append(sub_goal.activated_on)
    return max(dates)


def _coerce(enum: type[E], value: object, error: type[GoalsError], field_name: str) -> E:
    """A value of `enum` from itself or its code; anything else is invalid input."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    raise error(
        detail=f"{field_name} {value!r} is not one of {allowed}",
        errors=[FieldError(field_name, f"one of {allowed}")],
    )


def ensure_one_children_and_families_code(code: object, edition: str) -> str:
    """Exactly one code of the given code table edition; returns it as the table spells it."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidChildrenAndFamiliesCode(
            detail="a sub-goal carries exactly one Children and Families code",
            errors=[FieldError("code", "one code, e.g. S1")],
        )
    try:
        return lookup(code.strip().upper(), edition).code
    except UnknownCode as exc:
        raise InvalidChildrenAndFamiliesCode(
            detail=str(exc), errors=[FieldError("code", str(exc))]
        ) from None


def ensure_sub_goal_is_smart(
    what: str,
    measure: str,
    by_when: object,
    set_on: date,
    person_ids: Sequence[uuid.UUID],
    factor_ids: Sequence[uuid.UUID],
) -> None:
    """Specific (what), measurable (measure), timed (by when), about someone, from the formulation."""
    errors: list[FieldError] = []
    if not what.strip():
        errors.append(FieldError("what", "say what the family wants to change"))
    if not measure.strip():
        errors.append(FieldError("measure", "say how progress will be measured"))
    if not isinstance(by_when, date):
        errors.append(FieldError("by_when", "a date"))
    elif by_when < set_on:
        errors.append(FieldError("by_when", "cannot be before the sub-goal is set"))
    if not person_ids:
        errors.append(FieldError("person_ids", "name at least one family member it is about"))
    # Step 5: goals relate directly to the factors identified in the formulation.
    if not factor_ids:
        errors.append(FieldError("factor_ids", "link at least one formulation factor"))
    if errors:
        raise InvalidSubGoal(detail="the sub-goal is not SMART", errors=errors)


def _unique(ids: Iterable[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    return tuple(dict.fromkeys(ids))


@dataclass
class ActionEntry:
    """What was done on an action, recorded as it happens (step 10)."""

    on: date
    note: str
    recorded_at: datetime


@dataclass
class Action:
    """A SMART action agreed for a sub-goal (step 9)."""

    id: uuid.UUID
    what: str
    who: str
    by_when: date
    category: ActivityCategory
    agreed_on: date
    entries: list[ActionEntry] = field(default_factory=list)


@dataclass
class SubGoal:
    id: uuid.UUID
    what: str
    measure: str
    by_when: date
    code: str
    code_edition: str
    person_ids: tuple[uuid.UUID, ...]
    factor_ids: tuple[uuid.UUID, ...]
    status: SubGoalStatus
    set_on: date
    tracking_frequency: TrackingFrequency = DEFAULT_TRACKING_FREQUENCY
    activated_on: date | None = None
    ended_on: date | None = None
    baseline: BaselineScore | None = None
    scores: list[TrackingScore] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    # Statuses compare with == so values loaded as plain strings behave the same as members.
    @property
    def is_active(self) -> bool:
        return self.status == SubGoalStatus.ACTIVE

    @property
    def is_queued(self) -> bool:
        return self.status == SubGoalStatus.QUEUED

    @property
    def has_ended(self) -> bool:
        return not (self.is_active or self.is_queued)

    @property
    def was_active(self) -> bool:
        return self.activated_on is not None

    @property
    def tracking_frequency_days(self) -> int:
        return TRACKING_FREQUENCY_DAYS[self.tracking_frequency]

    @property
    def latest_score(self) -> ScorePoint | None:
        """The latest score after the baseline, by the platform's one rule
        (`contracts.reference.goals.latest_score`: an evaluation wins a tie on the same day)."""
        entries = [
            ScoreEntry(s.on, s.score, ScoreKind.TRACKING, i) for i, s in enumerate(self.scores)
        ]
        entries += [
            ScoreEntry(e.on, e.score, ScoreKind.EVALUATION, i)
            for i, e in enumerate(self.evaluations)
        ]
        point = latest_score(entries)
        return None if point is None else ScorePoint(point.on, point.score, is_baseline=False)

    @property
    def movement(self) -> Movement:
        latest_point = self.latest_score
        return classify_movement(
            None if self.baseline is None else self.baseline.score,
            None if latest_point is None else latest_point.score,
        )

    def score_history(self) -> list[ScorePoint]:
        """Baseline first, then every tracking and evaluation score in date order."""
        points = [ScorePoint(s.on, s.score, is_baseline=False) for s in self.scores]
        points += [ScorePoint(e.on, e.score, is_baseline=False) for e in self.evaluations]
        points.sort(key=lambda p: p.on)
        if self.baseline is not None:
            points.insert(0, ScorePoint(self.baseline.on, self.baseline.score, is_baseline=True))
        return points

    def last_reviewed_on(self) -> date | None:
        """The date of the latest baseline, tracking or evaluation score."""
        dates = [p.on for p in self.score_history()]
        return max(dates) if dates else None

    def action(self, action_id: uuid.UUID) -> Action:
        for action in self.actions:
            if action.id == action_id:
                return action
        raise ActionNotFound(detail=f"no action {action_id} on sub-goal {self.id}")


@dataclass
class FamilyPlan:
    """A family's plan, from the formulation it comes from to closure or a return to formulation."""

    id: uuid.UUID
    family_id: uuid.UUID
    formulation_id: uuid.UUID
    overall_goal: str
    opened_at: datetime
    team_id: str | None = None
    cluster_id: str | None = None
    status: PlanStatus = PlanStatus.OPEN
    sub_goals: list[SubGoal] = field(default_factory=list)
    closure: Closure | None = None
    formulation_return: FormulationReturn | None = None
    feedback: FamilyFeedback | None = None
    feedback_recorded_at: datetime | None = None
    feedback_received_on: date | None = None
    # A newer completed version of the plan's formulation, learnt after the plan opened.
    formulation_superseded_by: uuid.UUID | None = None
    # The practice date the plan opened (None on plans made before it was kept).
    opened_on: date | None = None
    events: list[EventPayload] = field(default_factory=list, repr=False, compare=False)

    def people(self) -> list[tuple[str, uuid.UUID]]:
        """Every registered person the plan names, with the field that names them: those a
        sub-goal is about and the family members who gave a score. Each must be of the
        family, and each one's subject access request finds the plan."""
        named: list[tuple[str, uuid.UUID]] = []
        for goal in self.sub_goals:
            named += [("person_ids", p) for p in goal.person_ids]
            scores: list[BaselineScore | TrackingScore] = [*goal.scores]
            if goal.baseline is not None:
                scores.insert(0, goal.baseline)
            named += [
                ("given_by.person_id", uuid.UUID(s.given_by.id))
                for s in scores
                if s.given_by.kind is ScorerKind.FAMILY
            ]
        return list(dict.fromkeys(named))

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        family_id: uuid.UUID,
        formulation_id: uuid.UUID,
        overall_goal: str,
        now: datetime,
        team_id: str | None = None,
        cluster_id: str | None = None,
        plan_id: uuid.UUID | None = None,
        opened_on: date | None = None,
    ) -> FamilyPlan:
        """Open a plan with the overall goal drawn from the formulation (step 5), on the day
        it was agreed (`opened_on`, default today)."""
        on = opened_on or now.date()
        _ensure_practice_date("opened_on", on, today=now.date())
        if not overall_goal.strip():
            raise InvalidPlan(
                detail="a plan states the overall goal to be achieved",
                errors=[FieldError("overall_goal", "required")],
            )
        plan = cls(
            id=plan_id or uuid.uuid4(),
            family_id=family_id,
            formulation_id=formulation_id,
            overall_goal=overall_goal.strip(),
            opened_at=now,
            team_id=team_id,
            cluster_id=cluster_id,
            opened_on=on,
        )
        plan.events.append(
            events.PlanOpened(
                plan_id=plan.id,
                family_id=family_id,
                formulation_id=formulation_id,
                team_id=team_id,
                cluster_id=cluster_id,
                opened_at=now,
                opened_on=on,
            )
        )
        return plan

    @property
    def practice_opened_on(self) -> date:
        return self.opened_on or self.opened_at.date()

    # -- looking things up ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status == PlanStatus.OPEN

    @property
    def active_sub_goals(self) -> list[SubGoal]:
        return [sg for sg in self.sub_goals if sg.is_active]

    @property
    def queued_sub_goals(self) -> list[SubGoal]:
        """Waiting sub-goals in the order they will start."""
        return [sg for sg in self.sub_goals if sg.is_queued]

    def sub_goal(self, sub_goal_id: uuid.UUID) -> SubGoal:
        for sub_goal in self.sub_goals:
            if sub_goal.id == sub_goal_id:
                return sub_goal
        raise SubGoalNotFound(detail=f"no sub-goal {sub_goal_id} on plan {self.id}")

    def movement_counts(self) -> dict[Movement, int]:
        """Sub-goals that were worked on, by movement from baseline to latest score."""
        counts = dict.fromkeys(Movement, 0)
        for sub_goal in self.sub_goals:
            if sub_goal.was_active:
                counts[sub_goal.movement] += 1
        return counts

    # -- sub-goals --------------------------------------------------------------------------

    def set_sub_goal(
        self,
        *,
        what: str,
        measure: str,
        by_when: date,
        code: str,
        person_ids: Sequence[uuid.UUID],
        factor_ids: Sequence[uuid.UUID],
        on: date,
        code_edition: str = CURRENT_EDITION,
        tracking_frequency: TrackingFrequency | str = DEFAULT_TRACKING_FREQUENCY,
        queue: bool = False,
        sub_goal_id: uuid.UUID | None = None,
    ) -> SubGoal:
        """Agree a SMART sub-goal with one Children and Families code (steps 6-7, 9).

        It starts now unless `queue`; starting a fourth active sub-goal is refused.
        """
        self._ensure_open()
        _ensure_practice_date("on", on, not_before=self.practice_opened_on, what="the plan opened")
        ensure_sub_goal_is_smart(what, measure, by_when, on, person_ids, factor_ids)
        checked_code = ensure_one_children_and_families_code(code, code_edition)
        frequency = _coerce(
            TrackingFrequency, tracking_frequency, InvalidSubGoal, "tracking_frequency"
        )
        if not queue:
            self._ensure_room_for_another_active()
        new_id = sub_goal_id or uuid.uuid4()
        if any(sg.id == new_id for sg in self.sub_goals):
            raise InvalidSubGoal(
                detail=f"sub-goal {new_id} already exists",
                errors=[FieldError("sub_goal_id", "already used")],
            )
        sub_goal = SubGoal(
            id=new_id,
            what=what.strip(),
            measure=measure.strip(),
            by_when=by_when,
            code=checked_code,
            code_edition=code_edition,
            person_ids=_unique(person_ids),
            factor_ids=_unique(factor_ids),
            status=SubGoalStatus.QUEUED if queue else SubGoalStatus.ACTIVE,
            set_on=on,
            tracking_frequency=frequency,
            activated_on=None if queue else on,
        )
        self.sub_goals.append(sub_goal)
        self.events.append(
            events.SubGoalSet(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                status=sub_goal.status,
                tracking_frequency=sub_goal.tracking_frequency,
                tracking_frequency_days=sub_goal.tracking_frequency_days,
                person_ids=sub_goal.person_ids,
                factor_ids=sub_goal.factor_ids,
                by_when=sub_goal.by_when,
                set_on=on,
            )
        )
        return sub_goal

    def start_sub_goal(self, sub_goal_id: uuid.UUID, *, on: date) -> SubGoal:
        """Start a queued sub-goal now, if fewer than three are active."""
        self._ensure_open()
        sub_goal = self.sub_goal(sub_goal_id)
        if not sub_goal.is_queued:
            raise SubGoalNotQueued(detail=f"sub-goal {sub_goal_id} is {sub_goal.status}")
        self._ensure_room_for_another_active()
        self._activate(sub_goal, on=on, automatic=False)
        return sub_goal

    def agree_tracking_frequency(
        self, sub_goal_id: uuid.UUID, frequency: TrackingFrequency | str
    ) -> None:
        """Change how often the sub-goal is scored (step 9)."""
        self._ensure_open()
        sub_goal = self.sub_goal(sub_goal_id)
        if sub_goal.has_ended:
            raise SubGoalAlreadyEnded(detail=f"sub-goal {sub_goal_id} is {sub_goal.status}")
        sub_goal.tracking_frequency = _coerce(
            TrackingFrequency, frequency, InvalidSubGoal, "tracking_frequency"
        )
        self.events.append(
            events.TrackingFrequencyAgreed(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                tracking_frequency=sub_goal.tracking_frequency,
                tracking_frequency_days=sub_goal.tracking_frequency_days,
            )
        )

    # -- scores -----------------------------------------------------------------------------

    def record_baseline(
        self, sub_goal_id: uuid.UUID, *, score: int, on: date, given_by: Scorer
    ) -> BaselineScore:
        """The family's own score before any action (step 8); once per sub-goal."""
        sub_goal = self._active_sub_goal(sub_goal_id)
        if sub_goal.baseline is not None:
            raise BaselineAlreadyRecorded(
                detail=f"sub-goal {sub_goal_id} has a baseline of {sub_goal.baseline.score}"
            )
        if given_by.kind != ScorerKind.FAMILY:
            raise InvalidScore(
                detail="the baseline is given by the family",
                errors=[FieldError("given_by", "a family member")],
            )
        _ensure_practice_date("on", on, not_before=sub_goal.set_on, what="the sub-goal was set")
        baseline = BaselineScore(score=score, on=on, given_by=given_by)
        sub_goal.baseline = baseline
        self.events.append(
            events.BaselineRecorded(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                baseline=baseline.score,
                scored_on=on,
                scored_by=given_by.kind,
                tracking_frequency_days=sub_goal.tracking_frequency_days,
            )
        )
        return baseline

    def record_score(
        self,
        sub_goal_id: uuid.UUID,
        *,
        score: int,
        on: date,
        given_by: Scorer,
        note: str = "",
    ) -> TrackingScore:
        """A dated tracking score at the agreed frequency (step 11)."""
        sub_goal = self._active_sub_goal(sub_goal_id)
        baseline = self._ensure_baseline(sub_goal, on)
        tracking = TrackingScore(score=score, on=on, given_by=given_by, note=note.strip())
        sub_goal.scores.append(tracking)
        self.events.append(
            events.ScoreRecorded(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                score=tracking.score,
                scored_on=on,
                scored_by=given_by.kind,
                baseline=baseline.score,
                status=sub_goal.status,
            )
        )
        return tracking

    def evaluate(
        self,
        sub_goal_id: uuid.UUID,
        *,
        score: int,
        on: date,
        decision: EvaluationDecision | str,
        rationale: str,
    ) -> Evaluation:
        """Evaluate progress: date, score and why to continue or change the actions (step 12)."""
        sub_goal = self._active_sub_goal(sub_goal_id)
        baseline = self._ensure_baseline(sub_goal, on)
        evaluation = Evaluation(
            score=score,
            on=on,
            decision=_coerce(EvaluationDecision, decision, InvalidEvaluation, "decision"),
            rationale=rationale.strip(),
        )
        sub_goal.evaluations.append(evaluation)
        self.events.append(
            events.SubGoalEvaluated(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                score=evaluation.score,
                evaluated_on=on,
                decision=evaluation.decision,
                baseline=baseline.score,
            )
        )
        return evaluation

    # -- actions ----------------------------------------------------------------------------

    def agree_action(
        self,
        sub_goal_id: uuid.UUID,
        *,
        what: str,
        who: str,
        by_when: date,
        category: ActivityCategory | str,
        on: date,
        action_id: uuid.UUID | None = None,
    ) -> Action:
        """A SMART action for an active sub-goal, after its baseline (step 9)."""
        sub_goal = self._active_sub_goal(sub_goal_id)
        self._ensure_baseline(sub_goal, on)
        activity = _coerce(ActivityCategory, category, InvalidAction, "category")
        errors: list[FieldError] = []
        if not what.strip():
            errors.append(FieldError("what", "say what will be done"))
        if not who.strip():
            errors.append(FieldError("who", "say who will do it"))
        if not isinstance(by_when, date):
            errors.append(FieldError("by_when", "a date"))
        elif by_when < on:
            errors.append(FieldError("by_when", "cannot be before the action is agreed"))
        if errors:
            raise InvalidAction(detail="the action is not SMART", errors=errors)
        new_id = action_id or uuid.uuid4()
        if any(a.id == new_id for a in sub_goal.actions):
            raise InvalidAction(
                detail=f"action {new_id} already exists",
                errors=[FieldError("action_id", "already used")],
            )
        action = Action(
            id=new_id,
            what=what.strip(),
            who=who.strip(),
            by_when=by_when,
            category=activity,
            agreed_on=on,
        )
        sub_goal.actions.append(action)
        self.events.append(
            events.ActionRecorded(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                action_id=action.id,
                activity_category=action.category,
                agreed_on=on,
                by_when=by_when,
            )
        )
        return action

    def record_action_progress(
        self, sub_goal_id: uuid.UUID, action_id: uuid.UUID, *, on: date, note: str, now: datetime
    ) -> ActionEntry:
        """What was done on an action, recorded as it happens (step 10)."""
        sub_goal = self._active_sub_goal(sub_goal_id)
        self._ensure_baseline(sub_goal, on)
        action = sub_goal.action(action_id)
        if not note.strip():
            raise InvalidAction(detail="say what was done", errors=[FieldError("note", "required")])
        entry = ActionEntry(on=on, note=note.strip(), recorded_at=now)
        action.entries.append(entry)
        self.events.append(
            events.ActionProgressRecorded(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                action_id=action.id,
                activity_category=action.category,
                done_on=on,
            )
        )
        return entry

    # -- ending sub-goals -------------------------------------------------------------------

    def end_sub_goal(
        self,
        sub_goal_id: uuid.UUID,
        end_state: SubGoalEndState | str,
        *,
        on: date,
        promote: uuid.UUID | None = None,
        promote_next: bool = True,
    ) -> SubGoal | None:
        """End a sub-goal as achieved, replaced or withdrawn (step 13).

        When an active one ends, a queued one takes its place: `promote` if given, else the
        next in the queue; `promote_next=False` keeps the place free. Returns the sub-goal
        that started, if any. A queued sub-goal may be replaced or withdrawn, never achieved.
        """
        self._ensure_open()
        sub_goal = self.sub_goal(sub_goal_id)
        state = _coerce(SubGoalEndState, end_state, InvalidSubGoal, "end_state")
        if sub_goal.has_ended:
            raise SubGoalAlreadyEnded(detail=f"sub-goal {sub_goal_id} is {sub_goal.status}")
        _ensure_practice_date(
            "on", on, not_before=_last_practice_date(sub_goal), what="the sub-goal's last entry"
        )
        was_active = sub_goal.is_active
        if not was_active and state is SubGoalEndState.ACHIEVED:
            raise SubGoalNotActive(detail="a sub-goal that never started cannot be achieved")
        if not was_active and promote is not None:
            raise SubGoalNotActive(detail="only ending an active sub-goal frees a place")
        successor: SubGoal | None = None
        if promote is not None:
            successor = self.sub_goal(promote)
            if not successor.is_queued:
                raise SubGoalNotQueued(detail=f"sub-goal {promote} is {successor.status}")
        elif was_active and promote_next and self.queued_sub_goals:
            successor = self.queued_sub_goals[0]
        self._end(sub_goal, state, on=on, with_plan=False)
        if successor is not None:
            self._activate(successor, on=on, automatic=promote is None)
        return successor

    # -- ending the plan --------------------------------------------------------------------

    def close(
        self,
        *,
        review: ClosingReview | None,
        reason: ClosureReason | str | None,
        closed_on: date,
        now: datetime,
    ) -> Closure:
        """Close after a closing review with a complete sustainability plan (steps 15-16)."""
        if self.status == PlanStatus.CLOSED:
            raise PlanAlreadyClosed(
                detail=f"plan {self.id} closed on {self._closed_on()}",
                errors=[FieldError("closed_on", f"the plan already closed on {self._closed_on()}")],
            )
        self._ensure_open()
        if review is None:
            raise IncompleteSustainabilityPlan(
                detail="closing needs a closing review with a sustainability plan",
                errors=[FieldError("review", "required")],
            )
        if not isinstance(review.sustainability_plan, SustainabilityPlan):
            raise IncompleteSustainabilityPlan(
                detail="closing needs a sustainability plan",
                errors=[FieldError("sustainability_plan", "required")],
            )
        ensure_sustainability_plan_is_complete(review.sustainability_plan)
        closure_reason = ensure_closure_reason(reason)
        latest = max([self.practice_opened_on, *(_last_practice_date(sg) for sg in self.sub_goals)])
        _ensure_practice_date(
            "closed_on",
            closed_on,
            not_before=latest,
            what="the plan's last entry",
        )
        if closed_on < review.held_on:
            raise InvalidClosure(
                detail="a plan closes on or after its closing review",
                errors=[FieldError("closed_on", "on or after the closing review")],
            )
        if closure_reason is ClosureReason.ALL_GOALS_ACHIEVED:
            self._ensure_all_open_goals_achieved()
        still_active = (
            SubGoalEndState.ACHIEVED
            if closure_reason is ClosureReason.ALL_GOALS_ACHIEVED
            else SubGoalEndState.WITHDRAWN
        )
        for sub_goal in [sg for sg in self.sub_goals if not sg.has_ended]:
            state = still_active if sub_goal.is_active else SubGoalEndState.WITHDRAWN
            self._end(sub_goal, state, on=closed_on, with_plan=True)
        closure = Closure(
            reason=closure_reason, closed_on=closed_on, review=review, recorded_at=now
        )
        self.closure = closure
        self.status = PlanStatus.CLOSED
        counts = self.movement_counts()
        self.events.append(
            events.PlanClosed(
                plan_id=self.id,
                family_id=self.family_id,
                formulation_id=self.formulation_id,
                team_id=self.team_id,
                cluster_id=self.cluster_id,
                closure_reason=closure_reason,
                closed_on=closed_on,
                closed_at=now,
                sub_goals_improved=counts[Movement.IMPROVED],
                sub_goals_unchanged=counts[Movement.UNCHANGED],
                sub_goals_deteriorated=counts[Movement.DETERIORATED],
                sub_goals_no_score=counts[Movement.NO_SCORE],
                sub_goals_never_started=sum(1 for sg in self.sub_goals if not sg.was_active),
            )
        )
        return closure

    def _ensure_all_open_goals_achieved(self) -> None:
        errors: list[FieldError] = []
        for sub_goal in self.sub_goals:
            if sub_goal.has_ended:
                continue
            where = f"sub_goals.{sub_goal.id}"
            if not sub_goal.is_active:
                errors.append(FieldError(where, "is queued and was never worked on"))
            elif sub_goal.movement is Movement.NO_SCORE:
                errors.append(FieldError(where, "has no score after its baseline"))
            elif sub_goal.movement is Movement.DETERIORATED:
                errors.append(FieldError(where, "its latest score is below its baseline"))
        if errors:
            raise ClosureReasonDisagreesWithGoals(
                detail=f"{len(errors)} open sub-goal(s) are not achieved: end each with its own"
                " end state first, or give the closure reason that is true",
                errors=[FieldError("reason", "not every open sub-goal is achieved"), *errors],
            )

    def return_to_formulation(
        self,
        *,
        reason: ReturnToFormulationReason | str,
        rationale: str,
        on: date,
        now: datetime,
    ) -> FormulationReturn:
        """Send a plan that is not progressing back to formulation (step 14), saying why."""
        self._ensure_open()
        coded = _coerce(ReturnToFormulationReason, reason, InvalidPlan, "reason")
        if not rationale.strip():
            raise InvalidPlan(
                detail="say why the plan goes back to formulation",
                errors=[FieldError("rationale", "required")],
            )
        for sub_goal in [sg for sg in self.sub_goals if not sg.has_ended]:
            self._end(sub_goal, SubGoalEndState.REPLACED, on=on, with_plan=True)
        record = FormulationReturn(
            reason=coded, rationale=rationale.strip(), returned_on=on, recorded_at=now
        )
        self.formulation_return = record
        self.status = PlanStatus.RETURNED_TO_FORMULATION
        self.events.append(
            events.ReturnedToFormulation(
                plan_id=self.id,
                family_id=self.family_id,
                formulation_id=self.formulation_id,
                reason=coded,
                returned_on=on,
                returned_at=now,
            )
        )
        return record

    def note_formulation_superseded(self, current_formulation_id: uuid.UUID) -> bool:
        """A newer version of the formulation was completed, and the news arrived after the plan
        opened (the two happen in different services). The plan keeps its goals and says so,
        for the worker to decide: return to formulation (step 14) and open a plan from the
        current version. Whether anything changed."""
        if not self.is_open or self.formulation_superseded_by == current_formulation_id:
            return False
        self.formulation_superseded_by = current_formulation_id
        return True

    def record_feedback(
        self, feedback: FamilyFeedback, *, now: datetime, on: date | None = None
    ) -> None:
        """The family's feedback (section 3.4): only once the plan has closed, and only once,
        given on the day `on` (default today), not before the plan closed."""
        if self.status != PlanStatus.CLOSED:
            raise FeedbackBeforeClosure(detail=f"plan {self.id} is {self.status}")
        if self.feedback is not None:
            raise FeedbackAlreadyRecorded(detail=f"plan {self.id} already has feedback")
        received_on = on or now.date()
        _ensure_practice_date(
            "on",
            received_on,
            not_before=self._closed_on(),
            what="the plan closed",
        )
        ensure_feedback_is_valid(feedback)
        self.feedback = feedback
        self.feedback_received_on = received_on
        self.feedback_recorded_at = now
        self.events.append(
            events.FeedbackRecorded(
                plan_id=self.id,
                family_id=self.family_id,
                team_id=self.team_id,
                cluster_id=self.cluster_id,
                treated_with_respect=feedback.treated_with_respect,
                would_recommend=feedback.would_recommend,
                service_rating=feedback.service_rating,
                worker_communication_rating=feedback.worker_communication_rating,
                understood_process_rating=feedback.understood_process_rating,
                recorded_at=now,
                received_on=received_on,
            )
        )

    def allocate_to_team(self, team_id: str, cluster_id: str | None) -> bool:
        """Follow the family to the RES team it is now allocated to; True if that changed.

        An open plan moves with the family; a plan that has ended keeps the team that did the work.
        """
        if not self.is_open or (self.team_id, self.cluster_id) == (team_id, cluster_id):
            return False
        self.team_id, self.cluster_id = team_id, cluster_id
        return True

    # -- internals --------------------------------------------------------------------------

    def _closed_on(self) -> date | None:
        return None if self.closure is None else self.closure.closed_on

    def _ensure_open(self) -> None:
        if not self.is_open:
            raise PlanNotOpen(detail=f"plan {self.id} is {self.status}")

    def _ensure_room_for_another_active(self) -> None:
        if len(self.active_sub_goals) >= MAX_ACTIVE_SUB_GOALS:
            raise GoalLimitReached(
                detail=(
                    f"plan {self.id} already has {MAX_ACTIVE_SUB_GOALS} active sub-goals; "
                    "queue this one or end one first"
                ),
                errors=[
                    FieldError(
                        "queue", f"{MAX_ACTIVE_SUB_GOALS} are active: queue it or end one first"
                    )
                ],
            )

    def _active_sub_goal(self, sub_goal_id: uuid.UUID) -> SubGoal:
        self._ensure_open()
        sub_goal = self.sub_goal(sub_goal_id)
        if not sub_goal.is_active:
            raise SubGoalNotActive(detail=f"sub-goal {sub_goal_id} is {sub_goal.status}")
        return sub_goal

    @staticmethod
    def _ensure_baseline(sub_goal: SubGoal, on: date) -> BaselineScore:
        if sub_goal.baseline is None:
            raise BaselineRequired(
                detail=f"sub-goal {sub_goal.id} has no baseline score yet",
                errors=[FieldError("baseline", "record the family's baseline first")],
            )
        if on < sub_goal.baseline.on:
            raise InvalidScore(
                detail=f"dated {on}, before the baseline on {sub_goal.baseline.on}",
                errors=[FieldError("on", "on or after the baseline date")],
            )
        return sub_goal.baseline

    def _activate(self, sub_goal: SubGoal, *, on: date, automatic: bool) -> None:
        sub_goal.status = SubGoalStatus.ACTIVE
        sub_goal.activated_on = on
        self.events.append(
            events.SubGoalActivated(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                activated_on=on,
                automatic=automatic,
            )
        )

    def _end(self, sub_goal: SubGoal, state: SubGoalEndState, *, on: date, with_plan: bool) -> None:
        sub_goal.status = SubGoalStatus(state.value)
        sub_goal.ended_on = on
        latest_point = sub_goal.latest_score
        self.events.append(
            events.SubGoalEnded(
                plan_id=self.id,
                family_id=self.family_id,
                sub_goal_id=sub_goal.id,
                code=sub_goal.code,
                code_edition=sub_goal.code_edition,
                end_state=state,
                ended_on=on,
                baseline=None if sub_goal.baseline is None else sub_goal.baseline.score,
                latest_score=None if latest_point is None else latest_point.score,
                latest_scored_on=None if latest_point is None else latest_point.on,
                movement=sub_goal.movement,
                was_active=sub_goal.was_active,
                ended_with_plan=with_plan,
                actions_recorded=len(sub_goal.actions),
            )
        )

"""Rules of family goals that can be broken; each maps to one problem+json `type`."""

from __future__ import annotations

from runtime.domain import DomainError, FieldError

__all__ = [
    "ActionNotFound",
    "BaselineAlreadyRecorded",
    "BaselineRequired",
    "ClosureReasonDisagreesWithGoals",
    "FeedbackAlreadyRecorded",
    "FeedbackBeforeClosure",
    "FieldError",
    "FormulationNotCompleted",
    "FormulationSuperseded",
    "GoalLimitReached",
    "GoalsError",
    "IncompleteSustainabilityPlan",
    "InvalidAction",
    "InvalidChildrenAndFamiliesCode",
    "InvalidClosure",
    "InvalidEvaluation",
    "InvalidFeedback",
    "InvalidPlan",
    "InvalidPracticeDate",
    "InvalidScore",
    "InvalidSubGoal",
    "PlanAlreadyClosed",
    "PlanAlreadyOpen",
    "PlanNotOpen",
    "SubGoalAlreadyEnded",
    "SubGoalNotActive",
    "SubGoalNotFound",
    "SubGoalNotQueued",
]


class GoalsError(DomainError):
    code = "goals-rule"
    status = 422
    title = "A family goals rule was broken"


# -- 404: unknown ids ------------------------------------------------------------------------


class SubGoalNotFound(GoalsError):
    code = "sub-goal-not-found"
    status = 404
    title = "The plan has no such sub-goal"


class ActionNotFound(GoalsError):
    code = "action-not-found"
    status = 404
    title = "The sub-goal has no such action"


# -- 409: the record's state does not allow it -----------------------------------------------


class GoalLimitReached(GoalsError):
    code = "goal-limit-reached"
    status = 409
    title = "A family works on at most three sub-goals at a time"


class SubGoalNotActive(GoalsError):
    code = "sub-goal-not-active"
    status = 409
    title = "Only an active sub-goal can be scored, evaluated or given actions"


class SubGoalNotQueued(GoalsError):
    code = "sub-goal-not-queued"
    status = 409
    title = "Only a queued sub-goal can be started"


class SubGoalAlreadyEnded(GoalsError):
    code = "sub-goal-already-ended"
    status = 409
    title = "The sub-goal has already ended"


class BaselineRequired(GoalsError):
    code = "baseline-required"
    status = 409
    title = "The family gives a baseline score before any action or tracking score"


class BaselineAlreadyRecorded(GoalsError):
    code = "baseline-already-recorded"
    status = 409
    title = "A sub-goal has one baseline score"


class FormulationNotCompleted(GoalsError):
    code = "formulation-not-completed"
    status = 409
    title = "A plan is opened only from a completed formulation of the same family"


class FormulationSuperseded(GoalsError):
    code = "formulation-superseded"
    status = 409
    title = "A plan is opened from the current version of a formulation"


class PlanAlreadyOpen(GoalsError):
    code = "plan-already-open"
    status = 409
    title = "One family, one plan: the family already has an open plan"


class PlanNotOpen(GoalsError):
    code = "plan-not-open"
    status = 409
    title = "The plan is closed or has gone back to formulation"


class PlanAlreadyClosed(GoalsError):
    code = "plan-already-closed"
    status = 409
    title = "The plan is already closed"


class FeedbackBeforeClosure(GoalsError):
    code = "feedback-before-closure"
    status = 409
    title = "Family feedback is recorded once the plan has closed"


class FeedbackAlreadyRecorded(GoalsError):
    code = "feedback-already-recorded"
    status = 409
    title = "The family's feedback has already been recorded"


# -- 422: invalid input to a rule ------------------------------------------------------------


class InvalidPlan(GoalsError):
    code = "invalid-plan"
    title = "The plan is not complete"


class InvalidSubGoal(GoalsError):
    code = "invalid-sub-goal"
    title = "The sub-goal is not SMART or not linked to the family and formulation"


class InvalidChildrenAndFamiliesCode(GoalsError):
    code = "invalid-children-and-families-code"
    title = "A sub-goal carries exactly one Children and Families code from the code table"


class InvalidPracticeDate(GoalsError):
    code = "invalid-practice-date"
    status = 422
    title = "A practice date is in the future or before the record it belongs to"


class InvalidScore(GoalsError):
    code = "invalid-score"
    title = "Scores are whole numbers from 0 to 10"


class InvalidEvaluation(GoalsError):
    code = "invalid-evaluation"
    title = "An evaluation has a date, a score, a decision and a rationale"


class InvalidAction(GoalsError):
    code = "invalid-action"
    title = "The action is not SMART or has no activity category"


class IncompleteSustainabilityPlan(GoalsError):
    code = "incomplete-sustainability-plan"
    title = "A sustainability plan answers all five questions (a-e)"


class InvalidClosure(GoalsError):
    code = "invalid-closure"
    title = "A closure needs a reason from the list and a valid date"


class ClosureReasonDisagreesWithGoals(GoalsError):
    code = "closure-reason-disagrees-with-goals"
    title = "The closure reason is not true of the plan's open sub-goals"
    description = (
        "A plan closes with all goals achieved only when every sub-goal still open is active and"
        " scored at or above its baseline; `errors` names each one that is not."
    )
    fix = (
        "Record the missing scores, or end each named sub-goal with its own end state (achieved,"
        " replaced or withdrawn) before closing, or close with the reason that is true."
    )


class InvalidFeedback(GoalsError):
    code = "invalid-feedback"
    title = "Feedback needs yes/no answers and ratings from 1 to 10"

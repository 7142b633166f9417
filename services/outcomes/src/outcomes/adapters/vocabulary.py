"""The producers' vocabularies in the outcomes vocabulary: the one place they are mapped.

Decision types, activity categories and sub-goal end states are used as the producers send them
(the domain imports those enums); only the goals service's closure reasons differ in wording from
the evaluation's list that the scorecards and the BI stream use.
"""

from __future__ import annotations

from contracts.outcomes.v1 import ClosureReason
from contracts.reference import goals

CLOSURE_REASONS: dict[goals.ClosureReason, ClosureReason] = {
    goals.ClosureReason.ALL_GOALS_ACHIEVED: ClosureReason.ALL_GOALS_ACHIEVED,
    goals.ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT: ClosureReason.FAMILY_WITHDREW,
    goals.ClosureReason.ESCALATION_TO_AREA_SOCIAL_WORK: (
        ClosureReason.ESCALATED_TO_AREA_SOCIAL_WORK
    ),
    goals.ClosureReason.CONTINUED_INTERVENTION_FURTHER_FORMULATION: (
        ClosureReason.FURTHER_FORMULATION
    ),
    goals.ClosureReason.SUPPORT_FROM_ANOTHER_SERVICE: ClosureReason.ANOTHER_SERVICE,
}


def closure_reason(reason: goals.ClosureReason) -> ClosureReason:
    return CLOSURE_REASONS[reason]

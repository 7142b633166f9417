"""Rule violations of the outcomes domain; each maps to a problem type by its `code`."""

from __future__ import annotations

from runtime.domain import DomainError


class OutcomesError(DomainError):
    code = "outcomes-rule"
    status = 422
    title = "An outcomes rule was broken"


class InvalidScore(OutcomesError):
    code = "invalid-score"
    title = "Scores are whole numbers from 0 to 10"


class InvalidPeriod(OutcomesError):
    code = "invalid-period"
    title = "The period's start is after its end"


class UnknownGoalCode(OutcomesError):
    code = "unknown-goal-code"
    title = "The goal's Children and Families code is not in its code table edition"


class UnknownMeasure(OutcomesError):
    code = "unknown-measure"
    status = 404
    title = "No such measure"


class MissingCostVolume(OutcomesError):
    code = "missing-cost-volume"
    title = "A cost row has no before/after volumes"


class FilterNotApplicable(OutcomesError):
    code = "filter-not-applicable"
    title = "A filter asked for cannot narrow this figure"


class SourceSystemRequired(OutcomesError):
    code = "source-system-required"
    title = "Say which system sent the service response"
    description = (
        "Staff recording a service response must name the sending system in `source_system`; "
        "a partner system's own agency is taken from its token."
    )
    fix = "Send `source_system` (the sending system's id), or call with the partner's own token."


class RebuildSourceIncomplete(OutcomesError):
    code = "rebuild-source-incomplete"
    status = 409
    title = "The topics no longer hold every event the figures were built from"
    description = (
        "A rebuild re-reads the subscribed topics from their beginning. Some events that the "
        "read models were built from are not on them (a broker that came back empty, or topics "
        "recreated), so a rebuild would lose figures: nothing was cleared."
    )
    fix = (
        "Republish each producer's outbox log (`lpm replay referrals`, `lpm replay formulation`, "
        "`lpm replay goals`), then ask for the rebuild again."
    )

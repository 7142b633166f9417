"""The formulation rules that can be broken, each with a stable code for the problem `type` URI.

404: the id a command acts on is unknown. 422: the input names something that is not in this
formulation or meeting, or breaks a rule of the model. 409: the record's state forbids it now.
"""

from __future__ import annotations

from runtime.domain import DomainError


# The runtime package ships no py.typed marker yet, so strict mypy may see DomainError as Any.
class FormulationError(DomainError):  # type: ignore[misc, unused-ignore]
    code = "formulation-rule"
    status = 422
    title = "A formulation rule was broken"


class FormulationNotFound(FormulationError):
    code = "formulation-not-found"
    status = 404
    title = "No formulation has this id"


class MeetingNotFound(FormulationError):
    code = "meeting-not-found"
    status = 404
    title = "No meeting has this id"


class FactorNotFound(FormulationError):
    code = "factor-not-found"
    status = 404
    title = "This formulation has no factor with this id"


class ParticipantNotFound(FormulationError):
    code = "participant-not-found"
    status = 404
    title = "No participant with this id"


class NextStepNotFound(FormulationError):
    code = "next-step-not-found"
    status = 404
    title = "This formulation has no next step with this id"


class FamilyNotFound(FormulationError):
    code = "family-not-found"
    status = 404
    title = "No family with this id that you may see"


# -- invalid input -------------------------------------------------------------------------------


class TextRequired(FormulationError):
    code = "text-required"
    status = 422
    title = "A required text is blank"


class InvalidSubject(FormulationError):
    code = "invalid-subject"
    status = 422
    title = "The formulation's subject is not consistent"


class InvalidFamilyStructure(FormulationError):
    code = "invalid-family-structure"
    status = 422
    title = "The family structure refers to people who are not in it"


class NoConsentToShare(FormulationError):
    """The record would be held in a setting the family has not consented to share with (a
    Rethink forum: the Rethink team; group supervision): runtime.policy's consent rule."""

    code = "no-consent-to-share"
    status = 422
    title = "The family has not consented to share in this setting"
    fix = (
        "Record the family's consent on its contact first, choose another setting, or (a "
        "supervisor) send X-Consent-Override with the reason."
    )


class NotTheFamilysTeam(FormulationError):
    code = "not-the-familys-team"
    status = 422
    title = "The family is allocated to another team"


class MeetingNotAboutThisFamily(FormulationError):
    code = "meeting-not-about-this-family"
    status = 422
    title = "The meeting's family is not the family of its formulation"


class FactorNotInFormulation(FormulationError):
    code = "factor-not-in-formulation"
    status = 422
    title = "A referenced factor is not part of this formulation"


class UnknownParticipant(FormulationError):
    code = "unknown-participant"
    status = 422
    title = "A referenced participant is not part of this formulation or meeting"


class WrongKindOfFactor(FormulationError):
    code = "wrong-kind-of-factor"
    status = 422
    title = "A referenced factor is not under the P this reference needs"


class PrioritisationNeedsPerpetuatingFactor(FormulationError):
    code = "prioritisation-needs-perpetuating-factor"
    status = 422
    title = "The 4 Ps of prioritisation apply to perpetuating factors only"


class OverallGoalNeedsFactor(FormulationError):
    code = "overall-goal-needs-factor"
    status = 422
    title = "An overall goal must relate to at least one identified factor"


class InvalidFactorOrder(FormulationError):
    code = "invalid-factor-order"
    status = 422
    title = "A new order must list every factor of that P exactly once"


class SupervisionReviewNeedsReason(FormulationError):
    code = "supervision-review-needs-reason"
    status = 422
    title = "When the plan is not likely to achieve the goal, the review must say why not"


class WalkBackOverrideNeedsReason(FormulationError):
    code = "walk-back-override-needs-reason"
    status = 422
    title = "A walk back override must record the supervisor's reason"


class VersionsOfDifferentFormulations(FormulationError):
    code = "versions-of-different-formulations"
    status = 422
    title = "Only versions of one formulation can be compared"


class NotAMeetingSetting(FormulationError):
    code = "not-a-meeting-setting"
    status = 422
    title = "This setting is not a facilitated meeting"


class AlignmentNotTakenInSetting(FormulationError):
    code = "alignment-not-taken-in-setting"
    status = 422
    title = "Alignment is scored only in Practice and Progress and Rethink Space"


class AlignmentScoreOutOfRange(FormulationError):
    code = "alignment-score-out-of-range"
    status = 422
    title = "An alignment score is a whole number from 0 to 10"


class FairProcessCheckIncomplete(FormulationError):
    code = "fair-process-check-incomplete"
    status = 422
    title = "A Fair Process check covers engagement, explanation and expectation clarity, once each"


# -- state conflicts -----------------------------------------------------------------------------


class FormulationNotDraft(FormulationError):
    code = "formulation-not-draft"
    status = 409
    title = "Only a draft formulation can be edited"


class VersionSuperseded(FormulationError):
    code = "formulation-superseded"
    status = 409
    title = "This version has been superseded by a newer one"


class FactorInUse(FormulationError):
    code = "factor-in-use"
    status = 409
    title = "The factor is referenced by the overall goal or a next step"


class ParticipantInUse(FormulationError):
    code = "participant-in-use"
    status = 409
    title = "The participant is referenced by a factor, a next step or a score"


class PHasFactors(FormulationError):
    code = "p-has-factors"
    status = 409
    title = "A P with factors cannot be marked as considered with none"


class FormulationNotReadyToComplete(FormulationError):
    code = "formulation-not-ready-to-complete"
    status = 409
    title = "The formulation cannot be completed yet"


class WalkBackPasses(FormulationError):
    code = "walk-back-passes"
    status = 409
    title = "The walk back passes: there is nothing to override"


class NothingToReview(FormulationError):
    code = "nothing-to-review"
    status = 409
    title = "A plan needs an overall goal before supervision can review it"


class CannotReformulate(FormulationError):
    code = "cannot-reformulate"
    status = 409
    title = "Only a completed version can be formulated again"


class ReformulationInDraft(FormulationError):
    code = "reformulation-in-draft"
    status = 409
    title = "A newer version of this formulation already exists"


class NotTheNextVersion(FormulationError):
    code = "not-the-next-version"
    status = 409
    title = "The versions are not a completed version and its completed successor"


class AlignmentAlreadyMeasured(FormulationError):
    code = "alignment-already-measured"
    status = 409
    title = "This meeting's alignment has been measured; its scores are final"


class AlignmentNeedsTwoViews(FormulationError):
    code = "alignment-needs-two-views"
    status = 409
    title = "Alignment needs at least two participants scored at both the start and the end"

"""Rules of referrals that can be broken; each maps to one problem+json `type`."""

from __future__ import annotations

from runtime.domain import DomainError, FieldError

__all__ = [
    "AcademyNeedsEarlyHelpOffer",
    "AllocationAlreadyClosed",
    "ContactAlreadyDecided",
    "DecisionIncomplete",
    "FamilyAlreadyAllocated",
    "FieldError",
    "FormulationAlreadyRequested",
    "FormulationNotRequested",
    "InvalidAllocation",
    "InvalidFamily",
    "InvalidPerson",
    "InvalidPracticeDate",
    "NoCapacityInTeam",
    "PersonAlreadyRegistered",
    "PossibleDuplicatePerson",
    "ReferralsError",
    "SourceNotForPartners",
    "UnknownRecord",
    "WorkerAtCapacity",
    "WorkerNotInTeam",
]


class ReferralsError(DomainError):
    code = "referrals-rule"
    status = 422
    title = "A referrals rule was broken"


# -- 422: invalid input to a rule ------------------------------------------------------------


class InvalidPracticeDate(ReferralsError):
    code = "invalid-practice-date"
    title = "A practice date is in the future or before the record it belongs to"


class InvalidPerson(ReferralsError):
    code = "invalid-person"
    status = 422
    title = "The person's identifiers are not valid"


class InvalidFamily(ReferralsError):
    code = "invalid-family"
    status = 422
    title = "The family membership is not valid"


class DecisionIncomplete(ReferralsError):
    code = "decision-incomplete"
    status = 422
    title = "The decision needs more information"


class AcademyNeedsEarlyHelpOffer(ReferralsError):
    code = "academy-needs-early-help-offer"
    status = 422
    title = "An academy outside the cluster arrangement needs an early help offer in place for RES"


class InvalidAllocation(ReferralsError):
    code = "invalid-allocation"
    status = 422
    title = "The allocation is not valid"


class SourceNotForPartners(ReferralsError):
    code = "source-not-for-partners"
    status = 422
    title = "A partner system may open a contact only as a route from outside the council"


class UnknownRecord(ReferralsError):
    code = "unknown-record"
    status = 422
    title = "A record the request refers to does not exist"


class WorkerNotInTeam(ReferralsError):
    code = "worker-not-in-team"
    status = 422
    title = "The chosen worker is not in the family's RES team"


# -- 409: the record's state does not allow it -----------------------------------------------


class PersonAlreadyRegistered(ReferralsError):
    code = "person-already-registered"
    status = 409
    title = "A person with this NHS number is already registered"


class PossibleDuplicatePerson(ReferralsError):
    code = "possible-duplicate-person"
    status = 409
    title = "This person may already be registered: confirm or choose the existing record"


class ContactAlreadyDecided(ReferralsError):
    code = "contact-already-decided"
    status = 409
    title = "The contact has already been decided"


class FormulationNotRequested(ReferralsError):
    code = "formulation-not-requested"
    status = 409
    title = "No referral-stage formulation was requested for this contact"


class FormulationAlreadyRequested(ReferralsError):
    code = "formulation-already-requested"
    status = 409
    title = "A referral-stage formulation was already requested for this contact"


class FamilyAlreadyAllocated(ReferralsError):
    code = "family-already-allocated"
    status = 409
    title = "The family already has an open RES allocation"


class NoCapacityInTeam(ReferralsError):
    code = "no-capacity-in-team"
    status = 409
    title = "No worker in the RES team has capacity; RES holds no waiting list"


class WorkerAtCapacity(ReferralsError):
    code = "worker-at-capacity"
    status = 409
    title = "The chosen worker's caseload is full"


class AllocationAlreadyClosed(ReferralsError):
    code = "allocation-already-closed"
    status = 409
    title = "The allocation is already closed"

"""Importing the front door's history from the council's case system: each row's people, family,
contact, conversation, decision, allocation and closure, through the same use cases as live work.

Rows are applied in the order they happened (contact date), so an allocation closed before a
later referral of the same family leaves it free to be allocated again, and a child referred
again within 12 months of a closure is flagged as a re-referral as the front door would have.
A row whose contact is already here (an earlier run of the same file) is found, not imported.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.history import HistoricalReferral, HistoryImport, history_errors, history_id
from contracts.reference.referrals import ConsentStatus, PersonKind
from runtime.history import Imported, importing_row, refuse
from runtime.practice import practice_moment

from referrals.domain.allocation import CaseloadLimits
from referrals.domain.contact import Caller, Consent, ConversationEntry
from referrals.domain.decisions import Decision
from referrals.domain.identifiers import PersonDetails
from referrals.service_layer import allocations, contacts, people
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork

# The decision use case's field names, as the file names them.
DECISION_FIELDS = {
    "decided_on": "decision.decided_on",
    "rationale": "decision.rationale",
    "explanation_for_referrer": "decision.explanation_for_referrer",
    "worker_id": "allocation.lead_worker_id",
    "lead_worker_id": "allocation.lead_worker_id",
}


async def import_history(
    doc: HistoryImport,
    uow: ReferralsUnitOfWork,
    now: datetime,
    limits: CaseloadLimits,
    imported_by: str,
) -> Imported[uuid.UUID]:
    """Apply every row not yet imported; any broken rule refuses the whole file."""
    errors = history_errors(doc, now.date())
    if errors:
        raise refuse(errors)
    result: Imported[uuid.UUID] = Imported()
    order = sorted(
        range(len(doc.referrals)),
        key=lambda i: (doc.referrals[i].contacted_on, doc.referrals[i].import_id),
    )
    for index in order:
        row = doc.referrals[index]
        contact_id = history_id(doc.source_system, "contact", row.import_id)
        if await uow.repos.contacts.get(contact_id) is not None:
            result.already_imported.append(row.import_id)
            continue
        with importing_row(index, row.import_id):
            await _import_row(
                doc.source_system, index, row, contact_id, uow, now, limits, imported_by
            )
        result.imported.append(row.import_id)
        result.records.append(contact_id)
    return result


async def _import_row(
    source_system: str,
    index: int,
    row: HistoricalReferral,
    contact_id: uuid.UUID,
    uow: ReferralsUnitOfWork,
    now: datetime,
    limits: CaseloadLimits,
    imported_by: str,
) -> None:
    repos = uow.repos
    members: dict[uuid.UUID, PersonKind] = {}
    for kind, group in ((PersonKind.CHILD, row.children), (PersonKind.ADULT, row.adults)):
        for person in group:
            person_id = history_id(source_system, "person", person.import_id)
            members[person_id] = kind
            if await repos.people.get(person_id) is None:
                details = PersonDetails(
                    given_name=person.given_name,
                    family_name=person.family_name,
                    date_of_birth=person.date_of_birth,
                )
                cmd = people.RegisterPerson(kind, details, person_id=person_id)
                await people.register(cmd, uow, now)
    family_id = history_id(source_system, "family", row.family_import_id)
    family = await repos.families.get(family_id)
    if family is None:
        await people.form_family(people.FormFamily(tuple(members)), uow, now, family_id)
    elif new := tuple(p for p in members if p not in family.members):
        await people.change_family(people.ChangeFamily(family_id, add_member_ids=new), uow, now)

    await contacts.open_contact(
        contacts.OpenContact(
            source=row.source,
            caller=Caller(),
            worry=row.worry,
            cluster_id=row.cluster_id,
            opened_on=row.contacted_on,
            contact_id=contact_id,
        ),
        uow,
        now,
    )
    # Historical consent was taken as the process then required: for a RES acceptance that
    # included the team and group supervision.
    given = row.consent is ConsentStatus.GIVEN
    consent = Consent(
        row.consent,
        includes_rethink_team=given,
        includes_group_supervision=given,
        not_needed_reason=f"As recorded in {source_system}"
        if row.consent is ConsentStatus.NOT_NEEDED
        else None,
    )
    entry = ConversationEntry(
        recorded_at=practice_moment(row.contacted_on, now),
        recorded_by=imported_by,
        summary=f"Imported from {source_system} ({row.import_id})",
        child_ids=frozenset(p for p, k in members.items() if k is PersonKind.CHILD),
        adult_ids=frozenset(p for p, k in members.items() if k is PersonKind.ADULT),
        family_id=family_id,
        consent=consent,
        cluster_id=row.cluster_id,
    )
    await contacts.record_conversation(contacts.RecordConversation(contact_id, entry), uow, now)
    decision = row.decision
    allocation = row.allocation
    # A RES acceptance allocates in the same use case: each refusal names the file's field.
    with importing_row(index, row.import_id, rename=DECISION_FIELDS):
        decided = await contacts.decide_contact(
            contacts.DecideContact(
                contact_id,
                Decision(
                    decision.decision_type,
                    rationale=decision.rationale,
                    explanation_for_referrer=decision.explanation_for_referrer,
                    decided_by=imported_by,
                ),
                lead_worker_id=allocation.lead_worker_id if allocation else None,
                decided_on=decision.decided_on,
                allocation_id=history_id(source_system, "allocation", row.import_id),
            ),
            uow,
            now,
            limits,
        )
    if allocation is None or allocation.closed_on is None or allocation.closure_reason is None:
        return
    assert decided.allocation is not None
    with importing_row(index, row.import_id, "allocation"):
        await allocations.close_allocation(
            allocations.CloseAllocation(
                decided.allocation.allocation_id, allocation.closed_on, allocation.closure_reason
            ),
            uow,
            now,
        )

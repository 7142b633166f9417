import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from contracts.reference.referrals import (
    ClosureReason,
    ConsentStatus,
    DecisionType,
    ReallocationReason,
    ReferralSource,
    SupportLevel,
    WorkerRole,
)
from contracts.referrals.v1 import AllocationClosed, FamilyAllocated, FamilyReallocated
from referrals.domain.allocation import (
    Allocation,
    CaseloadLimits,
    TeamWorker,
    choose_lead_worker,
    spare_capacity,
)
from referrals.domain.contact import Consent, Contact, ConversationEntry
from referrals.domain.decisions import Decision
from referrals.domain.errors import (
    AllocationAlreadyClosed,
    FamilyAlreadyAllocated,
    InvalidAllocation,
    NoCapacityInTeam,
    WorkerAtCapacity,
    WorkerNotInTeam,
)

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=90)
TEAM = "res-inner-east"

SOCIAL_WORKER = TeamWorker("sw-1", TEAM, WorkerRole.SOCIAL_WORKER)
FAMILY_WORKER = TeamWorker("fsw-1", TEAM, WorkerRole.FAMILY_SUPPORT_WORKER)
OTHER_TEAM_WORKER = TeamWorker("fsw-9", "res-jess", WorkerRole.FAMILY_SUPPORT_WORKER)
WORKERS = [SOCIAL_WORKER, FAMILY_WORKER, OTHER_TEAM_WORKER]


def accepted_contact(kind: DecisionType = DecisionType.ACCEPT_FOR_RES_EARLY_HELP) -> Contact:
    contact = Contact.open(uuid.uuid4(), ReferralSource.SCHOOL_VIA_CLUSTER, NOW)
    contact.record_conversation(
        ConversationEntry(
            recorded_at=NOW,
            child_ids=frozenset({uuid.uuid4()}),
            family_id=uuid.uuid4(),
            cluster_id="inner-east",
            consent=Consent(
                ConsentStatus.GIVEN, includes_rethink_team=True, includes_group_supervision=True
            ),
        )
    )
    contact.decide(Decision(kind, "why", "for the referrer"), NOW)
    return contact


def allocate(contact: Contact, caseloads: dict[str, int], **kwargs: object) -> Allocation:
    return Allocation.allocate(uuid.uuid4(), contact, WORKERS, caseloads, NOW, **kwargs)  # type: ignore[arg-type]


def test_default_caseload_limits_are_four_families_for_a_social_worker_and_eight_for_a_family_support_worker():
    limits = CaseloadLimits()
    assert limits.limit_for(SOCIAL_WORKER) == 4
    assert limits.limit_for(FAMILY_WORKER) == 8


def test_caseload_limits_can_be_configured_by_role_and_per_worker():
    limits = CaseloadLimits({WorkerRole.SOCIAL_WORKER: 3, WorkerRole.FAMILY_SUPPORT_WORKER: 6})
    assert limits.limit_for(SOCIAL_WORKER) == 3
    part_time = TeamWorker("fsw-2", TEAM, WorkerRole.FAMILY_SUPPORT_WORKER, caseload_limit=4)
    assert limits.limit_for(part_time) == 4
    assert spare_capacity(part_time, {"fsw-2": 3}, limits) == 1


def test_an_accepted_family_goes_to_its_clusters_res_team_with_one_lead_worker():
    contact = accepted_contact(DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED)
    allocation = allocate(contact, {"sw-1": 3, "fsw-1": 2})
    assert allocation.team_id == TEAM
    assert allocation.cluster_id == "inner-east"
    assert allocation.family_id == contact.family_id
    # Six spare places beat one.
    assert allocation.lead_worker_id == "fsw-1"
    assert allocation.support_level is SupportLevel.CHILD_IN_NEED
    [event] = allocation.events
    assert isinstance(event, FamilyAllocated)
    assert (event.family_id, event.contact_id, event.team_id, event.cluster_id) == (
        contact.family_id,
        contact.contact_id,
        TEAM,
        "inner-east",
    )
    assert event.worker_id == "fsw-1"
    assert event.worker_role is WorkerRole.FAMILY_SUPPORT_WORKER
    assert event.allocated_at == NOW


def test_a_worker_from_another_team_is_never_picked():
    with pytest.raises(NoCapacityInTeam):
        choose_lead_worker(TEAM, [OTHER_TEAM_WORKER], {})


def test_with_no_capacity_in_the_team_allocation_is_refused_because_there_is_no_waiting_list():
    contact = accepted_contact()
    with pytest.raises(NoCapacityInTeam) as raised:
        allocate(contact, {"sw-1": 4, "fsw-1": 8})
    assert raised.value.status == 409
    assert raised.value.extra == {"team_id": TEAM}
    assert "no waiting list" in raised.value.detail


def test_configured_limits_decide_capacity():
    contact = accepted_contact()
    tight = CaseloadLimits({WorkerRole.SOCIAL_WORKER: 2, WorkerRole.FAMILY_SUPPORT_WORKER: 2})
    with pytest.raises(NoCapacityInTeam):
        allocate(contact, {"sw-1": 2, "fsw-1": 2}, limits=tight)


def test_a_chosen_worker_is_validated():
    contact = accepted_contact()
    allocation = allocate(contact, {"sw-1": 3, "fsw-1": 0}, chosen_worker_id="sw-1")
    assert allocation.lead_worker_id == "sw-1"
    with pytest.raises(WorkerAtCapacity) as full:
        allocate(contact, {"sw-1": 4}, chosen_worker_id="sw-1")
    assert full.value.status == 409
    with pytest.raises(WorkerNotInTeam):
        allocate(contact, {}, chosen_worker_id="fsw-9")


def test_a_role_can_be_asked_for():
    worker = choose_lead_worker(TEAM, WORKERS, {"fsw-1": 0}, role=WorkerRole.SOCIAL_WORKER)
    assert worker == SOCIAL_WORKER
    with pytest.raises(NoCapacityInTeam):
        choose_lead_worker(TEAM, WORKERS, {"sw-1": 4}, role=WorkerRole.SOCIAL_WORKER)


def test_a_family_with_an_open_allocation_is_not_allocated_again():
    contact = accepted_contact()
    first = allocate(contact, {})
    with pytest.raises(FamilyAlreadyAllocated):
        allocate(contact, {}, open_allocation=first)


def test_only_a_family_accepted_for_res_is_allocated():
    contact = Contact.open(uuid.uuid4(), ReferralSource.PARENT_OR_CARER, NOW)
    contact.decide(Decision(DecisionType.NO_FURTHER_ACTION, "why", "explained"), NOW)
    with pytest.raises(InvalidAllocation):
        allocate(contact, {})
    with pytest.raises(InvalidAllocation):
        allocate(Contact.open(uuid.uuid4(), ReferralSource.PARENT_OR_CARER, NOW), {})


def test_reallocation_hands_the_family_to_another_worker_with_capacity():
    allocation = allocate(accepted_contact(), {"sw-1": 0, "fsw-1": 7})
    assert allocation.lead_worker_id == "sw-1"
    worker = allocation.reallocate(
        WORKERS, {"sw-1": 1, "fsw-1": 7}, ReallocationReason.WORKER_LEFT_OR_ABSENT, LATER
    )
    assert worker == FAMILY_WORKER
    assert allocation.lead_worker_id == "fsw-1"
    event = allocation.events[-1]
    assert isinstance(event, FamilyReallocated)
    assert (event.from_worker_id, event.worker_id) == ("sw-1", "fsw-1")
    assert event.reason is ReallocationReason.WORKER_LEFT_OR_ABSENT
    [change] = allocation.lead_worker_changes
    assert change.at == LATER


def test_reallocation_to_a_full_caseload_or_the_same_worker_is_refused():
    allocation = allocate(accepted_contact(), {"fsw-1": 8})
    assert allocation.lead_worker_id == "sw-1"
    with pytest.raises(NoCapacityInTeam):
        allocation.reallocate(
            WORKERS, {"sw-1": 1, "fsw-1": 8}, ReallocationReason.CASELOAD_BALANCE, LATER
        )
    with pytest.raises(InvalidAllocation):
        allocation.reallocate(
            WORKERS, {}, ReallocationReason.CASELOAD_BALANCE, LATER, chosen_worker_id="sw-1"
        )
    assert allocation.lead_worker_id == "sw-1"


@pytest.mark.parametrize(
    ("end", "reason"),
    [
        ("step_down", ClosureReason.STEPPED_DOWN_TO_CLUSTER),
        ("step_up", ClosureReason.STEPPED_UP_TO_AREA_SOCIAL_WORK),
    ],
)
def test_step_down_and_step_up_close_the_allocation_with_their_reason(
    end: str, reason: ClosureReason
):
    allocation = allocate(accepted_contact(), {})
    getattr(allocation, end)(date(2019, 7, 29), LATER)
    assert not allocation.is_open
    assert allocation.closure_reason is reason
    event = allocation.events[-1]
    assert isinstance(event, AllocationClosed)
    assert event.closure_reason is reason
    assert event.closed_on == date(2019, 7, 29)


def test_closure_records_the_date_and_reason_once():
    allocation = allocate(accepted_contact(), {})
    allocation.close(date(2019, 7, 29), ClosureReason.GOALS_ACHIEVED, LATER)
    event = allocation.events[-1]
    assert isinstance(event, AllocationClosed)
    assert (event.family_id, event.team_id, event.worker_id, event.allocated_at) == (
        allocation.family_id,
        TEAM,
        allocation.lead_worker_id,
        NOW,
    )
    with pytest.raises(AllocationAlreadyClosed):
        allocation.close(date(2019, 7, 29), ClosureReason.GOALS_ACHIEVED, LATER)
    with pytest.raises(AllocationAlreadyClosed):
        allocation.reallocate(WORKERS, {}, ReallocationReason.FAMILY_REQUEST, LATER)


def test_a_closure_date_must_fall_between_allocation_and_today():
    allocation = allocate(accepted_contact(), {})
    with pytest.raises(InvalidAllocation) as before:
        allocation.close(date(2019, 4, 30), ClosureReason.GOALS_ACHIEVED, LATER)
    assert [e.field for e in before.value.errors] == ["closed_on"]
    with pytest.raises(InvalidAllocation):
        allocation.close(LATER.date() + timedelta(days=1), ClosureReason.GOALS_ACHIEVED, LATER)
    assert allocation.is_open

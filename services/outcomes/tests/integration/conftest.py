"""An event history of six families with known answers, as the producers would send it.

Sub-goal S1 (child safeguarding, parenting work) starts at 3 and ends at 7, 5, 3, 2, 6, 8;
sub-goal A5 (adult behaviour, relationship work) starts at 4 and ends at 6, 6, 6, 4, 2, 7:
12 goals, 8 improved, 2 unchanged, 2 deteriorated. Families 0-3 close (all goals achieved
twice, family withdrew, escalation); 4 and 5 stay open. Two more contacts are signposted.
Names, dates of birth and notes appear only in `IDENTIFIERS`: no event may carry them, and
the stream must never show them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer
from contracts.envelope import Envelope, EventPayload
from contracts.formulation import v1 as formulation
from contracts.formulation.v1 import FactorCounts, RoleCount
from contracts.goals import v1 as goals
from contracts.reference.formulation import FormulationSetting, ParticipantRole, SubjectKind
from contracts.reference.goals import (
    ActivityCategory,
    ClosureReason,
    Movement,
    ScorerKind,
    SubGoalEndState,
    SubGoalStatus,
    TrackingFrequency,
)
from contracts.reference.referrals import (
    DecisionType,
    PersonKind,
    ReferralSource,
    SupportLevel,
    WorkerRole,
)
from contracts.referrals import v1 as referrals
from runtime.testing import Kafka

CLUSTERS = ("inner-east", "jess")
TEAMS = {"inner-east": "res-inner-east", "jess": "res-jess"}
S1_FINAL = (7, 5, 3, 2, 6, 8)
A5_FINAL = (6, 6, 6, 4, 2, 7)
CLOSURES = (
    ClosureReason.ALL_GOALS_ACHIEVED,
    ClosureReason.ALL_GOALS_ACHIEVED,
    ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT,
    ClosureReason.ESCALATION_TO_AREA_SOCIAL_WORK,
    None,
    None,
)
START = datetime(2019, 3, 4, 9, tzinfo=UTC)
IDENTIFIERS = (
    "Jayden Okafor",
    "2012-05-17",
    "17/05/2012",
    "14 Harehills Lane",
    "LS9 7AB",
    "485 777 3456",
    "worried about the bruise",
)


def _movement(baseline: int, latest: int) -> Movement:
    if latest > baseline:
        return Movement.IMPROVED
    return Movement.DETERIORATED if latest < baseline else Movement.UNCHANGED


@dataclass
class History:
    events: list[Envelope] = field(default_factory=list)
    free_text: tuple[str, ...] = IDENTIFIERS

    def add(self, payload: EventPayload, at: datetime) -> None:
        self.events.append(Envelope.wrap(payload, source="/services/test", time=at))

    def family(self, i: int) -> None:
        cluster = CLUSTERS[i % 2]
        team = TEAMS[cluster]
        opened = START + timedelta(days=i)
        contact, family, child, adult = (uuid.uuid4() for _ in range(4))
        allocation, lineage, plan = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.add(
            referrals.PersonRegistered(
                person_id=child, kind=PersonKind.CHILD, has_nhs_number=True, registered_at=opened
            ),
            opened,
        )
        self.add(
            referrals.PersonRegistered(
                person_id=adult, kind=PersonKind.ADULT, has_nhs_number=False, registered_at=opened
            ),
            opened,
        )
        self.add(
            referrals.ContactOpened(
                contact_id=contact,
                source="school_via_cluster",
                referring_agency_id="school-1",
                cluster_id=cluster,
                opened_at=opened,
            ),
            opened,
        )
        decided = opened + timedelta(days=1)
        self.add(
            referrals.DecisionMade(
                contact_id=contact,
                decision_type=DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
                source=ReferralSource.SCHOOL_VIA_CLUSTER,
                cluster_id=cluster,
                team_id=team,
                family_id=family,
                child_ids=[child],
                contact_opened_at=opened,
                decided_at=decided,
                is_rereferral=i == 0,
            ),
            decided,
        )
        allocated = decided + timedelta(days=1)
        self.add(
            referrals.FamilyAllocated(
                family_id=family,
                allocation_id=allocation,
                contact_id=contact,
                team_id=team,
                cluster_id=cluster,
                worker_id="worker-1",
                worker_role=WorkerRole.SOCIAL_WORKER,
                support_level=SupportLevel.EARLY_HELP,
                allocated_at=allocated,
            ),
            allocated,
        )
        held = allocated + timedelta(days=2)
        common = {
            "formulation_id": lineage,
            "lineage_id": lineage,
            "version": 1,
            "family_id": family,
            "subject_kind": SubjectKind.FAMILY,
            "subject_id": family,
            "contact_id": contact,
            "team_id": team,
            "setting": FormulationSetting.WITH_FAMILY,
            "held_on": held.date(),
        }
        self.add(
            formulation.FormulationStarted(
                **common, facilitator_id="f-1", carried_factor_count=0, started_at=held
            ),
            held,
        )
        self.add(
            formulation.FormulationCompleted(
                **common,
                completed_at=held,
                all_six_ps_considered=True,
                minimum_participants_present=True,
                walk_back_passed=i != 5,
                walk_back_overridden=False,
                factor_counts=FactorCounts(
                    presenting=1,
                    predisposing=1,
                    precipitating=1,
                    perpetuating=1,
                    protective=1,
                    predicting=1,
                ),
                main_driver_count=1,
                priority_count=1,
                next_step_count=2,
                participant_roles=[RoleCount(role=ParticipantRole.PARENT_CARER, count=1)],
            ),
            held,
        )
        opened_plan = held + timedelta(days=1)
        self.add(
            goals.PlanOpened(
                plan_id=plan,
                family_id=family,
                formulation_id=lineage,
                team_id=team,
                cluster_id=cluster,
                opened_at=opened_plan,
            ),
            opened_plan,
        )
        finals = {
            "S1": (3, S1_FINAL[i], [child], ActivityCategory.PARENTING_WORK),
            "A5": (4, A5_FINAL[i], [adult], ActivityCategory.RELATIONSHIP_WORK),
        }
        day0 = opened_plan.date()
        ended_on = day0 + timedelta(days=21)
        for code, (baseline, final, people, activity) in finals.items():
            sg = uuid.uuid4()
            base = {
                "plan_id": plan,
                "family_id": family,
                "sub_goal_id": sg,
                "code": code,
                "code_edition": "2019",
            }
            at = opened_plan
            self.add(
                goals.SubGoalSet(
                    **base,
                    status=SubGoalStatus.ACTIVE,
                    tracking_frequency=TrackingFrequency.WEEKLY,
                    tracking_frequency_days=7,
                    person_ids=tuple(people),
                    factor_ids=(),
                    by_when=day0 + timedelta(days=90),
                    set_on=day0,
                ),
                at,
            )
            self.add(
                goals.BaselineRecorded(
                    **base,
                    baseline=baseline,
                    scored_on=day0,
                    scored_by=ScorerKind.FAMILY,
                    tracking_frequency_days=7,
                ),
                at,
            )
            self.add(
                goals.ActionRecorded(
                    **base,
                    action_id=uuid.uuid4(),
                    activity_category=activity,
                    agreed_on=day0,
                    by_when=day0 + timedelta(days=30),
                ),
                at,
            )
            for week, score in enumerate((baseline, (baseline + final) // 2, final), start=1):
                on = day0 + timedelta(days=7 * week)
                self.add(
                    goals.ScoreRecorded(
                        **base,
                        score=score,
                        scored_on=on,
                        scored_by=ScorerKind.FAMILY,
                        baseline=baseline,
                        status=SubGoalStatus.ACTIVE,
                    ),
                    datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
                )
            if CLOSURES[i] is not None:
                self.add(
                    goals.SubGoalEnded(
                        **base,
                        end_state=SubGoalEndState.ACHIEVED,
                        ended_on=ended_on,
                        baseline=baseline,
                        latest_score=final,
                        latest_scored_on=day0 + timedelta(days=21),
                        movement=_movement(baseline, final),
                        was_active=True,
                        ended_with_plan=True,
                        actions_recorded=1,
                    ),
                    datetime(ended_on.year, ended_on.month, ended_on.day, 15, tzinfo=UTC),
                )
        reason = CLOSURES[i]
        if reason is not None:
            closed_at = datetime(ended_on.year, ended_on.month, ended_on.day, 16, tzinfo=UTC)
            moves = [_movement(3, S1_FINAL[i]), _movement(4, A5_FINAL[i])]
            self.add(
                goals.PlanClosed(
                    plan_id=plan,
                    family_id=family,
                    formulation_id=lineage,
                    team_id=team,
                    cluster_id=cluster,
                    closure_reason=reason,
                    closed_on=ended_on,
                    closed_at=closed_at,
                    sub_goals_improved=moves.count(Movement.IMPROVED),
                    sub_goals_unchanged=moves.count(Movement.UNCHANGED),
                    sub_goals_deteriorated=moves.count(Movement.DETERIORATED),
                    sub_goals_no_score=0,
                    sub_goals_never_started=0,
                ),
                closed_at,
            )
            self.add(
                goals.FeedbackRecorded(
                    plan_id=plan,
                    family_id=family,
                    team_id=team,
                    cluster_id=cluster,
                    treated_with_respect=True,
                    would_recommend=i != 3,
                    service_rating=8,
                    worker_communication_rating=9,
                    understood_process_rating=7,
                    recorded_at=closed_at,
                ),
                closed_at,
            )

    def signposted(self, i: int) -> None:
        contact = uuid.uuid4()
        opened = START + timedelta(days=10 + i)
        self.add(
            referrals.ContactOpened(
                contact_id=contact, source="early_help_hub", cluster_id="jess", opened_at=opened
            ),
            opened,
        )
        self.add(
            referrals.DecisionMade(
                contact_id=contact,
                decision_type=DecisionType.SIGNPOST_TO_CLUSTER,
                source=ReferralSource.EARLY_HELP_HUB,
                cluster_id="jess",
                contact_opened_at=opened,
                decided_at=opened + timedelta(hours=4),
            ),
            opened + timedelta(hours=4),
        )


def build_history() -> History:
    history = History()
    for i in range(6):
        history.family(i)
    for i in range(2):
        history.signposted(i)
    return history


@pytest.fixture
def history() -> History:
    return build_history()


async def produce(bootstrap: str | Kafka, envelopes: list[Envelope]) -> None:
    """Send each event to its topic, one at a time (under a `Kafka`'s namespace)."""
    from contracts.registry import parse_payload

    kafka = bootstrap if isinstance(bootstrap, Kafka) else Kafka("external", bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        for env in envelopes:
            payload = parse_payload(env)
            await producer.send_and_wait(
                kafka.topic(payload.topic),
                value=env.kafka_value(),
                key=(env.subject or "").encode(),
                headers=env.kafka_headers(),
            )
    finally:
        await producer.stop()


@pytest.fixture
def send():  # type: ignore[no-untyped-def]
    return produce

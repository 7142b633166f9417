"""Kafka topic names: `<service>.<aggregate>.events`, dead letters `<topic>.dlq`."""

from __future__ import annotations

REFERRALS_CONTACT = "referrals.contact.events"
REFERRALS_PERSON = "referrals.person.events"
REFERRALS_ALLOCATION = "referrals.allocation.events"
FORMULATION_FORMULATION = "formulation.formulation.events"
FORMULATION_MEETING = "formulation.meeting.events"
GOALS_PLAN = "goals.plan.events"
OUTCOMES_RESPONSE = "outcomes.service_response.events"
OUTCOMES_STREAM = "outcomes.outcome.events"

ALL_TOPICS: tuple[str, ...] = (
    REFERRALS_CONTACT,
    REFERRALS_PERSON,
    REFERRALS_ALLOCATION,
    FORMULATION_FORMULATION,
    FORMULATION_MEETING,
    GOALS_PLAN,
    OUTCOMES_RESPONSE,
    OUTCOMES_STREAM,
)

DLQ_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX

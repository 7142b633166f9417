"""Kafka topic names: `<service>.<aggregate>.events`, dead letters `<topic>.dlq`.

These are the contracted names. A deployment may put every topic and consumer group of the
platform under a namespace (`LPM_KAFKA_NAMESPACE`, e.g. one per environment sharing a cluster,
or one per test): `namespaced()` is the one place that turns a contracted name into the name
on the broker. Every topic has `PARTITIONS` partitions; the partition of an event follows from
its key (the aggregate id), so a topic recreated with another count would split an aggregate.
"""

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

PARTITIONS = 3


def namespaced(namespace: str, name: str) -> str:
    """The broker's name for a contracted topic or consumer group."""
    return f"{namespace}.{name}" if namespace else name


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX

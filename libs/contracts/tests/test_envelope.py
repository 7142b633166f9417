"""The envelope survives the Kafka binding and refuses malformed records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from contracts.envelope import Envelope
from contracts.referrals.v1 import ContactOpened
from contracts.registry import parse_payload


def _envelope() -> Envelope:
    payload = ContactOpened(
        contact_id=uuid.uuid4(), source="school_via_cluster", opened_at=datetime.now(UTC)
    )
    return Envelope.wrap(
        payload,
        source="/services/referrals",
        correlation_id="corr-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def test_an_envelope_round_trips_through_kafka_headers_and_body():
    env = _envelope()
    back = Envelope.from_kafka(env.kafka_headers(), env.kafka_value())
    assert back == env
    assert isinstance(parse_payload(back), ContactOpened)
    assert dict(env.kafka_headers())["ce_traceparent"].startswith(b"00-0af7")


def test_cloudevents_attributes_are_present():
    headers = dict(_envelope().kafka_headers())
    for attr in (
        "id",
        "source",
        "type",
        "specversion",
        "time",
        "subject",
        "datacontenttype",
        "dataschema",
        "correlationid",
    ):
        assert f"ce_{attr}" in headers


@pytest.mark.parametrize("value", [None, b"[1, 2]", b"not json"])
def test_a_malformed_body_is_refused(value):
    env = _envelope()
    with pytest.raises(ValueError):
        Envelope.from_kafka(env.kafka_headers(), value)


def test_missing_required_attributes_are_refused():
    env = _envelope()
    headers = [(k, v) for k, v in env.kafka_headers() if k != "ce_type"]
    with pytest.raises(ValueError):
        Envelope.from_kafka(headers, env.kafka_value())

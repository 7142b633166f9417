"""The one event envelope: CloudEvents 1.0 attributes plus correlation, causation and W3C trace context.

On Kafka it travels in CloudEvents *binary* mode: attributes as `ce_*` headers, the payload as the
JSON body, the aggregate id as the message key.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION: Literal["1.0"] = "1.0"
CONTENT_TYPE = "application/json"
_HEADER_PREFIX = "ce_"


def schema_uri(event_type: str) -> str:
    """Stable URI of an event type's committed JSON Schema (`libs/contracts/schemas/<type>.json`)."""
    return f"urn:lpm:schema:{event_type}"


class EventPayload(BaseModel):
    """Base of every event payload. Subclasses name their type, topic and key field.

    Payloads carry ids, codes, counts, scores and dates: never names or free text about a family.
    Readers are tolerant (unknown fields are ignored) so a version can grow by optional fields.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    aggregate_type: ClassVar[str]
    key_field: ClassVar[str]

    def aggregate_id(self) -> str:
        return str(getattr(self, self.key_field))


class Envelope(BaseModel):
    """A CloudEvent with correlation/causation ids and trace context."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = SPEC_VERSION
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: str = CONTENT_TYPE
    dataschema: str
    correlationid: str
    causationid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        source: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        traceparent: str | None = None,
        tracestate: str | None = None,
        event_id: uuid.UUID | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        eid = event_id or uuid.uuid4()
        return cls(
            id=eid,
            source=source,
            type=payload.event_type,
            time=time or datetime.now(UTC),
            subject=payload.aggregate_id(),
            dataschema=schema_uri(payload.event_type),
            correlationid=correlation_id or str(eid),
            causationid=causation_id,
            traceparent=traceparent,
            tracestate=tracestate,
            data=payload.model_dump(mode="json"),
        )

    # -- Kafka binary-mode binding -------------------------------------------------------------

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        attrs = self.model_dump(mode="json", exclude={"data"}, exclude_none=True)
        return [(_HEADER_PREFIX + k, str(v).encode()) for k, v in attrs.items()]

    def kafka_value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_kafka(
        cls, headers: list[tuple[str, bytes | None]] | None, value: bytes | None
    ) -> Envelope:
        """Rebuild an envelope from a Kafka record; raises ValueError on anything malformed."""
        attrs: dict[str, Any] = {}
        for key, raw in headers or []:
            if key.startswith(_HEADER_PREFIX):
                if raw is None:
                    raise ValueError(f"header {key} has no value")
                try:
                    attrs[key[len(_HEADER_PREFIX) :]] = raw.decode()
                except UnicodeDecodeError:
                    raise ValueError(f"header {key} is not valid UTF-8") from None
        if value is None:
            raise ValueError("record has no body")
        try:
            text = value.decode()
        except UnicodeDecodeError:
            raise ValueError("record body is not valid UTF-8") from None
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("record body is not a JSON object")
        return cls.model_validate({**attrs, "data": data})

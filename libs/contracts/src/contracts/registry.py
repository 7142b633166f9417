"""Registry of every event type: type string -> payload model. Services look payloads up here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from contracts.envelope import Envelope, EventPayload

P = TypeVar("P", bound=type[EventPayload])

_EVENTS: dict[str, type[EventPayload]] = {}


def event(cls: P) -> P:
    """Class decorator: register a payload model under its `event_type`."""
    existing = _EVENTS.get(cls.event_type)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.event_type} registered twice")
    _EVENTS[cls.event_type] = cls
    return cls


_loaded = False


def _load_all() -> None:
    # Importing the versioned modules registers their events (once: a consumer asks per event).
    global _loaded
    if _loaded:
        return
    from contracts.formulation import v1 as _f  # noqa: F401
    from contracts.goals import v1 as _g  # noqa: F401
    from contracts.outcomes import v1 as _o  # noqa: F401
    from contracts.referrals import v1 as _r  # noqa: F401

    _loaded = True


def payload_class(event_type: str) -> type[EventPayload]:
    _load_all()
    try:
        return _EVENTS[event_type]
    except KeyError:
        raise LookupError(f"unknown event type {event_type!r}") from None


def is_known(event_type: str) -> bool:
    _load_all()
    return event_type in _EVENTS


def all_events() -> Iterator[type[EventPayload]]:
    _load_all()
    yield from sorted(_EVENTS.values(), key=lambda c: c.event_type)


def parse_payload(envelope: Envelope) -> EventPayload:
    """Validate an envelope's data against its registered payload model."""
    return payload_class(envelope.type).model_validate(envelope.data)

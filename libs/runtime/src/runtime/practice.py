"""Practice dates: the day something happened, given beside the time it was recorded.

Work is written up after a visit, decisions are taken at yesterday's meeting and history is
brought over from the council's case system, so every practice event may carry its own date.
One rule checks them all: not after today, not before the record it depends on. Pure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from runtime.domain import FieldError


def practice_date_errors(
    field: str,
    on: date,
    *,
    today: date,
    not_before: date | None = None,
    what: str = "the record it belongs to",
) -> list[FieldError]:
    """The field's problems, if any: in the future, or before `not_before` (`what` began)."""
    if on > today:
        return [FieldError(field, f"{on} is in the future")]
    if not_before is not None and on < not_before:
        return [FieldError(field, f"{on} is before {what} ({not_before})")]
    return []


def practice_moment(on: date | None, recorded_at: datetime) -> datetime:
    """When a practice event happened, as a moment: the recorded time when it was recorded on
    its practice date, else the start of its practice day (UTC)."""
    if on is None or on == recorded_at.astimezone(UTC).date():
        return recorded_at
    return datetime.combine(on, time(0), tzinfo=UTC)

"""Calendar months as the measures count them: whole months, labelled YYYY-MM."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(day: date) -> date:
    following = month_start(month_index(day) + 1)
    return date.fromordinal(following.toordinal() - 1)


def months_between(first: date, last: date) -> Iterator[date]:
    """First days of each month from `first`'s month to `last`'s month, both included."""
    for index in range(month_index(first), month_index(last) + 1):
        yield month_start(index)

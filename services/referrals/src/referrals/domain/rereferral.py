"""Re-referrals: a child back within 12 months of a previous involvement closing.

The evaluation recommends monitoring re-referrals after a family's closure to RES, so the flag
travels on the decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

REREFERRAL_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class ClosedInvolvement:
    """A previous involvement with the child's family (a RES allocation) and when it closed."""

    closed_on: date
    allocation_id: uuid.UUID | None = None


def rereferral_window_start(contact_on: date) -> date:
    """The same day twelve months before; 29 February falls back to 28 February."""
    try:
        return contact_on.replace(year=contact_on.year - 1)
    except ValueError:
        return contact_on.replace(year=contact_on.year - 1, day=28)


def find_rereferral(
    previous_closures: Iterable[ClosedInvolvement], contact_on: date
) -> ClosedInvolvement | None:
    """The most recent involvement that closed within the 12 months up to the contact, if any.

    A closure exactly twelve months before counts; one after the contact date does not, since
    an involvement still open then is not a previous one.
    """
    start = rereferral_window_start(contact_on)
    within = [c for c in previous_closures if start <= c.closed_on <= contact_on]
    if not within:
        return None
    return max(within, key=lambda c: c.closed_on)


def is_rereferral(previous_closures: Iterable[date], contact_on: date) -> bool:
    return (
        find_rereferral((ClosedInvolvement(closed_on=d) for d in previous_closures), contact_on)
        is not None
    )

"""Tables 1 and 2: monthly averages per cluster before and after its RES team started.

Each cluster's window is split at the month its team started (that month counts as after). A
cluster whose team started outside the window has no split in it: its row says so, holds all its
months on one side, and is left out of the totals and of Table 3. The printed tables round each average half up to two places, take each difference from the
rounded averages and sum the rounded figures for the totals row; `exact_*` keep the unrounded
sums that Table 3 costs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from contracts.outcomes.v1 import ResponseKind

from outcomes.domain.errors import InvalidPeriod
from outcomes.domain.months import month_index
from outcomes.domain.records import ContactRecord, ServiceResponseRecord
from outcomes.domain.shares import round_half_up


@dataclass(frozen=True)
class ClusterBeforeAfter:
    cluster_id: str
    months_before: int
    count_before: int
    months_after: int
    count_after: int
    split_in_window: bool = True

    @property
    def exact_average_before(self) -> Fraction:
        return (
            Fraction(self.count_before, self.months_before) if self.months_before else Fraction(0)
        )

    @property
    def exact_average_after(self) -> Fraction:
        return Fraction(self.count_after, self.months_after) if self.months_after else Fraction(0)

    @property
    def average_before(self) -> Decimal:
        return round_half_up(self.exact_average_before)

    @property
    def average_after(self) -> Decimal:
        return round_half_up(self.exact_average_after)

    @property
    def difference(self) -> Decimal | None:
        """After minus before; None when the window does not hold the team's start."""
        if not self.split_in_window:
            return None
        return self.average_after - self.average_before


@dataclass(frozen=True)
class BeforeAfterTable:
    """Every cluster's row; the totals are of the clusters split within the window."""

    rows: tuple[ClusterBeforeAfter, ...]

    @property
    def split_rows(self) -> tuple[ClusterBeforeAfter, ...]:
        return tuple(r for r in self.rows if r.split_in_window)

    @property
    def count_before(self) -> int:
        return sum(r.count_before for r in self.split_rows)

    @property
    def count_after(self) -> int:
        return sum(r.count_after for r in self.split_rows)

    @property
    def average_before(self) -> Decimal:
        return sum((r.average_before for r in self.split_rows), Decimal("0.00"))

    @property
    def average_after(self) -> Decimal:
        return sum((r.average_after for r in self.split_rows), Decimal("0.00"))

    @property
    def difference(self) -> Decimal:
        return self.average_after - self.average_before

    @property
    def exact_average_before(self) -> Fraction:
        return sum((r.exact_average_before for r in self.split_rows), Fraction(0))

    @property
    def exact_average_after(self) -> Fraction:
        return sum((r.exact_average_after for r in self.split_rows), Fraction(0))

    def row(self, cluster_id: str) -> ClusterBeforeAfter:
        for r in self.rows:
            if r.cluster_id == cluster_id:
                return r
        raise KeyError(cluster_id)


def compare_before_after(
    events: Iterable[tuple[str | None, date]],
    starts: Mapping[str, date],
    window_from: date,
    window_to: date,
) -> BeforeAfterTable:
    """Count dated events (cluster id, day) before and after each cluster's RES start.

    Events outside the window or in clusters without a start date are not counted.
    """
    if window_from > window_to:
        raise InvalidPeriod(detail=f"window starts {window_from} after it ends {window_to}")
    first, last = month_index(window_from), month_index(window_to)
    # A start before the window puts every month after it, a start after the window before it.
    split = {
        cluster_id: min(max(month_index(started), first), last + 1)
        for cluster_id, started in starts.items()
    }
    split_in_window = {
        cluster_id: window_from <= started <= window_to for cluster_id, started in starts.items()
    }
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for event_cluster, day in events:
        if event_cluster not in split or not window_from <= day <= window_to:
            continue
        if month_index(day) < split[event_cluster]:
            before[event_cluster] += 1
        else:
            after[event_cluster] += 1
    rows = tuple(
        ClusterBeforeAfter(
            cluster_id=cluster_id,
            months_before=split[cluster_id] - first,
            count_before=before[cluster_id],
            months_after=last - split[cluster_id] + 1,
            count_after=after[cluster_id],
            split_in_window=split_in_window[cluster_id],
        )
        for cluster_id in sorted(split)
    )
    return BeforeAfterTable(rows)


def compare_service_responses(
    responses: Iterable[ServiceResponseRecord],
    kind: ResponseKind,
    starts: Mapping[str, date],
    window_from: date,
    window_to: date,
) -> BeforeAfterTable:
    """Table 1 (kind=cp_plan) or Table 2 (kind=looked_after): the number of children, as the
    evaluation counts them: a child counts once in a month however many records name them that
    month (the first record's cluster), and a record counts once by id."""
    seen: dict[tuple[str, ...], ServiceResponseRecord] = {}
    for response in sorted(responses, key=lambda r: (r.occurred_on, r.response_id)):
        if response.kind is not kind:
            continue
        key = (
            ("child", response.child_ref, str(month_index(response.occurred_on)))
            if response.child_ref is not None
            else ("record", response.response_id)
        )
        seen.setdefault(key, response)
    events = ((r.cluster_id, r.occurred_on) for r in seen.values())
    return compare_before_after(events, starts, window_from, window_to)


def compare_contacts(
    contacts: Iterable[ContactRecord],
    starts: Mapping[str, date],
    window_from: date,
    window_to: date,
) -> BeforeAfterTable:
    events = ((c.cluster_id, c.opened_at.date()) for c in contacts)
    return compare_before_after(events, starts, window_from, window_to)


def compare_referrals(
    contacts: Iterable[ContactRecord],
    starts: Mapping[str, date],
    window_from: date,
    window_to: date,
    referral_decisions: frozenset[str],
    re_referrals_only: bool = False,
) -> BeforeAfterTable:
    """Contacts decided as referrals, dated by their decision; optionally re-referrals only."""
    events = (
        (c.cluster_id, c.decided_at.date())
        for c in contacts
        if c.decided_at is not None
        and c.decision_type in referral_decisions
        and (c.re_referral or not re_referrals_only)
    )
    return compare_before_after(events, starts, window_from, window_to)

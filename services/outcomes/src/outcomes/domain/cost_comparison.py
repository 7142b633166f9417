"""Table 3: the costs of each cluster's demand before and after RES, and the saving.

Each row is a monthly volume (the unrounded sum of the clusters' monthly averages, as in
Tables 1-2) times a unit cost from the edition in force, rounded to the penny; the totals
are sums of the rounded rows and the saving is the before total less the after total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from contracts.outcomes.v1 import ResponseKind
from contracts.reference.costs import UnitCostEdition

from outcomes.domain.before_after import (
    BeforeAfterTable,
    compare_contacts,
    compare_referrals,
    compare_service_responses,
)
from outcomes.domain.errors import MissingCostVolume
from outcomes.domain.records import REFERRAL_DECISIONS, ContactRecord, ServiceResponseRecord
from outcomes.domain.shares import round_half_up


class CostRow(StrEnum):
    CONTACTS = "contacts"
    REFERRALS = "referrals"
    RE_REFERRALS = "re_referrals"
    CP_PLANS = "cp_plans"
    LOOKED_AFTER = "looked_after"


def unit_cost(row: CostRow, costs: UnitCostEdition) -> Decimal:
    """The cost of one item of a row: a contact, a referral, a year of a CP plan, a care episode."""
    if row is CostRow.CONTACTS:
        return costs.contact.unit_cost
    if row is CostRow.REFERRALS:
        return costs.referral.unit_cost
    if row is CostRow.RE_REFERRALS:
        return costs.re_referral.unit_cost
    if row is CostRow.CP_PLANS:
        return costs.cp_plan_annual_cost
    return costs.care_episode_cost


@dataclass(frozen=True)
class CostLine:
    row: CostRow
    unit_cost: Decimal
    monthly_volume_before: Fraction
    monthly_volume_after: Fraction

    @property
    def before(self) -> Decimal:
        return round_half_up(self.monthly_volume_before * Fraction(self.unit_cost))

    @property
    def after(self) -> Decimal:
        return round_half_up(self.monthly_volume_after * Fraction(self.unit_cost))


@dataclass(frozen=True)
class CostComparison:
    edition: str
    lines: tuple[CostLine, ...]

    @property
    def total_before(self) -> Decimal:
        return sum((line.before for line in self.lines), Decimal("0.00"))

    @property
    def total_after(self) -> Decimal:
        return sum((line.after for line in self.lines), Decimal("0.00"))

    @property
    def saving(self) -> Decimal:
        return self.total_before - self.total_after

    def line(self, row: CostRow) -> CostLine:
        for line in self.lines:
            if line.row is row:
                return line
        raise KeyError(row)


def compare_costs(
    volumes: Mapping[CostRow, BeforeAfterTable], costs: UnitCostEdition
) -> CostComparison:
    missing = [row.value for row in CostRow if row not in volumes]
    if missing:
        raise MissingCostVolume(detail=f"no volumes for {', '.join(missing)}")
    lines = tuple(
        CostLine(
            row=row,
            unit_cost=unit_cost(row, costs),
            monthly_volume_before=volumes[row].exact_average_before,
            monthly_volume_after=volumes[row].exact_average_after,
        )
        for row in CostRow
    )
    return CostComparison(edition=costs.edition, lines=lines)


def cost_volumes(
    contacts: Iterable[ContactRecord],
    responses: Iterable[ServiceResponseRecord],
    starts: Mapping[str, date],
    window_from: date,
    window_to: date,
    referral_decisions: frozenset[str] = REFERRAL_DECISIONS,
) -> dict[CostRow, BeforeAfterTable]:
    """Table 3's five before/after volumes from contact and service response records."""
    contact_list = list(contacts)
    response_list = list(responses)
    window = (starts, window_from, window_to)
    return {
        CostRow.CONTACTS: compare_contacts(contact_list, *window),
        CostRow.REFERRALS: compare_referrals(contact_list, *window, referral_decisions),
        CostRow.RE_REFERRALS: compare_referrals(
            contact_list, *window, referral_decisions, re_referrals_only=True
        ),
        CostRow.CP_PLANS: compare_service_responses(response_list, ResponseKind.CP_PLAN, *window),
        CostRow.LOOKED_AFTER: compare_service_responses(
            response_list, ResponseKind.LOOKED_AFTER, *window
        ),
    }

"""Reference data the measures use: the unit cost editions with their derivations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.reference import costs
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/v1/reference", tags=["reference"])


class CostRowResponse(BaseModel):
    number: int
    activity: str
    practitioner: str
    hours: Decimal
    occurrences_per_year: Decimal
    rate_per_hour: Decimal
    annual_cost: Decimal


class HourlyCostResponse(BaseModel):
    rate_per_hour: Decimal
    hours_each: Decimal
    unit_cost: Decimal
    rate_basis: str
    hours_basis: str
    derivation: str


class CareEpisodeResponse(BaseModel):
    weekly_cost: Decimal
    weeks_per_year: Decimal
    average_years: Decimal
    episode_cost: Decimal
    weekly_cost_source: str
    average_years_source: str
    derivation: str


class UnitCostEditionResponse(BaseModel):
    edition: str
    effective_from: date
    source: str
    current: bool
    contact: HourlyCostResponse
    referral: HourlyCostResponse
    re_referral: HourlyCostResponse
    cp_plan_annual_cost: Decimal
    cp_plan_derivation: str
    cp_plan_rows: list[CostRowResponse]
    care_episode: CareEpisodeResponse


class UnitCostsResponse(BaseModel):
    current_edition: str
    editions: list[UnitCostEditionResponse]


def _hourly(c: costs.HourlyActivityCost) -> HourlyCostResponse:
    return HourlyCostResponse(
        rate_per_hour=c.rate_per_hour,
        hours_each=c.hours_each,
        unit_cost=c.unit_cost,
        rate_basis=c.rate_basis,
        hours_basis=c.hours_basis,
        derivation=f"{c.rate_per_hour} x {c.hours_each} hours = {c.unit_cost}",
    )


def _edition(e: costs.UnitCostEdition) -> UnitCostEditionResponse:
    ep = e.care_episode
    return UnitCostEditionResponse(
        edition=e.edition,
        effective_from=e.effective_from,
        source=e.source,
        current=e.edition == costs.CURRENT_EDITION,
        contact=_hourly(e.contact),
        referral=_hourly(e.referral),
        re_referral=_hourly(e.re_referral),
        cp_plan_annual_cost=e.cp_plan_annual_cost,
        cp_plan_derivation=(
            f"sum of {len(e.cp_plan_rows)} Appendix 6 rows "
            f"(hours x occurrences per year x rate per hour) = {e.cp_plan_annual_cost:,.0f}"
        ),
        cp_plan_rows=[
            CostRowResponse(
                number=r.number,
                activity=r.activity,
                practitioner=r.practitioner,
                hours=r.hours,
                occurrences_per_year=r.occurrences_per_year,
                rate_per_hour=r.rate_per_hour,
                annual_cost=r.annual_cost,
            )
            for r in e.cp_plan_rows
        ],
        care_episode=CareEpisodeResponse(
            weekly_cost=ep.weekly_cost,
            weeks_per_year=ep.weeks_per_year,
            average_years=ep.average_years,
            episode_cost=ep.episode_cost,
            weekly_cost_source=ep.weekly_cost_source,
            average_years_source=ep.average_years_source,
            derivation=(
                f"{ep.weekly_cost:,.0f} a week x {ep.weeks_per_year} weeks x "
                f"{ep.average_years} years = {ep.episode_cost:,.0f}"
            ),
        ),
    )


@router.get("/unit-costs", summary="Unit cost editions and how each cost is derived")
async def unit_costs() -> UnitCostsResponse:
    editions = sorted(costs.EDITIONS.values(), key=lambda e: e.effective_from)
    return UnitCostsResponse(
        current_edition=costs.CURRENT_EDITION, editions=[_edition(e) for e in editions]
    )

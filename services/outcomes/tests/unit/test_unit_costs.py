"""Unit costs are data: the CP plan and care episode costs follow from their printed inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from contracts.reference import costs, evaluation


def test_each_appendix_6_row_costs_hours_times_occurrences_times_rate_as_printed() -> None:
    rows = costs.lookup().cp_plan_rows
    assert [row.annual_cost for row in rows] == list(evaluation.APPENDIX_6_ROW_TOTALS)


def test_a_cp_plan_costs_the_sum_of_appendix_6_rows() -> None:
    edition = costs.lookup()
    assert edition.cp_plan_annual_cost == evaluation.CP_PLAN_ANNUAL_COST == Decimal("13497")
    assert {row.number for row in edition.cp_plan_rows} == set(range(1, 12))


def test_a_care_episode_costs_weekly_cost_by_52_weeks_by_average_years() -> None:
    edition = costs.lookup()
    assert edition.care_episode.weekly_cost * 52 * Decimal("2.9") == edition.care_episode_cost
    assert edition.care_episode_cost == evaluation.CARE_EPISODE_COST


def test_contact_and_referral_unit_costs_come_from_their_hourly_rates() -> None:
    edition = costs.lookup()
    assert edition.contact.rate_per_hour == 83
    assert edition.referral.rate_per_hour == 159
    # Appendix 6 row 1: referrer and social worker half an hour each.
    contact_rows = [r for r in edition.cp_plan_rows if r.activity == "Contact"]
    assert sum(r.annual_cost for r in contact_rows) == edition.contact.unit_cost == Decimal("41.5")
    assert sum(r.rate_per_hour for r in contact_rows) == edition.contact.rate_per_hour


def test_the_edition_in_force_is_picked_by_date() -> None:
    assert costs.in_force_on(date(2019, 6, 1)).edition == costs.CURRENT_EDITION
    assert costs.in_force_on(date(2015, 4, 1)).edition == costs.CURRENT_EDITION


def test_an_unknown_edition_is_refused() -> None:
    with pytest.raises(costs.UnknownCostEdition):
        costs.lookup("no-such-edition")

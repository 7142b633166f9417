"""Unit costs for the costs impact analysis (DfE evaluation of Leeds, section 3.2 and Appendix 6), by edition.

Unit costs are data with an effective date, not constants in code: a later costing exercise is
added as a new edition beside the first, and a calculation picks the edition in force on a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class UnknownCostEdition(LookupError):
    pass


@dataclass(frozen=True)
class CostActivityRow:
    """One practitioner's time on one activity of a CP plan (one row of Appendix 6)."""

    number: int
    activity: str
    practitioner: str
    hours: Decimal
    occurrences_per_year: Decimal
    rate_per_hour: Decimal

    @property
    def annual_cost(self) -> Decimal:
        """Appendix 6's last column: hours x occurrences per year x cost per hour."""
        return self.hours * self.occurrences_per_year * self.rate_per_hour


@dataclass(frozen=True)
class CareEpisodeCost:
    """The cost of keeping a child in care for an average episode (section 3.2, footnote 7)."""

    weekly_cost: Decimal
    weeks_per_year: Decimal
    average_years: Decimal
    weekly_cost_source: str
    average_years_source: str

    @property
    def episode_cost(self) -> Decimal:
        return self.weekly_cost * self.weeks_per_year * self.average_years


@dataclass(frozen=True)
class HourlyActivityCost:
    """An activity costed at an hourly rate for the people involved, for a number of hours."""

    rate_per_hour: Decimal
    hours_each: Decimal
    rate_basis: str
    hours_basis: str

    @property
    def unit_cost(self) -> Decimal:
        return self.rate_per_hour * self.hours_each


@dataclass(frozen=True)
class UnitCostEdition:
    edition: str
    effective_from: date
    source: str
    contact: HourlyActivityCost
    referral: HourlyActivityCost
    re_referral: HourlyActivityCost
    cp_plan_rows: tuple[CostActivityRow, ...]
    care_episode: CareEpisodeCost

    @property
    def cp_plan_annual_cost(self) -> Decimal:
        """The annual cost of one CP plan: the sum of Appendix 6's activity rows."""
        return sum((row.annual_cost for row in self.cp_plan_rows), Decimal(0))

    @property
    def care_episode_cost(self) -> Decimal:
        return self.care_episode.episode_cost


def _rows(
    number: int, activity: str, *people: tuple[str, str, str, str]
) -> tuple[CostActivityRow, ...]:
    return tuple(
        CostActivityRow(number, activity, who, Decimal(hours), Decimal(occurrences), Decimal(rate))
        for who, hours, occurrences, rate in people
    )


def _conference(number: int, activity: str) -> tuple[CostActivityRow, ...]:
    # The initial and the review conference are printed with the same fourteen attendees.
    return _rows(
        number,
        activity,
        ("2 - SW", "10", "1", "43.00"),
        ("3 - TM", "4", "1", "58.00"),
        ("5 - CP Chair", "9", "1", "55.00"),
        ("6 - ISU Admin", "6", "1", "25.00"),
        ("1 - Referrer", "4", "1", "40.00"),
        ("5 - Health x 1", "4", "1", "58.00"),
        ("5 - Health x 2", "4", "1", "58.00"),
        ("7 - Children's Centre", "4", "1", "35.00"),
        ("8 - Adult MH", "4", "1", "44.00"),
        ("4 - Police", "4", "1", "58.00"),
        ("9 - Family Support", "4", "1", "35.00"),
        ("10 - Drug Agency", "4", "1", "35.00"),
        ("11 - DV Agency", "4", "1", "35.00"),
        ("12 - Teacher", "4", "1", "58.00"),
    )


# Appendix 6, transcribed row by row (practitioner labels as printed).
_APPENDIX_6_ROWS: tuple[CostActivityRow, ...] = (
    *_rows(1, "Contact", ("1 - Referrer", "0.5", "1", "40.00"), ("2 - SW", "0.5", "1", "43.00")),
    *_rows(2, "Referral", ("2 - SW", "0.5", "1", "43.00"), ("3 - SW TM", "0.5", "1", "58.00")),
    *_rows(
        3,
        "Strategy discussion",
        ("3 - SW TM", "0.5", "1", "58.00"),
        ("4 - Police", "0.5", "1", "58.00"),
        ("5 - Health", "0.5", "1", "58.00"),
    ),
    *_rows(
        4,
        "Section 47 inquiry",
        ("2 - SW", "2", "1", "43.00"),
        ("3 - SW TM", "0.5", "1", "58.00"),
        ("4 - Police", "2", "1", "58.00"),
    ),
    *_rows(
        5,
        "Child and Family Assessment",
        ("2 - SW", "10", "1", "43.00"),
        ("3 - TM", "0.5", "1", "58.00"),
    ),
    *_rows(
        6,
        "ISU CP Chair triage",
        ("5 - CP Chair", "0.5", "1", "55.00"),
        ("2 - SW", "0.5", "1", "43.00"),
    ),
    *_conference(7, "Initial Child Protection Conference - prep and actual"),
    *_rows(
        8,
        "Core Group",
        ("2 - SW", "2", "8.5", "43.00"),
        ("12 - Teacher", "2", "8.5", "58.00"),
        ("5 - Health", "2", "8.5", "55.00"),
        ("8 - Adult MH", "2", "8.5", "44.00"),
        ("11 - DV Agency", "2", "8.5", "35.00"),
    ),
    *_rows(9, "Statutory visits", ("2 - SW", "2", "17", "43.00")),
    *_rows(10, "Report writing and recording", ("2 - SW", "1", "20", "43.00")),
    *_conference(11, "Review Child Protection Conference - prep and actual"),
)

_LEEDS_2019_20 = UnitCostEdition(
    edition="leeds-2019-20",
    effective_from=date(2019, 4, 1),
    source="DfE evaluation of Leeds Partners in Practice (2020), section 3.2 and Appendix 6",
    # £83 an hour is the referrer (£40) and the responding social worker (£43) together, as in
    # Appendix 6 row 1, where each gives half an hour to a contact: a contact costs £41.50.
    contact=HourlyActivityCost(
        rate_per_hour=Decimal("83"),
        hours_each=Decimal("0.5"),
        rate_basis="section 3.2: referrer and responding social worker, per hour",
        hours_basis="Appendix 6 row 1: 0.5 hours each for referrer and social worker",
    ),
    # Table 3 divided by £159 gives about 636 referrals a month in the seven clusters, so the
    # 536 children RES took on in 2019 are "some 7%" of referrals (section 3.1, footnote 1)
    # only at one hour a referral; at half an hour they would be 3.5%.
    referral=HourlyActivityCost(
        rate_per_hour=Decimal("159"),
        hours_each=Decimal("1"),
        rate_basis="section 3.2: social worker and team manager time, per hour",
        hours_basis="inferred from Table 3 and section 3.1 footnote 1 (536 children = 7%)",
    ),
    re_referral=HourlyActivityCost(
        rate_per_hour=Decimal("159"),
        hours_each=Decimal("1"),
        rate_basis="a re-referral is processed as a referral",
        hours_basis="as for a referral",
    ),
    cp_plan_rows=_APPENDIX_6_ROWS,
    care_episode=CareEpisodeCost(
        weekly_cost=Decimal("1065"),
        weeks_per_year=Decimal("52"),
        average_years=Decimal("2.9"),
        weekly_cost_source="LAIT weekly outturn cost per looked after child, 2018/19",
        average_years_source="average duration of care of children who left care in 2019/20",
    ),
)

EDITIONS: dict[str, UnitCostEdition] = {_LEEDS_2019_20.edition: _LEEDS_2019_20}
CURRENT_EDITION = _LEEDS_2019_20.edition


def lookup(edition: str = CURRENT_EDITION) -> UnitCostEdition:
    try:
        return EDITIONS[edition]
    except KeyError:
        raise UnknownCostEdition(f"unknown unit cost edition {edition!r}") from None


def in_force_on(day: date) -> UnitCostEdition:
    """The latest edition effective on `day`; the first edition also covers earlier days.

    The evaluation costs periods from April 2015 with one set of unit costs, so days before the
    first edition's effective date use that edition rather than having no cost at all.
    """
    ordered = sorted(EDITIONS.values(), key=lambda e: e.effective_from)
    chosen = ordered[0]
    for candidate in ordered:
        if candidate.effective_from <= day:
            chosen = candidate
    return chosen

"""The figures printed in the DfE evaluation of Leeds (2020), sections 3.1-3.3 and Appendix 6.

The measures engine is checked against these: tests build event-level records to the printed
counts and compare what the engine computes with what the evaluation printed. Figures the
evaluation does not print but that its totals imply are kept apart, under `INFERRED_`, each
with how it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# -- Section 3.3: goals -----------------------------------------------------------------------

PLANS = 473
LIVE_PLANS = 120
COMPLETED_PLANS = 353
GOALS = 1445
# "84% of all goals had shown an improvement, 10% ... unchanged and 6% ... a deterioration":
# the three add to 100 although Table 4 shows goals with no score, so the printed shares are of
# goals that have a score.
GOAL_MOVEMENT_PERCENT: dict[str, int] = {"improved": 84, "unchanged": 10, "deteriorated": 6}

# Of completed formulations (N=353); they add to 99 by rounding.
CLOSURE_PERCENT: dict[str, int] = {
    "all_goals_achieved": 57,
    "family_withdrew": 17,
    "escalated_to_area_social_work": 12,
    "further_formulation": 10,
    "another_service": 3,
}


@dataclass(frozen=True)
class CategoryFigure:
    category: str
    goals: int
    percent_improved: int


CATEGORY_IMPROVEMENT: tuple[CategoryFigure, ...] = (
    CategoryFigure("child_safeguarding", 440, 85),
    CategoryFigure("engagement_alignment", 275, 81),
    CategoryFigure("education_outcomes", 156, 78),
    CategoryFigure("adult_behaviour", 110, 89),
)


@dataclass(frozen=True)
class Table4Row:
    activity: str
    deteriorated: int
    unchanged: int
    improved: int
    no_score: int
    total: int
    percent_on_improving: int


TABLE_4: tuple[Table4Row, ...] = (
    Table4Row("parenting_work", 81, 92, 785, 46, 1004, 78),
    Table4Row("promoting_emotional_health", 30, 45, 763, 12, 850, 90),
    Table4Row("engagement_and_alignment_work", 56, 85, 650, 32, 823, 79),
    Table4Row("relationship_work", 77, 42, 564, 29, 712, 79),
)

# -- Section 3.1: Tables 1 and 2 --------------------------------------------------------------

# "a monthly average over an extended period between April 2015 and January 2020": 58 months,
# and every cluster's pre and post months add to 58. RES 7's team starting in May 2018 matches
# "the establishment of the RES teams was completed in May 2018".
WINDOW_FROM = date(2015, 4, 1)
WINDOW_TO = date(2020, 1, 31)
CLUSTERS: tuple[str, ...] = ("res-1", "res-2", "res-3", "res-4", "res-5", "res-6", "res-7")


@dataclass(frozen=True)
class BeforeAfterRow:
    cluster_id: str
    months_before: int
    children_before: int
    average_before: Decimal
    months_after: int
    children_after: int
    average_after: Decimal
    difference: Decimal


@dataclass(frozen=True)
class BeforeAfterTotals:
    children_before: int
    average_before: Decimal
    children_after: int
    average_after: Decimal
    difference: Decimal


def _row(
    cluster: str, mb: int, cb: int, ab: str, ma: int, ca: int, aa: str, d: str
) -> BeforeAfterRow:
    return BeforeAfterRow(cluster, mb, cb, Decimal(ab), ma, ca, Decimal(aa), Decimal(d))


TABLE_1: tuple[BeforeAfterRow, ...] = (
    _row("res-1", 21, 70, "3.33", 37, 118, "3.19", "-0.14"),
    _row("res-2", 35, 170, "4.86", 23, 137, "5.96", "1.1"),
    _row("res-3", 30, 194, "6.47", 28, 145, "5.18", "-1.29"),
    _row("res-4", 34, 225, "6.62", 24, 207, "8.63", "2.01"),
    _row("res-5", 34, 198, "5.82", 24, 150, "6.25", "0.43"),
    _row("res-6", 30, 97, "3.23", 28, 64, "2.28", "-0.95"),
    _row("res-7", 37, 312, "8.43", 21, 179, "8.52", "0.09"),
)
TABLE_1_TOTALS = BeforeAfterTotals(1266, Decimal("38.76"), 1000, Decimal("40.01"), Decimal("1.25"))

TABLE_2: tuple[BeforeAfterRow, ...] = (
    _row("res-1", 21, 77, "3.67", 37, 113, "3.05", "-0.62"),
    _row("res-2", 35, 91, "2.6", 23, 57, "2.48", "-0.12"),
    _row("res-3", 30, 172, "5.73", 28, 121, "4.32", "-1.41"),
    _row("res-4", 34, 152, "4.47", 24, 100, "4.17", "-0.3"),
    _row("res-5", 34, 87, "2.56", 24, 70, "2.92", "0.36"),
    _row("res-6", 30, 63, "2.1", 28, 43, "1.54", "-0.56"),
    _row("res-7", 37, 177, "4.78", 21, 89, "4.24", "-0.54"),
)
TABLE_2_TOTALS = BeforeAfterTotals(819, Decimal("25.91"), 593, Decimal("22.72"), Decimal("-3.19"))


@dataclass(frozen=True)
class Erratum:
    """A printed cell that the table's own rule does not give, and the value the rule gives."""

    table: str
    cluster_id: str | None
    column: str
    printed: Decimal
    by_the_tables_rule: Decimal
    note: str


# Every other cell of Tables 1-2 is: average = children / months rounded half up to 2 places;
# difference = rounded after - rounded before; totals = sums of the rounded figures. One cell
# breaks it: 64 / 28 = 2.2857 is printed 2.28, and the totals row and +1.25 carry that cell.
TABLE_ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "table_1", "res-6", "average_after", Decimal("2.28"), Decimal("2.29"), "64 / 28 = 2.2857"
    ),
    Erratum("table_1", "res-6", "difference", Decimal("-0.95"), Decimal("-0.94"), "2.29 - 3.23"),
    Erratum("table_1", None, "average_after", Decimal("40.01"), Decimal("40.02"), "sum with 2.29"),
    Erratum("table_1", None, "difference", Decimal("1.25"), Decimal("1.26"), "40.02 - 38.76"),
)

# -- Section 3.2: Table 3 ---------------------------------------------------------------------


@dataclass(frozen=True)
class Table3Row:
    row: str
    before: Decimal
    after: Decimal


TABLE_3: tuple[Table3Row, ...] = (
    Table3Row("contacts", Decimal("96125.02"), Decimal("109899.13")),
    Table3Row("referrals", Decimal("101175.77"), Decimal("96972.35")),
    Table3Row("re_referrals", Decimal("27971.83"), Decimal("29329.96")),
    Table3Row("cp_plans", Decimal("524034.39"), Decimal("539477.74")),
    Table3Row("looked_after", Decimal("4167064.43"), Decimal("3734225.66")),
)
TABLE_3_TOTAL_BEFORE = Decimal("4916371.44")
TABLE_3_TOTAL_AFTER = Decimal("4509904.84")
TABLE_3_SAVING = Decimal("406466.60")

CP_PLAN_ANNUAL_COST = Decimal("13497.00")
CARE_EPISODE_COST = Decimal("160602")

# Appendix 6's last column, row by row in print order (the sum is £13,497.00).
APPENDIX_6_ROW_TOTALS: tuple[Decimal, ...] = tuple(
    Decimal(v)
    for v in (
        "20.00 21.50 21.50 29.00 29.00 29.00 29.00 86.00 29.00 116.00 430.00 29.00 27.50 21.50 "
        "430.00 232.00 495.00 150.00 160.00 232.00 232.00 140.00 176.00 232.00 140.00 140.00 "
        "140.00 232.00 "
        "731.00 986.00 935.00 748.00 595.00 1462.00 860.00 "
        "430.00 232.00 495.00 150.00 160.00 232.00 232.00 140.00 176.00 232.00 140.00 140.00 "
        "140.00 232.00"
    ).split()
)

# -- Inferred inputs of Table 3 ----------------------------------------------------------------
#
# Table 3 prints costs only. Each row is (sum over the seven clusters of children or contacts in
# the period / months in the period) x a unit cost, with the months of Tables 1-2 and no rounding
# before the pennies. The looked-after row proves it: its costs / £160,602 are, to the penny,
# whole numbers of 1/132,090ths (the lowest common multiple of the "before" months) and of
# 1/142,968ths (of the "after" months). But the counts behind the CP and looked-after rows are
# not quite those of Tables 1-2 (Table 3 implies 2.69 fewer children a month looked after, not
# 3.19). The counts below are the smallest changes to Tables 1-2 that give Table 3 to the penny:
#   looked after, after:  RES 1 133 not 113 (the only single-cell change; likely a digit slip);
#   looked after, before: RES 3 173 not 172 (RES 6 64 not 63 does equally well);
#   CP plans, before:     RES 2 171 not 170 and RES 6 98 not 97 (RES 3 195 for RES 6 also fits);
#   CP plans, after:      RES 1 106 not 118 and RES 7 185 not 179 (no smaller change fits).
# Contacts, referrals and re-referrals are not printed at all; the counts below spread each
# row's implied monthly volume evenly over the clusters' months (contacts at half an hour and
# referrals at an hour each: see `contracts.reference.costs`), adjusted by a few units so the
# sum gives the printed cost to the penny. Any counts with the same sum of monthly averages do.


@dataclass(frozen=True)
class ClusterCounts:
    before: tuple[int, ...]
    after: tuple[int, ...]


INFERRED_TABLE_3_COUNTS: dict[str, ClusterCounts] = {
    "contacts": ClusterCounts(
        (6947, 11581, 9926, 11252, 11253, 9927, 12243),
        (13999, 8700, 10592, 9079, 9079, 10594, 7945),
    ),
    "referrals": ClusterCounts(
        (1909, 3183, 2727, 3087, 3088, 2728, 3368),
        (3217, 2009, 2439, 2091, 2091, 2440, 1829),
    ),
    "re_referrals": ClusterCounts(
        (524, 876, 752, 854, 854, 753, 945),
        (972, 607, 737, 632, 633, 739, 554),
    ),
    "cp_plans": ClusterCounts(
        (70, 171, 194, 225, 198, 98, 312),
        (106, 137, 145, 207, 150, 64, 185),
    ),
    "looked_after": ClusterCounts(
        (77, 91, 173, 152, 87, 63, 177),
        (133, 57, 121, 100, 70, 43, 89),
    ),
}

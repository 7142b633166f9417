"""Definitions the project chose where the evaluation leaves a choice, each with its source.

Every figure served with one of these carries it in its response (`definitions`) and the
staff dashboard lists them in its notes, so a reader never has to guess how a number was made.
"""

from __future__ import annotations

from dataclasses import dataclass

SEED = "DfE evaluation of Leeds Partners in Practice (2020)"


@dataclass(frozen=True)
class Definition:
    key: str
    text: str
    source: str


GOAL_MOVEMENT_SHARES = Definition(
    "goal_movement_shares",
    "Goal movement is served two ways: `*_percent` are shares of scored goals (a baseline and a "
    "later score), which is how 84/10/6 adds to 100; `*_percent_of_all` are shares of all goals "
    "worked on, unscored ones included, which is what the paper's words 'of all goals' say.",
    f"{SEED}, section 3.3 'Improvement on goal measures' and Table 4 (goals with no score)",
)
LATEST_SCORE = Definition(
    "latest_score",
    "A goal's latest score is the one with the latest practice date; on one day an evaluation "
    "wins over a tracking score, and of two of one kind the later recorded. With a period, the "
    "latest score on or before the period's last day (the within-period reading).",
    f"{SEED}, Appendix 5 steps 11-12; contracts.reference.goals.latest_score",
)
CODE_CATEGORIES = Definition(
    "code_to_reporting_category",
    "Each Children and Families code is placed in one of the seven reporting categories by the "
    "code table (contracts.reference.codes); E2 and F2 are placed by judgement, as the paper "
    "names the categories but not the codes in each.",
    f"{SEED}, section 3.3 'Categories of family goals' and the code table of Appendix 5",
)
HOURS_PER_CONTACT = Definition(
    "hours_per_contact_and_referral",
    "A contact costs 0.5 hours each of the referrer and a social worker, a referral 1.0 hour, "
    "at the unit cost edition's hourly rates (GET /v1/reference/unit-costs).",
    f"{SEED}, Appendix 6 rows 1-2 and Table 3",
)
REVIEW_GRACE = Definition(
    "review_timeliness_grace",
    "A review is on time when it comes within the agreed tracking frequency of the one before "
    "(the first, of the goal being set) plus 2 days' grace, as visits move around weekends.",
    f"{SEED}, Appendix 5 step 9 (agreed tracking frequency, typically weekly)",
)
INTERVENTION_LENGTH = Definition(
    "length_of_intervention",
    "The mean time from a plan opening to its closing, over plans that closed in the period, in "
    "months of 30.4375 days (a year's 365.25 days over 12).",
    f"{SEED}, section 3.3 'the average period of RES intervention was 3.9 months'",
)
GOALS_OVER_THREE_MONTHS = Definition(
    "goals_worked_on_over_three_months",
    "Goals worked on in the period whose span, from being set to ending (or to the period's "
    "last day while still active), is more than three calendar months.",
    f"{SEED}, section 3.3 '651 goals being worked on for over 3 months'",
)
LIVE_PLANS = Definition(
    "live_plans",
    "Plans open on the period's last day (opened on or before it, not closed by it): goals "
    "still in progress at the snapshot.",
    f"{SEED}, section 3.3 footnote 9 '120 that are classed as live formulations'",
)
ALLOCATIONS_SHARE = Definition(
    "new_allocations_share_of_referrals",
    "New RES allocations (families allocated in the period) as a share of all contacts received "
    "in the same place and period. The paper counts children allocated over the clusters' "
    "referrals; the platform counts families, one allocation each.",
    f"{SEED}, section 3.1 '536 children, representing some 7% of overall referrals'",
)
CHILDREN_PER_MONTH = Definition(
    "children_per_month",
    "Tables 1 and 2 count children: a child counts once in a month however many records name "
    "them that month. A cluster whose RES team started outside the window has no split in it "
    "and is left out of the totals.",
    f"{SEED}, section 3.1 Tables 1-2 ('No of children') and the double counting it warns of",
)

ALL: tuple[Definition, ...] = (
    GOAL_MOVEMENT_SHARES,
    LATEST_SCORE,
    CODE_CATEGORIES,
    HOURS_PER_CONTACT,
    REVIEW_GRACE,
    INTERVENTION_LENGTH,
    GOALS_OVER_THREE_MONTHS,
    LIVE_PLANS,
    ALLOCATIONS_SHARE,
    CHILDREN_PER_MONTH,
)

"""The Children and Families Codes (DfE evaluation of Leeds, Appendix 5), by edition.

Each sub-goal carries exactly one code. A code maps to an outcome and a priority of the
Children and Young People's Plan (children: S, E, H, F, C) or of the Best Council Plan (adults: A),
and to one of the seven reporting categories of the evaluation's section 3.3. Priorities that the
table prints without a number (S3, F3, A1-A5) keep `priority_number=None`.

Editions are append-only: a later edition is added beside the first, so goals coded under an
earlier edition keep their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Plan(StrEnum):
    CHILDREN_AND_YOUNG_PEOPLES_PLAN = "children_and_young_peoples_plan"
    BEST_COUNCIL_PLAN = "best_council_plan"


class ReportingCategory(StrEnum):
    """The seven broad goal categories of section 3.3."""

    CHILD_SAFEGUARDING = "child_safeguarding"
    CHILD_HEALTH = "child_health"
    ENGAGEMENT_ALIGNMENT = "engagement_alignment"
    EDUCATION_OUTCOMES = "education_outcomes"
    VOICE_AND_INFLUENCE = "voice_and_influence"
    ADULT_BEHAVIOUR = "adult_behaviour"
    FUN_GROWING_UP = "fun_growing_up"


REPORTING_CATEGORY_LABELS: dict[ReportingCategory, str] = {
    ReportingCategory.CHILD_SAFEGUARDING: "Child safeguarding",
    ReportingCategory.CHILD_HEALTH: "Child health",
    ReportingCategory.ENGAGEMENT_ALIGNMENT: "Engagement / alignment with services",
    ReportingCategory.EDUCATION_OUTCOMES: "Education outcomes",
    ReportingCategory.VOICE_AND_INFLUENCE: "Voice and influence",
    ReportingCategory.ADULT_BEHAVIOUR: "Adult behaviour",
    ReportingCategory.FUN_GROWING_UP: "Fun growing up",
}


@dataclass(frozen=True)
class ChildrenAndFamiliesCode:
    code: str
    outcome: str
    priority: str
    priority_number: int | None
    plan: Plan
    category: ReportingCategory


_SAFE = "All children and young people are safe from harm"
_LEARN = (
    "All children and young people do well at all levels of learning and have the skills for life"
)
_HEALTHY = "All children and young people enjoy healthy lifestyles"
_FUN = "All children and young people have fun growing up"
_VOICE = "All children and young people are active citizens who feel they have voice and influence"
_LONGER = "People will live longer and have healthier lives"
_ACTIVE = "People will live full, active and independent lives"
_COMMUNITIES = "People will live in healthy, safe and sustainable communities"

_CYPP = Plan.CHILDREN_AND_YOUNG_PEOPLES_PLAN
_BCP = Plan.BEST_COUNCIL_PLAN
_C = ReportingCategory

# Edition printed in the evaluation (Appendix 5). E2 ("participating and engaging") is where
# practice codes engagement and alignment goals, so it reports under that category.
_EDITION_2019: tuple[ChildrenAndFamiliesCode, ...] = (
    ChildrenAndFamiliesCode(
        "S1",
        _SAFE,
        "Help children to live in safe and supportive families",
        1,
        _CYPP,
        _C.CHILD_SAFEGUARDING,
    ),
    ChildrenAndFamiliesCode(
        "S2",
        _SAFE,
        "Ensure the most vulnerable are protected and safe from abuse, neglect or exploitation",
        2,
        _CYPP,
        _C.CHILD_SAFEGUARDING,
    ),
    ChildrenAndFamiliesCode(
        "S3",
        _SAFE,
        "Ensure children are safe from bullying or discrimination",
        None,
        _CYPP,
        _C.CHILD_SAFEGUARDING,
    ),
    ChildrenAndFamiliesCode(
        "E1",
        _LEARN,
        "Improve achievement and close achievement gaps. Attain and reach their academic potential.",
        3,
        _CYPP,
        _C.EDUCATION_OUTCOMES,
    ),
    ChildrenAndFamiliesCode(
        "E2",
        _LEARN,
        "Increase numbers participating and engaging",
        4,
        _CYPP,
        _C.ENGAGEMENT_ALIGNMENT,
    ),
    ChildrenAndFamiliesCode(
        "E3",
        _LEARN,
        "Improve outcomes for children and young people with special educational needs and disability (SEND)",
        5,
        _CYPP,
        _C.EDUCATION_OUTCOMES,
    ),
    ChildrenAndFamiliesCode(
        "E4",
        _LEARN,
        "Support children to have the best start in life and be ready for learning",
        6,
        _CYPP,
        _C.EDUCATION_OUTCOMES,
    ),
    ChildrenAndFamiliesCode(
        "E5",
        _LEARN,
        "Support schools and settings to improve attendance and develop positive behaviour. Attend their school or education setting regularly",
        7,
        _CYPP,
        _C.EDUCATION_OUTCOMES,
    ),
    ChildrenAndFamiliesCode(
        "H1", _HEALTHY, "Encourage physical activity and healthy eating", 8, _CYPP, _C.CHILD_HEALTH
    ),
    ChildrenAndFamiliesCode("H2", _HEALTHY, "Promote sexual health", 9, _CYPP, _C.CHILD_HEALTH),
    ChildrenAndFamiliesCode(
        "H3",
        _HEALTHY,
        "Minimise the misuse of drugs, alcohol and tobacco",
        10,
        _CYPP,
        _C.CHILD_HEALTH,
    ),
    ChildrenAndFamiliesCode(
        "F1",
        _FUN,
        "Provide play, leisure, culture and sporting opportunities",
        11,
        _CYPP,
        _C.FUN_GROWING_UP,
    ),
    ChildrenAndFamiliesCode(
        "F2",
        _FUN,
        "Improve social, emotional and mental health and well-being",
        12,
        _CYPP,
        _C.CHILD_HEALTH,
    ),
    ChildrenAndFamiliesCode(
        "F3",
        _FUN,
        "Achieve socially at school, e.g. through having friends, a good relationship with at least one trusted adult, and participating in extra-curricular activities",
        None,
        _CYPP,
        _C.FUN_GROWING_UP,
    ),
    ChildrenAndFamiliesCode(
        "C1", _VOICE, "Reduce crime and anti-social behaviour", 13, _CYPP, _C.VOICE_AND_INFLUENCE
    ),
    ChildrenAndFamiliesCode(
        "C2",
        _VOICE,
        "Increase participation, voice and influence",
        14,
        _CYPP,
        _C.VOICE_AND_INFLUENCE,
    ),
    ChildrenAndFamiliesCode(
        "A1",
        _LONGER,
        "Promote adult mental health and physical health equally",
        None,
        _BCP,
        _C.ADULT_BEHAVIOUR,
    ),
    ChildrenAndFamiliesCode(
        "A2", _LONGER, "Minimise substance misuse", None, _BCP, _C.ADULT_BEHAVIOUR
    ),
    ChildrenAndFamiliesCode(
        "A3",
        _ACTIVE,
        "Unemployment – support the adult into / back into employment, education or training",
        None,
        _BCP,
        _C.ADULT_BEHAVIOUR,
    ),
    ChildrenAndFamiliesCode(
        "A4",
        _COMMUNITIES,
        "Reduce adult anti-social behaviour and criminal activity",
        None,
        _BCP,
        _C.ADULT_BEHAVIOUR,
    ),
    ChildrenAndFamiliesCode(
        "A5",
        _COMMUNITIES,
        "Reduce the incidents of domestic violence",
        None,
        _BCP,
        _C.ADULT_BEHAVIOUR,
    ),
)

EDITIONS: dict[str, tuple[ChildrenAndFamiliesCode, ...]] = {"2019": _EDITION_2019}
CURRENT_EDITION = "2019"


class UnknownCode(LookupError):
    pass


def lookup(code: str, edition: str = CURRENT_EDITION) -> ChildrenAndFamiliesCode:
    """The code's row in an edition; raises UnknownCode for a code or edition not in the table."""
    rows = EDITIONS.get(edition)
    if rows is None:
        raise UnknownCode(f"unknown code table edition {edition!r}")
    for row in rows:
        if row.code == code:
            return row
    raise UnknownCode(f"{code!r} is not a Children and Families code in edition {edition}")


def codes(edition: str = CURRENT_EDITION) -> tuple[str, ...]:
    return tuple(row.code for row in EDITIONS[edition])

"""Field types of the referrals API bodies: bounded text, known reference codes, past dates.

Every request body forbids unknown fields, bounds every text and list, and checks codes against
the reference data, so bad input is refused with a problem naming the field before any use case
runs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from contracts.plausibility import date_of_birth_problem
from contracts.reference.referrals import CLUSTERS, RES_TEAMS
from pydantic import AfterValidator, Field
from runtime.fields import PracticeDate, RequestBody, rule_error, today

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]

CLUSTER_IDS = frozenset(c.cluster_id for c in CLUSTERS)
TEAM_IDS = frozenset(t.team_id for t in RES_TEAMS)


def known_cluster(value: str) -> str:
    if value not in CLUSTER_IDS:
        raise ValueError(f"unknown cluster; one of {sorted(CLUSTER_IDS)}")
    return value


def known_team(value: str) -> str:
    if value not in TEAM_IDS:
        raise ValueError(f"unknown RES team; one of {sorted(TEAM_IDS)}")
    return value


def plausible_date_of_birth(value: date) -> date:
    # A rule of today's date, not of the form: the schema cannot say it, the rule's type does.
    problem = date_of_birth_problem(value, today())
    if problem:
        raise rule_error("invalid-person", problem)
    return value


# The schema names the known codes, so a client (and a contract fuzzer) knows them up front.
ClusterId = Annotated[
    str, AfterValidator(known_cluster), Field(json_schema_extra={"enum": sorted(CLUSTER_IDS)})
]
TeamId = Annotated[
    str, AfterValidator(known_team), Field(json_schema_extra={"enum": sorted(TEAM_IDS)})
]
# The platform's: not after today in Leeds (runtime.fields).
PastDate = PracticeDate
DateOfBirth = Annotated[
    date,
    AfterValidator(plausible_date_of_birth),
    Field(description="not in the future nor over 120 years ago: invalid-person otherwise"),
]

# Every request body's base (runtime.fields), under the name the API modules use.
Strict = RequestBody

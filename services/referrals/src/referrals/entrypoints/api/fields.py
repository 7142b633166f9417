"""Field types of the referrals API bodies: bounded text, known reference codes, past dates.

Every request body forbids unknown fields, bounds every text and list, and checks codes against
the reference data, so bad input is refused with a problem naming the field before any use case
runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from contracts.plausibility import date_of_birth_problem
from contracts.reference.referrals import CLUSTERS, RES_TEAMS
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]

CLUSTER_IDS = frozenset(c.cluster_id for c in CLUSTERS)
TEAM_IDS = frozenset(t.team_id for t in RES_TEAMS)
# Clocks disagree a little; a time further ahead than this is a mistake, not skew.
CLOCK_SKEW = timedelta(minutes=5)


def known_cluster(value: str) -> str:
    if value not in CLUSTER_IDS:
        raise ValueError(f"unknown cluster; one of {sorted(CLUSTER_IDS)}")
    return value


def known_team(value: str) -> str:
    if value not in TEAM_IDS:
        raise ValueError(f"unknown RES team; one of {sorted(TEAM_IDS)}")
    return value


def not_in_the_future(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("must not be in the future")
    return value


def plausible_date_of_birth(value: date) -> date:
    problem = date_of_birth_problem(value, datetime.now(UTC).date())
    if problem:
        raise ValueError(problem)
    return value


def not_later_than_now(value: datetime) -> datetime:
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


# The schema names the known codes, so a client (and a contract fuzzer) knows them up front.
ClusterId = Annotated[
    str, AfterValidator(known_cluster), Field(json_schema_extra={"enum": sorted(CLUSTER_IDS)})
]
TeamId = Annotated[
    str, AfterValidator(known_team), Field(json_schema_extra={"enum": sorted(TEAM_IDS)})
]
PastDate = Annotated[date, AfterValidator(not_in_the_future)]
PastDateTime = Annotated[AwareDatetime, AfterValidator(not_later_than_now)]
DateOfBirth = Annotated[date, AfterValidator(plausible_date_of_birth)]


class Strict(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")

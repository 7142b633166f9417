"""Field types shared by the goals request bodies: bounded text, 0-10 scores, practice dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from runtime.identity import Principal
from runtime.policy import RES

from goals.domain.access import Visibility

LEEDS = ZoneInfo("Europe/London")


def today() -> date:
    """Today in Leeds: practice dates are local dates."""
    return datetime.now(LEEDS).date()


def _not_in_future(value: date) -> date:
    if value > today():
        raise ValueError("cannot be in the future")
    return value


ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Code = Annotated[str, Field(min_length=1, max_length=8)]
Score = Annotated[StrictInt, Field(ge=0, le=10)]
Rating = Annotated[StrictInt, Field(ge=1, le=10)]
# A day something happened with the family: written up afterwards, never ahead.
PracticeDate = Annotated[date, AfterValidator(_not_in_future)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def visibility_of(caller: Principal) -> Visibility:
    """RES staff see their own team's families; the other practice roles see all."""
    if caller.role in RES:
        return Visibility.team(caller.team_id)
    return Visibility.all_families()

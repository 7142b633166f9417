"""Field types shared by the goals request bodies: bounded text and 0-10 scores
(practice dates are the platform's: `runtime.fields.PracticeDate`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt
from runtime.families import audience_of
from runtime.fields import WHOLE_NUMBER, RequestBody
from runtime.identity import Principal
from runtime.policy import RES

from goals.domain.access import Visibility

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Code = Annotated[str, Field(min_length=1, max_length=8)]
# Whole numbers (7.0 is 7, as in JSON Schema), never "7" or 7.5.
Score = Annotated[StrictInt, Field(ge=0, le=10), WHOLE_NUMBER]
Rating = Annotated[StrictInt, Field(ge=1, le=10), WHOLE_NUMBER]


def visibility_of(caller: Principal) -> Visibility:
    """RES staff see their own team's families; the other practice roles see all, the Rethink
    team and supervisors those that consented to share with them."""
    if caller.role in RES:
        return Visibility.team(caller.team_id)
    return Visibility.all_families(audience_of(caller))


# Every request body's base (runtime.fields), under the name the API modules use.
Strict = RequestBody

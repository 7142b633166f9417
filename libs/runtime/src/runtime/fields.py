"""Field types every service's requests share, so each accepts exactly what its schema says.

- `IsoDate`, `IsoDateTime`: query parameters take the ISO form their schema's `format` names
  and nothing else (the framework would take `to=0` for 1 January 1970).
- `WHOLE_NUMBER` (as in `Annotated[StrictInt, Field(ge=0, le=10), WHOLE_NUMBER]`): a JSON
  integer, also when written `7.0` (JSON Schema's integers include it), never a string, a
  boolean or `7.5`.
- `PracticeDate`, `PastDateTime`: a day or moment that has happened, not after today in Leeds.
  The schema cannot say "today", so its description does, and a later one is refused as the
  rule `invalid-practice-date` (422), not as a malformed request.

- `RequestBody`: the base of every request body. A field it does not know is an error, not
  dropped, and a true/false field takes only `true` or `false` (the framework would take `0`,
  `1` and `"yes"`), as its schema's `boolean` says.

`rule_error` is how a field validator refuses for a domain rule rather than for the form: the
problem handler answers with the rule's own problem type (`runtime.errors`).
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

LEEDS = ZoneInfo("Europe/London")
RULE_ERROR = "lpm_rule"
# Clocks disagree a little; a moment further ahead than this is a mistake, not skew.
CLOCK_SKEW = timedelta(minutes=5)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
)


def today() -> date:
    """Today in Leeds: practice dates are local dates."""
    return datetime.now(LEEDS).date()


def rule_error(code: str, message: str) -> PydanticCustomError:
    """A field refused for the domain rule `code` (a registered problem type)."""
    return PydanticCustomError(RULE_ERROR, "{message}", {"code": code, "message": message})


def rule_of(error: dict[str, Any]) -> str | None:
    """The problem code of a validation error raised by `rule_error`, else None."""
    if error.get("type") != RULE_ERROR:
        return None
    code = (error.get("ctx") or {}).get("code")
    return code if isinstance(code, str) else None


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _iso_date_time(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE_TIME.fullmatch(value)):
        return value
    raise ValueError("must be a date and time with its offset, e.g. 2026-01-15T10:00:00Z")


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _not_after_today(value: date) -> date:
    if value > today():
        raise rule_error("invalid-practice-date", f"{value} is in the future")
    return value


def _not_after_now(value: datetime) -> datetime:
    if value > datetime.now(LEEDS) + CLOCK_SKEW:
        raise rule_error("invalid-practice-date", f"{value.isoformat()} is in the future")
    return value


def _says(addition: str) -> Any:
    def extra(schema: dict[str, Any]) -> None:
        schema["description"] = (
            f"{schema['description']} ({addition})"
            if schema.get("description")
            else addition[0].upper() + addition[1:]
        )

    return extra


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_date_time)]

# Last in the Annotated, after the bounds: a validator before them hides them from the schema.
WHOLE_NUMBER = BeforeValidator(_whole_number)
PracticeDate = Annotated[
    date,
    AfterValidator(_not_after_today),
    Field(json_schema_extra=_says("not after today in Leeds: invalid-practice-date otherwise")),
]
PastDateTime = Annotated[
    AwareDatetime,
    AfterValidator(_not_after_now),
    Field(json_schema_extra=_says("not in the future: invalid-practice-date otherwise")),
]


def _is_boolean(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return bool(get_args(annotation)) and all(
            a is bool or a is type(None) for a in get_args(annotation)
        )
    return False


class RequestBody(BaseModel):
    """A request body: unknown fields refused, true/false fields strictly JSON booleans."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if info.field_name in _boolean_fields(cls):
            raise PydanticCustomError("bool_type", "Input should be true or false")
        return value


# Runs for every field of every body: which fields are true/false is worked out once per class.
_BOOLEAN_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _boolean_fields(cls: type[BaseModel]) -> frozenset[str]:
    found = _BOOLEAN_FIELDS.get(cls)
    if found is None:
        found = frozenset(n for n, f in cls.model_fields.items() if _is_boolean(f.annotation))
        _BOOLEAN_FIELDS[cls] = found
    return found

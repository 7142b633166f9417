"""The shared field types accept exactly what their schemas say; a date after today is the
rule `invalid-practice-date`, not a malformed request."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

import jsonschema
import pytest
from pydantic import BaseModel, Field, StrictInt, TypeAdapter, ValidationError
from runtime.fields import (
    WHOLE_NUMBER,
    IsoDate,
    IsoDateTime,
    PastDateTime,
    PracticeDate,
    RequestBody,
    rule_of,
    today,
)

Score = Annotated[StrictInt, Field(ge=0, le=10), WHOLE_NUMBER]


def accepts(kind: Any, value: Any) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


def test_a_whole_number_is_what_json_schema_calls_an_integer() -> None:
    schema = TypeAdapter(Score).json_schema()
    assert schema == {"type": "integer", "minimum": 0, "maximum": 10}
    for value in (0, 7, 7.0, 10, 10.0, -0.0, 7.5, "7", True, 11, -1, 10.000001, None):
        by_schema = jsonschema.Draft202012Validator(schema).is_valid(value)
        assert accepts(Score, value) is by_schema, value
    assert TypeAdapter(Score).validate_python(7.0) == 7


@pytest.mark.parametrize("value", ["0", "0.5", "20260115", "2026-1-15", "2026-01-15T00:00:00Z"])
def test_a_date_parameter_takes_only_yyyy_mm_dd(value: str) -> None:
    assert not accepts(IsoDate, value)


def test_a_date_parameter_takes_its_iso_form() -> None:
    assert TypeAdapter(IsoDate).validate_python("2026-01-15") == date(2026, 1, 15)


@pytest.mark.parametrize(
    "value", ["0.5", "0", "2026-01-15", "2026-01-15T10:00:00", "1768471200", "now"]
)
def test_a_date_time_parameter_takes_only_rfc_3339_with_its_offset(value: str) -> None:
    assert not accepts(IsoDateTime, value)


@pytest.mark.parametrize(
    "value", ["2026-01-15T10:00:00Z", "2026-01-15T10:00:00.123+01:00", "2026-01-15t10:00:00z"]
)
def test_a_date_time_parameter_takes_rfc_3339(value: str) -> None:
    assert isinstance(TypeAdapter(IsoDateTime).validate_python(value), datetime)


class Dated(BaseModel):
    on: PracticeDate = Field(description="the day it happened")
    at: PastDateTime | None = None


def test_a_practice_date_after_today_is_refused_as_the_rule_it_breaks() -> None:
    Dated(on=today())
    with pytest.raises(ValidationError) as refused:
        Dated(on=today() + timedelta(days=1))
    [error] = refused.value.errors()
    assert error["loc"] == ("on",)
    assert rule_of(error) == "invalid-practice-date"
    assert "is in the future" in error["msg"]


def test_a_moment_ahead_of_the_clock_by_more_than_skew_is_refused_as_the_rule() -> None:
    Dated(on=today(), at=datetime.now().astimezone() + timedelta(minutes=1))
    with pytest.raises(ValidationError) as refused:
        Dated(on=today(), at=datetime.now().astimezone() + timedelta(hours=1))
    assert [rule_of(e) for e in refused.value.errors()] == ["invalid-practice-date"]


def test_a_form_error_is_no_rule() -> None:
    with pytest.raises(ValidationError) as refused:
        Dated.model_validate({"on": "not a date"})
    assert [rule_of(e) for e in refused.value.errors()] == [None]


def test_the_schema_says_what_the_rule_is() -> None:
    schema = Dated.model_json_schema()["properties"]["on"]
    assert schema["format"] == "date"
    assert "not after today" in schema["description"]
    assert schema["description"].startswith("the day it happened")


class _Flags(RequestBody):
    flag: bool
    maybe: bool | None = None
    count: int = 0


@pytest.mark.parametrize("value", [0, 1, "true", "yes", 1.0])
def test_a_true_false_field_takes_only_a_json_boolean(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _Flags.model_validate({"flag": value})
    assert caught.value.errors()[0]["loc"] == ("flag",)
    with pytest.raises(ValidationError):
        _Flags.model_validate({"flag": True, "maybe": value})


def test_booleans_and_other_fields_are_read_as_before() -> None:
    body = _Flags.model_validate({"flag": False, "maybe": None, "count": 3})
    assert (body.flag, body.maybe, body.count) == (False, None, 3)
    with pytest.raises(ValidationError):
        _Flags.model_validate({"flag": True, "unknown": 1})

"""Dates in words the GOV.UK way, in UK time; a bare date is a day."""

from __future__ import annotations

from staff.entrypoints.web.labels import label, when
from staff.entrypoints.web.templating import Values


def test_a_date_of_birth_is_a_day_not_a_time():
    assert when("2014-06-12") == "12 June 2014"


def test_a_timestamp_is_shown_in_uk_time():
    assert when("2026-07-01T13:05:00+00:00") == "1 July 2026 at 2:05pm"
    assert when("2026-12-03T09:00:00Z") == "3 December 2026 at 9am"


def test_a_field_never_entered_reads_empty_not_none():
    assert Values({"a": "x"}).get("missing") == ""
    assert Values({"a": "x"}).get("a") == "x"


def test_a_missing_code_reads_not_recorded():
    assert label({"given": "Given"}, None) == "Not recorded"
    assert label({"given": "Given"}, "given") == "Given"

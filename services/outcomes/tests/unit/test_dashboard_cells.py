"""The dashboard's cells: a dash means "no figure", never zero."""

from decimal import Decimal

from outcomes.entrypoints.api.dashboard import _value


def test_a_mean_of_zero_days_is_shown_as_zero_and_no_mean_as_a_dash():
    assert _value(Decimal("0")) == Decimal("0")
    assert _value(0) == 0
    assert _value(None) == "–"
    assert _value(Decimal("2.5")) == Decimal("2.5")

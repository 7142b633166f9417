from datetime import date

from referrals.domain.rereferral import (
    ClosedInvolvement,
    find_rereferral,
    is_rereferral,
    rereferral_window_start,
)

CONTACT_ON = date(2019, 5, 1)


def test_a_closure_within_the_last_12_months_makes_a_rereferral():
    assert is_rereferral([date(2018, 11, 30)], CONTACT_ON)


def test_a_closure_exactly_12_months_before_still_counts():
    assert is_rereferral([date(2018, 5, 1)], CONTACT_ON)


def test_a_closure_a_day_more_than_12_months_before_does_not_count():
    assert not is_rereferral([date(2018, 4, 30)], CONTACT_ON)


def test_a_closure_after_the_contact_date_is_not_a_previous_involvement():
    assert not is_rereferral([date(2019, 5, 2)], CONTACT_ON)


def test_no_previous_closures_is_not_a_rereferral():
    assert not is_rereferral([], CONTACT_ON)


def test_the_most_recent_qualifying_closure_is_the_one_reported():
    recent = ClosedInvolvement(closed_on=date(2019, 2, 1))
    earlier = ClosedInvolvement(closed_on=date(2018, 9, 1))
    assert find_rereferral([earlier, recent], CONTACT_ON) == recent


def test_the_window_from_a_leap_day_starts_on_28_february():
    assert rereferral_window_start(date(2020, 2, 29)) == date(2019, 2, 28)
    assert is_rereferral([date(2019, 2, 28)], date(2020, 2, 29))

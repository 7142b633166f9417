"""The one rule for a sub-goal's latest score (`contracts.reference.goals.latest_score`)."""

from __future__ import annotations

from datetime import date

from contracts.reference.goals import ScoreEntry, ScoreKind, latest_score

TRACKING, EVALUATION = ScoreKind.TRACKING, ScoreKind.EVALUATION
DAY = date(2018, 9, 10)


def test_an_evaluation_wins_a_same_day_tie_whichever_was_recorded_first():
    evaluation = ScoreEntry(DAY, 5, EVALUATION, seq=0)
    tracking = ScoreEntry(DAY, 7, TRACKING, seq=1)
    assert latest_score([evaluation, tracking]) == evaluation
    assert latest_score([tracking, evaluation]) == evaluation


def test_a_later_date_wins_over_an_evaluation():
    later = ScoreEntry(date(2018, 9, 17), 8, TRACKING, seq=0)
    assert latest_score([later, ScoreEntry(DAY, 5, EVALUATION, seq=1)]) == later


def test_of_two_same_day_entries_of_one_kind_the_later_recorded_corrects_the_first():
    first, second = ScoreEntry(DAY, 4, TRACKING, seq=1), ScoreEntry(DAY, 6, TRACKING, seq=2)
    assert latest_score([second, first]) == second


def test_as_of_a_day_only_earlier_entries_count():
    early, late = ScoreEntry(DAY, 4, TRACKING, 0), ScoreEntry(date(2019, 1, 7), 9, TRACKING, 1)
    assert latest_score([early, late], as_of=date(2018, 12, 31)) == early
    assert latest_score([late], as_of=date(2018, 12, 31)) is None
    assert latest_score([]) is None

"""The pure builder of the BI stream: pseudonyms, age bands, flags and stable event ids."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from contracts.outcomes import v1
from contracts.outcomes.v1 import AgeBand, ClosureReason, GoalMovement, ResponseKind
from outcomes.domain.outcome_stream import (
    MovementCounts,
    OutcomeStream,
    age_band_on,
    stream_event_id,
)
from outcomes.domain.records import PlanRecord, ServiceResponseRecord, SubGoalRecord
from runtime.pseudonym import Pseudonymiser

SECRET = "unit-test-pseudonym-secret-0123456789"
FAMILY = "7d3c1a52-0000-4000-8000-000000000001"


@pytest.fixture
def stream() -> OutcomeStream:
    return OutcomeStream(Pseudonymiser(SECRET))


def goal(**changes: object) -> SubGoalRecord:
    fields: dict[str, object] = {
        "sub_goal_id": "5b1e0000-0000-4000-8000-000000000002",
        "plan_id": "9a2f0000-0000-4000-8000-000000000003",
        "code": "S1",
        "edition": "2019",
        "set_at": date(2019, 3, 9),
        "baseline": 3,
        "latest_score": 7,
    }
    fields.update(changes)
    return SubGoalRecord(**fields)  # type: ignore[arg-type]


def movement(stream: OutcomeStream, **changes: object) -> v1.SubGoalMovementRecorded:
    return stream.sub_goal_movement(
        goal(**changes),
        family_id=FAMILY,
        cluster_id="jess",
        recorded_on=date(2019, 3, 30),
        scores_recorded=3,
        about_adults_only=False,
    )


def test_a_score_becomes_a_movement_event_with_pseudonyms_only(stream: OutcomeStream) -> None:
    event = movement(stream)
    assert (event.movement, event.score_change, event.set_month) == (
        GoalMovement.IMPROVED,
        4,
        "2019-03",
    )
    assert event.reporting_category == "child_safeguarding"
    for ref in (event.subgoal_ref, event.plan_ref, event.family_ref):
        assert re.fullmatch(v1.PSEUDONYM_PATTERN, ref)
    text = event.model_dump_json()
    for identifier in (FAMILY, goal().sub_goal_id, goal().plan_id):
        assert identifier not in text


def test_pseudonyms_are_stable_per_kind_and_differ_between_kinds(stream: OutcomeStream) -> None:
    assert stream.ref("family", FAMILY) == stream.ref("family", FAMILY)
    assert stream.ref("family", FAMILY) != stream.ref("plan", FAMILY)
    other = OutcomeStream(Pseudonymiser(SECRET + "-other-environment"))
    assert other.ref("family", FAMILY) != stream.ref("family", FAMILY)


def test_a_goal_without_both_scores_has_no_score_and_no_change(stream: OutcomeStream) -> None:
    event = movement(stream, latest_score=None)
    assert (event.movement, event.score_change) == (GoalMovement.NO_SCORE, None)


def test_adult_codes_and_goals_about_adults_report_as_18_plus(stream: OutcomeStream) -> None:
    assert movement(stream, code="A5").age_band is AgeBand.ADULT
    assert movement(stream).age_band is AgeBand.UNKNOWN
    about_adult = stream.sub_goal_movement(
        goal(),
        family_id=FAMILY,
        cluster_id=None,
        recorded_on=date(2019, 3, 30),
        scores_recorded=0,
        about_adults_only=True,
    )
    assert about_adult.age_band is AgeBand.ADULT
    assert about_adult.cluster_id == "unknown"


def test_a_closed_plan_carries_its_reason_length_and_goal_counts(stream: OutcomeStream) -> None:
    plan = PlanRecord(
        "p-1",
        FAMILY,
        "jess",
        "res-jess",
        date(2019, 3, 9),
        date(2019, 3, 30),
        ClosureReason.ALL_GOALS_ACHIEVED,
    )
    event = stream.plan_closed(plan, MovementCounts(2, 1, 0, 1))
    assert (event.days_open, event.goals_total, event.all_goals_achieved) == (21, 4, True)
    assert event.opened_month == "2019-03"
    with pytest.raises(ValueError, match="has not closed"):
        stream.plan_closed(
            PlanRecord("p-2", FAMILY, None, None, date(2019, 3, 9)), MovementCounts(0, 0, 0, 0)
        )


@pytest.mark.parametrize(
    ("occurred", "after"), [(date(2018, 1, 31), False), (date(2018, 2, 1), True)]
)
def test_a_service_response_is_after_res_from_the_teams_first_month(
    stream: OutcomeStream, occurred: date, after: bool
) -> None:
    response = ServiceResponseRecord("r-1", ResponseKind.CP_PLAN, "jess", occurred)
    event = stream.service_response(
        response,
        child_key="mosaic:MOS-1",
        age_band=age_band_on(date(2012, 5, 17), occurred),
        res_started_on=date(2018, 2, 1),
    )
    assert event.after_res_start is after
    assert event.age_band is AgeBand.AGE_5_TO_10
    assert "MOS-1" not in event.model_dump_json()


def test_age_bands_follow_the_runtime_and_fold_adults_into_18_plus() -> None:
    assert age_band_on(date(2016, 1, 1), date(2019, 1, 1)) is AgeBand.UNDER_5
    assert age_band_on(date(2002, 1, 2), date(2019, 1, 1)) is AgeBand.AGE_16_TO_17
    assert age_band_on(date(1980, 1, 1), date(2019, 1, 1)) is AgeBand.ADULT


def test_a_stream_event_id_is_the_same_on_every_replay_of_its_source() -> None:
    source = uuid.uuid4()
    assert stream_event_id(source, "outcomes.plan.closed.v1") == stream_event_id(
        source, "outcomes.plan.closed.v1"
    )
    assert stream_event_id(source, "outcomes.plan.closed.v1") != stream_event_id(
        source, "outcomes.subgoal.movement_recorded.v1"
    )
    assert stream_event_id(source, "x") != stream_event_id(uuid.uuid4(), "x")


def test_response_dates_are_checked_against_today_and_each_other():
    from datetime import date

    from outcomes.domain.outcome_stream import response_date_errors

    today = date(2020, 1, 1)
    assert response_date_errors(date(2019, 5, 1), date(2012, 5, 1), today) == []
    assert response_date_errors(date(2019, 5, 1), date(2019, 5, 1), today) == []  # born that day
    fields = lambda *a: [e.field for e in response_date_errors(*a, today)]  # noqa: E731
    assert fields(date(2020, 1, 2), None) == ["occurred_on"]
    assert fields(date(2019, 5, 1), date(2019, 5, 2)) == ["child_date_of_birth"]
    assert fields(date(2019, 5, 1), date(2020, 6, 1)) == ["child_date_of_birth"]
    assert fields(date(2019, 5, 1), date(1898, 12, 31)) == ["child_date_of_birth"]
    assert fields(date(2019, 5, 1), date(1899, 6, 1)) == []  # 120 years: old, but possible

"""Events through the real consumer into the read models, and the figures the endpoints give.

The consumer's own `apply` (inbox and outbox in one transaction) and `process_batch` (a fetch's
records in one) are driven directly, so the history can arrive shuffled and repeated without a
broker; both databases.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from contracts import topics
from contracts.envelope import Envelope
from contracts.registry import parse_payload
from outcomes.adapters import orm
from outcomes.domain.shares import round_half_up
from runtime.testing import run_service
from sqlalchemy import select

pytestmark = pytest.mark.integration

UNUSED_BROKER = "127.0.0.1:1"
ADMIN_PARTNER = {"agency": "case-system", "scopes": ["service-responses:write"]}


async def apply_all(service, envelopes) -> None:  # type: ignore[no-untyped-def]
    consumer = service.workers.consumer
    for env in envelopes:
        await consumer.apply(env, consumer.handlers[env.type], parse_payload(env))


def records_of(envelopes: list[Envelope]) -> list[ConsumerRecord[bytes, bytes]]:
    """The envelopes as the broker would deliver them, in this order."""
    return [
        ConsumerRecord(
            topic=parse_payload(env).topic,
            partition=0,
            offset=offset,
            timestamp=0,
            timestamp_type=0,
            key=(env.subject or "").encode(),
            value=env.kafka_value(),
            checksum=None,
            serialized_key_size=0,
            serialized_value_size=0,
            headers=env.kafka_headers(),
        )
        for offset, env in enumerate(envelopes)
    ]


# Later events of a record that say something else of it: which one wins depends on the order.
CHANGES = {
    "referrals.contact.opened.v1": {"cluster_id": "seacroft-manston", "referring_agency_id": None},
    "goals.plan.baseline_recorded.v1": {"tracking_frequency_days": 14},
    "goals.plan.opened.v1": {"cluster_id": "seacroft-manston", "team_id": None},
    "referrals.allocation.family_allocated.v1": {"team_id": "res-seacroft-manston"},
}


def disagreeing(
    envelopes: list[Envelope], changes: dict[str, dict[str, Any]] = CHANGES
) -> list[Envelope]:
    out = []
    for env in envelopes:
        if env.type in changes:
            payload = parse_payload(env).model_copy(update=changes[env.type])
            out.append(Envelope.wrap(payload, source=env.source, time=env.time))
    return out


async def read_model_rows(service) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every row of every read model, and the stream events queued, in a comparable form."""
    found: dict[str, list[str]] = {}
    async with service.db.sessions() as s:
        for table in orm.READ_MODELS:
            found[table.name] = sorted(repr(tuple(r)) for r in await s.execute(select(table)))
        o = service.app.state.tables.outbox.c
        stream = select(o.id, o.event_type, o.topic, o.key, o.payload)
        found["outbox"] = sorted(repr(tuple(r)) for r in await s.execute(stream))
    return found


async def get(service, issuer, path: str, **params: Any) -> Any:  # type: ignore[no-untyped-def]
    r = await service.client.get(path, params=params, headers=issuer.headers("bi_analyst"))
    assert r.status_code == 200, r.text
    return r.json()


async def stream_rows(service) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    outbox = service.app.state.tables.outbox
    async with service.db.sessions() as s:
        rows = (
            (await s.execute(select(outbox).where(outbox.c.topic == topics.OUTCOMES_STREAM)))
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


async def test_a_shuffled_and_repeated_history_gives_the_known_figures(databases, issuer, history):
    events = list(history.events)
    shuffled = events + events[::3]  # a third of the events delivered twice...
    random.Random(7).shuffle(shuffled)  # ...and nothing in order
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        await apply_all(outcomes, shuffled)

        movement = await get(outcomes, issuer, "/v1/evaluation/goal-movement")
        assert (
            movement["goals"],
            movement["improved"],
            movement["unchanged"],
            movement["deteriorated"],
            movement["no_score"],
        ) == (12, 8, 2, 2, 0)
        assert movement["improved_percent"] == 67

        closures = await get(outcomes, issuer, "/v1/evaluation/closure-reasons")
        assert closures["completed"] == 4
        by_reason = {k: v["numerator"] for k, v in closures["by_reason"].items()}
        assert by_reason == {
            "all_goals_achieved": 2,
            "family_withdrew": 1,
            "escalated_to_area_social_work": 1,
            "further_formulation": 0,
            "another_service": 0,
        }
        assert closures["by_reason"]["all_goals_achieved"]["percent"] == 50

        categories = await get(outcomes, issuer, "/v1/evaluation/improvement-by-category")
        assert {
            (r["category"], r["goals"], r["improved"], r["improved_percent"])
            for r in categories["rows"]
        } == {("adult_behaviour", 6, 4, 67), ("child_safeguarding", 6, 4, 67)}

        table_4 = await get(outcomes, issuer, "/v1/evaluation/table-4")
        assert {
            (
                r["activity_category"],
                r["deteriorated"],
                r["unchanged"],
                r["improved"],
                r["no_score"],
                r["total"],
                r["percent_on_improving"],
            )
            for r in table_4["rows"]
        } == {("parenting_work", 1, 1, 4, 0, 6, 67), ("relationship_work", 1, 1, 4, 0, 6, 67)}

        # The scorecard's filters narrow the evaluation's figures: Inner East is families 0, 2, 4.
        in_east = {"cluster_id": "inner-east"}
        movement = await get(outcomes, issuer, "/v1/evaluation/goal-movement", **in_east)
        assert (movement["goals"], movement["improved"], movement["unchanged"]) == (6, 4, 1)
        east_s1 = await get(
            outcomes, issuer, "/v1/evaluation/improvement-by-category", **in_east, code="S1"
        )
        assert [
            (r["category"], r["goals"], r["improved"], r["unchanged"], r["deteriorated"])
            for r in east_s1["rows"]
        ] == [("child_safeguarding", 3, 2, 1, 0)]
        closures = await get(outcomes, issuer, "/v1/evaluation/closure-reasons", **in_east)
        assert closures["completed"] == 2
        assert closures["by_reason"]["family_withdrew"]["numerator"] == 1
        table_4 = await get(outcomes, issuer, "/v1/evaluation/table-4", **in_east)
        assert {(r["activity_category"], r["improved"], r["total"]) for r in table_4["rows"]} == {
            ("parenting_work", 2, 3),
            ("relationship_work", 2, 3),
        }
        nobody = await get(outcomes, issuer, "/v1/evaluation/goal-movement", team_id="res-none")
        assert nobody["goals"] == 0

        card = await get(outcomes, issuer, "/v1/scorecard")
        much, well, better = card["how_much"], card["how_well"], card["better_off"]
        assert much == {
            "contacts": 8,
            "referrals_by_source": {"school_via_cluster": 6},
            "decisions_by_type": {"accept_for_res_early_help": 6, "signpost_to_cluster": 2},
            "families_allocated": 6,
            "formulations_completed": 6,
            "plans_opened": 6,
            "sub_goals_set": 12,
            "reviews_recorded": 36,
        }
        assert well["formulations_six_ps_and_walk_back"]["numerator"] == 5
        assert well["sub_goals_with_baseline"]["percent"] == 100
        assert (well["reviews_on_time"]["numerator"], well["reviews_on_time"]["denominator"]) == (
            36,
            36,
        )
        assert well["feedback_would_recommend"]["numerator"] == 3
        assert well["feedback_would_recommend"]["denominator"] == 4
        assert well["mean_service_rating"] == 8
        assert well["days_contact_to_decision"]["mean_days"] == 0.79  # (6 x 1 + 2 x 4/24) / 8
        assert better["closures"]["completed"] == 4
        assert better["escalations_to_area_social_work"] == 1
        assert better["re_referrals_within_12_months"]["numerator"] == 1
        assert better["mean_score_change_by_code"] == {"A5": 1.17, "S1": 2.17}  # 7/6, 13/6

        east = await get(outcomes, issuer, "/v1/scorecard", cluster_id="inner-east")
        assert east["how_much"]["contacts"] == 3
        assert east["better_off"]["goal_movement"]["improved"] == 4
        assert east["better_off"]["goal_movement"]["goals"] == 6
        adults = await get(outcomes, issuer, "/v1/scorecard", code="A5")
        assert (
            adults["better_off"]["goal_movement"]["improved"],
            adults["better_off"]["goal_movement"]["unchanged"],
        ) == (4, 1)
        safe = await get(
            outcomes, issuer, "/v1/scorecard", category="child_safeguarding", team_id="res-jess"
        )
        assert safe["better_off"]["goal_movement"]["goals"] == 3  # families 1, 3, 5
        april = await get(
            outcomes, issuer, "/v1/scorecard", **{"from": "2019-04-01", "to": "2019-04-30"}
        )
        assert april["how_much"]["contacts"] == 0
        assert april["better_off"]["closures"]["completed"] == 2  # families 2 and 3 close in April

        chart = await get(
            outcomes,
            issuer,
            "/v1/run-charts/contacts",
            **{"from": "2019-02-01", "to": "2019-04-30"},
        )
        assert [(p["month"], p["value"]) for p in chart["points"]] == [
            ("2019-02", 0),
            ("2019-03", 8),
            ("2019-04", 0),
        ]
        assert chart["centre_line"] == 0
        # Several charts of the same filters in one answer, each as its own endpoint gives it.
        period = {"from": "2019-02-01", "to": "2019-04-30"}
        several = await get(
            outcomes,
            issuer,
            "/v1/run-charts:batch",
            measure=["plans_closed", "contacts", "plans_closed"],
            **period,
        )
        assert [c["measure"] for c in several["charts"]] == ["plans_closed", "contacts"]
        assert several["charts"][1] == chart
        assert several["charts"][0] == await get(
            outcomes, issuer, "/v1/run-charts/plans_closed", **period
        )
        refused = await outcomes.client.get(
            "/v1/run-charts:batch",
            params={"measure": ["contacts", "happiness"]},
            headers=issuer.headers("bi_analyst"),
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "measure" in refused.text

        # Every goal score and ending went out once on the stream, and every closure.
        stream = await stream_rows(outcomes)
        kinds = sorted(r["event_type"] for r in stream)
        assert kinds.count("outcomes.subgoal.movement_recorded.v1") == 36 + 8
        assert kinds.count("outcomes.plan.closed.v1") == 4
        assert len({r["id"] for r in stream}) == len(stream)


async def test_events_applied_in_batches_leave_the_rows_applied_one_at_a_time_leave(
    databases, issuer, history
):
    events = list(history.events) + disagreeing(history.events)
    shuffled = events + events[::3]  # a third of the events twice, some in the same batch...
    random.Random(11).shuffle(shuffled)  # ...and a record's events out of order within one
    found = []
    for batch_size in (1, 7, len(shuffled)):
        async with run_service(
            "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
        ) as outcomes:
            consumer = outcomes.workers.consumer
            if batch_size == 1:
                await apply_all(outcomes, shuffled)  # one transaction each, as before batches
            else:
                records = records_of(shuffled)
                for start in range(0, len(records), batch_size):
                    await consumer.process_batch(records[start : start + batch_size])
                assert (consumer.stats.applied, consumer.stats.duplicates) == (
                    len(events),
                    len(events[::3]),
                )
            found.append(await read_model_rows(outcomes))
    one_at_a_time, in_sevens, all_at_once = found
    assert len(one_at_a_time["sub_goal_scores"]) == 36 + 8
    assert len(one_at_a_time["outbox"]) == 36 + 8 + 4
    assert in_sevens == one_at_a_time
    assert all_at_once == one_at_a_time


async def test_an_unknown_code_is_dead_letter_material_and_changes_nothing(
    databases, issuer, history
):
    from runtime.consumer import PoisonEvent

    sub_goal_set = next(e for e in history.events if e.type == "goals.plan.sub_goal_set.v1")
    bad = sub_goal_set.model_copy(update={"data": {**sub_goal_set.data, "code": "Z9"}})
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        with pytest.raises(PoisonEvent):
            await apply_all(outcomes, [bad])
        movement = await get(outcomes, issuer, "/v1/evaluation/goal-movement")
        assert movement["goals"] == 0


def _response(source_id: str, occurred_on: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "cp_plan",
        "cluster_id": "inner-east",
        "occurred_on": occurred_on,
        "source_id": source_id,
        "source_person_id": f"MOS-{source_id}",
        **extra,
    }


async def test_service_responses_are_ingested_once_and_make_tables_1_and_3(
    databases, issuer, history
):
    partner = issuer.headers("partner", **ADMIN_PARTNER)
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        await apply_all(outcomes, history.events)
        first = await outcomes.client.post(
            "/v1/service-responses",
            json=_response("cp-1", "2017-05-10", child_date_of_birth="2012-05-17"),
            headers=partner,
        )
        assert first.status_code == 201, first.text
        assert first.json()["source_system"] == "case-system"
        assert first.json()["age_band"] == "0-4"
        again = await outcomes.client.post(
            "/v1/service-responses", json=_response("cp-1", "2017-05-10"), headers=partner
        )
        assert again.status_code == 200
        assert again.json()["response_id"] == first.json()["response_id"]
        batch = await outcomes.client.post(
            "/v1/service-responses:batch",
            json={
                "items": [
                    _response("cp-2", "2016-01-01"),
                    _response("cp-3", "2018-01-01"),
                    _response("cp-4", "2018-06-30"),
                    _response("cp-5", "2018-12-31"),
                    _response("cp-1", "2017-05-10"),
                    {**_response("la-1", "2018-03-03"), "kind": "looked_after"},
                ]
            },
            headers=issuer.headers("admin", scopes=[]) | {},
        )
        assert batch.status_code == 422  # an admin must name the sending system
        batch = await outcomes.client.post(
            "/v1/service-responses:batch",
            json={
                "items": [
                    _response("cp-2", "2016-01-01"),
                    _response("cp-3", "2018-01-01"),
                    _response("cp-4", "2018-06-30"),
                    _response("cp-5", "2018-12-31"),
                    _response("cp-1", "2017-05-10"),
                    {**_response("la-1", "2018-03-03"), "kind": "looked_after"},
                ]
            },
            headers=partner,
        )
        assert batch.status_code == 200, batch.text
        assert (batch.json()["created"], batch.json()["already_recorded"]) == (5, 1)
        foreign = await outcomes.client.post(
            "/v1/service-responses",
            json=_response("x", "2018-01-01", source_system="other"),
            headers=partner,
        )
        assert foreign.status_code == 403

        window = {"from": "2017-01-01", "to": "2018-12-31"}
        table_1 = await get(outcomes, issuer, "/v1/evaluation/table-1", **window)
        east = next(r for r in table_1["rows"] if r["cluster_id"] == "inner-east")
        # Inner East's team started October 2017: 9 months before, 15 after, in the window.
        assert (east["months_before"], east["count_before"], east["average_before"]) == (
            9,
            1,
            "0.11",
        )
        assert (east["months_after"], east["count_after"], east["average_after"]) == (15, 3, "0.20")
        assert east["difference"] == "0.09"
        table_2 = await get(outcomes, issuer, "/v1/evaluation/table-2", **window)
        assert table_2["totals"]["count_after"] == 1
        only_east = await get(
            outcomes, issuer, "/v1/evaluation/table-1", **window, cluster_id="inner-east"
        )
        assert len(table_1["rows"]) > 1
        assert [r["cluster_id"] for r in only_east["rows"]] == ["inner-east"]
        assert only_east["totals"]["count_after"] == east["count_after"]

        wide = {"from": "2017-01-01", "to": "2019-12-31"}
        table_3 = await get(outcomes, issuer, "/v1/evaluation/table-3", **wide)
        assert table_3["edition"] == "leeds-2019-20"
        contacts = next(line for line in table_3["lines"] if line["row"] == "contacts")
        # Contacts, all after RES: 3 in Inner East over 27 months, 5 in JESS over 23, at 41.50.
        expected = round_half_up((Fraction(3, 27) + Fraction(5, 23)) * Fraction("41.5"))
        assert contacts["after"] == str(expected)
        assert contacts["before"] == "0.00"
        cp = next(line for line in table_3["lines"] if line["row"] == "cp_plans")
        assert Decimal(cp["unit_cost"]) == Decimal("13497")
        unknown = await outcomes.client.get(
            "/v1/evaluation/table-3",
            params={"edition": "leeds-1999"},
            headers=issuer.headers("bi_analyst"),
        )
        assert unknown.status_code == 404

        stream = [
            r["payload"]
            for r in await stream_rows(outcomes)
            if r["event_type"] == "outcomes.service_response.recorded.v1"
        ]
        assert len(stream) == 6
        text = json.dumps(stream)
        for secret in ("2012-05-17", "MOS-cp-1", "case-system", "cp-1"):
            assert secret not in text


async def test_unit_costs_show_their_derivations(databases, issuer):
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        body = await get(outcomes, issuer, "/v1/reference/unit-costs")
        edition = body["editions"][0]
        assert Decimal(edition["cp_plan_annual_cost"]) == Decimal("13497")
        assert "sum of" in edition["cp_plan_derivation"]
        assert Decimal(edition["care_episode"]["episode_cost"]) == Decimal("160602")
        assert (
            edition["care_episode"]["derivation"] == "1,065 a week x 52 weeks x 2.9 years = 160,602"
        )
        assert Decimal(edition["contact"]["unit_cost"]) == Decimal("41.5")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            _response("dob-after", "2018-03-01", child_date_of_birth="2018-04-01"),
            "child_date_of_birth",
        ),
        (
            _response("dob-future", "2018-03-01", child_date_of_birth="2999-01-01"),
            "child_date_of_birth",
        ),
        (
            _response("dob-1800", "2018-03-01", child_date_of_birth="1800-01-01"),
            "child_date_of_birth",
        ),
        (_response("in-future", "2999-01-01"), "occurred_on"),
        # A cluster the city does not have would reach the BI stream as a place of its own.
        (_response("atlantis", "2018-03-01", cluster_id="atlantis"), "cluster_id"),
        # A platform child id names a registered child, or the response is about nobody.
        (
            _response("ghost", "2018-03-01", child_id="00000000-0000-4000-8000-000000000000"),
            "child_id",
        ),
    ],
)
async def test_impossible_service_response_dates_are_refused_naming_the_field(
    databases, issuer, body, field
):
    """A date of birth after the response, in the future or beyond any living person's age,
    a response that starts after today, an unknown cluster or platform child: 422 naming the
    field, nothing stored, nothing emitted."""
    partner = issuer.headers("partner", **ADMIN_PARTNER)
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        refused = await outcomes.client.post("/v1/service-responses", json=body, headers=partner)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field]
        batch = await outcomes.client.post(
            "/v1/service-responses:batch",
            json={"items": [_response("fine", "2018-03-01"), body]},
            headers=partner,
        )
        assert batch.status_code == 422, batch.text
        ok = await outcomes.client.post(
            "/v1/service-responses", json=_response("fine", "2018-03-01"), headers=partner
        )
        assert ok.status_code == 201  # the refused batch stored nothing, not even its good item
        assert len(await stream_rows(outcomes)) == 1  # the good item alone reached the stream

"""The national-scale generator at a small scale, on SQLite and PostgreSQL: its figures as worked
out by hand from its description (`benchmarks/national.py`), and every figure the same whether
a query loads only the rows its scope can reach or every record."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference.codes import ReportingCategory
from outcomes.adapters.read_models import Scope, load_records
from outcomes.domain.goal_measures import activity_progress, summarise_closures
from outcomes.domain.intervention import allocations_share_of_contacts, length_of_intervention
from outcomes.domain.months import months_between
from outcomes.domain.run_chart import RUN_CHART_MEASURES, RunChartMeasure, run_chart, run_charts
from outcomes.domain.scorecard import Filter, build_scorecard, closed_plans_in_scope, goals_in_scope
from outcomes.domain.shares import Share
from outcomes.service_layer import measures
from runtime.db import Database
from runtime.testing import migrate

from benchmarks.national import Scale, cluster_history, load

pytestmark = pytest.mark.integration

# Leeds' seven RES clusters and one more, over 2018 and 2019.
SMALL = Scale(councils=1, clusters_per_council=8, first_year=2018, years=2)
SEED = 15
YEAR_2019 = Filter(period_from=date(2019, 1, 1), period_to=date(2019, 12, 31), cluster_id="jess")


@pytest.fixture
async def history(databases):
    url = await databases.new("outcomes")
    await migrate("outcomes", url)
    await load(url, SMALL, SEED)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def _records(db: Database, scope: Scope = Scope()):
    async with db.sessions() as session:
        return await load_records(session, scope)


async def test_a_clusters_year_as_worked_by_hand(history):
    recs = await measures.records(history, measures.filter_scope(YEAR_2019, measures.SCORECARD))
    card = build_scorecard(recs, YEAR_2019)
    much, well, better = card.how_much, card.how_well, card.better_off
    # 14 contacts a month; two of each of the six decisions; contacts 0 and 2 of every 7
    # allocated; contacts 0 and 7 bring a plan with a formulation and two sub-goals.
    assert much.contacts == 168
    assert much.decisions_by_type == {
        "accept_for_res_child_in_need": 24,
        "accept_for_res_early_help": 24,
        "no_further_action": 24,
        "request_rethink_space": 24,
        "signpost_to_cluster": 24,
        "step_up_to_area_social_work": 24,
    }
    # Referrals are contacts 0, 1, 2, 7, 8, 9: the even ones from a school.
    assert much.referrals_by_source == {"duty_and_advice": 36, "school_via_cluster": 36}
    assert much.families_allocated == 48
    assert (much.formulations_completed, much.plans_opened, much.sub_goals_set) == (24, 24, 48)
    assert well.formulations_six_ps_and_walk_back == Share(12, 24)
    assert well.sub_goals_with_baseline == Share(48, 48)
    # Decided 2, 3 or 4 hours after opening, four times each a month: 3 hours is 0.125 days.
    decision = well.days_contact_to_decision
    assert (decision.n, decision.mean_days, decision.median_days) == (
        144,
        Decimal("0.13"),
        Decimal("0.13"),
    )
    allocation = well.days_contact_to_allocation
    assert (allocation.n, allocation.mean_days) == (48, Decimal("1.00"))
    assert better.re_referrals_within_12_months == Share(12, 72)
    # Plans opened August 2018 to July 2019 close in 2019, five months on: 24, half of them
    # with all goals achieved, the rest withdrawn in even months (from January 2018) or
    # escalated in odd ones: August 2018 is month 7.
    assert better.closures.completed == 24
    assert better.closures.by_reason[ClosureReason.ALL_GOALS_ACHIEVED] == 12
    assert better.closures.by_reason[ClosureReason.FAMILY_WITHDREW] == 6
    assert better.escalations_to_area_social_work == 6
    # One feedback at each closing; recommending (and rating the service 5, else 3) for half.
    assert well.feedback_treated_with_respect == Share(24, 24)
    assert well.feedback_would_recommend == Share(12, 24)
    assert well.mean_service_rating == Decimal("4.00")


async def test_a_clusters_whole_history_as_worked_by_hand(history):
    flt = Filter(cluster_id="jess")
    recs = await measures.records(history, measures.filter_scope(flt, measures.SCORECARD))
    card = build_scorecard(recs, flt)
    # 24 months of four sub-goals, nine reviews each; slot 1's fifth review is late.
    assert card.how_much.sub_goals_set == 96
    assert card.how_much.reviews_recorded == 864
    assert card.how_well.reviews_on_time == Share(864 - 24, 864)
    movement = card.better_off.goal_movement
    assert (movement.improved, movement.unchanged, movement.deteriorated, movement.no_score) == (
        48,
        24,
        24,
        0,
    )
    assert card.better_off.mean_score_change_by_code == {
        "A5": Decimal("-1.00"),
        "E2": Decimal("2.00"),
        "H3": Decimal("0.00"),
        "S1": Decimal("3.00"),
    }
    assert card.better_off.mean_score_change_by_category[
        ReportingCategory.CHILD_SAFEGUARDING
    ] == Decimal("3.00")
    recs = await measures.records(history, measures.filter_scope(flt, measures.TABLE_4))
    rows = {
        r.activity_category: (r.improved, r.unchanged, r.deteriorated, r.no_score)
        for r in activity_progress(recs.actions, goals_in_scope(recs, flt))
    }
    assert rows == {
        "parenting_work": (24, 0, 0, 0),
        "promoting_emotional_health": (24, 0, 0, 0),
        "engagement_and_alignment_work": (0, 24, 0, 0),
        "relationship_work": (0, 0, 24, 0),
    }


async def test_tables_1_and_2_as_worked_by_hand(history):
    # Seacroft & Manston's team started in March 2018: January and February are before it.
    window = measures.Window(date(2018, 1, 1), date(2019, 12, 31))
    recs = await measures.records(
        history, measures.window_scope(measures.RESPONSES, window, "seacroft-manston")
    )
    # A response in every even month: a child protection plan in months 0, 4, ... 20, else a
    # child becoming looked after (months 2, 6, ... 22).
    cp = measures.service_response_table(
        recs, ResponseKind.CP_PLAN, window, "seacroft-manston"
    ).row("seacroft-manston")
    assert (cp.months_before, cp.count_before, cp.months_after, cp.count_after) == (2, 1, 22, 5)
    assert (cp.average_before, cp.average_after) == (Decimal("0.50"), Decimal("0.23"))
    la = measures.service_response_table(
        recs, ResponseKind.LOOKED_AFTER, window, "seacroft-manston"
    ).row("seacroft-manston")
    assert (la.count_before, la.count_after) == (0, 6)


FILTERS = [
    Filter(),
    YEAR_2019,
    Filter(period_from=date(2019, 3, 10), period_to=date(2019, 8, 20)),
    Filter(team_id="res-bcm", period_from=date(2018, 6, 1), period_to=date(2019, 5, 31)),
    Filter(cluster_id="c000-07", code="E2", period_to=date(2018, 9, 30)),
]


@pytest.mark.parametrize("flt", FILTERS, ids=["all", "year-cluster", "period", "team", "code"])
async def test_a_scoped_load_gives_the_figures_of_every_record(history, flt):
    everything = await _records(history)
    scoped = await measures.records(history, measures.filter_scope(flt, measures.SCORECARD))
    assert len(scoped.contacts) <= len(everything.contacts)
    assert build_scorecard(scoped, flt) == build_scorecard(everything, flt)
    window = measures.chart_window(date(2018, 11, 1), date(2019, 4, 30))
    chart_scope = measures.filter_scope(flt, measures.SCORECARD, window.start, window.end)
    charted = await measures.records(history, chart_scope)
    for measure in ("contacts", "reviews_on_time_percent", "goals_improved_percent"):
        assert run_chart(charted, measure, window.start, window.end, flt) == run_chart(
            everything, measure, window.start, window.end, flt
        )
    if not flt.narrows_goals:
        plans = await measures.records(history, measures.filter_scope(flt, measures.INTERVENTION))
        assert summarise_closures(closed_plans_in_scope(plans, flt)) == summarise_closures(
            closed_plans_in_scope(everything, flt)
        )
        assert length_of_intervention(plans.plans, flt) == length_of_intervention(
            everything.plans, flt
        )
        assert allocations_share_of_contacts(plans.contacts, flt) == allocations_share_of_contacts(
            everything.contacts, flt
        )
    goals = await measures.records(history, measures.filter_scope(flt, measures.TABLE_4))
    assert activity_progress(goals.actions, goals_in_scope(goals, flt)) == activity_progress(
        everything.actions, goals_in_scope(everything, flt)
    )


@pytest.mark.parametrize("flt", FILTERS, ids=["all", "year-cluster", "period", "team", "code"])
async def test_every_run_chart_is_each_months_scorecard_of_every_record(history, flt):
    """The charts are built month by month over only each month's records, from a scoped
    load: every value is still the month's scorecard over every record."""
    everything = await _records(history)
    window = measures.chart_window(date(2018, 11, 1), date(2019, 4, 30))
    scope = measures.filter_scope(flt, measures.SCORECARD, window.start, window.end)
    charts = run_charts(
        await measures.records(history, scope),
        list(RUN_CHART_MEASURES),
        window.start,
        window.end,
        flt,
    )
    months = list(months_between(window.start, window.end))
    reference = [build_scorecard(everything, flt.for_month(month)) for month in months]
    assert {c.measure for c in charts} == set(RUN_CHART_MEASURES)
    for chart in charts:
        extract = RUN_CHART_MEASURES[RunChartMeasure(chart.measure)]
        expected = [extract(card) for card in reference]
        assert [p.value for p in chart.points] == [
            None if v is None else Decimal(v) for v in expected
        ], chart.measure
    assert any(card.how_much.contacts or card.better_off.goal_movement.total for card in reference)


@pytest.mark.parametrize("cluster", [None, "2gether", "bcm"])
async def test_tables_1_to_3_scoped_give_the_figures_of_every_record(history, cluster):
    everything = await _records(history)
    window = measures.Window(date(2018, 2, 15), date(2019, 10, 31))
    scoped = await measures.records(history, measures.window_scope(measures.COSTS, window, cluster))
    for kind in ResponseKind:
        assert measures.service_response_table(
            scoped, kind, window, cluster
        ) == measures.service_response_table(everything, kind, window, cluster)
    assert measures.cost_table(scoped, window, None, cluster) == measures.cost_table(
        everything, window, None, cluster
    )


def test_the_seed_draws_ids_and_days_never_counts():
    one = cluster_history(SMALL, 1, "jess")
    again = cluster_history(SMALL, 1, "jess")
    other = cluster_history(SMALL, 2, "jess")
    assert one == again
    assert {t.name: len(rows) for t, rows in one.items()} == {
        t.name: len(rows) for t, rows in other.items()
    }
    contacts = {t.name: rows for t, rows in one.items()}["contacts"]
    assert (
        contacts[0]["contact_id"]
        != {t.name: rows for t, rows in other.items()}["contacts"][0]["contact_id"]
    )


async def test_a_child_counts_where_their_first_record_of_the_month_is_scoped_or_not(history):
    """A child recorded first in a cluster outside the place asked, then in it, the same month,
    counts in the first cluster: the scoped load must keep the record outside the place."""
    from outcomes.adapters import orm

    child, when = uuid.uuid4(), date(2019, 6, 3)
    rows = [
        ("c000-07", when, "x-1", child, None),
        ("bcm", when + timedelta(days=5), "x-2", child, None),
        ("c000-07", when, "x-3", None, "P77"),
        ("bcm", when + timedelta(days=9), "x-4", None, "P77"),
    ]
    async with history.sessions() as session, session.begin():
        for cluster, day, source_id, child_id, person in rows:
            await session.execute(
                orm.service_responses.insert().values(
                    response_id=uuid.uuid4(),
                    kind=ResponseKind.CP_PLAN.value,
                    child_id=child_id,
                    source_system="mosaic",
                    source_id=source_id,
                    source_person_id=person,
                    cluster_id=cluster,
                    occurred_on=day,
                    age_band="5-10",
                    recorded_at=datetime(2019, 6, 20, tzinfo=UTC),
                )
            )
    everything = await _records(history)
    window = measures.Window(date(2019, 6, 1), date(2019, 6, 30))
    scoped = await measures.records(history, measures.window_scope(measures.COSTS, window, "bcm"))
    assert len(scoped.responses) < len(everything.responses)
    table = measures.service_response_table(scoped, ResponseKind.CP_PLAN, window, "bcm")
    assert table == measures.service_response_table(everything, ResponseKind.CP_PLAN, window, "bcm")
    # The month's generated record of bcm (June is month 17: no response) and neither child.
    assert table.row("bcm").count_after == 0

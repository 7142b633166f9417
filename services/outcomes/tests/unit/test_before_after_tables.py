"""Tables 1 and 2 rebuilt from one record per child made subject to a CP plan or becoming
looked after, dated in each cluster's months before and after its RES team started."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from contracts.outcomes.v1 import ResponseKind
from contracts.reference import evaluation
from outcomes.domain.before_after import BeforeAfterTable, compare_service_responses
from outcomes.domain.errors import InvalidPeriod
from outcomes.domain.records import ServiceResponseRecord

MakeResponses = Callable[[ResponseKind, dict[str, tuple[int, int]]], list[ServiceResponseRecord]]

TABLES = {
    "table_1": (ResponseKind.CP_PLAN, evaluation.TABLE_1, evaluation.TABLE_1_TOTALS),
    "table_2": (ResponseKind.LOOKED_AFTER, evaluation.TABLE_2, evaluation.TABLE_2_TOTALS),
}


def expected(table: str, cluster_id: str | None, column: str, printed: Decimal) -> Decimal:
    """The printed figure, or where the printed table breaks its own rule, the rule's figure."""
    for e in evaluation.TABLE_ERRATA:
        if (e.table, e.cluster_id, e.column) == (table, cluster_id, column):
            assert e.printed == printed
            return e.by_the_tables_rule
    return printed


def build(table: str, make_responses: MakeResponses, starts: dict[str, date]) -> BeforeAfterTable:
    kind, rows, _ = TABLES[table]
    counts = {r.cluster_id: (r.children_before, r.children_after) for r in rows}
    # The other kind's records in the same stream must not be counted.
    other = ResponseKind.LOOKED_AFTER if kind is ResponseKind.CP_PLAN else ResponseKind.CP_PLAN
    records = make_responses(kind, counts) + make_responses(other, {"res-1": (5, 5)})
    return compare_service_responses(
        records, kind, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
    )


@pytest.mark.parametrize("table", ["table_1", "table_2"])
def test_each_cluster_row_is_reproduced(
    table: str, make_responses: MakeResponses, starts: dict[str, date]
) -> None:
    computed = build(table, make_responses, starts)
    for printed in TABLES[table][1]:
        row = computed.row(printed.cluster_id)
        c = printed.cluster_id
        assert (row.months_before, row.count_before) == (
            printed.months_before,
            printed.children_before,
        )
        assert (row.months_after, row.count_after) == (printed.months_after, printed.children_after)
        assert row.average_before == expected(table, c, "average_before", printed.average_before)
        assert row.average_after == expected(table, c, "average_after", printed.average_after)
        assert row.difference == expected(table, c, "difference", printed.difference)


@pytest.mark.parametrize("table", ["table_1", "table_2"])
def test_the_totals_row_sums_the_rounded_averages(
    table: str, make_responses: MakeResponses, starts: dict[str, date]
) -> None:
    computed = build(table, make_responses, starts)
    totals = TABLES[table][2]
    assert (computed.count_before, computed.count_after) == (
        totals.children_before,
        totals.children_after,
    )
    assert computed.average_before == expected(table, None, "average_before", totals.average_before)
    assert computed.average_after == expected(table, None, "average_after", totals.average_after)
    assert computed.difference == expected(table, None, "difference", totals.difference)


def test_table_2_totals_are_not_the_rounded_pooled_sum(
    make_responses: MakeResponses, starts: dict[str, date]
) -> None:
    # Why the totals row sums rounded averages: the unrounded sum would print 22.71, not 22.72.
    computed = build("table_2", make_responses, starts)
    assert round(float(computed.exact_average_after), 2) == 22.71
    assert computed.average_after == Decimal("22.72") == evaluation.TABLE_2_TOTALS.average_after


def test_the_one_table_1_erratum_is_a_single_cell_off_by_a_penny_of_an_average() -> None:
    cell = next(e for e in evaluation.TABLE_ERRATA if e.cluster_id == "res-6")
    row = next(r for r in evaluation.TABLE_1 if r.cluster_id == "res-6")
    assert Decimal(row.children_after) / row.months_after > cell.printed + Decimal("0.005")
    assert abs(cell.by_the_tables_rule - cell.printed) == Decimal("0.01")


def test_the_last_team_started_in_may_2018(starts: dict[str, date]) -> None:
    assert max(starts.values()) == date(2018, 5, 1)


def test_responses_are_counted_once_by_id(starts: dict[str, date]) -> None:
    one = ServiceResponseRecord("r1", ResponseKind.CP_PLAN, "res-1", date(2019, 3, 4))
    table = compare_service_responses(
        [one, one], ResponseKind.CP_PLAN, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
    )
    assert table.row("res-1").count_after == 1


def test_responses_outside_the_window_or_clusters_are_not_counted(starts: dict[str, date]) -> None:
    records = [
        ServiceResponseRecord("a", ResponseKind.CP_PLAN, "res-1", date(2015, 3, 31)),
        ServiceResponseRecord("b", ResponseKind.CP_PLAN, "res-1", date(2020, 2, 1)),
        ServiceResponseRecord("c", ResponseKind.CP_PLAN, "elsewhere", date(2018, 2, 1)),
        ServiceResponseRecord("d", ResponseKind.CP_PLAN, "res-1", date(2016, 12, 31)),
        ServiceResponseRecord("e", ResponseKind.CP_PLAN, "res-1", date(2017, 1, 1)),
    ]
    table = compare_service_responses(
        records, ResponseKind.CP_PLAN, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
    )
    assert (table.row("res-1").count_before, table.row("res-1").count_after) == (1, 1)
    assert table.count_before + table.count_after == 2


def test_a_child_with_several_records_in_a_month_counts_once_that_month(
    starts: dict[str, date],
) -> None:
    # res-1 started before 2019: every record below falls after its start.
    records = [
        ServiceResponseRecord("a", ResponseKind.CP_PLAN, "res-1", date(2019, 3, 4), "child-1"),
        ServiceResponseRecord("b", ResponseKind.CP_PLAN, "res-1", date(2019, 3, 20), "child-1"),
        ServiceResponseRecord("c", ResponseKind.CP_PLAN, "res-1", date(2019, 3, 20), "child-2"),
        # A new month: the same child is counted again, as the tables count per month.
        ServiceResponseRecord("d", ResponseKind.CP_PLAN, "res-1", date(2019, 4, 2), "child-1"),
    ]
    table = compare_service_responses(
        records, ResponseKind.CP_PLAN, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
    )
    assert table.row("res-1").count_after == 3
    assert table.count_after == 3


def test_a_cluster_whose_start_is_outside_the_window_is_reported_unsplit() -> None:
    records = [
        ServiceResponseRecord("a", ResponseKind.CP_PLAN, "res-1", date(2017, 6, 5), "c1"),
        ServiceResponseRecord("b", ResponseKind.CP_PLAN, "res-1", date(2017, 8, 5), "c2"),
        ServiceResponseRecord("c", ResponseKind.CP_PLAN, "res-2", date(2017, 8, 5), "c3"),
        ServiceResponseRecord("d", ResponseKind.CP_PLAN, "res-2", date(2017, 9, 5), "c4"),
    ]
    starts = {"res-1": date(2021, 1, 1), "res-2": date(2017, 8, 1)}
    table = compare_service_responses(
        records, ResponseKind.CP_PLAN, starts, date(2017, 6, 1), date(2017, 9, 30)
    )
    unsplit = table.row("res-1")
    assert not unsplit.split_in_window
    assert (unsplit.months_before, unsplit.count_before) == (4, 2)
    assert (unsplit.months_after, unsplit.count_after) == (0, 0)
    assert unsplit.difference is None
    split = table.row("res-2")
    assert split.split_in_window
    assert (split.months_before, split.count_before, split.months_after, split.count_after) == (
        2,
        0,
        2,
        2,
    )
    # The totals compare only clusters split within the window.
    assert (table.count_before, table.count_after) == (0, 2)
    assert table.difference == Decimal("1.00")


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidPeriod):
        compare_service_responses([], ResponseKind.CP_PLAN, {}, date(2020, 1, 1), date(2019, 1, 1))

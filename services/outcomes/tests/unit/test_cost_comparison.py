"""Table 3 rebuilt from contact and service response records and the unit costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from contracts.outcomes.v1 import ResponseKind
from contracts.reference import costs, evaluation
from outcomes.domain.before_after import BeforeAfterTable
from outcomes.domain.cost_comparison import (
    CostComparison,
    CostRow,
    compare_costs,
    cost_volumes,
)
from outcomes.domain.errors import MissingCostVolume
from outcomes.domain.records import ContactRecord, ServiceResponseRecord

MakeResponses = Callable[[ResponseKind, dict[str, tuple[int, int]]], list[ServiceResponseRecord]]


def responses(
    make_responses: MakeResponses, row: str, kind: ResponseKind
) -> list[ServiceResponseRecord]:
    counts = evaluation.INFERRED_TABLE_3_COUNTS[row]
    return make_responses(
        kind,
        {c: (counts.before[i], counts.after[i]) for i, c in enumerate(evaluation.CLUSTERS)},
    )


@pytest.fixture(scope="module")
def volumes(
    table_3_contacts: list[ContactRecord], make_responses: MakeResponses, starts: dict[str, date]
) -> dict[CostRow, BeforeAfterTable]:
    records = responses(make_responses, "cp_plans", ResponseKind.CP_PLAN) + responses(
        make_responses, "looked_after", ResponseKind.LOOKED_AFTER
    )
    return cost_volumes(
        table_3_contacts, records, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
    )


@pytest.fixture(scope="module")
def comparison(volumes: dict[CostRow, BeforeAfterTable]) -> CostComparison:
    return compare_costs(volumes, costs.lookup())


def test_each_table_3_row_is_reproduced_to_the_penny(comparison: CostComparison) -> None:
    for printed in evaluation.TABLE_3:
        line = comparison.line(CostRow(printed.row))
        assert (line.before, line.after) == (printed.before, printed.after), printed.row


def test_table_3_totals_and_the_saving_are_reproduced(comparison: CostComparison) -> None:
    assert comparison.total_before == evaluation.TABLE_3_TOTAL_BEFORE
    assert comparison.total_after == evaluation.TABLE_3_TOTAL_AFTER
    assert comparison.saving == evaluation.TABLE_3_SAVING


def test_the_saving_is_mostly_fewer_children_looked_after(comparison: CostComparison) -> None:
    cla = comparison.line(CostRow.LOOKED_AFTER)
    assert cla.before - cla.after > comparison.saving
    cp = comparison.line(CostRow.CP_PLANS)
    assert cp.after > cp.before


def test_the_volumes_are_monthly_averages_of_the_records(
    volumes: dict[CostRow, BeforeAfterTable],
) -> None:
    counts = evaluation.INFERRED_TABLE_3_COUNTS
    for row, table in volumes.items():
        assert table.count_before == sum(counts[row.value].before)
        assert table.count_after == sum(counts[row.value].after)
    # Implied referrals a month, against section 3.1: 536 children were "some 7%" of 2019's.
    referrals_a_year = volumes[CostRow.REFERRALS].exact_average_after * 12
    assert round(536 / referrals_a_year * 100) == 7


def test_table_3_counts_differ_from_tables_1_and_2_only_where_documented() -> None:
    inferred = evaluation.INFERRED_TABLE_3_COUNTS

    def changed(row: str, printed: tuple[evaluation.BeforeAfterRow, ...]) -> int:
        before = [p.children_before for p in printed]
        after = [p.children_after for p in printed]
        return sum(a != b for a, b in zip(inferred[row].before, before, strict=True)) + sum(
            a != b for a, b in zip(inferred[row].after, after, strict=True)
        )

    assert changed("cp_plans", evaluation.TABLE_1) == 4
    assert changed("looked_after", evaluation.TABLE_2) == 2


def test_tables_1_and_2_as_printed_do_not_give_table_3(
    make_responses: MakeResponses, starts: dict[str, date], table_3_contacts: list[ContactRecord]
) -> None:
    printed_counts = {
        kind: {r.cluster_id: (r.children_before, r.children_after) for r in rows}
        for kind, rows in (
            (ResponseKind.CP_PLAN, evaluation.TABLE_1),
            (ResponseKind.LOOKED_AFTER, evaluation.TABLE_2),
        )
    }
    records = [r for kind, c in printed_counts.items() for r in make_responses(kind, c)]
    comparison = compare_costs(
        cost_volumes(
            table_3_contacts, records, starts, evaluation.WINDOW_FROM, evaluation.WINDOW_TO
        ),
        costs.lookup(),
    )
    assert comparison.saving != evaluation.TABLE_3_SAVING


def test_a_missing_volume_is_refused(volumes: dict[CostRow, BeforeAfterTable]) -> None:
    partial = {row: table for row, table in volumes.items() if row is not CostRow.CONTACTS}
    with pytest.raises(MissingCostVolume):
        compare_costs(partial, costs.lookup())

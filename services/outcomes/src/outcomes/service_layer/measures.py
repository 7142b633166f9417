"""Queries of the measures: load the records from the read models and ask the domain.

Every figure is computed from the records on each call, so a dashboard is always what the read
models hold now, and a rebuild needs no cached totals. A call loads only the kinds of record its
figure reads and, by SQL on indexed columns, only the rows its place and period can reach
(`read_models.Scope`): a cluster's year is thousands of rows however many years and councils
the read models hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from contracts.outcomes.v1 import ResponseKind
from contracts.reference import costs
from contracts.reference.referrals import RES_TEAMS
from runtime.db import Database

from outcomes.adapters.read_models import Part, Scope, load_records
from outcomes.domain.before_after import BeforeAfterTable, compare_service_responses
from outcomes.domain.cost_comparison import CostComparison, compare_costs, cost_volumes
from outcomes.domain.errors import OutcomesError
from outcomes.domain.months import month_end, month_index, month_start
from outcomes.domain.records import OutcomeRecords
from outcomes.domain.scorecard import Filter

# The evaluation's comparison starts in April 2015; a window runs to the end of this month.
DEFAULT_WINDOW_FROM = date(2015, 4, 1)


class UnknownCostEdition(OutcomesError):
    code = "unknown-cost-edition"
    status = 404
    title = "No such edition of the unit costs"


# The records each figure reads.
SCORECARD = frozenset({Part.CONTACTS, Part.FORMULATIONS, Part.PLANS, Part.SUB_GOALS, Part.FEEDBACK})
GOALS = frozenset({Part.PLANS, Part.SUB_GOALS})
PLANS = frozenset({Part.PLANS})
INTERVENTION = frozenset({Part.CONTACTS, Part.PLANS, Part.SUB_GOALS})
TABLE_4 = frozenset({Part.PLANS, Part.SUB_GOALS, Part.ACTIONS})
RESPONSES = frozenset({Part.RESPONSES})
COSTS = frozenset({Part.CONTACTS, Part.RESPONSES})


async def records(db: Database, scope: Scope = Scope()) -> OutcomeRecords:
    async with db.sessions() as session:
        return await load_records(session, scope)


def filter_scope(
    flt: Filter,
    parts: frozenset[Part],
    period_from: date | None = None,
    period_to: date | None = None,
) -> Scope:
    """The rows a figure of `flt` can reach (in the period given, else the filter's)."""
    return Scope(
        parts=parts,
        cluster_ids=None if flt.cluster_id is None else frozenset({flt.cluster_id}),
        team_id=flt.team_id,
        period_from=period_from or flt.period_from,
        period_to=period_to or flt.period_to,
    )


def window_scope(
    parts: frozenset[Part], window: Window, cluster_id: str | None, team_id: str | None = None
) -> Scope:
    """The rows of Tables 1-3 in a window: only the RES clusters asked have rows."""
    return Scope(
        parts=parts,
        cluster_ids=frozenset(res_starts(cluster_id, team_id)),
        period_from=window.start,
        period_to=window.end,
    )


def res_starts(cluster_id: str | None = None, team_id: str | None = None) -> dict[str, date]:
    """Each RES cluster (or only `cluster_id`, or only `team_id`'s) and the month its team
    started (Table 1's split). A cluster no RES team serves has no start, so no rows."""
    return {
        cluster: team.started_on
        for team in RES_TEAMS
        for cluster in team.cluster_ids
        if (cluster_id is None or cluster == cluster_id)
        and (team_id is None or team.team_id == team_id)
    }


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @classmethod
    def of(cls, start: date | None, end: date | None) -> Window:
        today = datetime.now(UTC).date()
        return cls(start or DEFAULT_WINDOW_FROM, end or month_end(today))


def service_response_table(
    recs: OutcomeRecords,
    kind: ResponseKind,
    window: Window,
    cluster_id: str | None = None,
    team_id: str | None = None,
) -> BeforeAfterTable:
    starts = res_starts(cluster_id, team_id)
    return compare_service_responses(recs.responses, kind, starts, window.start, window.end)


def cost_table(
    recs: OutcomeRecords,
    window: Window,
    edition: str | None,
    cluster_id: str | None = None,
    team_id: str | None = None,
) -> CostComparison:
    try:
        unit_costs = costs.lookup(edition) if edition else costs.in_force_on(window.end)
    except costs.UnknownCostEdition as exc:
        raise UnknownCostEdition(detail=str(exc)) from None
    starts = res_starts(cluster_id, team_id)
    volumes = cost_volumes(recs.contacts, recs.responses, starts, window.start, window.end)
    return compare_costs(volumes, unit_costs)


CHART_MONTHS = 12


def chart_window(start: date | None, end: date | None) -> Window:
    """A run chart's months: as asked, else the twelve months to the end of this one."""
    last = end or month_end(datetime.now(UTC).date())
    if start is not None:
        return Window(start, last)
    first = month_start(month_index(last) - CHART_MONTHS + 1)
    return Window(first, last)


async def chart_records(db: Database, flt: Filter) -> tuple[Window, OutcomeRecords]:
    """A run chart's months (`chart_window`) and the records any of them can count."""
    window = chart_window(flt.period_from, flt.period_to)
    return window, await records(db, filter_scope(flt, SCORECARD, window.start, window.end))

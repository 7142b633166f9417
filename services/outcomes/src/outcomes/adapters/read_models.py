"""Read-model store: order-tolerant upserts for the consumers, and the records the measures read.

`merge` writes only the values an event carries (None leaves a column as it was), so events of
one record may arrive in any order and any number of times and leave the same row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference.goals import ScoreEntry, ScoreKind, SubGoalEndState, latest_score
from contracts.reference.referrals import RES_TEAMS, team_for_cluster
from runtime.staging import flush_staged, staged
from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outcomes.adapters import orm
from outcomes.domain.records import (
    ActionRecord,
    ContactRecord,
    FeedbackRecord,
    FormulationRecord,
    OutcomeRecords,
    PlanRecord,
    ServiceResponseRecord,
    SubGoalRecord,
    child_ref,
)

TRACKING = "tracking"
EVALUATION = "evaluation"
ENDING = "ending"


async def merge(
    session: AsyncSession, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Insert the row, or set the given non-None values on the row that is there."""
    given = {k: v for k, v in values.items() if v is not None}
    writes = staged(session, ReadModelWrites)
    if writes is not None:
        writes.merge(table, key, given)
        return
    where = and_(*(table.c[k] == v for k, v in key.items()))
    found = await session.scalar(select(func.count()).select_from(table).where(where))
    if found:
        if given:
            await session.execute(table.update().where(where).values(**given))
        return
    await session.execute(table.insert().values(**key, **given))


async def insert_once(
    session: AsyncSession, table: Table, key: Mapping[str, Any], **values: Any
) -> None:
    writes = staged(session, ReadModelWrites)
    if writes is not None:
        writes.insert_once(table, key, values)
        return
    where = and_(*(table.c[k] == v for k, v in key.items()))
    if not await session.scalar(select(func.count()).select_from(table).where(where)):
        await session.execute(table.insert().values(**key, **values))


@dataclass
class _Row:
    """What the events of one batch do to one row: `inserted` if it is not there yet (as the
    first `insert_once` gives it), then `updates` (every `merge`'s values, the later winning)."""

    key: dict[str, Any]
    inserted: dict[str, Any]
    updates: dict[str, Any]


class ReadModelWrites:
    """The `merge`s and `insert_once`s of a consumer's batch, sent a few statements per table.

    Applied one by one, a row's writes leave it as its first `insert_once` made it (when that
    came first and the row was missing) with each `merge`'s values set over it in order; the
    flush gives the same: a row missing is inserted with both, a row there gets the updates.
    """

    def __init__(self) -> None:
        self._rows: dict[Table, dict[tuple[Any, ...], _Row]] = defaultdict(dict)

    def merge(self, table: Table, key: Mapping[str, Any], given: dict[str, Any]) -> None:
        rows = self._rows[table]
        row = rows.get(ident := tuple(key.values()))
        if row is None:
            rows[ident] = _Row(dict(key), {}, dict(given))
        else:
            row.updates.update(given)

    def insert_once(self, table: Table, key: Mapping[str, Any], values: dict[str, Any]) -> None:
        rows = self._rows[table]
        if (ident := tuple(key.values())) not in rows:
            rows[ident] = _Row(dict(key), dict(values), {})

    async def flush(self, session: AsyncSession) -> None:
        tables, self._rows = self._rows, defaultdict(dict)
        for table, rows in tables.items():
            if rows:
                await _write_rows(session, table, list(rows.values()))


async def _write_rows(session: AsyncSession, table: Table, rows: list[_Row]) -> None:
    names = list(rows[0].key)
    key = [table.c[n] for n in names]
    there: set[tuple[Any, ...]] = set()
    for start in range(0, len(rows), 500):
        idents = [tuple(r.key.values()) for r in rows[start : start + 500]]
        match = key[0].in_([i[0] for i in idents]) if len(key) == 1 else tuple_(*key).in_(idents)
        there.update(tuple(found) for found in await session.execute(select(*key).where(match)))
    inserts: dict[tuple[frozenset[str], tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        updated = tuple(sorted(row.updates))
        if tuple(row.key.values()) not in there:
            values = {**row.inserted, **row.updates, **row.key}
            inserts[(frozenset(values), updated)].append(values)
        elif updated:
            named = {f"k_{k}": v for k, v in row.key.items()}
            updates[updated].append({**named, **{f"v_{c}": v for c, v in row.updates.items()}})
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for (_columns, updated), missing in inserts.items():
        # A row another consumer inserted since the read above gets the updates, as it
        # would have had it been there.
        insert = upsert(table)
        insert = (
            insert.on_conflict_do_update(
                index_elements=key, set_={c: insert.excluded[c] for c in updated}
            )
            if updated
            else insert.on_conflict_do_nothing(index_elements=key)
        )
        await session.execute(insert, missing)
    for updated, present in updates.items():
        update = (
            table.update()
            .where(*(c == bindparam(f"k_{c.name}") for c in key))
            .values({c: bindparam(f"v_{c}") for c in updated})
        )
        await session.execute(update, present)


def cluster_of_team(team_id: str | None) -> str | None:
    for team in RES_TEAMS:
        if team.team_id == team_id:
            return team.cluster_ids[0]
    return None


def team_of_cluster(cluster_id: str | None) -> str | None:
    team = team_for_cluster(cluster_id) if cluster_id else None
    return team.team_id if team else None


async def family_cluster(session: AsyncSession, family_id: uuid.UUID) -> str | None:
    """The cluster of the family's latest allocation, if the read model holds one."""
    await flush_staged(session)  # a batch's writes before it are read too
    a = orm.allocations.c
    return await session.scalar(
        select(a.cluster_id).where(a.family_id == family_id).order_by(a.allocated_at.desc())
    )


async def plan_row(session: AsyncSession, plan_id: uuid.UUID) -> RowMapping | None:
    await flush_staged(session)  # a batch's writes before it are read too
    return (
        (await session.execute(select(orm.plans).where(orm.plans.c.plan_id == plan_id)))
        .mappings()
        .first()
    )


async def plan_place(
    session: AsyncSession, plan_id: uuid.UUID, family_id: uuid.UUID
) -> tuple[str | None, str | None]:
    """(cluster, team) of a plan: as the plan says, else as the family's allocation says."""
    plan = await plan_row(session, plan_id)
    cluster = plan["cluster_id"] if plan else None
    team = plan["team_id"] if plan else None
    cluster = cluster or cluster_of_team(team) or await family_cluster(session, family_id)
    return cluster, team or team_of_cluster(cluster)


async def sub_goal(session: AsyncSession, sub_goal_id: uuid.UUID) -> SubGoalRecord | None:
    await flush_staged(session)  # a batch's writes before it are read too
    row = (
        (
            await session.execute(
                select(orm.sub_goals).where(orm.sub_goals.c.sub_goal_id == sub_goal_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    s = orm.scores.c
    score_rows = (
        await session.execute(
            select(s.kind, s.score, s.scored_on, s.recorded_at).where(s.sub_goal_id == sub_goal_id)
        )
    ).all()
    return _sub_goal_record(row, score_rows)


async def sub_goal_people(
    session: AsyncSession, sub_goal_id: uuid.UUID
) -> tuple[list[str] | None, bool | None]:
    """(person_ids, was_active) of a sub-goal; (None, None) when the read model has not got it."""
    await flush_staged(session)  # a batch's writes before it are read too
    g = orm.sub_goals.c
    row = (
        await session.execute(
            select(g.person_ids, g.was_active).where(g.sub_goal_id == sub_goal_id)
        )
    ).first()
    return (None, None) if row is None else (row.person_ids, row.was_active)


async def tracking_scores(session: AsyncSession, sub_goal_id: uuid.UUID) -> int:
    await flush_staged(session)  # a batch's writes before it are read too
    s = orm.scores.c
    return int(
        await session.scalar(
            select(func.count()).where(s.sub_goal_id == sub_goal_id, s.kind == TRACKING)
        )
        or 0
    )


async def persons_are_all_adults(session: AsyncSession, person_ids: list[str] | None) -> bool:
    await flush_staged(session)  # a batch's writes before it are read too
    if not person_ids:
        return False
    p = orm.people.c
    kinds = (
        (
            await session.execute(
                select(p.kind).where(p.person_id.in_([uuid.UUID(i) for i in person_ids]))
            )
        )
        .scalars()
        .all()
    )
    return len(kinds) == len(person_ids) and all(k == "adult" for k in kinds)


def _sub_goal_record(row: RowMapping, score_rows: Any) -> SubGoalRecord:
    ordered = sorted(score_rows, key=lambda r: (r.scored_on, r.recorded_at))
    by_recording = sorted((r for r in score_rows if r.kind != ENDING), key=lambda r: r.recorded_at)
    entries = tuple(
        ScoreEntry(r.scored_on, r.score, ScoreKind(r.kind), seq)
        for seq, r in enumerate(by_recording)
    )
    point = latest_score(entries)
    # The ending event carries the goals service's latest score by the same rule; it stands in
    # only when none of the scores themselves has arrived.
    endings = [r for r in ordered if r.kind == ENDING]
    latest = point.score if point else (endings[-1].score if endings else None)
    reviews = sorted({r.scored_on for r in ordered if r.kind != ENDING})
    set_on: date = (
        row["set_on"] or (ordered[0].scored_on if ordered else row["ended_on"]) or date.min
    )
    return SubGoalRecord(
        sub_goal_id=str(row["sub_goal_id"]),
        plan_id=str(row["plan_id"]),
        code=row["code"],
        edition=row["code_edition"],
        set_at=set_on,
        baseline=row["baseline"],
        latest_score=latest,
        ended_state=SubGoalEndState(row["end_state"]) if row["end_state"] else None,
        ended_on=row["ended_on"],
        tracking_frequency_days=row["tracking_frequency_days"],
        review_dates=tuple(reviews),
        scores=entries,
    )


class Part(StrEnum):
    """The kinds of record a figure reads; a query loads only those it names."""

    CONTACTS = "contacts"
    FORMULATIONS = "formulations"
    PLANS = "plans"
    SUB_GOALS = "sub_goals"
    ACTIONS = "actions"
    FEEDBACK = "feedback"
    RESPONSES = "responses"


EVERY_PART = frozenset(Part)


@dataclass(frozen=True)
class Scope:
    """The rows a figure can reach, as SQL can tell from the stored columns.

    A scope only leaves out rows that no filter of the same place and period could count: it
    loads a superset (a row whose place is not stored yet is kept, for the domain to place by
    its fallbacks), and the domain's own filters then narrow it exactly. So a figure is the same
    as over every record, but a cluster's year reads that cluster's rows, not the country's.
    A sub-goal the period can count is kept with every score it has (a review before the period
    judges one in it); a goal is placed by its plan, so every plan of the place is kept. A
    service response outside the place is kept when its child has one in the place: a child
    counts in the cluster of their first record of a month, which may lie outside the place.
    """

    parts: frozenset[Part] = EVERY_PART
    cluster_ids: frozenset[str] | None = None
    team_id: str | None = None
    period_from: date | None = None
    period_to: date | None = None

    def _place(self, table: Table, *, fallback: bool) -> list[ColumnElement[bool]]:
        """Where a row's stored place can be in the scope; with `fallback`, a row without a
        stored cluster or team stays (the domain places it)."""
        c = table.c
        where: list[ColumnElement[bool]] = []
        if self.cluster_ids is not None:
            inside = c.cluster_id.in_(sorted(self.cluster_ids))
            where.append(or_(inside, c.cluster_id.is_(None)) if fallback else inside)
        if self.team_id is not None:
            # A row without a team is placed by its cluster's team.
            where.append(or_(c.team_id == self.team_id, c.team_id.is_(None)))
        return where

    def _during(self, column: ColumnElement[Any], *, instant: bool) -> ColumnElement[bool]:
        """`column` within the period's days (UTC days for an instant, as the domain counts)."""
        where: list[ColumnElement[bool]] = []
        if self.period_from is not None:
            start = _midnight(self.period_from) if instant else self.period_from
            where.append(column >= start)
        if self.period_to is not None:
            if instant:
                where.append(column < _midnight(self.period_to + timedelta(days=1)))
            else:
                where.append(column <= self.period_to)
        return and_(true(), *where)

    def _in_period(self, *columns: ColumnElement[Any], instant: bool) -> list[ColumnElement[bool]]:
        if self.period_from is None and self.period_to is None:
            return []
        return [or_(*(self._during(col, instant=instant) for col in columns))]

    def _goals_in_period(self) -> list[ColumnElement[bool]]:
        """Sub-goals a figure of the period can count: set in it, running at some time in it
        (set by its end, not ended before its start) or reviewed in it; a goal without its
        set date is kept (the domain dates it by its first score)."""
        if self.period_from is None and self.period_to is None:
            return []
        g, s = orm.sub_goals.c, orm.scores.c
        running: list[ColumnElement[bool]] = []
        if self.period_to is not None:
            running.append(g.set_on <= self.period_to)
        if self.period_from is not None:
            running.append(or_(g.ended_on.is_(None), g.ended_on >= self.period_from))
        reviewed = (
            select(s.sub_goal_id)
            .where(
                s.sub_goal_id == g.sub_goal_id,
                s.kind != ENDING,
                self._during(s.scored_on, instant=False),
            )
            .exists()
        )
        return [
            or_(
                g.set_on.is_(None),
                self._during(g.set_on, instant=False),
                and_(*running),
                reviewed,
            )
        ]

    def _responses(self) -> list[ColumnElement[bool]]:
        """Service responses of the period (from the first day of its first month: a child's
        first record of a month decides where the child counts, even when it falls before
        the period's first day) that are in the place, or about a child with a record in the
        place in the period (such a child's other records may decide where it counts)."""
        table = orm.service_responses
        where = self._responses_period(table)
        if self.cluster_ids is None:
            return where
        alias = table.alias("in_place")
        c, other = table.c, alias.c
        clusters = sorted(self.cluster_ids)
        in_place = [other.cluster_id.in_(clusters), *self._responses_period(alias)]
        children = select(other.child_id).where(*in_place, other.child_id.is_not(None))
        people = select(other.source_system, other.source_person_id).where(
            *in_place, other.child_id.is_(None), other.source_person_id.is_not(None)
        )
        return [
            *where,
            or_(
                c.cluster_id.in_(clusters),
                c.child_id.in_(children),
                and_(
                    c.child_id.is_(None),
                    tuple_(c.source_system, c.source_person_id).in_(people),
                ),
            ),
        ]

    def _responses_period(self, table: Any) -> list[ColumnElement[bool]]:
        c = table.c
        where: list[ColumnElement[bool]] = []
        if self.period_from is not None:
            where.append(c.occurred_on >= self.period_from.replace(day=1))
        if self.period_to is not None:
            where.append(c.occurred_on <= self.period_to)
        return where


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def _rows(
    session: AsyncSession, table: Table, *where: ColumnElement[bool]
) -> list[RowMapping]:
    return list((await session.execute(select(table).where(*where))).mappings().all())


async def load_records(session: AsyncSession, scope: Scope = Scope()) -> OutcomeRecords:
    """What the measures read, from the read models and the recorded service responses: every
    record, or only those `scope` can reach."""
    parts = scope.parts
    want_plans = bool(parts & {Part.PLANS, Part.SUB_GOALS, Part.ACTIONS, Part.FEEDBACK})

    contact_rows = (
        await _rows(
            session,
            orm.contacts,
            *scope._place(orm.contacts, fallback=False),
            *scope._in_period(
                orm.contacts.c.opened_at,
                orm.contacts.c.decided_at,
                orm.contacts.c.allocated_at,
                instant=True,
            ),
        )
        if Part.CONTACTS in parts
        else []
    )
    formulation_rows = (
        await _rows(
            session,
            orm.formulations,
            *scope._place(orm.formulations, fallback=True),
            *scope._in_period(orm.formulations.c.completed_at, instant=True),
        )
        if Part.FORMULATIONS in parts
        else []
    )
    plan_where = scope._place(orm.plans, fallback=True)
    plan_rows = await _rows(session, orm.plans, *plan_where) if want_plans else []

    # The fallbacks of a formulation or plan without a cluster: its contact's cluster, else
    # the cluster of its family's latest allocation.
    contacts_by_id = {r["contact_id"]: r for r in contact_rows}
    missing_contacts = {
        r["contact_id"]
        for r in formulation_rows
        if r["cluster_id"] is None and r["contact_id"] and r["contact_id"] not in contacts_by_id
    }
    if missing_contacts:
        for r in await _rows(
            session, orm.contacts, orm.contacts.c.contact_id.in_(sorted(missing_contacts))
        ):
            contacts_by_id[r["contact_id"]] = r
    unplaced_families = {
        r["family_id"]
        for r in (*formulation_rows, *plan_rows)
        if r["cluster_id"] is None and r["family_id"] is not None
    }
    family_clusters: dict[uuid.UUID, str] = {}
    if unplaced_families:
        allocation_rows = await _rows(
            session, orm.allocations, orm.allocations.c.family_id.in_(sorted(unplaced_families))
        )
        for a in sorted(allocation_rows, key=lambda r: r["allocated_at"]):
            family_clusters[a["family_id"]] = a["cluster_id"]

    contacts = tuple(
        ContactRecord(
            contact_id=str(r["contact_id"]),
            source=r["source"] or "unknown",
            cluster_id=r["cluster_id"],
            team_id=r["team_id"] or team_of_cluster(r["cluster_id"]),
            opened_at=r["opened_at"],
            decided_at=r["decided_at"],
            decision_type=r["decision_type"],
            allocated_at=r["allocated_at"],
            re_referral=bool(r["re_referral"]),
        )
        for r in contact_rows
        if r["opened_at"] is not None
    )

    formulations = []
    for r in formulation_rows:
        if r["started_at"] is None and r["completed_at"] is None:
            continue
        contact = contacts_by_id.get(r["contact_id"]) if r["contact_id"] else None
        cluster = (
            r["cluster_id"]
            or (contact["cluster_id"] if contact else None)
            or (family_clusters.get(r["family_id"]) if r["family_id"] else None)
        )
        formulations.append(
            FormulationRecord(
                formulation_id=str(r["formulation_id"]),
                family_id=str(r["family_id"]) if r["family_id"] else None,
                cluster_id=cluster,
                team_id=r["team_id"] or team_of_cluster(cluster),
                started_at=r["started_at"] or r["completed_at"],
                completed_at=r["completed_at"],
                all_six_ps_considered=bool(r["all_six_ps_considered"]),
                walk_back_passed=bool(r["walk_back_passed"]),
            )
        )

    plans = []
    for r in plan_rows:
        if r["opened_on"] is None:
            continue
        cluster = (
            r["cluster_id"] or cluster_of_team(r["team_id"]) or family_clusters.get(r["family_id"])
        )
        plans.append(
            PlanRecord(
                plan_id=str(r["plan_id"]),
                family_id=str(r["family_id"]),
                cluster_id=cluster,
                team_id=r["team_id"] or team_of_cluster(cluster),
                opened_at=r["opened_on"],
                closed_at=r["closed_on"],
                closure_reason=ClosureReason(r["closure_reason"]) if r["closure_reason"] else None,
            )
        )

    # Records of a plan outside the place are never counted, nor, when a place is asked, those
    # of a plan the read model does not hold yet.
    placed = bool(plan_where)
    scoped_plans = select(orm.plans.c.plan_id).where(*plan_where)
    g = orm.sub_goals.c
    goal_where = [
        g.was_active.is_(True),
        *([g.plan_id.in_(scoped_plans)] if placed else []),
        *scope._goals_in_period(),
    ]
    narrowed = len(goal_where) > 1
    scoped_goals = select(g.sub_goal_id).where(*goal_where)

    sub_goals: tuple[SubGoalRecord, ...] = ()
    if Part.SUB_GOALS in parts or Part.ACTIONS in parts:
        scores_by_goal: dict[uuid.UUID, list[Any]] = defaultdict(list)
        s = orm.scores.c
        for score in (
            await session.execute(
                select(s.sub_goal_id, s.kind, s.score, s.scored_on, s.recorded_at).where(
                    *([s.sub_goal_id.in_(scoped_goals)] if narrowed else [])
                )
            )
        ).all():
            scores_by_goal[score.sub_goal_id].append(score)
        # Only sub-goals that were worked on are goals of the measures: one still queued, or
        # ended while queued, is not.
        sub_goals = tuple(
            _sub_goal_record(r, scores_by_goal.get(r["sub_goal_id"], []))
            for r in await _rows(session, orm.sub_goals, *goal_where)
        )
    actions = (
        tuple(
            ActionRecord(
                action_id=str(r["action_id"]),
                sub_goal_id=str(r["sub_goal_id"]),
                activity_category=r["activity_category"],
                recorded_on=r["agreed_on"],
            )
            for r in await _rows(
                session,
                orm.actions,
                *([orm.actions.c.sub_goal_id.in_(scoped_goals)] if narrowed else []),
            )
        )
        if Part.ACTIONS in parts
        else ()
    )
    f = orm.feedback.c
    feedback = (
        tuple(
            FeedbackRecord(
                feedback_id=str(r["event_id"]),
                plan_id=str(r["plan_id"]),
                received_on=r["received_on"],
                treated_with_respect=r["treated_with_respect"],
                would_recommend=r["would_recommend"],
                service_rating=r["service_rating"],
                communication_rating=r["communication_rating"],
                understanding_rating=r["understanding_rating"],
            )
            for r in await _rows(
                session,
                orm.feedback,
                *([f.plan_id.in_(scoped_plans)] if placed else []),
                *scope._in_period(f.received_on, instant=False),
            )
        )
        if Part.FEEDBACK in parts
        else ()
    )
    responses = (
        tuple(
            ServiceResponseRecord(
                response_id=str(r["response_id"]),
                kind=ResponseKind(r["kind"]),
                cluster_id=r["cluster_id"],
                occurred_on=r["occurred_on"],
                child_ref=child_ref(r["child_id"], r["source_system"], r["source_person_id"]),
            )
            for r in await _rows(session, orm.service_responses, *scope._responses())
        )
        if Part.RESPONSES in parts
        else ()
    )
    return OutcomeRecords(
        contacts=contacts,
        formulations=tuple(formulations),
        plans=tuple(plans),
        sub_goals=sub_goals,
        actions=actions,
        feedback=feedback,
        responses=responses,
    )


async def clear_read_models(session: AsyncSession) -> None:
    for table in orm.READ_MODELS:
        await session.execute(delete(table))

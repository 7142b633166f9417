"""Read-model store: order-tolerant upserts for the consumers, and the records the measures read.

`merge` writes only the values an event carries (None leaves a column as it was), so events of
one record may arrive in any order and any number of times and leave the same row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference.goals import ScoreEntry, ScoreKind, SubGoalEndState, latest_score
from contracts.reference.referrals import RES_TEAMS, team_for_cluster
from sqlalchemy import RowMapping, Table, and_, delete, func, select
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
    where = and_(*(table.c[k] == v for k, v in key.items()))
    if not await session.scalar(select(func.count()).select_from(table).where(where)):
        await session.execute(table.insert().values(**key, **values))


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
    a = orm.allocations.c
    return await session.scalar(
        select(a.cluster_id).where(a.family_id == family_id).order_by(a.allocated_at.desc())
    )


async def plan_row(session: AsyncSession, plan_id: uuid.UUID) -> RowMapping | None:
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


async def tracking_scores(session: AsyncSession, sub_goal_id: uuid.UUID) -> int:
    s = orm.scores.c
    return int(
        await session.scalar(
            select(func.count()).where(s.sub_goal_id == sub_goal_id, s.kind == TRACKING)
        )
        or 0
    )


async def persons_are_all_adults(session: AsyncSession, person_ids: list[str] | None) -> bool:
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


async def load_records(session: AsyncSession) -> OutcomeRecords:
    """Everything the measures read, from the read models and the recorded service responses."""

    async def rows(table: Table) -> list[RowMapping]:
        return list((await session.execute(select(table))).mappings().all())

    contact_rows = await rows(orm.contacts)
    contacts_by_id = {r["contact_id"]: r for r in contact_rows}
    allocation_rows = await rows(orm.allocations)
    family_clusters: dict[uuid.UUID, str] = {}
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
    for r in await rows(orm.formulations):
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
    for r in await rows(orm.plans):
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

    scores_by_goal: dict[uuid.UUID, list[Any]] = defaultdict(list)
    s = orm.scores.c
    for score in (
        await session.execute(select(s.sub_goal_id, s.kind, s.score, s.scored_on, s.recorded_at))
    ).all():
        scores_by_goal[score.sub_goal_id].append(score)
    # Only sub-goals that were worked on are goals of the measures: one still queued, or ended
    # while queued, is not.
    sub_goals = tuple(
        _sub_goal_record(r, scores_by_goal.get(r["sub_goal_id"], []))
        for r in await rows(orm.sub_goals)
        if r["was_active"] is True
    )
    actions = tuple(
        ActionRecord(
            action_id=str(r["action_id"]),
            sub_goal_id=str(r["sub_goal_id"]),
            activity_category=r["activity_category"],
            recorded_on=r["agreed_on"],
        )
        for r in await rows(orm.actions)
    )
    feedback = tuple(
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
        for r in await rows(orm.feedback)
    )
    responses = tuple(
        ServiceResponseRecord(
            response_id=str(r["response_id"]),
            kind=ResponseKind(r["kind"]),
            cluster_id=r["cluster_id"],
            occurred_on=r["occurred_on"],
            child_ref=child_ref(r["child_id"], r["source_system"], r["source_person_id"]),
        )
        for r in await rows(orm.service_responses)
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

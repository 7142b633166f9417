"""Handlers of the goals service's events: plans, coded sub-goals, scores, actions, closure and
feedback; scores, endings and closures also go out on the BI outcome stream."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.goals import v1 as goals
from contracts.outcomes.v1 import ClosureReason, PlanClosed, SubGoalMovementRecorded
from contracts.reference import codes
from runtime.consumer import HandlerContext, PoisonEvent

from outcomes.adapters import orm
from outcomes.adapters.read_models import (
    ENDING,
    EVALUATION,
    TRACKING,
    insert_once,
    merge,
    persons_are_all_adults,
    plan_place,
    plan_row,
    sub_goal,
    sub_goal_people,
    tracking_scores,
)
from outcomes.adapters.vocabulary import closure_reason
from outcomes.domain.outcome_stream import MovementCounts
from outcomes.domain.records import PlanRecord
from outcomes.service_layer.outcome_stream import StreamSource, emit, emitted


def _coded(event: goals.SubGoalEvent) -> dict[str, Any]:
    """The sub-goal's identity and code, checked against the code table: an uncoded goal could
    never be counted, so it is a poison event rather than a silent gap."""
    try:
        codes.lookup(event.code, event.code_edition)
    except codes.UnknownCode as exc:
        raise PoisonEvent(str(exc)) from None
    return {
        "plan_id": event.plan_id,
        "family_id": event.family_id,
        "code": event.code,
        "code_edition": event.code_edition,
    }


async def _sub_goal(ctx: HandlerContext, event: goals.SubGoalEvent, **values: Any) -> None:
    await merge(
        ctx.session, orm.sub_goals, {"sub_goal_id": event.sub_goal_id}, {**_coded(event), **values}
    )


async def _score(
    ctx: HandlerContext, event: goals.SubGoalEvent, kind: str, score: int, scored_on: date
) -> None:
    await insert_once(
        ctx.session,
        orm.scores,
        {"event_id": ctx.envelope.id},
        sub_goal_id=event.sub_goal_id,
        kind=kind,
        score=score,
        scored_on=scored_on,
        recorded_at=ctx.envelope.time,
    )


class GoalsHandlers:
    def __init__(self, stream: StreamSource) -> None:
        self.stream = stream

    async def _emit_movement(
        self, ctx: HandlerContext, event: goals.SubGoalEvent, recorded_on: date
    ) -> None:
        if await emitted(ctx, SubGoalMovementRecorded.event_type):
            return
        goal = await sub_goal(ctx.session, event.sub_goal_id)
        if goal is None:
            return
        person_ids, was_active = await sub_goal_people(ctx.session, event.sub_goal_id)
        if was_active is False:
            return  # ended while queued: never worked on, not a goal of the measures
        cluster, _team = await plan_place(ctx.session, event.plan_id, event.family_id)
        payload = self.stream.get().sub_goal_movement(
            goal,
            family_id=str(event.family_id),
            cluster_id=cluster,
            recorded_on=recorded_on,
            scores_recorded=await tracking_scores(ctx.session, event.sub_goal_id),
            about_adults_only=await persons_are_all_adults(ctx.session, person_ids),
        )
        emit(ctx, payload)

    async def plan_opened(self, ctx: HandlerContext, event: goals.PlanOpened) -> None:
        await merge(
            ctx.session,
            orm.plans,
            {"plan_id": event.plan_id},
            {
                "family_id": event.family_id,
                "formulation_id": event.formulation_id,
                "team_id": event.team_id,
                "cluster_id": event.cluster_id,
                "opened_on": event.opened_on or event.opened_at.date(),
            },
        )

    async def sub_goal_set(self, ctx: HandlerContext, event: goals.SubGoalSet) -> None:
        await _sub_goal(
            ctx,
            event,
            set_on=event.set_on,
            tracking_frequency_days=event.tracking_frequency_days,
            person_ids=[str(p) for p in event.person_ids],
            was_active=True if event.status == "active" else None,
        )

    async def sub_goal_activated(self, ctx: HandlerContext, event: goals.SubGoalActivated) -> None:
        await _sub_goal(ctx, event, was_active=True)

    async def frequency_agreed(
        self, ctx: HandlerContext, event: goals.TrackingFrequencyAgreed
    ) -> None:
        await _sub_goal(ctx, event, tracking_frequency_days=event.tracking_frequency_days)

    async def baseline_recorded(self, ctx: HandlerContext, event: goals.BaselineRecorded) -> None:
        await _sub_goal(
            ctx,
            event,
            baseline=event.baseline,
            tracking_frequency_days=event.tracking_frequency_days,
            was_active=True,
        )

    async def score_recorded(self, ctx: HandlerContext, event: goals.ScoreRecorded) -> None:
        await _sub_goal(ctx, event, baseline=event.baseline, was_active=True)
        await _score(ctx, event, TRACKING, event.score, event.scored_on)
        await self._emit_movement(ctx, event, event.scored_on)

    async def sub_goal_evaluated(self, ctx: HandlerContext, event: goals.SubGoalEvaluated) -> None:
        await _sub_goal(ctx, event, baseline=event.baseline, was_active=True)
        await _score(ctx, event, EVALUATION, event.score, event.evaluated_on)

    async def sub_goal_ended(self, ctx: HandlerContext, event: goals.SubGoalEnded) -> None:
        await _sub_goal(
            ctx,
            event,
            baseline=event.baseline,
            end_state=event.end_state.value,
            ended_on=event.ended_on,
            was_active=event.was_active,
        )
        if event.latest_score is not None:
            await _score(
                ctx, event, ENDING, event.latest_score, event.latest_scored_on or event.ended_on
            )
        await self._emit_movement(ctx, event, event.ended_on)

    async def action_recorded(self, ctx: HandlerContext, event: goals.ActionRecorded) -> None:
        await merge(
            ctx.session,
            orm.actions,
            {"action_id": event.action_id},
            {
                "sub_goal_id": event.sub_goal_id,
                "plan_id": event.plan_id,
                "activity_category": event.activity_category.value,
                "agreed_on": event.agreed_on,
            },
        )

    async def action_progress(
        self, ctx: HandlerContext, event: goals.ActionProgressRecorded
    ) -> None:
        # Progress before its action (out of order) still places the action in Table 4.
        await insert_once(
            ctx.session,
            orm.actions,
            {"action_id": event.action_id},
            sub_goal_id=event.sub_goal_id,
            plan_id=event.plan_id,
            activity_category=event.activity_category.value,
            agreed_on=event.done_on,
        )

    async def plan_closed(self, ctx: HandlerContext, event: goals.PlanClosed) -> None:
        reason = closure_reason(event.closure_reason)
        await merge(
            ctx.session,
            orm.plans,
            {"plan_id": event.plan_id},
            {
                "family_id": event.family_id,
                "formulation_id": event.formulation_id,
                "team_id": event.team_id,
                "cluster_id": event.cluster_id,
                "closed_on": event.closed_on,
                "closure_reason": reason.value,
            },
        )
        if await emitted(ctx, PlanClosed.event_type):
            return
        row = await plan_row(ctx.session, event.plan_id)
        cluster, team = await plan_place(ctx.session, event.plan_id, event.family_id)
        plan = PlanRecord(
            plan_id=str(event.plan_id),
            family_id=str(event.family_id),
            cluster_id=cluster,
            team_id=team,
            opened_at=(row["opened_on"] if row else None) or event.closed_on,
            closed_at=event.closed_on,
            closure_reason=ClosureReason(reason),
        )
        counts = MovementCounts(
            improved=event.sub_goals_improved,
            unchanged=event.sub_goals_unchanged,
            deteriorated=event.sub_goals_deteriorated,
            no_score=event.sub_goals_no_score,
        )
        emit(ctx, self.stream.get().plan_closed(plan, counts))

    async def returned_to_formulation(
        self, ctx: HandlerContext, event: goals.ReturnedToFormulation
    ) -> None:
        await merge(
            ctx.session,
            orm.plans,
            {"plan_id": event.plan_id},
            {"family_id": event.family_id, "returned_to_formulation_on": event.returned_on},
        )

    async def feedback_recorded(self, ctx: HandlerContext, event: goals.FeedbackRecorded) -> None:
        await insert_once(
            ctx.session,
            orm.feedback,
            {"event_id": ctx.envelope.id},
            plan_id=event.plan_id,
            received_on=event.received_on or event.recorded_at.date(),
            treated_with_respect=event.treated_with_respect,
            would_recommend=event.would_recommend,
            service_rating=event.service_rating,
            communication_rating=event.worker_communication_rating,
            understanding_rating=event.understood_process_rating,
        )

    def table(self) -> dict[str, Any]:
        return {
            goals.PlanOpened.event_type: self.plan_opened,
            goals.SubGoalSet.event_type: self.sub_goal_set,
            goals.SubGoalActivated.event_type: self.sub_goal_activated,
            goals.TrackingFrequencyAgreed.event_type: self.frequency_agreed,
            goals.BaselineRecorded.event_type: self.baseline_recorded,
            goals.ScoreRecorded.event_type: self.score_recorded,
            goals.SubGoalEvaluated.event_type: self.sub_goal_evaluated,
            goals.SubGoalEnded.event_type: self.sub_goal_ended,
            goals.ActionRecorded.event_type: self.action_recorded,
            goals.ActionProgressRecorded.event_type: self.action_progress,
            goals.PlanClosed.event_type: self.plan_closed,
            goals.ReturnedToFormulation.event_type: self.returned_to_formulation,
            goals.FeedbackRecorded.event_type: self.feedback_recorded,
        }


def handlers(stream: StreamSource) -> dict[str, Any]:
    return GoalsHandlers(stream).table()

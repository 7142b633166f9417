"""Wires the outcomes service: settings, tables, routers, event handlers and the BI stream."""

from __future__ import annotations

from contracts import topics
from fastapi import FastAPI
from runtime.app import ServiceDefinition
from runtime.app import create_app as build_app

from outcomes.adapters import orm
from outcomes.config import Settings
from outcomes.entrypoints.api import (
    admin,
    evaluation,
    measures,
    reference,
    scorecard,
    service_responses,
)
from outcomes.entrypoints.api.policy import POLICY
from outcomes.entrypoints.consumer import formulation, goals, referrals
from outcomes.service_layer.outcome_stream import StreamSource
from outcomes.service_layer.rebuild import Rebuilder

SUBSCRIPTIONS = [
    topics.REFERRALS_CONTACT,
    topics.REFERRALS_PERSON,
    topics.REFERRALS_ALLOCATION,
    topics.FORMULATION_FORMULATION,
    topics.GOALS_PLAN,
]


def definition(settings: Settings | None = None) -> ServiceDefinition:
    settings = settings or Settings()
    stream = StreamSource(settings.platform.pseudonym_secret)

    async def start(app: FastAPI) -> None:
        if settings.run_workers:
            stream.check()  # no BI stream without its secret: refuse to consume at all
        app.state.outcome_stream = stream
        app.state.rebuilder = Rebuilder(app.state)

    return ServiceDefinition(
        name="outcomes",
        title="Outcomes service",
        description="Outcome coding, OBA scorecards, the evaluation's tables, Best Council Plan dashboards and the pseudonymised BI stream.",
        settings=settings,
        metadata=orm.metadata,
        tables=orm.platform,
        policy=POLICY,
        routers=[
            measures.router,
            scorecard.router,
            evaluation.router,
            service_responses.router,
            reference.router,
            admin.router,
        ],
        handlers={**referrals.HANDLERS, **formulation.HANDLERS, **goals.handlers(stream)},
        subscriptions=SUBSCRIPTIONS,
        on_startup=[start],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(definition(settings))

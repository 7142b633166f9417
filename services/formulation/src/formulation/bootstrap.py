"""Wires the formulation service: settings, tables, routers and event handlers."""

from __future__ import annotations

from contracts import topics
from fastapi import FastAPI
from runtime.app import ServiceDefinition
from runtime.app import create_app as build_app
from runtime.families import handlers as family_handlers
from runtime.families import refused_subjects

from formulation.adapters import orm
from formulation.config import Settings
from formulation.entrypoints.api import formulations, history, meetings
from formulation.entrypoints.api.policy import POLICY
from formulation.entrypoints.consumer import goals, referrals


def definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="formulation",
        title="Formulation service",
        description="Rethink Formulation (the 6 Ps), the 4 Ps of prioritisation, Next Steps and the walk back.",
        settings=settings or Settings(),
        metadata=orm.metadata,
        tables=orm.platform,
        policy=POLICY,
        routers=[formulations.router, meetings.router, history.router],
        handlers={**referrals.HANDLERS, **goals.HANDLERS, **family_handlers(orm.family_facts)},
        refused_subjects=refused_subjects(
            orm.family_facts,
            {
                "formulation_id": (orm.formulations, "formulation_id"),
                "meeting_id": (orm.meetings, "meeting_id"),
            },
        ),
        subscriptions=[topics.REFERRALS_CONTACT, topics.REFERRALS_ALLOCATION, topics.GOALS_PLAN],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(definition(settings))

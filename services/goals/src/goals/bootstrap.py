"""Wires the goals service: settings, tables, routers and event handlers."""

from __future__ import annotations

from contracts import topics
from fastapi import FastAPI
from runtime.app import ServiceDefinition
from runtime.app import create_app as build_app
from runtime.families import handlers as family_handlers
from runtime.families import refused_subjects

from goals.adapters import orm
from goals.config import Settings
from goals.entrypoints.api import history, plans, progress, reference, reviews
from goals.entrypoints.api.policy import POLICY
from goals.entrypoints.consumer import formulation, referrals


def definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="goals",
        title="Goals service",
        description="Family plans: SMART sub-goals coded to the Children and Families codes, 0-10 scores, reviews, closure and feedback.",
        settings=settings or Settings(),
        metadata=orm.metadata,
        tables=orm.platform,
        policy=POLICY,
        routers=[reference.router, plans.router, progress.router, reviews.router, history.router],
        handlers={
            **referrals.HANDLERS,
            **formulation.HANDLERS,
            **family_handlers(orm.family_facts),
        },
        refused_subjects=refused_subjects(orm.family_facts, {"plan_id": (orm.plans, "plan_id")}),
        subscriptions=[
            topics.REFERRALS_CONTACT,
            topics.REFERRALS_ALLOCATION,
            topics.FORMULATION_FORMULATION,
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(definition(settings))

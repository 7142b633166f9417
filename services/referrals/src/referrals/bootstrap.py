"""Wires the referrals service: settings, tables, routers and event handlers."""

from __future__ import annotations

from contracts import topics
from fastapi import FastAPI
from runtime.app import ServiceDefinition
from runtime.app import create_app as build_app

from referrals.adapters import orm
from referrals.config import Settings
from referrals.entrypoints.api import allocations, contacts, history, people, reference
from referrals.entrypoints.api.policy import POLICY
from referrals.entrypoints.consumer import formulation


def definition(settings: Settings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="referrals",
        title="Referrals service",
        description="Conversation-first referral intake, front-door decisions and allocation to RES teams.",
        settings=settings or Settings(),
        metadata=orm.metadata,
        tables=orm.platform,
        policy=POLICY,
        routers=[
            contacts.router,
            people.router,
            allocations.router,
            reference.router,
            history.router,
        ],
        handlers={**formulation.HANDLERS},
        subscriptions=[topics.FORMULATION_FORMULATION],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(definition(settings))

"""Reference data, read-only: where referrals come from, the clusters, the seven RES teams and
the decisions the front door can make. Codes here are the values the API and events carry."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from contracts.reference.referrals import (
    CLUSTERS,
    DECISION_TYPE_LABELS,
    REFERRAL_SOURCE_LABELS,
    RES_ACCEPTANCES,
    RES_TEAMS,
    SOURCES_OUTSIDE_CLUSTER_ARRANGEMENT,
)
from fastapi import APIRouter
from pydantic import BaseModel

from referrals.domain.decisions import DECISION_NEEDS, ConsentNeed

router = APIRouter(prefix="/v1/reference", tags=["reference data"])

T = TypeVar("T")


class SourceResponse(BaseModel):
    code: str
    label: str
    outside_cluster_arrangement: bool


class ClusterResponse(BaseModel):
    cluster_id: str
    name: str
    team_id: str | None


class TeamResponse(BaseModel):
    team_id: str
    name: str
    cluster_ids: list[str]
    started_on: date


class DecisionTypeResponse(BaseModel):
    code: str
    label: str
    allocates_to_res: bool
    needs: list[str]


class ListResponse(BaseModel, Generic[T]):
    items: list[T]


@router.get("/sources", summary="Where a request for help can come from")
async def sources() -> ListResponse[SourceResponse]:
    return ListResponse(
        items=[
            SourceResponse(
                code=s.value,
                label=label,
                outside_cluster_arrangement=s in SOURCES_OUTSIDE_CLUSTER_ARRANGEMENT,
            )
            for s, label in REFERRAL_SOURCE_LABELS.items()
        ]
    )


@router.get("/clusters", summary="Clusters, with the RES team serving each")
async def clusters() -> ListResponse[ClusterResponse]:
    team_of = {c: t.team_id for t in RES_TEAMS for c in t.cluster_ids}
    return ListResponse(
        items=[
            ClusterResponse(cluster_id=c.cluster_id, name=c.name, team_id=team_of.get(c.cluster_id))
            for c in CLUSTERS
        ]
    )


@router.get("/teams", summary="The seven Restorative Early Support teams")
async def teams() -> ListResponse[TeamResponse]:
    return ListResponse(
        items=[
            TeamResponse(
                team_id=t.team_id,
                name=t.name,
                cluster_ids=list(t.cluster_ids),
                started_on=t.started_on,
            )
            for t in RES_TEAMS
        ]
    )


@router.get("/decision-types", summary="Decisions on a contact and what each needs recorded")
async def decision_types() -> ListResponse[DecisionTypeResponse]:
    items = []
    for kind, label in DECISION_TYPE_LABELS.items():
        needs = DECISION_NEEDS[kind]
        listed = ["rationale", "explanation_for_referrer"]
        listed += ["child_ids"] if needs.child else []
        listed += [] if needs.consent is ConsentNeed.NONE else [f"consent:{needs.consent.value}"]
        listed += ["cluster_id"] if needs.cluster else []
        listed += ["family_id"] if needs.family else []
        items.append(
            DecisionTypeResponse(
                code=kind.value,
                label=label,
                allocates_to_res=kind in RES_ACCEPTANCES,
                needs=listed,
            )
        )
    return ListResponse(items=items)

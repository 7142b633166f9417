"""Reference data for the staff front end: the code table, activity categories, closure reasons."""

from __future__ import annotations

from contracts.reference.codes import CURRENT_EDITION, EDITIONS, REPORTING_CATEGORY_LABELS
from contracts.reference.goals import (
    ACTIVITY_CATEGORY_LABELS,
    CLOSURE_REASON_LABELS,
    TABLE_4_CATEGORIES,
)
from fastapi import APIRouter, Query
from pydantic import BaseModel
from runtime.errors import ProblemError

router = APIRouter(prefix="/v1/reference", tags=["reference"])


class CodeResponse(BaseModel):
    code: str
    outcome: str
    priority: str
    priority_number: int | None
    plan: str
    reporting_category: str
    reporting_category_label: str


class CodesResponse(BaseModel):
    edition: str
    current_edition: str
    editions: list[str]
    items: list[CodeResponse]


class LabelledResponse(BaseModel):
    code: str
    label: str


class ActivityCategoryResponse(LabelledResponse):
    table_4: bool


class ActivityCategoriesResponse(BaseModel):
    items: list[ActivityCategoryResponse]


class ClosureReasonsResponse(BaseModel):
    items: list[LabelledResponse]


@router.get("/codes", summary="The Children and Families codes (Appendix 5), by edition")
async def list_codes(
    edition: str = Query(CURRENT_EDITION, max_length=16, description="code table edition"),
) -> CodesResponse:
    rows = EDITIONS.get(edition)
    if rows is None:
        raise ProblemError(
            404, f"no code table edition {edition!r}; editions: {', '.join(EDITIONS)}"
        )
    return CodesResponse(
        edition=edition,
        current_edition=CURRENT_EDITION,
        editions=list(EDITIONS),
        items=[
            CodeResponse(
                code=row.code,
                outcome=row.outcome,
                priority=row.priority,
                priority_number=row.priority_number,
                plan=row.plan.value,
                reporting_category=row.category.value,
                reporting_category_label=REPORTING_CATEGORY_LABELS[row.category],
            )
            for row in rows
        ],
    )


@router.get("/activity-categories", summary="What kind of work an action is")
async def list_activity_categories() -> ActivityCategoriesResponse:
    return ActivityCategoriesResponse(
        items=[
            ActivityCategoryResponse(
                code=category.value, label=label, table_4=category in TABLE_4_CATEGORIES
            )
            for category, label in ACTIVITY_CATEGORY_LABELS.items()
        ]
    )


@router.get("/closure-reasons", summary="Why a plan closed (section 3.3)")
async def list_closure_reasons() -> ClosureReasonsResponse:
    return ClosureReasonsResponse(
        items=[
            LabelledResponse(code=reason.value, label=label)
            for reason, label in CLOSURE_REASON_LABELS.items()
        ]
    )

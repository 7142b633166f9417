"""Where a plan may start: from the current completed formulation of the same family, one open
plan at a time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from goals.domain.errors import (
    FieldError,
    FormulationNotCompleted,
    FormulationSuperseded,
    InvalidPracticeDate,
    PlanAlreadyOpen,
)


@dataclass(frozen=True)
class CompletedFormulation:
    """What the goals service knows of a formulation once it has been completed."""

    formulation_id: uuid.UUID
    family_id: uuid.UUID | None
    # The newest completed version of the same formulation, when this one has been rethought.
    superseded_by: uuid.UUID | None = None
    # The day it was held with the family (None where it was learnt of before this was kept).
    held_on: date | None = None


def ensure_formulation_is_completed_for_family(
    formulation: CompletedFormulation | None, formulation_id: uuid.UUID, family_id: uuid.UUID
) -> None:
    """Step 5: the overall goal comes from a completed formulation of this family."""
    if formulation is None:
        raise FormulationNotCompleted(
            detail=(
                f"formulation {formulation_id} is not completed or not known here yet; "
                "complete the formulation first, or retry shortly if it was just completed"
            ),
            errors=[FieldError("formulation_id", "formulation not completed/known")],
        )
    if formulation.family_id != family_id:
        raise FormulationNotCompleted(
            detail=f"formulation {formulation_id} is not a formulation of family {family_id}",
            errors=[FieldError("formulation_id", "not a formulation of this family")],
        )
    if formulation.superseded_by is not None:
        raise FormulationSuperseded(
            detail=(
                f"formulation {formulation_id} was formulated again; open the plan from "
                f"version {formulation.superseded_by}"
            ),
            errors=[FieldError("formulation_id", "superseded by a newer completed version")],
            extra={"current_formulation_id": str(formulation.superseded_by)},
        )


def ensure_plan_opens_after_formulation(opened_on: date, formulation: CompletedFormulation) -> None:
    """The plan is agreed from the formulation, so not before the day it was held."""
    if formulation.held_on is not None and opened_on < formulation.held_on:
        raise InvalidPracticeDate(
            detail=f"{opened_on} is before the formulation was held ({formulation.held_on})",
            errors=[
                FieldError(
                    "opened_on",
                    f"{opened_on} is before the formulation was held ({formulation.held_on})",
                )
            ],
        )


def ensure_no_open_plan(family_id: uuid.UUID, open_plan_ids: Sequence[uuid.UUID]) -> None:
    """One family, one lead worker, one plan (practice principle)."""
    if open_plan_ids:
        raise PlanAlreadyOpen(
            detail=f"family {family_id} already has open plan {open_plan_ids[0]}",
            errors=[FieldError("family_id", "already has an open plan")],
            extra={"plan_id": str(open_plan_ids[0])},
        )

"""Ending a plan: the closing review and sustainability plan (steps 15-16) or step 14's return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts.reference.goals import ClosureReason, ReturnToFormulationReason

from goals.domain.errors import FieldError, IncompleteSustainabilityPlan, InvalidClosure


@dataclass(frozen=True)
class Support:
    """Someone or something that can help the family, what they keep doing, how to reach them."""

    who: str
    keeps_doing: str
    contact: str


@dataclass(frozen=True)
class SustainabilityPlan:
    """The five questions of Appendix 5 step 15, agreed with the family at the closing review."""

    worked_on: str  # a) what has been worked on
    achieved: str  # b) what has been achieved
    how_family_continues: str  # c) how the family will keep working on the overall goal
    supports: tuple[Support, ...]  # d) what their supports keep doing, with contact details
    look_out_for: str  # e) what the family need to look out for

    def __post_init__(self) -> None:
        ensure_sustainability_plan_is_complete(self)


def ensure_sustainability_plan_is_complete(plan: SustainabilityPlan) -> None:
    """All five parts answered; every support says who, what they keep doing and a contact."""
    errors: list[FieldError] = []
    for name, text in (
        ("worked_on", plan.worked_on),
        ("achieved", plan.achieved),
        ("how_family_continues", plan.how_family_continues),
        ("look_out_for", plan.look_out_for),
    ):
        if not text.strip():
            errors.append(FieldError(name, "required"))
    if not plan.supports:
        errors.append(FieldError("supports", "name at least one support and how to contact them"))
    for i, support in enumerate(plan.supports):
        for name, text in (
            ("who", support.who),
            ("keeps_doing", support.keeps_doing),
            ("contact", support.contact),
        ):
            if not text.strip():
                errors.append(FieldError(f"supports[{i}].{name}", "required"))
    if errors:
        raise IncompleteSustainabilityPlan(
            detail="the sustainability plan does not answer all five questions", errors=errors
        )


@dataclass(frozen=True)
class ClosingReview:
    """The closing review held with the family and the sustainability plan agreed at it."""

    held_on: date
    sustainability_plan: SustainabilityPlan


@dataclass(frozen=True)
class Closure:
    reason: ClosureReason
    closed_on: date
    review: ClosingReview
    recorded_at: datetime


def ensure_closure_reason(value: object) -> ClosureReason:
    """One reason from the section 3.3 list."""
    if isinstance(value, str):
        try:
            return ClosureReason(value)
        except ValueError:
            pass
    raise InvalidClosure(
        detail="a closure needs one reason from the list",
        errors=[FieldError("reason", f"one of {', '.join(r.value for r in ClosureReason)}")],
    )


@dataclass(frozen=True)
class FormulationReturn:
    """A plan that did not progress, sent back to formulation (step 14) with the reason why."""

    reason: ReturnToFormulationReason
    rationale: str
    returned_on: date
    recorded_at: datetime

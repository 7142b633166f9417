"""The family's feedback at closure (section 3.4): two yes/no answers and three 1-10 ratings."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.reference.goals import FEEDBACK_RATING_MAX, FEEDBACK_RATING_MIN

from goals.domain.errors import FieldError, InvalidFeedback


@dataclass(frozen=True)
class FamilyFeedback:
    treated_with_respect: bool
    would_recommend: bool
    service_rating: int  # how well did the service do?
    worker_communication_rating: int  # how well did the worker communicate with you?
    understood_process_rating: int  # how well did you understand the restorative process?

    def __post_init__(self) -> None:
        ensure_feedback_is_valid(self)


def ensure_feedback_is_valid(feedback: FamilyFeedback) -> None:
    errors: list[FieldError] = []
    for name, answer in (
        ("treated_with_respect", feedback.treated_with_respect),
        ("would_recommend", feedback.would_recommend),
    ):
        if not isinstance(answer, bool):
            errors.append(FieldError(name, "yes or no"))
    for name, rating in (
        ("service_rating", feedback.service_rating),
        ("worker_communication_rating", feedback.worker_communication_rating),
        ("understood_process_rating", feedback.understood_process_rating),
    ):
        if (
            isinstance(rating, bool)
            or not isinstance(rating, int)
            or not FEEDBACK_RATING_MIN <= rating <= FEEDBACK_RATING_MAX
        ):
            errors.append(
                FieldError(
                    name, f"a whole number from {FEEDBACK_RATING_MIN} to {FEEDBACK_RATING_MAX}"
                )
            )
    if errors:
        raise InvalidFeedback(detail="the feedback is not valid", errors=errors)

"""The shapes partners send and read, as the OpenAPI documents define them."""

from __future__ import annotations

from typing import Any, Generic, NotRequired, TypedDict, TypeVar

T = TypeVar("T")


class FieldProblem(TypedDict):
    field: str
    message: str


class Caller(TypedDict, total=False):
    name: str
    role: str
    how_to_reach: str


class ContactRequest(TypedDict):
    """`POST /v1/contacts` (referrals): a request for help, opened as a conversation."""

    source: str
    caller: NotRequired[Caller]
    worry: NotRequired[str]
    cluster_id: NotRequired[str]


class ContactView(TypedDict):
    """What a referring agency reads about its own referral (the fair-process view)."""

    contact_id: str
    status: str
    opened_at: str
    decision_type: str | None
    explanation_for_referrer: str | None
    decided_at: str | None


class Page(TypedDict, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ServiceResponseRequest(TypedDict):
    """`POST /v1/service-responses` (outcomes): a child protection plan or a looked-after
    start that the partner's system recorded; name the child by `child_id` or
    `source_person_id`."""

    kind: str
    cluster_id: str
    occurred_on: str
    source_id: str
    child_id: NotRequired[str]
    source_person_id: NotRequired[str]
    child_date_of_birth: NotRequired[str]
    source_system: NotRequired[str]


JSON = dict[str, Any]

"""The base of every domain rule violation. Pure: domain layers import it, the web edge maps it.

`runtime.errors` turns a `DomainError` into an RFC 9457 problem whose `type` ends in `code`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """A broken rule. Subclasses set `code`, `status` and `title` as class attributes, and may
    set `description` (what went wrong, else the class docstring) and `fix` (how to put it
    right, else a default for the status): `GET /problems/{code}` shows them."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    code: ClassVar[str] = "domain-rule"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "A domain rule was broken"
    description: ClassVar[str] = ""
    fix: ClassVar[str] = ""

    def __post_init__(self) -> None:
        Exception.__init__(self, self.detail or self.title)


class NotFound(DomainError):
    code = "not-found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "The request conflicts with the record's current state"


class InvalidInput(DomainError):
    code = "invalid-input"
    status = 422
    title = "The request is not valid for this rule"


class ImportRefused(DomainError):
    """A row of an import file breaks a rule; the whole file is refused and nothing is stored."""

    code = "import-refused"
    status = 422
    title = "The import file is refused; nothing was imported"
    fix = (
        "Correct the rows `errors` names (`referrals.<row>.<field>`) and send the whole file "
        "again; rows an earlier run imported are found, not imported twice."
    )


class ImportAwaitsEvents(DomainError):
    """Rows of an import build on records another service imported, which this one has not yet
    heard of from the event stream; nothing was stored."""

    code = "import-awaits-events"
    status = 409
    title = "The import builds on records this service has not heard of yet"
    fix = (
        "Import the file into the services it builds on first (referrals, then formulation), "
        "wait a moment for their events and send it again."
    )


class PersonNotInFamily(InvalidInput):
    """A person the request names (a participant, a scorer, a family member) is not a member of
    the family the record belongs to."""

    code = "person-not-in-family"
    title = "The person is not a member of this family"
    fix = "Name only children and adults registered as members of the record's family."

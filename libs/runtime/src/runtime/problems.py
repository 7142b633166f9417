"""The problem types of the platform: one registry of code, status, title, what went wrong and
how to fix it. The error handlers, `GET /problems/{code}` and the OpenAPI documents read it.

Two ways in, both found by every service without further wiring:
- a platform-wide type (auth, limits, preconditions): `STANDARD.add(ProblemType(...))` here;
- a domain rule: a `runtime.domain.DomainError` subclass in a service's package, with `code`,
  `status`, `title` and, where the defaults by status are not enough, `description` and `fix`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from runtime.domain import (
    Conflict,
    DomainError,
    ImportAwaitsEvents,
    ImportRefused,
    InvalidInput,
    NotFound,
    PersonNotInFamily,
)

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    description: str
    fix: str
    # The request's form is wrong (not the state of a record): a request that its operation's
    # schema allows must never get one of these.
    malformed_request: bool = False

    @property
    def uri(self) -> str:
        return f"/problems/{self.code}"

    def document(self) -> dict[str, Any]:
        return {
            "type": self.uri,
            "code": self.code,
            "status": self.status,
            "title": self.title,
            "description": self.description,
            "how_to_fix": self.fix,
        }


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} ({status}): {service}</title>
<style>
body {{ font-family: Arial, sans-serif; max-width: 42em; margin: 2em auto; padding: 0 1em;
  line-height: 1.5; color: #0b0c0c; }}
h1 {{ font-size: 1.8em; margin-bottom: 0.2em; }}
.meta {{ color: #505a5f; margin-top: 0; }}
code {{ background: #f3f2f1; padding: 0 0.2em; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p class="meta">HTTP {status} · problem type <code>{uri}</code> · {service}</p>
<h2>What went wrong</h2>
<p>{description}</p>
<h2>How to fix it</h2>
<p>{fix}</p>
<p>The same as JSON: request this address with <code>Accept: application/json</code>.</p>
</main>
</body>
</html>
"""


def _inline(text: str) -> str:
    """Escaped text, with `code` spans kept as code."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def problem_page(problem: ProblemType, service: str) -> str:
    """The problem type as a page for a person: what went wrong and how to fix it."""
    return _PAGE.format(
        title=html.escape(problem.title),
        status=problem.status,
        uri=html.escape(problem.uri),
        service=html.escape(service),
        description=_inline(problem.description),
        fix=_inline(problem.fix),
    )


# What to do about a domain rule of each status, where the rule does not say more.
_DEFAULT_FIX = {
    404: "Check the id in the path: it names no record, or none that the caller may see.",
    409: "Read the record again (GET it) and choose a step its current state allows.",
    412: "Read the record again, re-apply the change and send If-Match with the new ETag.",
    422: "Correct what `detail` and `errors` name, then send the request again.",
}


def of_domain_error(error: type[DomainError]) -> ProblemType:
    own_doc = error.__dict__.get("__doc__")
    description = (
        error.__dict__.get("description") or (own_doc.strip() if own_doc else "") or error.title
    )
    fix = error.__dict__.get("fix") or _DEFAULT_FIX.get(
        error.status, "Read `detail`, correct the request and send it again."
    )
    return ProblemType(error.code, error.status, error.title, description, fix)


class ProblemRegistry:
    """Problem types by code. A code means one thing: a second, different definition is refused."""

    def __init__(self, types: Iterable[ProblemType] = ()) -> None:
        self._types: dict[str, ProblemType] = {}
        for problem in types:
            self.add(problem)

    def add(self, problem: ProblemType) -> ProblemType:
        known = self._types.get(problem.code)
        if known is not None and known.status != problem.status:
            raise ValueError(
                f"problem type {problem.code!r} is defined with status {known.status} "
                f"and {problem.status}"
            )
        self._types.setdefault(problem.code, problem)
        return self._types[problem.code]

    def get(self, code: str) -> ProblemType | None:
        return self._types.get(code)

    def __getitem__(self, code: str) -> ProblemType:
        return self._types[code]

    def __iter__(self) -> Iterator[ProblemType]:
        return iter(sorted(self._types.values(), key=lambda p: (p.status, p.code)))

    def __contains__(self, code: object) -> bool:
        return code in self._types

    def with_status(self, status: int) -> list[ProblemType]:
        return [p for p in self if p.status == status]

    def for_status(self, status: int) -> ProblemType:
        """The generic type of a status (used when a refusal names no code of its own)."""
        code = _GENERIC_CODES.get(status)
        if code is not None and code in self._types:
            return self._types[code]
        return ProblemType("error", status, "Error", "The request failed.", "Read `detail`.")

    def extended(self, types: Iterable[ProblemType]) -> ProblemRegistry:
        registry = ProblemRegistry(self._types.values())
        for problem in types:
            registry.add(problem)
        return registry

    def for_package(self, package: str) -> ProblemRegistry:
        """This registry plus the domain rules (DomainError subclasses) defined in `package`."""
        return self.extended(
            of_domain_error(error)
            for error in _subclasses(DomainError)
            if error.__module__ == package or error.__module__.startswith(package + ".")
        )


def _subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


_GENERIC_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "rate-limited",
    431: "request-header-fields-too-large",
    500: "internal-error",
    503: "unavailable",
}

STANDARD = ProblemRegistry(
    [
        ProblemType(
            "bad-request",
            400,
            "Bad request",
            "The request cannot be read as sent, for example an Idempotency-Key empty or longer than "
            "128 characters.",
            "Read `detail`, correct the request and send it again.",
            malformed_request=True,
        ),
        ProblemType(
            "malformed-json",
            400,
            "The request body is not valid JSON",
            "The body could not be parsed as JSON; `errors` names the body and the line, "
            "column and character where parsing stopped.",
            "Send one JSON object (UTF-8), with `Content-Type: application/json`; check quotes, "
            "commas and brackets at the position named.",
            malformed_request=True,
        ),
        ProblemType(
            "invalid-cursor",
            400,
            "The pagination cursor is not valid",
            "The `cursor` was not issued by this service for this caller and these filters, "
            "or it has been altered.",
            "Start again from the first page (no `cursor`) with the same filters, then pass "
            "each response's `next_cursor` unchanged.",
        ),
        ProblemType(
            "unauthorized",
            401,
            "Authentication required",
            "No valid bearer token: missing, malformed, expired, not yet valid, wrongly signed, "
            "or from another issuer or audience.",
            "Send `Authorization: Bearer <JWT>` with a token from the council's identity provider "
            "(on one machine: `lpm token --role ...`).",
        ),
        ProblemType(
            "forbidden",
            403,
            "Not allowed",
            "The token is valid but its role or partner scopes do not allow this operation "
            "(see the operation's security requirement), or the record belongs to another agency.",
            "Use a token whose role or scopes the operation lists; ask the platform team for the "
            "scope if your system needs it.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not found",
            "No such record, or not one the caller may see.",
            "Check the id in the path; records of other agencies or teams answer 404 too.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "The path exists but not with this method; the `Allow` header lists its methods.",
            "Use one of the methods in `Allow`.",
            malformed_request=True,
        ),
        ProblemType(
            "conflict",
            409,
            "Conflict",
            "The request conflicts with the record's current state.",
            "Read the record again and choose a step its state allows.",
        ),
        ProblemType(
            "request-in-progress",
            409,
            "Request in progress",
            "The first request with this Idempotency-Key has not finished yet.",
            "Wait a moment and retry with the same key and body: you will get its response.",
        ),
        ProblemType(
            "precondition-failed",
            412,
            "The record has changed since you read it",
            "If-Match does not name the record's current ETag: someone else changed it. "
            "`current_etag` gives the current one.",
            "GET the record, re-apply your change to what it now says, and send it with "
            "If-Match set to the new ETag.",
        ),
        ProblemType(
            "payload-too-large",
            413,
            "Request body too large",
            "The body is over the size cap (256 KiB by default).",
            "Send a smaller body; split large lists into several requests.",
            malformed_request=True,
        ),
        ProblemType(
            "request-header-fields-too-large",
            431,
            "Request header fields too large",
            "The request's headers together are over the size cap (16 KiB by default).",
            "Send fewer or shorter headers; a bearer token should be well under the cap.",
            malformed_request=True,
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "The body is not declared as JSON: the Content-Type header is missing or is not "
            "`application/json`.",
            "Send the header `Content-Type: application/json` with a JSON body.",
            malformed_request=True,
        ),
        ProblemType(
            "consent-override-not-allowed",
            403,
            "Consent may not be overridden by this caller",
            "The request sent `X-Consent-Override`, but only a supervisor may see a family's "
            "records without the family's consent to share.",
            "Send the request without the header, or ask a supervisor.",
        ),
        ProblemType(
            "validation-error",
            422,
            "The request is not valid",
            "A field, query parameter or header is missing or has the wrong type or value; "
            "`errors` names each one (`field` is a dotted path such as `caller.role`).",
            "Correct each field named in `errors` and send the request again.",
            malformed_request=True,
        ),
        ProblemType(
            "idempotency-key-reused",
            422,
            "Idempotency-Key reused",
            "The Idempotency-Key was used before by this client with a different body or path.",
            "Use a new key for a new request; reuse a key only to retry the very same request.",
        ),
        ProblemType(
            "invalid-practice-date",
            422,
            "A practice date is in the future or before the record it belongs to",
            "The day something happened with the family (a contact, a session, a score, a "
            "closure) is after today in Leeds, or before the record it belongs to began; "
            "`errors` names the field.",
            "Give the day it happened: today or earlier, and not before the record it belongs "
            "to (the plan, the sub-goal, the contact).",
        ),
        ProblemType(
            "precondition-required",
            428,
            "If-Match is required for this update",
            "This update needs `If-Match` with the ETag you last read (`*` is not accepted: it "
            "would skip the lost-update check).",
            "GET the record, take its `ETag` header and send it as `If-Match`.",
        ),
        ProblemType(
            "rate-limited",
            429,
            "Too many requests",
            "This client has sent more requests than its rate allows.",
            "Wait for the number of seconds in `Retry-After`, then retry.",
        ),
        ProblemType(
            "internal-error",
            500,
            "Internal error",
            "The service failed on a request it should have handled; nothing was stored.",
            "Retry later (with the same Idempotency-Key for a POST); report the `request_id`.",
        ),
        ProblemType(
            "unavailable",
            503,
            "Service unavailable",
            "The service cannot serve requests now.",
            "Retry later.",
        ),
        ProblemType(
            "database-unavailable",
            503,
            "The database is briefly unavailable",
            "The database is briefly away (restarting, or refusing connections); nothing was "
            "stored.",
            "Retry after `Retry-After` seconds, with the same Idempotency-Key for a POST.",
        ),
        ProblemType(
            "not-ready",
            503,
            "Service not ready",
            "A dependency (the database or the broker) is unavailable; `checks` says which.",
            "Wait and poll `/health/ready` again; an operator should look at the named dependency.",
        ),
        of_domain_error(NotFound),
        of_domain_error(Conflict),
        of_domain_error(InvalidInput),
        of_domain_error(ImportRefused),
        of_domain_error(ImportAwaitsEvents),
        of_domain_error(PersonNotInFamily),
    ]
)


def problem_body(
    registry: ProblemRegistry,
    code: str,
    *,
    status: int | None = None,
    title: str | None = None,
    detail: str = "",
    instance: str | None = None,
) -> dict[str, Any]:
    """The problem+json body of a registered type (for middleware that answers by itself)."""
    problem = registry.get(code)
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title or (problem.title if problem else "Error"),
        "status": status or (problem.status if problem else 500),
    }
    if instance:
        body["instance"] = instance
    if detail:
        body["detail"] = detail
    return body

"""Enforcement of the declared policy on every request, and the caller's principal.

Every request that reaches a route is charged to a rate bucket before it is answered, refused
ones included: a verified caller's own bucket (also when the policy then refuses it), else one
per client address for requests without a valid token, so guessing tokens or probing routes
is held to the same rate as honest use.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from runtime.domain import FieldError
from runtime.errors import ProblemError
from runtime.identity import Principal
from runtime.limits import RateLimiter
from runtime.policy import (
    CONSENT_OVERRIDE_HEADER,
    CONSENT_OVERRIDE_ROLES,
    PUBLIC_PATHS,
    Policy,
    Rule,
)


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    # Not getattr's default: that would build the request's whole URL on every request.
    return str(route.path) if route is not None else str(request.scope["path"])


def _throttle(request: Request, key: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(key)
    if wait > 0:
        raise ProblemError(
            429,
            "slow down: this client has sent too many requests",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )


def anonymous_rate_key(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    return f"anonymous:{host}"


async def authorise(request: Request) -> None:
    """App-wide dependency: verify the token, charge the caller's rate, check the rule."""
    path = _route_path(request)
    if path in PUBLIC_PATHS or path.startswith("/problems"):
        return
    policy: Policy = request.app.state.policy
    rule: Rule | None = policy.lookup(request.method, path)
    try:
        principal = await request.app.state.verifier.verify(request.headers.get("authorization"))
    except ProblemError:
        _throttle(request, anonymous_rate_key(request))
        raise
    _throttle(request, principal.rate_key)
    request.state.principal = principal
    if rule is None:
        # Fail closed: a route nobody wrote a rule for is open to no one.
        raise ProblemError(403, f"no access rule is declared for {request.method} {path}")
    if not rule.allows(principal):
        raise ProblemError(403, f"{principal.role} may not {request.method} {path}")
    request.state.rule = rule
    override = request.headers.get(CONSENT_OVERRIDE_HEADER)
    if override is not None:
        request.state.principal = with_consent_override(principal, override)


def with_consent_override(principal: Principal, reason: str) -> Principal:
    """The caller for this request, seeing records without the family's consent: only a role
    allowed the override, and only with a reason (every audit entry of the request keeps it)."""
    if principal.role not in CONSENT_OVERRIDE_ROLES:
        raise ProblemError(
            403,
            f"{principal.role} may not override a family's consent to share",
            code="consent-override-not-allowed",
            errors=[FieldError(CONSENT_OVERRIDE_HEADER, "only a supervisor may override")],
        )
    reason = reason.strip()
    if not reason:
        raise ProblemError(
            422,
            "say why the family's consent is overridden",
            code="validation-error",
            errors=[FieldError(CONSENT_OVERRIDE_HEADER, "give the reason for the override")],
        )
    return replace(principal, consent_override=reason[:200])


async def principal(request: Request) -> Principal:
    """Dependency: the verified caller (set by `authorise`)."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:
        raise ProblemError(401, "a bearer token is required")
    return found

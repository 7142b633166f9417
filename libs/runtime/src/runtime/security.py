"""Enforcement of the declared policy on every request, and the caller's principal."""

from __future__ import annotations

from fastapi import Request

from runtime.errors import ProblemError
from runtime.identity import Principal
from runtime.policy import PUBLIC_PATHS, Policy, Rule


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


async def authorise(request: Request) -> None:
    """App-wide dependency: verify the token and check the rule for this route."""
    path = _route_path(request)
    if path in PUBLIC_PATHS or path.startswith("/problems"):
        return
    policy: Policy = request.app.state.policy
    rule: Rule | None = policy.lookup(request.method, path)
    principal = await request.app.state.verifier.verify(request.headers.get("authorization"))
    request.state.principal = principal
    if rule is None:
        # Fail closed: a route nobody wrote a rule for is open to no one.
        raise ProblemError(403, f"no access rule is declared for {request.method} {path}")
    if not rule.allows(principal):
        raise ProblemError(403, f"{principal.role} may not {request.method} {path}")
    request.state.rule = rule


def principal(request: Request) -> Principal:
    """Dependency: the verified caller (set by `authorise`)."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:
        raise ProblemError(401, "a bearer token is required")
    return found

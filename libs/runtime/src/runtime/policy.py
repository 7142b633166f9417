"""Authorisation as one declared policy: role or scope x endpoint x object rule.

Every service declares a `Policy`: one `Rule` per (method, route path). The app enforces it
before any handler runs; a route without a rule is refused (fail closed), and the generated
test matrix fails for it. Object rules are named here and enforced by the handlers' queries
(a partner sees only its own referrals; a practitioner sees its team's families; an object the
caller may not see answers 404).

Need to know, the one rule every service applies to RES staff (`TEAM_ACCESS_AFTER_CLOSURE`,
`team_needs_to_know`): a team sees and changes a family's records while the family's
allocation to that team is open. From the moment the allocation closes, or moves to another
team, the team sees nothing of the family and writes nothing to it: every endpoint answers
404, as for a family never allocated to it. There is no read-only period: the closing work
(closing review, sustainability plan, plan closure) is done before the allocation closes; the
front door, supervisors and administrators keep every record, so a worker who needs a closed
one asks them; and a family allocated to the team again is seen again. No clock in the rule
keeps every service's answer the same at every moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from runtime.identity import Principal, Role


class ObjectRule(StrEnum):
    NONE = "none"  # no object beyond the collection (create, reference data)
    ANY = "any"  # every record of this type (front door, administrators)
    OWN_AGENCY = "own_agency"  # partner: only records its agency made; fair-process view only
    OWN_TEAM = "own_team"  # RES staff: families allocated to their team
    AGGREGATE_ONLY = "aggregate_only"  # counts and pseudonymised data, never a family record


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[str] = frozenset()  # partner scopes that also grant access
    objects: ObjectRule = ObjectRule.ANY
    public: bool = False
    summary: str = ""

    def allows(self, principal: Principal) -> bool:
        if principal.is_partner:
            return bool(self.scopes & principal.scopes)
        return principal.role in self.roles


def rule(
    method: str,
    path: str,
    roles: Iterable[Role] = (),
    scopes: Iterable[str] = (),
    objects: ObjectRule = ObjectRule.ANY,
    summary: str = "",
) -> Rule:
    return Rule(method.upper(), path, frozenset(roles), frozenset(scopes), objects, False, summary)


class AfterClosure(StrEnum):
    """What a RES team may do with a family once the family's allocation to it has closed."""

    NOTHING = "nothing"  # neither read nor write: 404 everywhere, as for any other family


TEAM_ACCESS_AFTER_CLOSURE = AfterClosure.NOTHING


def team_needs_to_know(
    caller_team_id: str | None, allocated_team_id: str | None, allocation_open: bool
) -> bool:
    """Whether RES staff of `caller_team_id` may see (and, within their role, change) a family
    allocated to `allocated_team_id`: only while that allocation is open."""
    return caller_team_id is not None and caller_team_id == allocated_team_id and allocation_open


# Routes every service has that need no token.
PUBLIC_PATHS = frozenset(
    {
        "/health/live",
        "/health/ready",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/docs/redoc.standalone.js",
        "/redoc",
    }
)


@dataclass
class Policy:
    service: str
    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = {(r.method, r.path): r for r in self.rules}
        if len(self._index) != len(self.rules):
            raise ValueError(f"{self.service}: a route has two policy rules")

    def lookup(self, method: str, path: str) -> Rule | None:
        return self._index.get((method.upper(), path))


# Role groups used across the services' policies.
FRONT_DOOR = frozenset({Role.DUTY_ADVICE, Role.ADMIN})
RES = frozenset({Role.RES_MANAGER, Role.RES_PRACTITIONER})
PRACTICE = frozenset(
    {
        Role.DUTY_ADVICE,
        Role.RES_MANAGER,
        Role.RES_PRACTITIONER,
        Role.RETHINK_FACILITATOR,
        Role.SUPERVISOR,
        Role.ADMIN,
    }
)
ANALYSTS = frozenset({Role.BI_ANALYST, Role.ADMIN, Role.RES_MANAGER, Role.SUPERVISOR})

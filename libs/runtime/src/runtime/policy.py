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

Consent to share, the one rule every service applies to the Rethink team and supervision
(`consent_allows`): a family's formulations, meetings and plans are shown to Rethink
facilitators only if the family agreed to share with the Rethink team, and to supervisors (group
supervision) only if it agreed to share with group supervision; a record held in a Rethink
forum or in group supervision is made only with that consent. Consent recorded as not needed
(with its reason, checked at the decision) shares as consent given does; refused or never
recorded shares nothing. A supervisor may override it for one request, giving the reason
(`CONSENT_OVERRIDE_HEADER`); every audit entry of that request carries the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from contracts.reference.formulation import FormulationSetting
from contracts.reference.referrals import ConsentStatus

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


class SharedWith(StrEnum):
    """Who beyond the family's own workers a family's records may be shown to, with consent."""

    RETHINK_TEAM = "rethink_team"
    GROUP_SUPERVISION = "group_supervision"


# The audience a role reads for: the front door, RES staff and administrators are the family's
# own workers (need to know applies to RES staff), so consent does not narrow what they see.
SHARED_WITH_ROLE: dict[Role, SharedWith] = {
    Role.RETHINK_FACILITATOR: SharedWith.RETHINK_TEAM,
    Role.SUPERVISOR: SharedWith.GROUP_SUPERVISION,
}

# The audience a record held in a setting is shown to.
SHARED_WITH_SETTING: dict[FormulationSetting, SharedWith] = {
    FormulationSetting.GROUP_SUPERVISION: SharedWith.GROUP_SUPERVISION,
    FormulationSetting.RETHINK_NEXT_STEPS_FORUM: SharedWith.RETHINK_TEAM,
    FormulationSetting.PRACTICE_AND_PROGRESS: SharedWith.RETHINK_TEAM,
    FormulationSetting.RETHINK_SPACE: SharedWith.RETHINK_TEAM,
}

# Who may see a record without the family's consent, for one request, saying why (a
# safeguarding concern that supervision must hear): supervisors, as they override a walk back.
CONSENT_OVERRIDE_ROLES = frozenset({Role.SUPERVISOR})
CONSENT_OVERRIDE_HEADER = "X-Consent-Override"


@dataclass(frozen=True)
class ConsentToShare:
    """What the family agreed to, as its latest contact recorded it."""

    status: ConsentStatus
    rethink_team: bool = False
    group_supervision: bool = False


def consent_allows(consent: ConsentToShare | None, shared_with: SharedWith | None) -> bool:
    """Whether a family's record may be shown to `shared_with` (None: the family's own workers)."""
    if shared_with is None:
        return True
    if consent is None or consent.status is ConsentStatus.REFUSED:
        return False
    if consent.status is ConsentStatus.NOT_NEEDED:
        return True
    if shared_with is SharedWith.RETHINK_TEAM:
        return consent.rethink_team
    return consent.group_supervision


def every_consent() -> list[ConsentToShare]:
    """Every consent a family can have recorded (the rule's whole domain), so a query or a test
    can ask `consent_allows` of each rather than restate it."""
    flags = (False, True)
    return [
        ConsentToShare(status, rethink, supervision)
        for status in ConsentStatus
        for rethink in flags
        for supervision in flags
    ]


def shared_with(principal: Principal) -> SharedWith | None:
    return SHARED_WITH_ROLE.get(principal.role)


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

"""Who is calling: the principal carried by a verified bearer token, and the roles it may hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Staff roles, plus `partner` for partner agency systems (client-credentials tokens)."""

    DUTY_ADVICE = "duty_advice"
    RES_MANAGER = "res_manager"
    RES_PRACTITIONER = "res_practitioner"
    RETHINK_FACILITATOR = "rethink_facilitator"
    SUPERVISOR = "supervisor"
    BI_ANALYST = "bi_analyst"
    ADMIN = "admin"
    PARTNER = "partner"


STAFF_ROLES = frozenset(r for r in Role if r is not Role.PARTNER)

# Scopes a partner agency system may be granted.
PARTNER_SCOPES = frozenset({"referrals:create", "referrals:read", "service-responses:write"})


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    agency_id: str | None = None
    team_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # For one request only: why a supervisor sees a record the family has not consented to
    # share (runtime.policy); never from the token.
    consent_override: str | None = None

    @property
    def is_partner(self) -> bool:
        return self.role is Role.PARTNER

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def rate_key(self) -> str:
        return f"{self.role}:{self.agency_id or ''}:{self.subject}"

"""The service navigation: which sections each role sees. Add a section here with its roles."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.identity import Role

ALL_STAFF = frozenset(r.value for r in Role if r is not Role.PARTNER)


@dataclass(frozen=True)
class Section:
    label: str
    href: str
    roles: frozenset[str]


SECTIONS: list[Section] = [
    Section("Front door", "/front-door", frozenset({Role.DUTY_ADVICE, Role.ADMIN})),
    Section("Make a referral", "/referrals/new", frozenset({Role.PARTNER})),
    Section("Your referrals", "/referrals", frozenset({Role.PARTNER})),
    Section("My families", "/families", frozenset({Role.RES_PRACTITIONER, Role.RES_MANAGER})),
    Section("Team", "/team", frozenset({Role.RES_MANAGER, Role.RES_PRACTITIONER})),
    Section(
        "Plans to review", "/supervision", frozenset({Role.SUPERVISOR, Role.RETHINK_FACILITATOR})
    ),
    Section(
        "Meetings",
        "/meetings",
        frozenset({Role.RETHINK_FACILITATOR, Role.SUPERVISOR, Role.RES_MANAGER, Role.ADMIN}),
    ),
    Section(
        "Dashboard",
        "/dashboard",
        frozenset({Role.BI_ANALYST, Role.RES_MANAGER, Role.SUPERVISOR, Role.ADMIN}),
    ),
]


def sections_for(role: str) -> list[Section]:
    return [s for s in SECTIONS if role in s.roles]


def navigation(role: str, path: str) -> list[dict[str, object]]:
    """Items for govukServiceNavigation, the current section marked (longest match wins)."""
    mine = sections_for(role)
    current = max(
        (s for s in mine if path == s.href or path.startswith(s.href + "/")),
        key=lambda s: len(s.href),
        default=None,
    )
    return [{"href": s.href, "text": s.label, "active": s is current} for s in mine]


ROLE_NAMES: dict[str, str] = {
    Role.DUTY_ADVICE: "Duty and Advice",
    Role.RES_MANAGER: "RES manager",
    Role.RES_PRACTITIONER: "RES practitioner",
    Role.RETHINK_FACILITATOR: "Rethink facilitator",
    Role.SUPERVISOR: "Supervisor",
    Role.BI_ANALYST: "BI analyst",
    Role.ADMIN: "Administrator",
    Role.PARTNER: "Partner agency",
}

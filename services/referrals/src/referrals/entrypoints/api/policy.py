"""Who may call which referrals endpoint, and which records they may see (see runtime.policy).

- Partner systems (scopes referrals:create / referrals:read) open contacts and read their own
  agency's, in the fair-process view only.
- Duty and Advice and administrators: everything at the front door.
- RES managers and practitioners read the contacts, families and people allocated to their
  team; the team's manager (or an administrator) manages its workers and allocations.
- Rethink facilitators and supervisors read.
- BI analysts: nothing here (they use the pseudonymised outcome stream).
"""

from __future__ import annotations

from runtime.identity import Role
from runtime.policy import FRONT_DOOR, RES, ObjectRule, Policy, rule

CREATE = "referrals:create"
READ = "referrals:read"

READERS = frozenset({Role.RETHINK_FACILITATOR, Role.SUPERVISOR})
STAFF_READ = FRONT_DOOR | RES | READERS
TEAM_MANAGERS = frozenset({Role.RES_MANAGER, Role.ADMIN})

POLICY = Policy(
    "referrals",
    [
        # -- contacts
        rule(
            "POST",
            "/v1/contacts",
            FRONT_DOOR,
            [CREATE],
            ObjectRule.NONE,
            "open a contact; partners as their own agency",
        ),
        rule(
            "GET",
            "/v1/contacts",
            STAFF_READ,
            [READ],
            ObjectRule.OWN_AGENCY,
            "partners: own agency's, fair-process view; RES: own team's",
        ),
        rule(
            "GET",
            "/v1/contacts/{contact_id}",
            STAFF_READ,
            [READ],
            ObjectRule.OWN_AGENCY,
            "partners: own agency's, fair-process view; RES: own team's",
        ),
        rule(
            "GET",
            "/v1/contacts/{contact_id}/decision-needs",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="what each decision still needs",
        ),
        rule(
            "POST",
            "/v1/contacts/{contact_id}/conversations",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="add a conversation entry",
        ),
        rule(
            "POST",
            "/v1/contacts/{contact_id}/formulation-requests",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="ask for a referral-stage formulation",
        ),
        rule(
            "POST",
            "/v1/contacts/{contact_id}/decision",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="decide; RES acceptance allocates",
        ),
        # -- people and families
        rule(
            "POST",
            "/v1/people",
            FRONT_DOOR,
            objects=ObjectRule.NONE,
            summary="register a child or adult once",
        ),
        rule(
            "POST",
            "/v1/people/matches",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="find possible matches",
        ),
        rule(
            "GET",
            "/v1/people/{person_id}",
            STAFF_READ,
            objects=ObjectRule.OWN_TEAM,
            summary="RES: people in families allocated to their team",
        ),
        rule(
            "PATCH",
            "/v1/people/{person_id}",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="correct identifiers",
        ),
        rule("POST", "/v1/families", FRONT_DOOR, objects=ObjectRule.NONE, summary="form a family"),
        rule(
            "GET",
            "/v1/families/{family_id}",
            STAFF_READ,
            objects=ObjectRule.OWN_TEAM,
            summary="RES: families allocated to their team",
        ),
        rule(
            "PATCH",
            "/v1/families/{family_id}",
            FRONT_DOOR,
            objects=ObjectRule.ANY,
            summary="change members and relationships",
        ),
        # -- allocations and teams
        rule(
            "GET",
            "/v1/allocations",
            STAFF_READ,
            objects=ObjectRule.OWN_TEAM,
            summary="RES: own team's",
        ),
        rule(
            "GET",
            "/v1/allocations/{allocation_id}",
            STAFF_READ,
            objects=ObjectRule.OWN_TEAM,
            summary="RES: own team's",
        ),
        rule(
            "POST",
            "/v1/allocations/{allocation_id}/reallocation",
            TEAM_MANAGERS,
            objects=ObjectRule.OWN_TEAM,
            summary="the team's manager or an administrator",
        ),
        rule(
            "POST",
            "/v1/allocations/{allocation_id}/closure",
            TEAM_MANAGERS,
            objects=ObjectRule.OWN_TEAM,
            summary="step down, step up or close",
        ),
        rule(
            "GET",
            "/v1/teams/{team_id}/workers",
            STAFF_READ,
            objects=ObjectRule.OWN_TEAM,
            summary="workers and caseloads; RES: own team's",
        ),
        rule(
            "POST",
            "/v1/teams/{team_id}/workers",
            TEAM_MANAGERS,
            objects=ObjectRule.OWN_TEAM,
            summary="the team's manager or an administrator",
        ),
        rule(
            "PATCH",
            "/v1/teams/{team_id}/workers/{worker_id}",
            TEAM_MANAGERS,
            objects=ObjectRule.OWN_TEAM,
            summary="the team's manager or an administrator",
        ),
        # -- history from the council's case system
        rule(
            "POST",
            "/v1/admin/imports",
            [Role.ADMIN],
            objects=ObjectRule.NONE,
            summary="import historical referrals",
        ),
        # -- reference data
        rule("GET", "/v1/reference/sources", STAFF_READ, [CREATE, READ], ObjectRule.NONE),
        rule("GET", "/v1/reference/clusters", STAFF_READ, [CREATE, READ], ObjectRule.NONE),
        rule("GET", "/v1/reference/teams", STAFF_READ, [CREATE, READ], ObjectRule.NONE),
        rule("GET", "/v1/reference/decision-types", STAFF_READ, [CREATE, READ], ObjectRule.NONE),
    ],
)

"""The declared access policy of the referrals service covers exactly its routes, and says
who may call them: partners only with their scopes, BI analysts nowhere."""

from __future__ import annotations

import pytest
from referrals.bootstrap import create_app
from referrals.entrypoints.api.policy import CREATE, POLICY, READ
from runtime.app import STANDARD_RULES
from runtime.identity import Principal, Role
from runtime.policy import PUBLIC_PATHS

# The OpenAPI document lists every route the app serves, with its methods.
ROUTES = {
    (method.upper(), path)
    for path, operations in create_app().openapi()["paths"].items()
    if path not in PUBLIC_PATHS and not path.startswith("/problems")
    for method in operations
}
RULES = {(r.method, r.path): r for r in [*POLICY.rules, *STANDARD_RULES]}


def test_every_route_has_exactly_one_rule_and_every_rule_a_route():
    assert ROUTES == set(RULES)


def test_bi_analysts_may_call_no_referrals_route():
    analyst = Principal("user:bi", Role.BI_ANALYST)
    assert [key for key, rule in RULES.items() if rule.allows(analyst)] == []


def test_partners_may_only_create_contacts_read_their_own_and_read_reference_data():
    partner = Principal(
        "client:school-1", Role.PARTNER, agency_id="school-1", scopes=frozenset({CREATE, READ})
    )
    allowed = {key for key, rule in RULES.items() if rule.allows(partner)}
    assert allowed == {
        ("POST", "/v1/contacts"),
        ("GET", "/v1/contacts"),
        ("GET", "/v1/contacts/{contact_id}"),
        ("GET", "/v1/reference/sources"),
        ("GET", "/v1/reference/clusters"),
        ("GET", "/v1/reference/teams"),
        ("GET", "/v1/reference/decision-types"),
    }


def test_a_partner_with_only_the_create_scope_cannot_read_contacts():
    partner = Principal("client:hub", Role.PARTNER, agency_id="hub", scopes=frozenset({CREATE}))
    assert not RULES[("GET", "/v1/contacts/{contact_id}")].allows(partner)
    assert RULES[("POST", "/v1/contacts")].allows(partner)


@pytest.mark.parametrize("role", [Role.RETHINK_FACILITATOR, Role.SUPERVISOR])
def test_rethink_facilitators_and_supervisors_read_but_never_write(role: Role):
    reader = Principal("user:r", role)
    allowed = {key for key, rule in RULES.items() if rule.allows(reader)}
    assert ("GET", "/v1/contacts/{contact_id}") in allowed
    assert all(method == "GET" for method, _ in allowed)


def test_only_team_managers_and_admins_manage_workers_and_allocations():
    managing = [
        ("POST", "/v1/teams/{team_id}/workers"),
        ("PATCH", "/v1/teams/{team_id}/workers/{worker_id}"),
        ("POST", "/v1/allocations/{allocation_id}/reallocation"),
        ("POST", "/v1/allocations/{allocation_id}/closure"),
    ]
    for key in managing:
        assert RULES[key].roles == {Role.RES_MANAGER, Role.ADMIN}, key


def test_the_front_door_decides_and_res_staff_do_not():
    rule = RULES[("POST", "/v1/contacts/{contact_id}/decision")]
    assert rule.roles == {Role.DUTY_ADVICE, Role.ADMIN}

"""What the API knows of its caller: which families they may see, and the revision they read."""

from __future__ import annotations

from fastapi import Request
from runtime.concurrency import require_if_match
from runtime.families import audience_of
from runtime.identity import Principal, Role

from formulation.domain.access import FamilyScope
from formulation.service_layer.unit_of_work import RevisionCheck

_RES_STAFF = frozenset({Role.RES_MANAGER, Role.RES_PRACTITIONER})


def scope_of(caller: Principal) -> FamilyScope:
    """RES staff see the families allocated to their team; the front door, Rethink, supervisors
    and admins see every family (the policy keeps everyone else out before this is asked), the
    Rethink team and supervisors only those that consented to share with them.
    """
    if caller.role in _RES_STAFF:
        return FamilyScope.team(caller.team_id)
    return FamilyScope.everyone(audience_of(caller), caller.consent_override is not None)


def if_match(request: Request) -> RevisionCheck:
    """The request's If-Match must name the revision the change is applied to (428/412)."""

    def check(revision: int) -> None:
        require_if_match(request, revision)

    return check

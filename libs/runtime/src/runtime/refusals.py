"""Refused attempts, noted once for every service: a 401, 403 or 404 answer is counted on the
`lpm.access.refused` metric, and, when the caller is known (403, 404), audited with who tried,
what they aimed at and why it was refused, so a subject access request shows them too.

A 404 is noted whether the record is hidden from the caller or does not exist: the API
answers both alike, and probing for ids is what monitoring must see.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from opentelemetry import metrics
from sqlalchemy.ext.asyncio import AsyncSession

from runtime import audit
from runtime.identity import Principal

log = logging.getLogger(__name__)

NOTED_STATUSES = frozenset({401, 403, 404})

# From a refused request's path parameters: the family of the record aimed at and its people
# (nothing when the record does not exist).
RefusedSubjects = Callable[
    [AsyncSession, Mapping[str, str]], Awaitable[tuple[uuid.UUID | None, list[uuid.UUID]]]
]

refused_counter = metrics.get_meter("lpm").create_counter(
    "lpm.access.refused",
    unit="{request}",
    description="Requests refused for their token (401), by the policy (403) or the object rule (404)",
)


def _is_route(request: Request) -> bool:
    # Only requests that reached a route of the service: a path no route serves is no record.
    return request.scope.get("route") is not None


async def note_refusal(request: Request, status: int, reason: str) -> None:
    if status not in NOTED_STATUSES or not _is_route(request):
        return
    caller: Principal | None = getattr(request.state, "principal", None)
    definition = getattr(request.app.state, "definition", None)
    refused_counter.add(
        1,
        {
            "service": getattr(definition, "name", "unknown"),
            "status": status,
            "role": str(caller.role) if caller else "anonymous",
        },
    )
    if caller is None:
        return
    try:
        subjects = getattr(definition, "refused_subjects", None)
        family_id, people = None, []
        if subjects is not None:
            async with request.app.state.db.sessions() as session:
                family_id, people = await subjects(session, request.path_params)
        await audit.record_refusal(
            request.app.state.db,
            request.app.state.tables,
            request,
            caller,
            status,
            reason,
            family_id=family_id,
            person_ids=people,
        )
    except Exception:
        # The refusal stands whatever happens to its note; the log says the note is missing.
        log.exception("could not audit a refused %s %s", request.method, request.url.path)

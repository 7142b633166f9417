"""A typed client of the platform's APIs for partner systems (and the demo).

- `ServiceClient`: one service's API on httpx: a fresh `Idempotency-Key` on every POST (pass
  your own to retry safely), `If-Match` from the record's ETag for updates, and every refusal
  raised as `ApiProblem` (the RFC 9457 problem details, with `errors` naming each field).
- `PartnerClient`: the partner operations, typed: open a contact, read your agency's contacts
  and what was decided, record a service response.
"""

from lpm_client.client import ApiProblem, PartnerClient, ServiceClient
from lpm_client.models import (
    Caller,
    ContactRequest,
    ContactView,
    FieldProblem,
    Page,
    ServiceResponseRequest,
)

__all__ = [
    "ApiProblem",
    "Caller",
    "ContactRequest",
    "ContactView",
    "FieldProblem",
    "Page",
    "PartnerClient",
    "ServiceClient",
    "ServiceResponseRequest",
]

"""Next Steps: what, by whom, by when, and what each step traces back to (the walk back)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class NextStep:
    id: uuid.UUID
    what: str
    owner_participant_id: uuid.UUID  # by whom
    due_on: date  # by when
    # The prioritised perpetuating factor and the presenting issue the step addresses. Either may
    # be missing while drafting; the walk back reports it.
    addresses_factor_id: uuid.UUID | None = None
    presenting_issue_id: uuid.UUID | None = None
    builds_on_factor_ids: tuple[uuid.UUID, ...] = ()

    def references(self) -> set[uuid.UUID]:
        refs = set(self.builds_on_factor_ids)
        if self.addresses_factor_id is not None:
            refs.add(self.addresses_factor_id)
        if self.presenting_issue_id is not None:
            refs.add(self.presenting_issue_id)
        return refs

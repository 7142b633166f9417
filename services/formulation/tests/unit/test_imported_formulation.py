"""A formulation brought over from the case system: the record that one was held with the
family on a day, completed as held, claiming none of what the case system never recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from contracts.formulation import v1
from contracts.reference.formulation import SixP
from formulation.domain.formulation import Formulation, FormulationStatus

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def test_an_imported_formulation_is_completed_on_its_day_and_claims_no_six_ps() -> None:
    family, factor = uuid.uuid4(), uuid.uuid4()
    f = Formulation.imported(
        formulation_id=uuid.uuid4(),
        family_id=family,
        held_on=date(2017, 11, 20),
        presenting_issue="Attendance has dropped.",
        factor_id=factor,
        recorded_by="user:records-officer",
        team_id="res-inner-east",
        now=NOW,
    )
    assert f.status is FormulationStatus.COMPLETED
    assert f.completed_at == datetime(2017, 11, 20, tzinfo=UTC)
    assert [x.id for x in f.factors[SixP.PRESENTING]] == [factor]
    assert f.hypothesis is None and f.overall_goal is None
    started, completed = f.events
    assert isinstance(started, v1.FormulationStarted)
    assert isinstance(completed, v1.FormulationCompleted)
    assert completed.subject_id == completed.family_id == family
    assert completed.held_on == date(2017, 11, 20)
    # The scorecard's six-Ps-and-walk-back measure never counts it.
    assert not completed.all_six_ps_considered
    assert (completed.next_step_count, completed.priority_count) == (0, 0)

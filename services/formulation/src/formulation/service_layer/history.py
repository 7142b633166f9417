"""Importing the formulations of the council's existing history: for each row of the history
file that has one, the record that a formulation was held with the family on its day.

The ids follow from the file's (`contracts.history.history_id`), so the family is the one the
referrals import registered and a second run finds what the first imported.
"""

from __future__ import annotations

from datetime import datetime

from contracts.history import HistoryImport, history_errors, history_id
from contracts.reference.referrals import team_for_cluster
from runtime.history import Imported, importing_row, refuse

from formulation.adapters.repository import FormulationRepository
from formulation.domain.formulation import Formulation
from formulation.service_layer.unit_of_work import Work


async def import_history(
    doc: HistoryImport, work: Work, now: datetime, imported_by: str
) -> Imported[Formulation]:
    errors = history_errors(doc, now.date())
    if errors:
        raise refuse(errors)
    repo = FormulationRepository(work.session)
    result: Imported[Formulation] = Imported()
    for index, row in enumerate(doc.referrals):
        if row.formulation is None:
            continue
        formulation_id = history_id(doc.source_system, "formulation", row.import_id)
        if await repo.exists(formulation_id):
            result.already_imported.append(row.import_id)
            continue
        team = team_for_cluster(row.cluster_id)
        with importing_row(index, row.import_id, "formulation"):
            formulation = Formulation.imported(
                formulation_id=formulation_id,
                family_id=history_id(doc.source_system, "family", row.family_import_id),
                held_on=row.formulation.held_on,
                presenting_issue=row.formulation.presenting_issue,
                factor_id=history_id(doc.source_system, "factor", row.import_id),
                recorded_by=imported_by,
                team_id=team.team_id if team else None,
                now=now,
            )
        await repo.add(formulation)
        work.collect(formulation)
        result.imported.append(row.import_id)
        result.records.append(formulation)
    return result

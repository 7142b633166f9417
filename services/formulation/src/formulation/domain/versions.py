"""Versions of a formulation: completing a re-formulation, and what changed between two versions.

A version is superseded when its successor is *completed*, not when re-formulating starts: until
the new understanding is agreed, the previous one is still the one the family's plan stands on.
Versions stay in the history with their links (`lineage_id`, `previous_version_id`,
`superseded_by_id`), and carried factors point at their origin (`carried_from`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from contracts.reference.formulation import SIX_PS, SixP

from formulation.domain.errors import (
    NotTheNextVersion,
    VersionsOfDifferentFormulations,
    VersionSuperseded,
)
from formulation.domain.factors import Factor
from formulation.domain.formulation import Formulation, FormulationStatus
from formulation.domain.next_steps import NextStep


def complete_version(draft: Formulation, previous: Formulation | None, now: datetime) -> None:
    """Complete a draft and, when it re-formulates an earlier version, supersede that version.

    Checked before anything changes, so a refused completion leaves both versions as they were.
    """
    if draft.previous_version_id is None:
        if previous is not None:
            raise NotTheNextVersion(detail="the draft is a first version")
        draft.complete(now)
        return
    if previous is None or previous.id != draft.previous_version_id:
        raise NotTheNextVersion(detail="pass the version this draft re-formulates")
    if previous.status is FormulationStatus.SUPERSEDED:
        # Two drafts re-formulated the same version; the first to complete stands.
        raise VersionSuperseded(
            detail=f"version {previous.version} was already superseded by another version"
        )
    if previous.status is not FormulationStatus.COMPLETED:
        raise NotTheNextVersion(detail=f"version {previous.version} is not completed")
    draft.complete(now)
    previous.supersede(draft, now)


# -- diff ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorChange:
    before_id: uuid.UUID
    after_id: uuid.UUID
    description_changed: bool
    main_driver_changed: bool


@dataclass(frozen=True)
class PDiff:
    p: SixP
    added: tuple[uuid.UUID, ...]  # factor ids in the later version
    removed: tuple[uuid.UUID, ...]  # factor ids in the earlier version
    changed: tuple[FactorChange, ...]

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class PriorityChange:
    """A perpetuating factor that became, or stopped being, a priority (None: not in that version)."""

    before_id: uuid.UUID | None
    after_id: uuid.UUID | None
    was_priority: bool
    is_priority: bool


@dataclass(frozen=True)
class VersionDiff:
    before_id: uuid.UUID
    after_id: uuid.UUID
    before_version: int
    after_version: int
    factors: tuple[PDiff, ...]  # one per P, in 6 Ps order
    priority_changes: tuple[PriorityChange, ...]
    hypothesis_changed: bool
    overall_goal_changed: bool
    steps_added: tuple[uuid.UUID, ...]  # step ids in the later version
    steps_removed: tuple[uuid.UUID, ...]  # step ids in the earlier version

    def under(self, p: SixP) -> PDiff:
        return next(d for d in self.factors if d.p is p)

    @property
    def has_changes(self) -> bool:
        return (
            any(d.has_changes for d in self.factors)
            or bool(self.priority_changes)
            or self.hypothesis_changed
            or self.overall_goal_changed
            or bool(self.steps_added or self.steps_removed)
        )


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _match_factors(before: Iterable[Factor], after: Iterable[Factor]) -> dict[uuid.UUID, uuid.UUID]:
    """Pair each later factor with the earlier one it continues: its `carried_from` link, or
    failing that the same wording under the same P (for versions further apart than one step).
    """
    remaining = {f.id: f for f in before}
    pairs: dict[uuid.UUID, uuid.UUID] = {}
    unlinked: list[Factor] = []
    for f in after:
        origin = f.carried_from if f.carried_from in remaining else None
        if origin is None and f.id in remaining:
            origin = f.id
        if origin is None:
            unlinked.append(f)
            continue
        pairs[f.id] = origin
        del remaining[origin]
    for f in unlinked:
        same = next(
            (
                b
                for b in remaining.values()
                if b.p is f.p and _normalised(b.description) == _normalised(f.description)
            ),
            None,
        )
        if same is not None:
            pairs[f.id] = same.id
            del remaining[same.id]
    return pairs


def _match_steps(
    before: Iterable[NextStep], after: Iterable[NextStep]
) -> dict[uuid.UUID, uuid.UUID]:
    # Steps are not carried between versions, so the same step is the same wording.
    remaining = {s.id: s for s in before}
    pairs: dict[uuid.UUID, uuid.UUID] = {}
    for s in after:
        same = next(
            (b for b in remaining.values() if _normalised(b.what) == _normalised(s.what)), None
        )
        if same is not None:
            pairs[s.id] = same.id
            del remaining[same.id]
    return pairs


def diff_versions(before: Formulation, after: Formulation) -> VersionDiff:
    """What changed from one version of a formulation to another."""
    if before.lineage_id != after.lineage_id:
        raise VersionsOfDifferentFormulations()
    old = {f.id: f for f in before.all_factors()}
    new = {f.id: f for f in after.all_factors()}
    pairs = _match_factors(old.values(), new.values())
    matched_old = set(pairs.values())

    per_p: list[PDiff] = []
    for p in SIX_PS:
        changed = []
        for after_id, before_id in pairs.items():
            a, b = new[after_id], old[before_id]
            if a.p is not p:
                continue
            change = FactorChange(
                before_id=before_id,
                after_id=after_id,
                description_changed=_normalised(a.description) != _normalised(b.description),
                main_driver_changed=a.is_main_driver != b.is_main_driver,
            )
            if change.description_changed or change.main_driver_changed:
                changed.append(change)
        per_p.append(
            PDiff(
                p=p,
                added=tuple(f.id for f in after.factors_under(p) if f.id not in pairs),
                removed=tuple(f.id for f in before.factors_under(p) if f.id not in matched_old),
                changed=tuple(changed),
            )
        )

    priority_changes = [
        PriorityChange(before_id, after_id, old[before_id].is_priority, new[after_id].is_priority)
        for after_id, before_id in pairs.items()
        if old[before_id].is_priority != new[after_id].is_priority
    ]
    priority_changes += [
        PriorityChange(None, f.id, False, True) for f in after.priorities() if f.id not in pairs
    ]
    priority_changes += [
        PriorityChange(f.id, None, True, False)
        for f in before.priorities()
        if f.id not in matched_old
    ]

    step_pairs = _match_steps(before.next_steps, after.next_steps)
    matched_steps = set(step_pairs.values())
    return VersionDiff(
        before_id=before.id,
        after_id=after.id,
        before_version=before.version,
        after_version=after.version,
        factors=tuple(per_p),
        priority_changes=tuple(priority_changes),
        hypothesis_changed=_normalised(before.hypothesis or "")
        != _normalised(after.hypothesis or ""),
        overall_goal_changed=_goal_changed(before, after, pairs),
        steps_added=tuple(s.id for s in after.next_steps if s.id not in step_pairs),
        steps_removed=tuple(s.id for s in before.next_steps if s.id not in matched_steps),
    )


def _goal_changed(
    before: Formulation, after: Formulation, pairs: dict[uuid.UUID, uuid.UUID]
) -> bool:
    old, new = before.overall_goal, after.overall_goal
    if old is None or new is None:
        return old is not new
    if _normalised(old.description) != _normalised(new.description):
        return True
    # The goal relates to the same factors when each later factor continues an earlier one.
    related_before = {pairs.get(i) for i in new.factor_ids}
    return related_before != set(old.factor_ids)

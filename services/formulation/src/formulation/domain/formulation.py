"""The Formulation aggregate: one version of a Rethink Formulation of a family, a referral or a
supervision or forum case (Appendix 5, steps 1-5), with its next steps and its history.

Only a draft can be edited. Completing needs a hypothesis, an overall goal and a walk back that
passes or that a supervisor has overridden with a recorded reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict

from contracts.envelope import EventPayload
from contracts.formulation import v1
from contracts.reference.formulation import (
    SIX_PS,
    FormulationSetting,
    ParticipantRole,
    SixP,
    SubjectKind,
    SupervisionKind,
    WayOfBeing,
)
from runtime.domain import FieldError
from runtime.practice import practice_moment

from formulation.domain.errors import (
    CannotReformulate,
    FactorInUse,
    FactorNotFound,
    FactorNotInFormulation,
    FormulationNotDraft,
    FormulationNotReadyToComplete,
    InvalidFactorOrder,
    InvalidSubject,
    NextStepNotFound,
    NothingToReview,
    NotTheNextVersion,
    OverallGoalNeedsFactor,
    ParticipantInUse,
    ParticipantNotFound,
    PHasFactors,
    PrioritisationNeedsPerpetuatingFactor,
    TextRequired,
    UnknownParticipant,
    VersionSuperseded,
    WalkBackOverrideNeedsReason,
    WalkBackPasses,
    WrongKindOfFactor,
)
from formulation.domain.factors import Factor
from formulation.domain.family_structure import FamilyStructure
from formulation.domain.next_steps import NextStep
from formulation.domain.participants import Participant, missing_minimum_roles, role_counts
from formulation.domain.prioritisation import FourPsAssessment
from formulation.domain.restorative_tools import FourWaysReflection
from formulation.domain.supervision import SupervisionReview
from formulation.domain.walk_back import WalkBackOverride, WalkBackReport, walk_back


class FormulationStatus(StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Subject:
    """What the formulation is about. A family's formulation always knows the family; at
    referral stage the subject is the contact and the family may not be known yet.
    """

    kind: SubjectKind
    id: uuid.UUID
    family_id: uuid.UUID | None = None

    @classmethod
    def of(
        cls, kind: SubjectKind, subject_id: uuid.UUID, family_id: uuid.UUID | None = None
    ) -> Subject:
        if kind is SubjectKind.FAMILY:
            if family_id is not None and family_id != subject_id:
                raise InvalidSubject(
                    errors=[FieldError("family_id", "a family's formulation is about that family")]
                )
            family_id = subject_id
        return cls(kind=kind, id=subject_id, family_id=family_id)

    @property
    def contact_id(self) -> uuid.UUID | None:
        return self.id if self.kind is SubjectKind.REFERRAL else None


@dataclass(frozen=True)
class OverallGoal:
    """Step 5: the overall outcome to achieve, related to the factors it was drawn from."""

    description: str
    factor_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class CompletionCheck:
    """What completing the formulation needs, and what is reported alongside."""

    hypothesis_recorded: bool
    overall_goal_set: bool
    walk_back: WalkBackReport
    walk_back_overridden: bool
    unconsidered_ps: tuple[SixP, ...]
    missing_minimum_roles: tuple[ParticipantRole, ...]

    @property
    def all_six_ps_considered(self) -> bool:
        return not self.unconsidered_ps

    @property
    def blockers(self) -> list[FieldError]:
        found: list[FieldError] = []
        if not self.hypothesis_recorded:
            found.append(FieldError("hypothesis", "say what is going on for the family right now"))
        if not self.overall_goal_set:
            found.append(FieldError("overall_goal", "state the overall goal to achieve"))
        if not self.walk_back_overridden:
            for step in self.walk_back.untraced_steps:
                gaps = ", ".join(gap.value for gap in step.gaps)
                found.append(
                    FieldError(f"next_steps.{step.step_id}", f"does not walk back: {gaps}")
                )
            for factor_id in self.walk_back.unaddressed_priorities:
                found.append(
                    FieldError(f"factors.{factor_id}", "priority not addressed by any next step")
                )
        return found

    @property
    def can_complete(self) -> bool:
        return not self.blockers

    def walk_back_gaps(self) -> dict[str, list[object]]:
        """The walk back's gaps as plain values, for a refusal to list (none when overridden)."""
        if self.walk_back_overridden or self.walk_back.passed:
            return {}
        return {
            "untraced_steps": [
                {"step_id": str(s.step_id), "gaps": [g.value for g in s.gaps]}
                for s in self.walk_back.untraced_steps
            ],
            "unaddressed_priorities": [str(i) for i in self.walk_back.unaddressed_priorities],
        }


class _EventIds(TypedDict):
    formulation_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    family_id: uuid.UUID | None


def _required_text(field_name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise TextRequired(errors=[FieldError(field_name, "must not be blank")])
    return text


def _empty_six_ps() -> dict[SixP, list[Factor]]:
    return {p: [] for p in SIX_PS}


@dataclass(eq=False)
class Formulation:
    """One version of a formulation. Change it only through its methods: they keep the rules.

    `lineage_id` is shared by every version (it is the first version's id); `version` counts
    from 1; `previous_version_id` links a re-formulation to the version it rethinks.
    """

    id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    subject: Subject
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    started_at: datetime
    team_id: str | None = None
    previous_version_id: uuid.UUID | None = None
    status: FormulationStatus = FormulationStatus.DRAFT
    participants: list[Participant] = field(default_factory=list)
    family_structure: FamilyStructure = field(default_factory=FamilyStructure)
    factors: dict[SixP, list[Factor]] = field(default_factory=_empty_six_ps)
    considered_none: set[SixP] = field(default_factory=set)
    hypothesis: str | None = None
    overall_goal: OverallGoal | None = None
    next_steps: list[NextStep] = field(default_factory=list)
    walk_back_overrides: list[WalkBackOverride] = field(default_factory=list)
    supervision_reviews: list[SupervisionReview] = field(default_factory=list)
    reflections: list[FourWaysReflection] = field(default_factory=list)
    completed_at: datetime | None = None
    completed_with_override: bool = False
    superseded_at: datetime | None = None
    superseded_by_id: uuid.UUID | None = None
    events: list[EventPayload] = field(default_factory=list)

    # -- starting --------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        formulation_id: uuid.UUID,
        subject: Subject,
        setting: FormulationSetting,
        held_on: date,
        facilitator_id: str,
        now: datetime,
        team_id: str | None = None,
    ) -> Formulation:
        formulation = cls(
            id=formulation_id,
            lineage_id=formulation_id,
            version=1,
            subject=subject,
            setting=setting,
            held_on=held_on,
            facilitator_id=facilitator_id,
            started_at=now,
            team_id=team_id,
        )
        formulation._record_started(carried_factor_count=0)
        return formulation

    @classmethod
    def imported(
        cls,
        *,
        formulation_id: uuid.UUID,
        family_id: uuid.UUID,
        held_on: date,
        presenting_issue: str,
        factor_id: uuid.UUID,
        recorded_by: str,
        team_id: str | None,
        now: datetime,
    ) -> Formulation:
        """The record, brought over from the case system, that a formulation was held with the
        family on `held_on` and found this presenting issue. The case system keeps no 6 Ps, so
        no other factor, no hypothesis and no walk back are claimed: it is completed as held,
        with its completion check reporting what is missing, and counts as completed on the
        day it was held."""
        formulation = cls.start(
            formulation_id=formulation_id,
            subject=Subject.of(SubjectKind.FAMILY, family_id),
            setting=FormulationSetting.WITH_FAMILY,
            held_on=held_on,
            facilitator_id=recorded_by,
            now=now,
            team_id=team_id,
        )
        formulation.add_factor(SixP.PRESENTING, presenting_issue, factor_id=factor_id)
        held = practice_moment(held_on, now)
        formulation.status = FormulationStatus.COMPLETED
        formulation.completed_at = held
        formulation.events.append(
            formulation._completed_event(formulation.completion_check(), held)
        )
        return formulation

    @classmethod
    def reformulate(
        cls,
        previous: Formulation,
        *,
        formulation_id: uuid.UUID,
        setting: FormulationSetting,
        held_on: date,
        facilitator_id: str,
        now: datetime,
        carry_forward: Iterable[uuid.UUID] = (),
        team_id: str | None = None,
    ) -> Formulation:
        """Step 14: formulate again rather than carry on. A new draft version of the lineage.

        Chosen factors are carried forward under new ids, linked by `carried_from`. Whose view
        they were and their 4 Ps assessment stay behind: the new conversation gives its own views
        and priorities are judged afresh. The family structure is carried as it stands.
        """
        if previous.status is not FormulationStatus.COMPLETED:
            raise CannotReformulate(detail=f"version {previous.version} is {previous.status.value}")
        chosen = set(carry_forward)
        unknown = chosen - {f.id for f in previous.all_factors()}
        if unknown:
            raise FactorNotInFormulation(
                errors=[
                    FieldError("carry_forward", f"{i} is not a factor")
                    for i in sorted(unknown, key=str)
                ]
            )
        formulation = cls(
            id=formulation_id,
            lineage_id=previous.lineage_id,
            version=previous.version + 1,
            subject=previous.subject,
            setting=setting,
            held_on=held_on,
            facilitator_id=facilitator_id,
            started_at=now,
            team_id=team_id if team_id is not None else previous.team_id,
            previous_version_id=previous.id,
            family_structure=previous.family_structure,
        )
        for factor in previous.all_factors():
            if factor.id in chosen:
                formulation.factors[factor.p].append(
                    Factor(
                        id=uuid.uuid4(),
                        p=factor.p,
                        description=factor.description,
                        is_main_driver=factor.is_main_driver,
                        carried_from=factor.id,
                    )
                )
        formulation._record_started(carried_factor_count=len(chosen))
        return formulation

    # -- queries ---------------------------------------------------------------------------------

    @property
    def is_draft(self) -> bool:
        return self.status is FormulationStatus.DRAFT

    def all_factors(self) -> tuple[Factor, ...]:
        return tuple(f for p in SIX_PS for f in self.factors[p])

    def factors_under(self, p: SixP) -> tuple[Factor, ...]:
        return tuple(self.factors[p])

    def factor(self, factor_id: uuid.UUID) -> Factor:
        for f in self.all_factors():
            if f.id == factor_id:
                return f
        raise FactorNotFound(detail=str(factor_id))

    def priorities(self) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors[SixP.PERPETUATING] if f.is_priority)

    def participant(self, participant_id: uuid.UUID) -> Participant:
        for p in self.participants:
            if p.id == participant_id:
                return p
        raise ParticipantNotFound(detail=str(participant_id))

    def next_step(self, step_id: uuid.UUID) -> NextStep:
        for s in self.next_steps:
            if s.id == step_id:
                return s
        raise NextStepNotFound(detail=str(step_id))

    def unconsidered_ps(self) -> tuple[SixP, ...]:
        """Ps with no factor that nobody has marked as considered with none."""
        return tuple(p for p in SIX_PS if not self.factors[p] and p not in self.considered_none)

    def all_six_ps_considered(self) -> bool:
        return not self.unconsidered_ps()

    def walk_back(self) -> WalkBackReport:
        return walk_back(self.all_factors(), self.next_steps)

    def completion_check(self) -> CompletionCheck:
        report = self.walk_back()
        override = self.walk_back_overrides[-1] if self.walk_back_overrides else None
        return CompletionCheck(
            hypothesis_recorded=self.hypothesis is not None,
            overall_goal_set=self.overall_goal is not None,
            walk_back=report,
            walk_back_overridden=(
                not report.passed and override is not None and override.covers(report)
            ),
            unconsidered_ps=self.unconsidered_ps(),
            missing_minimum_roles=missing_minimum_roles(self.participants),
        )

    # -- participants and family structure (steps 1-2) -------------------------------------------

    @property
    def family_id(self) -> uuid.UUID | None:
        return self.subject.family_id

    def people(self) -> list[tuple[str, uuid.UUID]]:
        """Every registered person the formulation names, with the field that names them: each
        must be of the family, and each one's subject access request finds it."""
        named = [("person_id", p.person_id) for p in self.participants if p.person_id]
        return named + [("members.person_id", m.person_id) for m in self.family_structure.members]

    def add_participant(
        self,
        role: ParticipantRole,
        *,
        participant_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        user_id: str | None = None,
        agency_id: str | None = None,
    ) -> Participant:
        self._ensure_draft()
        participant = Participant(
            id=participant_id or uuid.uuid4(),
            role=role,
            person_id=person_id,
            user_id=user_id,
            agency_id=agency_id,
        )
        self.participants.append(participant)
        return participant

    def remove_participant(self, participant_id: uuid.UUID) -> None:
        self._ensure_draft()
        self.participant(participant_id)
        if any(f.view_of == participant_id for f in self.all_factors()) or any(
            s.owner_participant_id == participant_id for s in self.next_steps
        ):
            raise ParticipantInUse(detail=str(participant_id))
        self.participants = [p for p in self.participants if p.id != participant_id]

    def record_family_structure(self, structure: FamilyStructure) -> None:
        self._ensure_draft()
        structure.ensure_consistent()
        self.family_structure = structure

    # -- factors under the 6 Ps (step 3) ---------------------------------------------------------

    def add_factor(
        self,
        p: SixP,
        description: str,
        *,
        is_main_driver: bool = False,
        view_of: uuid.UUID | None = None,
        factor_id: uuid.UUID | None = None,
    ) -> Factor:
        self._ensure_draft()
        self._ensure_participant_reference("view_of", view_of)
        factor = Factor(
            id=factor_id or uuid.uuid4(),
            p=p,
            description=_required_text("description", description),
            is_main_driver=is_main_driver,
            view_of=view_of,
        )
        self.factors[p].append(factor)
        self.considered_none.discard(p)
        return factor

    def revise_factor(self, factor_id: uuid.UUID, description: str) -> Factor:
        self._ensure_draft()
        text = _required_text("description", description)
        return self._replace_factor(factor_id, lambda f: replace(f, description=text))

    def mark_main_driver(self, factor_id: uuid.UUID, is_main_driver: bool = True) -> Factor:
        self._ensure_draft()
        return self._replace_factor(factor_id, lambda f: replace(f, is_main_driver=is_main_driver))

    def attribute_view(self, factor_id: uuid.UUID, participant_id: uuid.UUID | None) -> Factor:
        self._ensure_draft()
        self._ensure_participant_reference("view_of", participant_id)
        return self._replace_factor(factor_id, lambda f: replace(f, view_of=participant_id))

    def remove_factor(self, factor_id: uuid.UUID) -> None:
        self._ensure_draft()
        factor = self.factor(factor_id)
        in_goal = self.overall_goal is not None and factor_id in self.overall_goal.factor_ids
        if in_goal or any(factor_id in s.references() for s in self.next_steps):
            raise FactorInUse(detail=str(factor_id))
        self.factors[factor.p] = [f for f in self.factors[factor.p] if f.id != factor_id]

    def reorder_factors(self, p: SixP, ordered_ids: Sequence[uuid.UUID]) -> None:
        self._ensure_draft()
        current = {f.id: f for f in self.factors[p]}
        if len(ordered_ids) != len(current) or set(ordered_ids) != set(current):
            raise InvalidFactorOrder(
                errors=[FieldError("factor_ids", f"list each {p.value} factor exactly once")]
            )
        self.factors[p] = [current[i] for i in ordered_ids]

    def mark_considered_none(self, p: SixP) -> None:
        """Record that the P was thought about and nothing belongs under it."""
        self._ensure_draft()
        if self.factors[p]:
            raise PHasFactors(detail=p.value)
        self.considered_none.add(p)

    def unmark_considered_none(self, p: SixP) -> None:
        self._ensure_draft()
        self.considered_none.discard(p)

    # -- hypothesis, 4 Ps of prioritisation, overall goal (steps 4-5) ----------------------------

    def record_hypothesis(self, text: str) -> None:
        self._ensure_draft()
        self.hypothesis = _required_text("hypothesis", text)

    def assess_prioritisation(self, factor_id: uuid.UUID, assessment: FourPsAssessment) -> Factor:
        self._ensure_draft()
        if self.factor(factor_id).p is not SixP.PERPETUATING:
            raise PrioritisationNeedsPerpetuatingFactor(detail=str(factor_id))
        return self._replace_factor(factor_id, lambda f: replace(f, prioritisation=assessment))

    def clear_prioritisation(self, factor_id: uuid.UUID) -> Factor:
        self._ensure_draft()
        return self._replace_factor(factor_id, lambda f: replace(f, prioritisation=None))

    def set_overall_goal(self, description: str, factor_ids: Iterable[uuid.UUID]) -> OverallGoal:
        self._ensure_draft()
        text = _required_text("overall_goal", description)
        ids = tuple(dict.fromkeys(factor_ids))
        if not ids:
            raise OverallGoalNeedsFactor(
                errors=[FieldError("factor_ids", "name at least one identified factor")]
            )
        self._ensure_factor_references([("factor_ids", i, None) for i in ids])
        self.overall_goal = OverallGoal(description=text, factor_ids=ids)
        return self.overall_goal

    # -- next steps and the walk back ------------------------------------------------------------

    def add_next_step(
        self,
        *,
        what: str,
        owner_participant_id: uuid.UUID,
        due_on: date,
        addresses_factor_id: uuid.UUID | None = None,
        presenting_issue_id: uuid.UUID | None = None,
        builds_on_factor_ids: Iterable[uuid.UUID] = (),
        step_id: uuid.UUID | None = None,
    ) -> NextStep:
        self._ensure_draft()
        step = self._checked_step(
            step_id or uuid.uuid4(),
            what,
            owner_participant_id,
            due_on,
            addresses_factor_id,
            presenting_issue_id,
            tuple(dict.fromkeys(builds_on_factor_ids)),
        )
        self.next_steps.append(step)
        return step

    def revise_next_step(
        self,
        step_id: uuid.UUID,
        *,
        what: str,
        owner_participant_id: uuid.UUID,
        due_on: date,
        addresses_factor_id: uuid.UUID | None = None,
        presenting_issue_id: uuid.UUID | None = None,
        builds_on_factor_ids: Iterable[uuid.UUID] = (),
    ) -> NextStep:
        self._ensure_draft()
        self.next_step(step_id)
        step = self._checked_step(
            step_id,
            what,
            owner_participant_id,
            due_on,
            addresses_factor_id,
            presenting_issue_id,
            tuple(dict.fromkeys(builds_on_factor_ids)),
        )
        self.next_steps = [step if s.id == step_id else s for s in self.next_steps]
        return step

    def remove_next_step(self, step_id: uuid.UUID) -> None:
        self._ensure_draft()
        self.next_step(step_id)
        self.next_steps = [s for s in self.next_steps if s.id != step_id]

    def override_walk_back(
        self, *, supervisor_id: str, reason: str, now: datetime
    ) -> WalkBackOverride:
        """A supervisor records why this plan may go ahead although the walk back fails."""
        self._ensure_draft()
        text = (reason or "").strip()
        if not text:
            raise WalkBackOverrideNeedsReason(
                errors=[FieldError("reason", "record why the plan may go ahead")]
            )
        report = self.walk_back()
        if report.passed:
            raise WalkBackPasses()
        override = WalkBackOverride(
            supervisor_id=supervisor_id,
            reason=text,
            recorded_at=now,
            untraced_steps=report.untraced_steps,
            unaddressed_priorities=report.unaddressed_priorities,
        )
        self.walk_back_overrides.append(override)
        self.events.append(
            v1.WalkBackOverridden(
                **self._event_ids(),
                supervisor_id=supervisor_id,
                untraced_step_count=len(report.untraced_steps),
                unaddressed_priority_count=len(report.unaddressed_priorities),
                overridden_at=now,
            )
        )
        return override

    # -- lifecycle -------------------------------------------------------------------------------

    def complete(self, now: datetime) -> CompletionCheck:
        """Complete this version. A re-formulation should be completed with `complete_version`,
        which also supersedes the version it rethinks.
        """
        self._ensure_draft()
        check = self.completion_check()
        if not check.can_complete:
            raise FormulationNotReadyToComplete(errors=check.blockers, extra=check.walk_back_gaps())
        self.status = FormulationStatus.COMPLETED
        self.completed_at = now
        self.completed_with_override = check.walk_back_overridden
        self.events.append(self._completed_event(check, now))
        if self.next_steps:
            self.events.append(self._next_steps_event(now))
        return check

    def supersede(self, successor: Formulation, now: datetime) -> None:
        """This completed version gives way to its completed successor."""
        if self.status is FormulationStatus.SUPERSEDED:
            raise VersionSuperseded(detail=f"version {self.version} is already superseded")
        if (
            self.status is not FormulationStatus.COMPLETED
            or successor.status is not FormulationStatus.COMPLETED
            or successor.previous_version_id != self.id
            or successor.lineage_id != self.lineage_id
        ):
            raise NotTheNextVersion()
        self.status = FormulationStatus.SUPERSEDED
        self.superseded_at = now
        self.superseded_by_id = successor.id
        self.events.append(
            v1.FormulationSuperseded(
                **self._event_ids(),
                superseded_by_id=successor.id,
                superseded_by_version=successor.version,
                superseded_at=now,
            )
        )

    # -- history that does not change the formulation itself -------------------------------------

    def record_supervision_review(
        self,
        *,
        supervisor_id: str,
        kind: SupervisionKind,
        plan_likely_to_achieve_goal: bool,
        why_not: str | None,
        changes: str | None,
        now: datetime,
        review_id: uuid.UUID | None = None,
    ) -> SupervisionReview:
        """Outcome focused supervision of this version's plan, drafted or completed."""
        self._ensure_not_superseded()
        if self.overall_goal is None:
            raise NothingToReview()
        review = SupervisionReview.record(
            review_id=review_id or uuid.uuid4(),
            supervisor_id=supervisor_id,
            kind=kind,
            plan_likely_to_achieve_goal=plan_likely_to_achieve_goal,
            why_not=why_not,
            changes=changes,
            now=now,
        )
        self.supervision_reviews.append(review)
        self.events.append(
            v1.SupervisionReviewed(
                **self._event_ids(),
                review_id=review.id,
                supervisor_id=supervisor_id,
                supervision_kind=kind,
                plan_likely_to_achieve_goal=plan_likely_to_achieve_goal,
                changes_recorded=review.changes is not None,
                reviewed_at=now,
            )
        )
        return review

    def record_four_ways_reflection(
        self,
        *,
        practitioner_id: str,
        way_of_being: WayOfBeing,
        notes: str,
        now: datetime,
        reflection_id: uuid.UUID | None = None,
    ) -> FourWaysReflection:
        self._ensure_not_superseded()
        reflection = FourWaysReflection(
            id=reflection_id or uuid.uuid4(),
            practitioner_id=practitioner_id,
            way_of_being=way_of_being,
            notes=notes.strip(),
            recorded_at=now,
        )
        self.reflections.append(reflection)
        self.events.append(
            v1.FourWaysReflectionRecorded(
                **self._event_ids(),
                reflection_id=reflection.id,
                practitioner_id=practitioner_id,
                way_of_being=way_of_being,
                recorded_at=now,
            )
        )
        return reflection

    # -- internals -------------------------------------------------------------------------------

    def _ensure_draft(self) -> None:
        if self.status is not FormulationStatus.DRAFT:
            raise FormulationNotDraft(detail=f"version {self.version} is {self.status.value}")

    def _ensure_not_superseded(self) -> None:
        if self.status is FormulationStatus.SUPERSEDED:
            raise VersionSuperseded(detail=f"version {self.version} is superseded")

    def _ensure_participant_reference(
        self, field_name: str, participant_id: uuid.UUID | None
    ) -> None:
        if participant_id is not None and all(p.id != participant_id for p in self.participants):
            raise UnknownParticipant(errors=[FieldError(field_name, str(participant_id))])

    def _ensure_factor_references(
        self, references: Sequence[tuple[str, uuid.UUID, SixP | None]]
    ) -> None:
        """Each (field, factor id, required P) must name a factor of this formulation under that P."""
        by_id = {f.id: f for f in self.all_factors()}
        missing = [FieldError(name, str(i)) for name, i, _ in references if i not in by_id]
        if missing:
            raise FactorNotInFormulation(errors=missing)
        wrong = [
            FieldError(name, f"{i} is a {by_id[i].p.value} factor, not {p.value}")
            for name, i, p in references
            if p is not None and by_id[i].p is not p
        ]
        if wrong:
            raise WrongKindOfFactor(errors=wrong)

    def _checked_step(
        self,
        step_id: uuid.UUID,
        what: str,
        owner_participant_id: uuid.UUID,
        due_on: date,
        addresses_factor_id: uuid.UUID | None,
        presenting_issue_id: uuid.UUID | None,
        builds_on_factor_ids: tuple[uuid.UUID, ...],
    ) -> NextStep:
        text = _required_text("what", what)
        self._ensure_participant_reference("owner_participant_id", owner_participant_id)
        references: list[tuple[str, uuid.UUID, SixP | None]] = [
            ("builds_on_factor_ids", i, SixP.PROTECTIVE) for i in builds_on_factor_ids
        ]
        if addresses_factor_id is not None:
            references.append(("addresses_factor_id", addresses_factor_id, SixP.PERPETUATING))
        if presenting_issue_id is not None:
            references.append(("presenting_issue_id", presenting_issue_id, SixP.PRESENTING))
        self._ensure_factor_references(references)
        return NextStep(
            id=step_id,
            what=text,
            owner_participant_id=owner_participant_id,
            due_on=due_on,
            addresses_factor_id=addresses_factor_id,
            presenting_issue_id=presenting_issue_id,
            builds_on_factor_ids=builds_on_factor_ids,
        )

    def _replace_factor(self, factor_id: uuid.UUID, change: Callable[[Factor], Factor]) -> Factor:
        old = self.factor(factor_id)
        new = change(old)
        self.factors[old.p] = [new if f.id == factor_id else f for f in self.factors[old.p]]
        return new

    def _event_ids(self) -> _EventIds:
        return _EventIds(
            formulation_id=self.id,
            lineage_id=self.lineage_id,
            version=self.version,
            family_id=self.subject.family_id,
        )

    def _record_started(self, *, carried_factor_count: int) -> None:
        self.events.append(
            v1.FormulationStarted(
                **self._event_ids(),
                previous_version_id=self.previous_version_id,
                subject_kind=self.subject.kind,
                subject_id=self.subject.id,
                contact_id=self.subject.contact_id,
                team_id=self.team_id,
                setting=self.setting,
                held_on=self.held_on,
                facilitator_id=self.facilitator_id,
                carried_factor_count=carried_factor_count,
                started_at=self.started_at,
            )
        )

    def _completed_event(self, check: CompletionCheck, now: datetime) -> v1.FormulationCompleted:
        count = {p: len(self.factors[p]) for p in SIX_PS}
        return v1.FormulationCompleted(
            **self._event_ids(),
            previous_version_id=self.previous_version_id,
            subject_kind=self.subject.kind,
            subject_id=self.subject.id,
            contact_id=self.subject.contact_id,
            team_id=self.team_id,
            setting=self.setting,
            held_on=self.held_on,
            completed_at=now,
            all_six_ps_considered=check.all_six_ps_considered,
            minimum_participants_present=not check.missing_minimum_roles,
            walk_back_passed=check.walk_back.passed,
            walk_back_overridden=check.walk_back_overridden,
            factor_counts=v1.FactorCounts(
                presenting=count[SixP.PRESENTING],
                predisposing=count[SixP.PREDISPOSING],
                precipitating=count[SixP.PRECIPITATING],
                perpetuating=count[SixP.PERPETUATING],
                protective=count[SixP.PROTECTIVE],
                predicting=count[SixP.PREDICTING],
            ),
            main_driver_count=sum(1 for f in self.all_factors() if f.is_main_driver),
            priority_count=len(self.priorities()),
            next_step_count=len(self.next_steps),
            participant_roles=role_counts(self.participants),
        )

    def _next_steps_event(self, now: datetime) -> v1.NextStepsAgreed:
        report = self.walk_back()
        untraced = {u.step_id for u in report.untraced_steps}
        owners = {p.id: p.role for p in self.participants}
        return v1.NextStepsAgreed(
            **self._event_ids(),
            contact_id=self.subject.contact_id,
            team_id=self.team_id,
            agreed_at=now,
            next_step_count=len(self.next_steps),
            priority_count=len(self.priorities()),
            steps=[
                v1.AgreedStep(
                    step_id=s.id,
                    due_on=s.due_on,
                    owner_role=owners[s.owner_participant_id],
                    addresses_factor_id=s.addresses_factor_id,
                    presenting_issue_id=s.presenting_issue_id,
                    builds_on_factor_count=len(s.builds_on_factor_ids),
                    traces_back=s.id not in untraced,
                )
                for s in self.next_steps
            ],
        )

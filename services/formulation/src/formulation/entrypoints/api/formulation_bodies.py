"""Request and response bodies of the formulation endpoints. Priority is never a request field:
it is computed from the 4 Ps assessment and only ever appears in responses.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from contracts.reference.formulation import (
    SIX_PS,
    FormulationSetting,
    ParticipantRole,
    SixP,
    SubjectKind,
    SupervisionKind,
)
from pydantic import BaseModel, Field

from formulation.domain.factors import Factor
from formulation.domain.family_structure import (
    FamilyMember,
    FamilyStructure,
    Relationship,
    RelationshipKind,
    RelationshipQuality,
)
from formulation.domain.formulation import CompletionCheck, Formulation, FormulationStatus
from formulation.domain.next_steps import NextStep
from formulation.domain.prioritisation import FourPsAssessment
from formulation.domain.supervision import SupervisionReview
from formulation.domain.versions import VersionDiff
from formulation.domain.walk_back import WalkBackGap, WalkBackOverride
from formulation.entrypoints.api.bodies import (
    HeldOn,
    Ids,
    ParticipantRequest,
    ParticipantResponse,
    Ref,
    ReflectionResponse,
    Strict,
    TeamId,
    Text,
)

# -- requests ------------------------------------------------------------------------------------


class StartFormulationRequest(Strict):
    subject_kind: SubjectKind
    subject_id: uuid.UUID = Field(
        description="the family, the contact (referral stage), or the supervision or forum case"
    )
    family_id: uuid.UUID | None = Field(
        None, description="the family a referral or case is about, where known"
    )
    setting: FormulationSetting
    held_on: HeldOn
    facilitator_id: Ref | None = Field(None, description="defaults to the caller")
    team_id: TeamId | None = Field(None, description="defaults to the family's allocated team")
    participants: Annotated[list[ParticipantRequest], Field(max_length=50)] = []


class FactorRequest(Strict):
    p: SixP
    description: Text
    is_main_driver: bool = False
    view_of: uuid.UUID | None = Field(
        None, description="the participant whose view this is; none for the room's shared view"
    )


class FactorChangeRequest(Strict):
    """Only the fields given change; `view_of: null` makes it the room's shared view."""

    description: Text | None = None
    is_main_driver: bool | None = None
    view_of: uuid.UUID | None = None


class FactorOrderRequest(Strict):
    factor_ids: Ids


class ConsideredNoneRequest(Strict):
    considered_none: bool


class PrioritisationRequest(Strict):
    """The 4 Ps of prioritisation, judged together; a factor is a priority only if all four hold."""

    prerequisite: bool = Field(description="must change first for progress to start")
    powerful: bool = Field(description="a strong driver of the issue")
    proximal: bool = Field(description="closely connected to the issue")
    participants_goals: bool = Field(description="important to the family's desired outcomes")

    def assessment(self) -> FourPsAssessment:
        return FourPsAssessment(
            prerequisite=self.prerequisite,
            powerful=self.powerful,
            proximal=self.proximal,
            participants_goals=self.participants_goals,
        )


class HypothesisRequest(Strict):
    text: Text = Field(description="what is going on for the family right now")


class OverallGoalRequest(Strict):
    description: Text
    factor_ids: Ids = Field(description="the identified factors the goal relates to (at least one)")


class FamilyMemberRequest(Strict):
    person_id: uuid.UUID
    in_household: bool = True


class RelationshipRequest(Strict):
    from_person_id: uuid.UUID
    to_person_id: uuid.UUID
    kind: RelationshipKind
    quality: RelationshipQuality | None = None


class FamilyStructureRequest(Strict):
    """The genogram: people by id and how they are related."""

    members: Annotated[list[FamilyMemberRequest], Field(max_length=100)]
    relationships: Annotated[list[RelationshipRequest], Field(max_length=400)] = []

    def structure(self) -> FamilyStructure:
        return FamilyStructure(
            members=tuple(FamilyMember(m.person_id, m.in_household) for m in self.members),
            relationships=tuple(
                Relationship(r.from_person_id, r.to_person_id, r.kind, r.quality)
                for r in self.relationships
            ),
        )


class NextStepRequest(Strict):
    what: Text
    owner_participant_id: uuid.UUID = Field(description="by whom: a participant")
    due_on: date = Field(description="by when")
    addresses_factor_id: uuid.UUID | None = Field(
        None, description="the prioritised perpetuating factor the step addresses"
    )
    presenting_issue_id: uuid.UUID | None = Field(
        None, description="the presenting factor the step addresses"
    )
    builds_on_factor_ids: Ids = Field([], description="protective factors the step builds on")

    def fields(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "owner_participant_id": self.owner_participant_id,
            "due_on": self.due_on,
            "addresses_factor_id": self.addresses_factor_id,
            "presenting_issue_id": self.presenting_issue_id,
            "builds_on_factor_ids": self.builds_on_factor_ids,
        }


class WalkBackOverrideRequest(Strict):
    reason: Text = Field(description="why this plan may go ahead although the walk back fails")


class ReformulateRequest(Strict):
    setting: FormulationSetting
    held_on: HeldOn
    facilitator_id: Ref | None = Field(None, description="defaults to the caller")
    team_id: TeamId | None = None
    carry_forward: Ids = Field([], description="factors of this version to carry into the new one")


class SupervisionReviewRequest(Strict):
    kind: SupervisionKind
    plan_likely_to_achieve_goal: bool
    why_not: Text | None = Field(None, description="required when the plan is not likely to")
    changes: Text | None = Field(None, description="what should change in the plan")


# -- responses -----------------------------------------------------------------------------------


class PrioritisationResponse(BaseModel):
    prerequisite: bool
    powerful: bool
    proximal: bool
    participants_goals: bool
    criteria_met: int


class FactorResponse(BaseModel):
    id: uuid.UUID
    p: SixP
    description: str
    is_main_driver: bool
    view_of: uuid.UUID | None
    prioritisation: PrioritisationResponse | None
    is_priority: bool = Field(description="computed: perpetuating and meeting all 4 Ps")
    carried_from: uuid.UUID | None

    @classmethod
    def of(cls, f: Factor) -> FactorResponse:
        a = f.prioritisation
        return cls(
            id=f.id,
            p=f.p,
            description=f.description,
            is_main_driver=f.is_main_driver,
            view_of=f.view_of,
            prioritisation=None
            if a is None
            else PrioritisationResponse(
                prerequisite=a.prerequisite,
                powerful=a.powerful,
                proximal=a.proximal,
                participants_goals=a.participants_goals,
                criteria_met=a.criteria_met,
            ),
            is_priority=f.is_priority,
            carried_from=f.carried_from,
        )


class NextStepResponse(BaseModel):
    id: uuid.UUID
    what: str
    owner_participant_id: uuid.UUID
    due_on: date
    addresses_factor_id: uuid.UUID | None
    presenting_issue_id: uuid.UUID | None
    builds_on_factor_ids: list[uuid.UUID]

    @classmethod
    def of(cls, s: NextStep) -> NextStepResponse:
        return cls(
            id=s.id,
            what=s.what,
            owner_participant_id=s.owner_participant_id,
            due_on=s.due_on,
            addresses_factor_id=s.addresses_factor_id,
            presenting_issue_id=s.presenting_issue_id,
            builds_on_factor_ids=list(s.builds_on_factor_ids),
        )


class FamilyMemberResponse(BaseModel):
    person_id: uuid.UUID
    in_household: bool


class RelationshipResponse(BaseModel):
    from_person_id: uuid.UUID
    to_person_id: uuid.UUID
    kind: RelationshipKind
    quality: RelationshipQuality | None


class FamilyStructureResponse(BaseModel):
    members: list[FamilyMemberResponse]
    relationships: list[RelationshipResponse]


class OverallGoalResponse(BaseModel):
    description: str
    factor_ids: list[uuid.UUID]


class UntracedStepResponse(BaseModel):
    step_id: uuid.UUID
    gaps: list[WalkBackGap]


class WalkBackOverrideResponse(BaseModel):
    supervisor_id: str
    reason: str
    recorded_at: datetime
    untraced_steps: list[UntracedStepResponse]
    unaddressed_priorities: list[uuid.UUID]

    @classmethod
    def of(cls, o: WalkBackOverride) -> WalkBackOverrideResponse:
        return cls(
            supervisor_id=o.supervisor_id,
            reason=o.reason,
            recorded_at=o.recorded_at,
            untraced_steps=[
                UntracedStepResponse(step_id=u.step_id, gaps=list(u.gaps)) for u in o.untraced_steps
            ],
            unaddressed_priorities=list(o.unaddressed_priorities),
        )


class SupervisionReviewResponse(BaseModel):
    id: uuid.UUID
    supervisor_id: str
    kind: SupervisionKind
    plan_likely_to_achieve_goal: bool
    why_not: str | None
    changes: str | None
    reviewed_at: datetime

    @classmethod
    def of(cls, r: SupervisionReview) -> SupervisionReviewResponse:
        return cls(
            id=r.id,
            supervisor_id=r.supervisor_id,
            kind=r.kind,
            plan_likely_to_achieve_goal=r.plan_likely_to_achieve_goal,
            why_not=r.why_not,
            changes=r.changes,
            reviewed_at=r.reviewed_at,
        )


class SubjectResponse(BaseModel):
    kind: SubjectKind
    id: uuid.UUID
    family_id: uuid.UUID | None
    contact_id: uuid.UUID | None


class FormulationResponse(BaseModel):
    id: uuid.UUID
    lineage_id: uuid.UUID = Field(description="shared by every version (the first version's id)")
    version: int
    previous_version_id: uuid.UUID | None
    status: FormulationStatus
    subject: SubjectResponse
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    team_id: str | None
    started_at: datetime
    completed_at: datetime | None
    completed_with_override: bool
    superseded_at: datetime | None
    superseded_by_id: uuid.UUID | None
    participants: list[ParticipantResponse]
    family_structure: FamilyStructureResponse
    factors: dict[SixP, list[FactorResponse]] = Field(
        description="under each of the 6 Ps, in order"
    )
    considered_none: list[SixP] = Field(description="Ps thought about with nothing under them")
    hypothesis: str | None
    overall_goal: OverallGoalResponse | None
    next_steps: list[NextStepResponse]
    walk_back_overrides: list[WalkBackOverrideResponse]
    supervision_reviews: list[SupervisionReviewResponse]
    reflections: list[ReflectionResponse]
    revision: int = Field(description="counts edits; the ETag is this number in quotes")

    @classmethod
    def of(cls, f: Formulation, revision: int) -> FormulationResponse:
        return cls(
            id=f.id,
            lineage_id=f.lineage_id,
            version=f.version,
            previous_version_id=f.previous_version_id,
            status=f.status,
            subject=SubjectResponse(
                kind=f.subject.kind,
                id=f.subject.id,
                family_id=f.subject.family_id,
                contact_id=f.subject.contact_id,
            ),
            setting=f.setting,
            held_on=f.held_on,
            facilitator_id=f.facilitator_id,
            team_id=f.team_id,
            started_at=f.started_at,
            completed_at=f.completed_at,
            completed_with_override=f.completed_with_override,
            superseded_at=f.superseded_at,
            superseded_by_id=f.superseded_by_id,
            participants=[ParticipantResponse.of(p) for p in f.participants],
            family_structure=FamilyStructureResponse(
                members=[
                    FamilyMemberResponse(person_id=m.person_id, in_household=m.in_household)
                    for m in f.family_structure.members
                ],
                relationships=[
                    RelationshipResponse(
                        from_person_id=r.from_person_id,
                        to_person_id=r.to_person_id,
                        kind=r.kind,
                        quality=r.quality,
                    )
                    for r in f.family_structure.relationships
                ],
            ),
            factors={p: [FactorResponse.of(x) for x in f.factors_under(p)] for p in SIX_PS},
            considered_none=[p for p in SIX_PS if p in f.considered_none],
            hypothesis=f.hypothesis,
            overall_goal=None
            if f.overall_goal is None
            else OverallGoalResponse(
                description=f.overall_goal.description,
                factor_ids=list(f.overall_goal.factor_ids),
            ),
            next_steps=[NextStepResponse.of(s) for s in f.next_steps],
            walk_back_overrides=[WalkBackOverrideResponse.of(o) for o in f.walk_back_overrides],
            supervision_reviews=[SupervisionReviewResponse.of(r) for r in f.supervision_reviews],
            reflections=[ReflectionResponse.of(r) for r in f.reflections],
            revision=revision,
        )


class FormulationSummaryResponse(BaseModel):
    id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    previous_version_id: uuid.UUID | None
    status: FormulationStatus
    subject_kind: SubjectKind
    subject_id: uuid.UUID
    family_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    team_id: str | None
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    started_at: datetime
    completed_at: datetime | None
    revision: int

    @classmethod
    def of(cls, row: Any) -> FormulationSummaryResponse:
        return cls(
            id=row.formulation_id,
            lineage_id=row.lineage_id,
            version=row.version,
            previous_version_id=row.previous_version_id,
            status=row.status,
            subject_kind=row.subject_kind,
            subject_id=row.subject_id,
            family_id=row.family_id,
            contact_id=row.contact_id,
            team_id=row.team_id,
            setting=row.setting,
            held_on=row.held_on,
            facilitator_id=row.facilitator_id,
            started_at=row.started_at,
            completed_at=row.completed_at,
            revision=row.revision,
        )


class FieldErrorResponse(BaseModel):
    field: str
    message: str


class WalkBackResponse(BaseModel):
    """The walk back on demand: steps that do not trace back and priorities no step addresses."""

    formulation_id: uuid.UUID
    passed: bool
    untraced_steps: list[UntracedStepResponse]
    unaddressed_priorities: list[uuid.UUID]
    steps_not_building_on_protective_factors: list[uuid.UUID] = Field(
        description="advice only: a step may have no strength to build on"
    )
    overridden: bool = Field(description="a supervisor's recorded override covers these gaps")
    can_complete: bool
    blockers: list[FieldErrorResponse]
    unconsidered_ps: list[SixP]
    missing_minimum_roles: list[ParticipantRole]

    @classmethod
    def of(cls, f: Formulation, check: CompletionCheck) -> WalkBackResponse:
        report = check.walk_back
        return cls(
            formulation_id=f.id,
            passed=report.passed,
            untraced_steps=[
                UntracedStepResponse(step_id=u.step_id, gaps=list(u.gaps))
                for u in report.untraced_steps
            ],
            unaddressed_priorities=list(report.unaddressed_priorities),
            steps_not_building_on_protective_factors=list(
                report.steps_not_building_on_protective_factors
            ),
            overridden=check.walk_back_overridden,
            can_complete=check.can_complete,
            blockers=[FieldErrorResponse(field=e.field, message=e.message) for e in check.blockers],
            unconsidered_ps=list(check.unconsidered_ps),
            missing_minimum_roles=list(check.missing_minimum_roles),
        )


class HistoryResponse(BaseModel):
    lineage_id: uuid.UUID
    versions: list[FormulationResponse] = Field(description="oldest first")


class FactorDescriptionResponse(BaseModel):
    id: uuid.UUID
    description: str


class FactorChangeResponse(BaseModel):
    before_id: uuid.UUID
    after_id: uuid.UUID
    before_description: str
    after_description: str
    description_changed: bool
    main_driver_changed: bool


class PDiffResponse(BaseModel):
    p: SixP
    added: list[FactorDescriptionResponse]
    removed: list[FactorDescriptionResponse]
    changed: list[FactorChangeResponse]


class PriorityChangeResponse(BaseModel):
    before_id: uuid.UUID | None
    after_id: uuid.UUID | None
    was_priority: bool
    is_priority: bool


class TextChangeResponse(BaseModel):
    changed: bool
    before: str | None
    after: str | None


class StepDescriptionResponse(BaseModel):
    id: uuid.UUID
    what: str


class VersionRefResponse(BaseModel):
    id: uuid.UUID
    version: int
    status: FormulationStatus


class ComparisonResponse(BaseModel):
    """What changed from the earlier version to the later one."""

    before: VersionRefResponse
    after: VersionRefResponse
    has_changes: bool
    factors: list[PDiffResponse]
    priority_changes: list[PriorityChangeResponse]
    hypothesis: TextChangeResponse
    overall_goal: TextChangeResponse
    steps_added: list[StepDescriptionResponse]
    steps_removed: list[StepDescriptionResponse]

    @classmethod
    def of(cls, before: Formulation, after: Formulation, diff: VersionDiff) -> ComparisonResponse:
        old = {f.id: f for f in before.all_factors()}
        new = {f.id: f for f in after.all_factors()}
        old_steps = {s.id: s for s in before.next_steps}
        new_steps = {s.id: s for s in after.next_steps}
        return cls(
            before=VersionRefResponse(id=before.id, version=before.version, status=before.status),
            after=VersionRefResponse(id=after.id, version=after.version, status=after.status),
            has_changes=diff.has_changes,
            factors=[
                PDiffResponse(
                    p=d.p,
                    added=[
                        FactorDescriptionResponse(id=i, description=new[i].description)
                        for i in d.added
                    ],
                    removed=[
                        FactorDescriptionResponse(id=i, description=old[i].description)
                        for i in d.removed
                    ],
                    changed=[
                        FactorChangeResponse(
                            before_id=c.before_id,
                            after_id=c.after_id,
                            before_description=old[c.before_id].description,
                            after_description=new[c.after_id].description,
                            description_changed=c.description_changed,
                            main_driver_changed=c.main_driver_changed,
                        )
                        for c in d.changed
                    ],
                )
                for d in diff.factors
            ],
            priority_changes=[
                PriorityChangeResponse(
                    before_id=c.before_id,
                    after_id=c.after_id,
                    was_priority=c.was_priority,
                    is_priority=c.is_priority,
                )
                for c in diff.priority_changes
            ],
            hypothesis=TextChangeResponse(
                changed=diff.hypothesis_changed, before=before.hypothesis, after=after.hypothesis
            ),
            overall_goal=TextChangeResponse(
                changed=diff.overall_goal_changed,
                before=before.overall_goal.description if before.overall_goal else None,
                after=after.overall_goal.description if after.overall_goal else None,
            ),
            steps_added=[
                StepDescriptionResponse(id=i, what=new_steps[i].what) for i in diff.steps_added
            ],
            steps_removed=[
                StepDescriptionResponse(id=i, what=old_steps[i].what) for i in diff.steps_removed
            ],
        )

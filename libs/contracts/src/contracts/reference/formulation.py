"""Codes of Rethink Formulation (DfE evaluation of Leeds, Appendices 3-5): the 6 Ps, settings,
participant roles, the Four Ways of Being and Fair Process.

Event payloads carry these codes, so the outcomes service and the BI stream read them from here.
"""

from __future__ import annotations

from enum import StrEnum


class SixP(StrEnum):
    """The 6 Ps a formulation's factors are organised under (Appendix 3)."""

    PRESENTING = "presenting"
    PREDISPOSING = "predisposing"
    PRECIPITATING = "precipitating"
    PERPETUATING = "perpetuating"
    PROTECTIVE = "protective"
    PREDICTING = "predicting"


# Order in which the 6 Ps are shown and counted.
SIX_PS: tuple[SixP, ...] = tuple(SixP)

SIX_P_LABELS: dict[SixP, str] = {
    SixP.PRESENTING: "Presenting problem(s)",
    SixP.PREDISPOSING: "Predisposing factors which made the individual vulnerable to the problem",
    SixP.PRECIPITATING: "Precipitating factors which triggered the problem",
    SixP.PERPETUATING: "Perpetuating factors which keep the problem going",
    SixP.PROTECTIVE: "Protective factors",
    SixP.PREDICTING: "Predicting factors",
}


class FormulationSetting(StrEnum):
    """Where formulating happens (section 3.5 and Appendix 4)."""

    WITH_FAMILY = "with_family"
    REFERRAL_STAGE = "referral_stage"
    GROUP_SUPERVISION = "group_supervision"
    INDIVIDUAL_SUPERVISION = "individual_supervision"
    RETHINK_NEXT_STEPS_FORUM = "rethink_next_steps_forum"
    PRACTICE_AND_PROGRESS = "practice_and_progress"
    RETHINK_SPACE = "rethink_space"


# Settings that are meetings the Rethink team or a supervisor facilitates.
MEETING_SETTINGS: frozenset[FormulationSetting] = frozenset(
    {
        FormulationSetting.GROUP_SUPERVISION,
        FormulationSetting.RETHINK_NEXT_STEPS_FORUM,
        FormulationSetting.PRACTICE_AND_PROGRESS,
        FormulationSetting.RETHINK_SPACE,
    }
)

# Practice and Progress and Rethink Space take an alignment score at the start and the end.
ALIGNMENT_SETTINGS: frozenset[FormulationSetting] = frozenset(
    {FormulationSetting.PRACTICE_AND_PROGRESS, FormulationSetting.RETHINK_SPACE}
)


class SubjectKind(StrEnum):
    """What a formulation is about."""

    FAMILY = "family"
    REFERRAL = "referral"
    GROUP_SUPERVISION_CASE = "group_supervision_case"
    FORUM_CASE = "forum_case"


class ParticipantRole(StrEnum):
    PARENT_CARER = "parent_carer"
    YOUNG_PERSON = "young_person"
    OTHER_FAMILY_MEMBER = "other_family_member"
    # Someone who speaks for the family when the family is not in the room (forums, supervision).
    FAMILY_VOICE = "family_voice"
    SCHOOL = "school"
    PRACTITIONER = "practitioner"
    SOCIAL_WORKER = "social_worker"
    HEALTH = "health"
    OTHER_AGENCY = "other_agency"
    SUPERVISOR = "supervisor"
    PEER = "peer"


class WayOfBeing(StrEnum):
    """The Four Ways of Being (Appendix 3, after Wachtel's Social Discipline Window)."""

    TO = "to"
    FOR = "for"
    NOT = "not"
    WITH = "with"


class FairProcessPrinciple(StrEnum):
    """Fair Process (Costello et al., 2009; Appendix 3)."""

    ENGAGEMENT = "engagement"
    EXPLANATION = "explanation"
    EXPECTATION_CLARITY = "expectation_clarity"


class SupervisionKind(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"

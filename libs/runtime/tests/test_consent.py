"""The consent rule (runtime.policy), without web or database: who a family's records are shown
to, and who may override it for one request, with a reason."""

from __future__ import annotations

import pytest
from contracts.reference.formulation import FormulationSetting
from contracts.reference.referrals import ConsentStatus
from runtime.errors import ProblemError
from runtime.identity import Principal, Role
from runtime.policy import (
    CONSENT_OVERRIDE_HEADER,
    SHARED_WITH_SETTING,
    ConsentToShare,
    SharedWith,
    consent_allows,
    every_consent,
    shared_with,
)
from runtime.security import with_consent_override

GIVEN = ConsentStatus.GIVEN


def test_the_familys_own_workers_see_its_records_whatever_its_consent():
    for consent in [None, *every_consent()]:
        assert consent_allows(consent, None)
    for role in (Role.DUTY_ADVICE, Role.RES_PRACTITIONER, Role.RES_MANAGER, Role.ADMIN):
        assert shared_with(Principal("u", role)) is None


def test_the_rethink_team_and_supervision_see_a_family_only_with_its_consent_to_them():
    assert shared_with(Principal("u", Role.RETHINK_FACILITATOR)) is SharedWith.RETHINK_TEAM
    assert shared_with(Principal("u", Role.SUPERVISOR)) is SharedWith.GROUP_SUPERVISION
    rethink, supervision = SharedWith.RETHINK_TEAM, SharedWith.GROUP_SUPERVISION
    only_rethink = ConsentToShare(GIVEN, rethink_team=True)
    assert consent_allows(only_rethink, rethink)
    assert not consent_allows(only_rethink, supervision)
    only_supervision = ConsentToShare(GIVEN, group_supervision=True)
    assert consent_allows(only_supervision, supervision)
    assert not consent_allows(only_supervision, rethink)
    for audience in SharedWith:
        # Never recorded, refused (whatever else it says) or given to no one: not shown.
        assert not consent_allows(None, audience)
        assert not consent_allows(ConsentToShare(ConsentStatus.REFUSED, True, True), audience)
        assert not consent_allows(ConsentToShare(GIVEN), audience)
        # Not needed (a reason recorded at the decision): shared as given.
        assert consent_allows(ConsentToShare(ConsentStatus.NOT_NEEDED), audience)


def test_a_forum_or_group_supervision_is_a_setting_that_needs_consent():
    assert SHARED_WITH_SETTING[FormulationSetting.GROUP_SUPERVISION] is SharedWith.GROUP_SUPERVISION
    for setting in (
        FormulationSetting.RETHINK_NEXT_STEPS_FORUM,
        FormulationSetting.PRACTICE_AND_PROGRESS,
        FormulationSetting.RETHINK_SPACE,
    ):
        assert SHARED_WITH_SETTING[setting] is SharedWith.RETHINK_TEAM
    for setting in (FormulationSetting.WITH_FAMILY, FormulationSetting.REFERRAL_STAGE):
        assert setting not in SHARED_WITH_SETTING


def test_every_consent_covers_the_whole_domain_of_the_rule():
    consents = every_consent()
    assert len(consents) == len(set(consents)) == len(ConsentStatus) * 4


def test_only_a_supervisor_overrides_consent_and_only_with_a_reason():
    supervisor = Principal("u", Role.SUPERVISOR)
    overridden = with_consent_override(supervisor, "  safeguarding concern raised today ")
    assert overridden.consent_override == "safeguarding concern raised today"
    assert supervisor.consent_override is None  # the token's principal is left as it was
    with pytest.raises(ProblemError) as blank:
        with_consent_override(supervisor, "   ")
    assert blank.value.status == 422
    assert [e.field for e in blank.value.errors] == [CONSENT_OVERRIDE_HEADER]
    for role in (Role.RETHINK_FACILITATOR, Role.RES_PRACTITIONER, Role.DUTY_ADVICE):
        with pytest.raises(ProblemError) as refused:
            with_consent_override(Principal("u", role), "because")
        assert refused.value.status == 403
        assert refused.value.code == "consent-override-not-allowed"

"""Whose families a caller sees, and which team a new formulation or meeting belongs to."""

from __future__ import annotations

import uuid

import pytest
from formulation.domain.access import FamilyScope, formulating_team
from formulation.domain.errors import FamilyNotFound, NotTheFamilysTeam

FAMILY = uuid.uuid4()


def test_res_staff_see_only_families_allocated_to_their_team() -> None:
    scope = FamilyScope.team("res-inner-east")

    assert scope.allows("res-inner-east")
    assert not scope.allows("res-jess")
    assert not scope.allows(None)
    assert not FamilyScope.team(None).allows(None)


def test_the_front_door_rethink_and_supervisors_see_every_family() -> None:
    assert FamilyScope.everyone().allows(None)
    assert FamilyScope.everyone().allows("res-jess")


def test_a_familys_formulation_belongs_to_the_team_it_is_allocated_to() -> None:
    team = formulating_team(FamilyScope.everyone(), FAMILY, "res-jess", None)
    assert team == "res-jess"


def test_res_staff_cannot_formulate_a_family_that_is_not_theirs_and_learn_nothing_of_it() -> None:
    with pytest.raises(FamilyNotFound) as refused:
        formulating_team(FamilyScope.team("res-inner-east"), FAMILY, "res-jess", None)
    assert refused.value.status == 404

    with pytest.raises(FamilyNotFound):
        formulating_team(FamilyScope.team("res-inner-east"), None, None, "res-inner-east")


def test_naming_another_team_than_the_familys_is_refused() -> None:
    with pytest.raises(NotTheFamilysTeam) as refused:
        formulating_team(FamilyScope.everyone(), FAMILY, "res-jess", "res-inner-east")
    assert [e.field for e in refused.value.errors] == ["team_id"]


def test_a_case_with_no_allocated_family_takes_the_team_it_names() -> None:
    assert formulating_team(FamilyScope.everyone(), None, None, "res-bcm") == "res-bcm"
    assert formulating_team(FamilyScope.everyone(), FAMILY, None, None) is None

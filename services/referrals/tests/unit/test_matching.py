import uuid
from dataclasses import dataclass
from datetime import date

from referrals.domain.identifiers import PersonDetails
from referrals.domain.matching import MatchStrength, compare, find_matches, given_name_similarity

DOB = date(2014, 6, 12)


@dataclass
class Existing:
    person_id: uuid.UUID
    details: PersonDetails


def existing(**details: object) -> Existing:
    return Existing(uuid.uuid4(), PersonDetails(**details))  # type: ignore[arg-type]


def child(**overrides: object) -> PersonDetails:
    fields: dict[str, object] = {
        "given_name": "Amelia",
        "family_name": "Hart",
        "date_of_birth": DOB,
        "postcode": "LS9 8AA",
    }
    fields.update(overrides)
    return PersonDetails(**fields)  # type: ignore[arg-type]


def test_the_same_nhs_number_is_an_exact_match_whatever_else_differs():
    known = existing(given_name="Millie", family_name="Jones", nhs_number="9434765919")
    matches = find_matches(child(nhs_number="943 476 5919"), [known])
    assert [(m.person_id, m.strength) for m in matches] == [(known.person_id, MatchStrength.EXACT)]
    assert matches[0].reasons == ("nhs_number_same",)
    assert not matches[0].needs_confirmation


def test_name_date_of_birth_and_postcode_alike_are_a_probable_match():
    known = existing(given_name="AMELIA", family_name="Hart", date_of_birth=DOB, postcode="ls98aa")
    [match] = find_matches(child(), [known])
    assert match.strength is MatchStrength.PROBABLE
    assert match.needs_confirmation
    assert {"family_name_same", "given_name_same", "date_of_birth_same", "postcode_same"} <= set(
        match.reasons
    )


def test_accents_and_case_do_not_stop_a_match():
    known = existing(given_name="Zoë", family_name="O'Brien", date_of_birth=DOB, postcode="LS9 8AA")
    [match] = find_matches(child(given_name="zoe", family_name="OBRIEN"), [known])
    assert match.strength is MatchStrength.PROBABLE


def test_a_child_who_has_moved_house_is_a_possible_match():
    known = existing(
        given_name="Amelia", family_name="Hart", date_of_birth=DOB, postcode="LS12 3AB"
    )
    [match] = find_matches(child(), [known])
    assert match.strength is MatchStrength.POSSIBLE
    assert "postcode_differs" in match.reasons


def test_a_misspelt_name_with_the_same_date_of_birth_is_a_possible_match():
    known = existing(
        given_name="Amelia", family_name="Harte", date_of_birth=DOB, postcode="LS9 8AA"
    )
    [match] = find_matches(child(), [known])
    assert match.strength is MatchStrength.POSSIBLE
    assert "family_name_similar" in match.reasons


def test_day_and_month_swapped_is_a_possible_match_at_the_same_address():
    known = existing(
        given_name="Amelia", family_name="Hart", date_of_birth=date(2014, 12, 6), postcode="LS9 8AA"
    )
    [match] = find_matches(child(), [known])
    assert match.strength is MatchStrength.POSSIBLE
    assert "date_of_birth_close" in match.reasons


def test_a_short_form_of_a_given_name_is_similar_not_the_same():
    assert 0.8 <= given_name_similarity("Alex", "Alexander") < 0.9
    known = existing(
        given_name="Alexander", family_name="Hart", date_of_birth=DOB, postcode="LS9 8AA"
    )
    [match] = find_matches(child(given_name="Alex"), [known])
    assert match.strength is MatchStrength.POSSIBLE


def test_a_twin_with_a_different_name_is_not_a_match():
    twin = existing(given_name="Oliver", family_name="Hart", date_of_birth=DOB, postcode="LS9 8AA")
    assert find_matches(child(given_name="Olivia"), [twin]) == []


def test_a_different_date_of_birth_is_not_a_match():
    other = existing(
        given_name="Amelia", family_name="Hart", date_of_birth=date(2009, 2, 1), postcode="LS9 8AA"
    )
    assert find_matches(child(), [other]) == []


def test_different_valid_nhs_numbers_leave_at_most_a_possible_match():
    known = existing(
        given_name="Amelia",
        family_name="Hart",
        date_of_birth=DOB,
        postcode="LS9 8AA",
        nhs_number="4010232137",
    )
    found = compare(child(nhs_number="9434765919"), known.details)
    assert found is not None
    strength, _, reasons = found
    assert strength is MatchStrength.POSSIBLE
    assert "nhs_number_differs" in reasons


def test_unknown_date_of_birth_with_same_name_and_postcode_is_possible():
    known = existing(given_name="Amelia", family_name="Hart", postcode="LS9 8AA")
    [match] = find_matches(child(), [known])
    assert match.strength is MatchStrength.POSSIBLE
    assert "date_of_birth_unknown" in match.reasons


def test_matches_come_strongest_first():
    possible = existing(
        given_name="Amelia", family_name="Hart", date_of_birth=DOB, postcode="LS12 3AB"
    )
    exact = existing(given_name="Millie", nhs_number="9434765919")
    probable = existing(
        given_name="Amelia", family_name="Hart", date_of_birth=DOB, postcode="LS9 8AA"
    )
    matches = find_matches(child(nhs_number="9434765919"), [possible, probable, exact])
    assert [m.person_id for m in matches] == [
        exact.person_id,
        probable.person_id,
        possible.person_id,
    ]
    assert [m.strength for m in matches] == [
        MatchStrength.EXACT,
        MatchStrength.PROBABLE,
        MatchStrength.POSSIBLE,
    ]

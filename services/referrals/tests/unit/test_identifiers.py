from datetime import date

import pytest
from referrals.domain.errors import InvalidPerson
from referrals.domain.identifiers import (
    PersonDetails,
    is_valid_nhs_number,
    name_tokens,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
    postcode_district,
)


def test_an_nhs_number_passes_the_modulus_11_check():
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number("943-476-5919")


def test_an_nhs_number_with_a_wrong_check_digit_is_refused():
    assert not is_valid_nhs_number("9434765918")
    with pytest.raises(InvalidPerson) as raised:
        normalise_nhs_number("9434765918")
    assert [e.field for e in raised.value.errors] == ["nhs_number"]


def test_an_nhs_number_must_be_ten_digits_and_nothing_else():
    assert not is_valid_nhs_number("943476591")
    assert not is_valid_nhs_number("94347659190")
    assert not is_valid_nhs_number("94347659l9")


def test_nine_digits_whose_check_digit_would_be_ten_make_no_valid_number():
    # A weighted sum of 1 mod 11 gives a check digit of 10, which no NHS number can have.
    first_nine = next(
        f"{n:09d}"
        for n in range(100000000, 100001000)
        if nhs_number_check_digit(f"{n:09d}") is None
    )
    assert not any(is_valid_nhs_number(first_nine + str(d)) for d in range(10))


def test_an_nhs_number_is_kept_as_digits_only():
    assert normalise_nhs_number(" 943 476 5919 ") == "9434765919"
    assert PersonDetails(nhs_number="943 476 5919").nhs_number == "9434765919"


def test_a_postcode_is_normalised_to_upper_case_with_one_space():
    assert normalise_postcode("ls98aa") == "LS9 8AA"
    assert normalise_postcode("  LS9   8AA ") == "LS9 8AA"
    assert normalise_postcode("ls12 3ab") == "LS12 3AB"
    assert postcode_district("LS12 3AB") == "LS12"


def test_every_invalid_identifier_is_reported_at_once():
    with pytest.raises(InvalidPerson) as raised:
        PersonDetails(nhs_number="1234567890", postcode="not a postcode")
    assert {e.field for e in raised.value.errors} == {"nhs_number", "postcode"}


def test_names_compare_without_accents_case_or_punctuation():
    assert name_tokens("Zoë O'Brien-Smith") == ("zoe", "obrien", "smith")
    assert name_tokens("  ") == ()


def test_details_are_tidied_on_creation():
    details = PersonDetails(
        given_name="  Amelia ",
        family_name="Hart",
        date_of_birth=date(2015, 3, 1),
        address_lines=(" 1 Example Street ", "", "  "),
        school=" ",
    )
    assert details.given_name == "Amelia"
    assert details.address_lines == ("1 Example Street",)
    assert details.school is None

"""A person's identifiers and how they are normalised: NHS number, postcode, names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from referrals.domain.errors import FieldError, InvalidPerson

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# Lenient on spacing and case, strict on shape: outward code (area, district) and inward code.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit of the first nine digits; None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def _compact_nhs_number(raw: str) -> str:
    # Spaces and dashes are how NHS numbers are printed ("943 476 5919"); nothing else is allowed.
    return re.sub(r"[\s-]", "", raw)


def is_valid_nhs_number(raw: str) -> bool:
    digits = _compact_nhs_number(raw)
    if re.fullmatch(r"[0-9]{10}", digits) is None:
        return False
    return nhs_number_check_digit(digits[:9]) == int(digits[9])


def normalise_nhs_number(raw: str) -> str:
    """Ten digits only; raises InvalidPerson when the number fails the Modulus 11 check."""
    if not is_valid_nhs_number(raw):
        raise InvalidPerson(detail="The NHS number is not valid", errors=[_nhs_number_error()])
    return _compact_nhs_number(raw)


def normalise_postcode(raw: str) -> str:
    """Upper case with one space before the inward code ("ls9 8aa" -> "LS9 8AA")."""
    compact = "".join(raw.split()).upper()
    found = _POSTCODE.match(compact)
    if found is None:
        raise InvalidPerson(detail="The postcode is not valid", errors=[_postcode_error()])
    return f"{found.group(1)} {found.group(2)}"


def postcode_district(postcode: str) -> str:
    """The outward code ("LS9 8AA" -> "LS9") of a normalised postcode."""
    return postcode.split(" ", 1)[0]


def name_tokens(raw: str | None) -> tuple[str, ...]:
    """Words of a name for comparison: accents, case, hyphens and apostrophes do not count."""
    if not raw:
        return ()
    decomposed = unicodedata.normalize("NFKD", raw)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    # Apostrophes join ("O'Brien" is "obrien"); other punctuation separates words.
    plain = plain.replace("'", "").replace("’", "")
    return tuple(re.sub(r"[^0-9a-z]+", " ", plain).split())


def normalise_name(raw: str | None) -> str:
    return "".join(name_tokens(raw))


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    stripped = " ".join(raw.split())
    return stripped or None


def _nhs_number_error() -> FieldError:
    return FieldError("nhs_number", "An NHS number is 10 digits that pass the Modulus 11 check")


def _postcode_error() -> FieldError:
    return FieldError("postcode", "Give a UK postcode such as LS9 8AA")


@dataclass(frozen=True)
class PersonDetails:
    """Identifiers of a child or adult as told; normalised on creation, invalid ones refused.

    Every field is optional here: what is required depends on the rule using them.
    """

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    nhs_number: str | None = None
    address_lines: tuple[str, ...] = field(default=())
    postcode: str | None = None
    school: str | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        nhs = _clean(self.nhs_number)
        if nhs is not None:
            if is_valid_nhs_number(nhs):
                nhs = _compact_nhs_number(nhs)
            else:
                errors.append(_nhs_number_error())
        postcode = _clean(self.postcode)
        if postcode is not None:
            try:
                postcode = normalise_postcode(postcode)
            except InvalidPerson:
                errors.append(_postcode_error())
        if errors:
            raise InvalidPerson(detail="Some identifiers are not valid", errors=errors)
        object.__setattr__(self, "given_name", _clean(self.given_name))
        object.__setattr__(self, "family_name", _clean(self.family_name))
        object.__setattr__(self, "nhs_number", nhs)
        object.__setattr__(self, "postcode", postcode)
        object.__setattr__(self, "school", _clean(self.school))
        lines = tuple(line for line in (_clean(a) for a in self.address_lines) if line)
        object.__setattr__(self, "address_lines", lines)

    @property
    def has_a_name(self) -> bool:
        return bool(self.given_name or self.family_name)

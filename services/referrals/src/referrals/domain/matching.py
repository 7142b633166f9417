"""Recognising a person already registered, so a child referred again is not counted twice.

An NHS number match is exact. Without one, name, date of birth and postcode together make a
probable or possible match, which the worker confirms: matches are never merged silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Protocol

from referrals.domain.identifiers import PersonDetails, name_tokens, postcode_district

# Names at or above SAME are treated as the same name written differently ("Zoe"/"Zoë",
# "McDonald"/"MacDonald"); at or above SIMILAR they may be a misspelling worth a look.
SAME_NAME = 0.9
SIMILAR_NAME = 0.8
# A short form that starts a longer given name ("Alex" for "Alexander") counts as similar, not same.
_SHORT_FORM = 0.85
_SHORT_FORM_MIN_LENGTH = 3


class MatchStrength(StrEnum):
    EXACT = "exact"
    PROBABLE = "probable"
    POSSIBLE = "possible"


_RANK: dict[MatchStrength, int] = {
    MatchStrength.EXACT: 0,
    MatchStrength.PROBABLE: 1,
    MatchStrength.POSSIBLE: 2,
}


class Registered(Protocol):
    """Anything with a person id and identifiers: the aggregate or a repository's read model."""

    @property
    def person_id(self) -> uuid.UUID: ...

    @property
    def details(self) -> PersonDetails: ...


@dataclass(frozen=True)
class Match:
    person_id: uuid.UUID
    strength: MatchStrength
    score: float
    reasons: tuple[str, ...]

    @property
    def needs_confirmation(self) -> bool:
        """Only an NHS number match is certain; anything else the worker confirms."""
        return self.strength is not MatchStrength.EXACT

    def as_dict(self) -> dict[str, object]:
        return {
            "person_id": str(self.person_id),
            "strength": self.strength.value,
            "score": round(self.score, 2),
            "reasons": list(self.reasons),
        }


def find_matches(candidate: PersonDetails, existing: Iterable[Registered]) -> list[Match]:
    """Registered people who may be the candidate, strongest first.

    The caller chooses `existing` broadly enough (same NHS number, same date of birth, or same
    family name) for near matches to be found.
    """
    matches: list[Match] = []
    for other in existing:
        found = compare(candidate, other.details)
        if found is not None:
            strength, score, reasons = found
            matches.append(Match(other.person_id, strength, score, reasons))
    matches.sort(key=lambda m: (_RANK[m.strength], -m.score, str(m.person_id)))
    return matches


def compare(
    candidate: PersonDetails, other: PersonDetails
) -> tuple[MatchStrength, float, tuple[str, ...]] | None:
    """How strongly two sets of identifiers look like one person, with the reasons; None if not."""
    reasons: list[str] = []

    if candidate.nhs_number and other.nhs_number:
        if candidate.nhs_number == other.nhs_number:
            return MatchStrength.EXACT, 1.0, ("nhs_number_same",)
        reasons.append("nhs_number_differs")
    nhs_differs = bool(reasons)

    family = name_similarity(candidate.family_name, other.family_name)
    given = given_name_similarity(candidate.given_name, other.given_name)
    reasons.append(_name_reason("family_name", family))
    reasons.append(_name_reason("given_name", given))
    names_same = family >= SAME_NAME and given >= SAME_NAME
    names_similar = family >= SIMILAR_NAME and given >= SIMILAR_NAME

    dob_known = candidate.date_of_birth is not None and other.date_of_birth is not None
    dob_same = dob_known and candidate.date_of_birth == other.date_of_birth
    dob_close = (
        dob_known
        and not dob_same
        and _dates_of_birth_close(candidate.date_of_birth, other.date_of_birth)
    )
    if dob_same:
        reasons.append("date_of_birth_same")
    elif dob_close:
        reasons.append("date_of_birth_close")
    elif not dob_known:
        reasons.append("date_of_birth_unknown")
    else:
        reasons.append("date_of_birth_differs")

    postcode_same = False
    district_same = False
    if candidate.postcode and other.postcode:
        postcode_same = candidate.postcode == other.postcode
        district_same = postcode_district(candidate.postcode) == postcode_district(other.postcode)
        if postcode_same:
            reasons.append("postcode_same")
        elif district_same:
            reasons.append("postcode_district_same")
        else:
            reasons.append("postcode_differs")
    else:
        reasons.append("postcode_unknown")

    strength: MatchStrength | None = None
    if names_same and dob_same and postcode_same:
        strength = MatchStrength.PROBABLE
    elif names_similar and dob_same:
        # A move of house or a misspelt name: worth showing, not worth assuming.
        strength = MatchStrength.POSSIBLE
    elif names_same and dob_close and (postcode_same or district_same):
        strength = MatchStrength.POSSIBLE
    elif names_same and not dob_known and postcode_same:
        strength = MatchStrength.POSSIBLE
    if strength is None:
        return None
    if nhs_differs:
        # Two valid, different NHS numbers are strong evidence of two people (twins share the rest).
        strength = MatchStrength.POSSIBLE

    dob_score = 1.0 if dob_same else 0.5 if dob_close else 0.25 if not dob_known else 0.0
    postcode_score = 1.0 if postcode_same else 0.5 if district_same else 0.0
    score = 0.4 * (family + given) / 2 + 0.35 * dob_score + 0.25 * postcode_score
    return strength, score, tuple(reasons)


def name_similarity(a: str | None, b: str | None) -> float:
    """0..1: equal after ignoring accents, case and punctuation is 1; else difflib's ratio.

    A shared word of a double-barrelled or changed family name counts as similar.
    """
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    joined_a, joined_b = "".join(ta), "".join(tb)
    if joined_a == joined_b:
        return 1.0
    ratio = SequenceMatcher(None, joined_a, joined_b).ratio()
    shared = {t for t in ta if len(t) >= _SHORT_FORM_MIN_LENGTH} & set(tb)
    if shared and (len(ta) > 1 or len(tb) > 1):
        ratio = max(ratio, _SHORT_FORM)
    return ratio


def given_name_similarity(a: str | None, b: str | None) -> float:
    """Like `name_similarity`, on the first given name too, and short forms count as similar."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    best = max(name_similarity(a, b), name_similarity(ta[0], tb[0]))
    shorter, longer = sorted((ta[0], tb[0]), key=len)
    if len(shorter) >= _SHORT_FORM_MIN_LENGTH and longer.startswith(shorter):
        best = max(best, _SHORT_FORM)
    return best


def _name_reason(which: str, similarity: float) -> str:
    if similarity >= SAME_NAME:
        return f"{which}_same"
    if similarity >= SIMILAR_NAME:
        return f"{which}_similar"
    return f"{which}_differs"


def _dates_of_birth_close(a: date | None, b: date | None) -> bool:
    """Day and month swapped, or only one of day, month or year differs: typical keying slips."""
    if a is None or b is None:
        return False
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return True
    differing = (a.year != b.year) + (a.month != b.month) + (a.day != b.day)
    return differing == 1

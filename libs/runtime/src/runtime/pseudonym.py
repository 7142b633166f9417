"""Pseudonymisation for analytics: the only way identifiers leave for the BI stream.

Ids become keyed pseudonyms (HMAC-SHA256 with a per-environment secret, so they are stable
within an environment and cannot be reversed or joined across environments without the key);
dates of birth become age bands; addresses become clusters.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date

AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 4, "0-4"),
    (5, 10, "5-10"),
    (11, 15, "11-15"),
    (16, 17, "16-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 49, "35-49"),
    (50, 64, "50-64"),
    (65, None, "65+"),
)


class Pseudonymiser:
    def __init__(self, secret: str | bytes) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < 16:
            raise ValueError("the pseudonym secret must be at least 16 bytes")
        self._key = key

    def pseudonym(self, kind: str, identifier: object) -> str:
        """`p_<20 hex>`: the same id and kind give the same pseudonym.

        The kind keys the HMAC, so a family and a person with the same internal id never
        share a pseudonym; the `p_` prefix marks the value as a pseudonym wherever it lands.
        """
        digest = hmac.new(self._key, f"{kind}:{identifier}".encode(), hashlib.sha256).hexdigest()
        return f"p_{digest[:20]}"


def age_band(date_of_birth: date, on: date) -> str:
    years = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    if years < 0:
        raise ValueError("date of birth is after the reference date")
    for low, high, label in AGE_BANDS:
        if years >= low and (high is None or years <= high):
            return label
    raise AssertionError("age bands cover every age")


def postcode_district(postcode: str) -> str:
    """The outward code of a UK postcode ("LS9 7AB" -> "LS9")."""
    compact = "".join(postcode.split()).upper()
    if len(compact) < 5:
        return compact
    return compact[:-3]


def cluster_of(postcode: str, districts: Mapping[str, str]) -> str | None:
    """The cluster serving an address's postcode district, or None when not mapped."""
    return districts.get(postcode_district(postcode))

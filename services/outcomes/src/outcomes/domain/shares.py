"""Shares, means and the evaluation's rounding (half up, as its tables print 8.625 as 8.63)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """`value` rounded half away from zero to `places` decimal places, exactly (no floats)."""
    exact = Fraction(value)
    units = abs(exact) * 10**places
    whole, remainder = divmod(units.numerator, units.denominator)
    if 2 * remainder >= units.denominator:
        whole += 1
    signed = -whole if exact < 0 else whole
    return Decimal(signed).scaleb(-places)


@dataclass(frozen=True)
class Share:
    """A part of a whole, kept as counts so it can be re-aggregated."""

    numerator: int
    denominator: int

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def percent(self, places: int = 0) -> Decimal | None:
        ratio = self.ratio
        return None if ratio is None else round_half_up(ratio * 100, places)


def mean(values: Iterable[int | Fraction | Decimal], places: int = 2) -> Decimal | None:
    items = [Fraction(v) for v in values]
    if not items:
        return None
    return round_half_up(sum(items, Fraction(0)) / len(items), places)


def median(values: Iterable[int | Fraction | Decimal], places: int = 2) -> Decimal | None:
    items = [Fraction(v) for v in values]
    if not items:
        return None
    return round_half_up(statistics.median(items), places)

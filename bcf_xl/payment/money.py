"""Money in whole pence and figures as exact fractions, so that a statement adds up to the penny.

Plans hold whole pounds and rates that a spreadsheet computed in binary floating point
(``1545.47 / 309094 * 100000`` is ``500.00000000000006``). A figure is taken to nine decimal
places before any arithmetic, which removes that noise without moving any figure a person
typed, and everything after that is exact (``Fraction``) until a sum of money is rounded to the
penny, half up, once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Sequence

PLACES = Decimal("1e-9")


def exact(value: Any) -> Fraction | None:
    """A number as an exact fraction (nine decimal places at most); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Fraction):
        return value
    try:
        number = value if isinstance(value, Decimal) else Decimal(
            value if isinstance(value, (int, str)) else repr(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite():
        return None
    return Fraction(number.quantize(PLACES, rounding=ROUND_HALF_UP))


def nearest(value: Fraction) -> int:
    """The nearest whole number, halves rounded up (as a finance officer rounds pennies)."""
    return (value.numerator * 2 + value.denominator) // (value.denominator * 2)


def to_pence(pounds: Fraction) -> int:
    """Pounds to whole pence, half a penny rounded up."""
    return nearest(pounds * 100)


def split(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Whole pence in proportion to weights, adding up to total exactly (largest remainder;
    ties go to the earlier part, so the split is always the same)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]  # int() of a non-negative Fraction is its floor
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def pounds(pence: int) -> str:
    """£1,234.56, as a statement shows money."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def plain(pence: int) -> str:
    """1234.56: money for CSV and JSON, exact to the penny and readable by any program."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def figure(value: Fraction | None) -> str:
    """A plan or actual figure as a person reads it: 460, 62.5, 359.123457."""
    if value is None:
        return ""
    if value.denominator == 1:
        return f"{value.numerator:,}"
    text = f"{float(value):,.6f}".rstrip("0").rstrip(".")
    return text


def percent(value: Fraction | None) -> str:
    if value is None:
        return ""
    return f"{float(value * 100):.1f}".rstrip("0").rstrip(".") + "%"

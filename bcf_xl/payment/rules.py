"""The payment rules themselves, as pure functions of exact figures and whole pence.

Design 1: how much of the planned improvement a board achieved, and how much of a measure's
money that releases. Design 2: what each quarter pays from the fall in admissions, per quarter
or cumulatively. Property tests pin what must always hold: nothing is paid beyond the stake,
and a better actual never pays less.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from bcf_xl.payment.designs import CUMULATIVE, THRESHOLD
from bcf_xl.payment.money import nearest, to_pence

ZERO, ONE = Fraction(0), Fraction(1)


def achievement(*, baseline: Fraction, plan: Fraction, actual: Fraction,
                lower_is_better: bool) -> tuple[Fraction, bool]:
    """How much of the planned improvement was achieved, clamped to 0-100%, and whether any
    improvement was planned at all.

    ``(baseline - actual) / (baseline - plan)`` for lower-is-better, mirrored for
    higher-is-better. A plan that plans no improvement (or a worsening) has nothing to divide
    by: it counts as achieved in full when the actual is at least as good as the plan, and
    not at all otherwise.
    """
    sign = 1 if lower_is_better else -1
    planned = sign * (baseline - plan)
    achieved = sign * (baseline - actual)
    if planned <= 0:
        return (ONE if achieved >= planned else ZERO), False
    return min(max(achieved / planned, ZERO), ONE), True


def released(amount: int, achieved: Fraction, *, rule: str, threshold: Fraction) -> int:
    """Pence released from a measure's money: in full at or above the threshold (threshold
    rule), or in proportion to achievement at or above it (proportional rule); none below."""
    if achieved < threshold:
        return 0
    if rule == THRESHOLD:
        return amount
    return nearest(amount * achieved)


def quarter_payments(*, unit_cost: Fraction, reductions: Sequence[Fraction | None],
                     planned: Sequence[Fraction], variant: str, pot: int) -> list[int]:
    """Pence paid for each quarter.

    ``reductions[q]`` is B[q] - A[q] (None when there is no actual: nothing is earned for that
    quarter), ``planned[q]`` is R[q] = B[q] - P[q]. Per quarter: c x clamp(B - A, 0, R).
    Cumulative: c x clamp(sum of B - A, 0, sum of R) to date, less what was paid before, never
    negative (no claw-back). Either way the total never exceeds the pot, which a plan with a
    planned rise in one quarter could otherwise allow.
    """
    paid: list[int] = []
    so_far = ZERO
    to_date_reduction, to_date_planned = ZERO, ZERO
    for reduction, plan in zip(reductions, planned):
        to_date_reduction += reduction or ZERO
        to_date_planned += plan
        if variant == CUMULATIVE:
            target = to_pence(unit_cost * _clamp(to_date_reduction, to_date_planned))
            pence = max(target - int(so_far), 0)
        else:
            pence = to_pence(unit_cost * _clamp(reduction or ZERO, plan))
        pence = min(pence, pot - int(so_far))
        paid.append(pence)
        so_far += pence
    return paid


def _clamp(value: Fraction, most: Fraction) -> Fraction:
    return min(max(value, ZERO), max(most, ZERO))

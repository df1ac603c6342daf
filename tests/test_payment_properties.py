"""What must hold for every board, whatever its figures: paid plus withheld is the stake, a
better actual never pays less (both release rules, both design-2 variants), and a plan with
no improvement planned never divides by zero."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bcf_xl.payment.designs import CUMULATIVE, PER_QUARTER, RELEASE_RULES
from bcf_xl.payment.presets import known_presets
from bcf_xl.payment.reduction import pay_reduction
from bcf_xl.payment.rules import achievement
from bcf_xl.payment.statement import HELD
from bcf_xl.payment.tranches import pay_tranches

from payment_helpers import (
    EXAMPLE_2_BASELINE, HIGHER, LOWER, design1_actuals, design1_plan, design2_actuals,
    design2_plan, inputs,
)

BOUNDED = settings(max_examples=60, deadline=None)
MEASURES = ("dtoc", "emergency_admissions", "residential_admissions", "reablement",
            "experience", "local")
figure = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False,
                     allow_infinity=False)
measure_figures = st.tuples(figure, figure, figure, st.sampled_from((LOWER, HIGHER)))
board_figures = st.fixed_dictionaries({m: measure_figures for m in MEASURES})
stakes = st.integers(min_value=0, max_value=50_000_000)


def _pay_1(rule: str, figures: dict, stake: int):
    preset = replace(known_presets()["dec2013-hsj"], release_rule=rule)
    plan = design1_plan(preset, figures, stake=stake)
    return pay_tranches(preset, inputs(plan, design1_actuals(preset, figures)))


@BOUNDED
@given(rule=st.sampled_from(RELEASE_RULES), figures=board_figures, stake=stakes)
def test_design_1_paid_plus_withheld_is_the_stake(rule, figures, stake):
    """Paid and withheld are never negative and add up to the stake, line by line and in
    total."""
    s = _pay_1(rule, figures, stake)
    assert s.paid + s.withheld == s.stake == stake * 100
    assert not [line for line in s.lines if line.status == HELD]  # every measure was assessed
    assert all(0 <= line.paid <= line.at_stake and line.paid + line.withheld == line.at_stake
               for line in s.lines)


@BOUNDED
@given(rule=st.sampled_from(RELEASE_RULES), figures=board_figures, stake=stakes,
       measure=st.sampled_from(MEASURES), better=figure)
def test_design_1_better_actual_never_pays_less(rule, figures, stake, measure, better):
    """Moving one measure's actual in its better direction never lowers what is paid."""
    baseline, plan, actual, direction = figures[measure]
    improved = actual - better if direction == LOWER else actual + better
    after = {**figures, measure: (baseline, plan, max(improved, 0), direction)}
    if direction == LOWER and improved < 0:
        return  # an actual below zero is not a figure the actuals reader accepts
    assert _pay_1(rule, after, stake).paid >= _pay_1(rule, figures, stake).paid


@BOUNDED
@given(baseline=figure, actual=figure, lower=st.booleans())
def test_no_improvement_planned_never_divides(baseline, actual, lower):
    """A plan equal to its baseline gives an achievement of 0 or 1 and says none was planned."""
    result, planned = achievement(baseline=Fraction(baseline), plan=Fraction(baseline),
                                  actual=Fraction(actual), lower_is_better=lower)
    assert result in (0, 1) and planned is False


quarter_figures = st.lists(st.integers(min_value=3000, max_value=6000), min_size=4, max_size=4)
reductions = st.lists(st.integers(min_value=-100, max_value=800).map(lambda n: str(n / 2)),
                      min_size=4, max_size=4)


def _pay_2(variant: str, baseline, reduction, admissions):
    preset = known_presets()[f"jul2014-{variant}"]
    plan = design2_plan(preset, baseline=baseline, reduction=reduction)
    return pay_reduction(preset, inputs(plan, design2_actuals(preset, admissions)))


@BOUNDED
@given(variant=st.sampled_from((PER_QUARTER, CUMULATIVE)), baseline=quarter_figures,
       reduction=reductions, admissions=quarter_figures)
def test_design_2_paid_plus_unearned_is_the_pot(variant, baseline, reduction, admissions):
    """Never more than the pot is paid, never less than nothing, and paid plus unearned is the
    pot, even when a quarter plans a rise."""
    s = _pay_2(variant, baseline, reduction, admissions)
    assert 0 <= s.paid <= s.stake and s.paid + s.withheld == s.stake
    assert len(s.lines) == 4 or s.findings  # assessed, or a finding says why not
    assert all(line.paid >= 0 for line in s.lines)


@BOUNDED
@given(variant=st.sampled_from((PER_QUARTER, CUMULATIVE)), baseline=quarter_figures,
       reduction=reductions, admissions=quarter_figures, quarter=st.integers(0, 3),
       fewer=st.integers(min_value=0, max_value=500))
def test_design_2_fewer_admissions_never_pay_less(variant, baseline, reduction, admissions,
                                                  quarter, fewer):
    """Fewer admissions in any quarter never lower what is paid, in either variant."""
    after = list(admissions)
    after[quarter] = max(after[quarter] - fewer, 0)
    assert (_pay_2(variant, baseline, reduction, after).paid
            >= _pay_2(variant, baseline, reduction, admissions).paid)


def test_worked_example_baseline_is_the_requirements():
    """The design-2 example's baselines add up to 20,000 admissions a year, as stated."""
    assert sum(EXAMPLE_2_BASELINE) == 20_000

"""Payment for performance, calculated: the requirement's worked examples to the penny, and what
happens to a board whose plan or figures are missing, invalid or plan no improvement."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from bcf_xl.payment.calculate import choose_presets, pay_all, ChoiceError
from bcf_xl.payment.designs import CUMULATIVE, PER_QUARTER
from bcf_xl.payment.plans import Plans
from bcf_xl.payment.presets import known_presets
from bcf_xl.payment.reduction import pay_reduction
from bcf_xl.payment.statement import RELEASED, WITHHELD
from bcf_xl.payment.tranches import pay_tranches

from payment_helpers import (
    BOARD, EXAMPLE_1, EXAMPLE_1_STAKE, EXAMPLE_2_ACTUALS, EXAMPLE_2_BASELINE, ON_PLAN, actuals,
    design1_actuals, design1_plan, design2_actuals, design2_plan, inputs,
)

FIGURES = {**EXAMPLE_1, **ON_PLAN}
POUND = 100  # pence


def _hsj(rule: str = "threshold"):
    return replace(known_presets()["dec2013-hsj"], release_rule=rule)


def _pay_example_1(rule: str, **plan_options):
    preset = _hsj(rule)
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE, **plan_options)
    return pay_tranches(preset, inputs(plan, design1_actuals(preset, FIGURES)))


def _tranche(statement, part: str) -> tuple[int, int]:
    lines = [line for line in statement.lines if line.part == part]
    return sum(line.paid for line in lines), sum(line.withheld for line in lines)


def test_design_1_worked_example_under_threshold():
    """Stake £3m, conditions met: tranche A pays £750,000; tranche B pays £562,500 and withholds
    £187,500 (avoidable admissions at 40%), and the board is listed for peer review for it."""
    statement = _pay_example_1("threshold")
    assert statement.stake == EXAMPLE_1_STAKE * POUND
    assert _tranche(statement, "A") == (750_000 * POUND, 0)
    assert _tranche(statement, "B") == (562_500 * POUND, 187_500 * POUND)
    by_measure = {line.measure: line for line in statement.lines if line.part == "B"}
    assert {m: line.achievement for m, line in by_measure.items()} == {
        "dtoc": Fraction(4, 5), "emergency_admissions": Fraction(2, 5),
        "experience": Fraction(3, 4), "local": Fraction(1)}
    assert by_measure["emergency_admissions"].status == WITHHELD
    assert [r for r in statement.review if "Avoidable emergency admissions (2014/15)" in r]


def test_design_1_worked_example_under_proportional():
    """The same board under the proportional rule: tranche B pays £478,125."""
    statement = _pay_example_1("proportional")
    assert _tranche(statement, "B") == (478_125 * POUND, (750_000 - 478_125) * POUND)


@pytest.mark.parametrize("rule", ["threshold", "proportional"])
def test_lines_add_up_to_the_statement(rule):
    """Every line's paid and withheld add up to the statement's, and those to the stake."""
    statement = _pay_example_1(rule)
    assert sum(line.at_stake for line in statement.lines) == statement.stake
    assert sum(line.paid for line in statement.lines) == statement.paid
    assert sum(line.withheld for line in statement.lines) == statement.withheld
    assert statement.paid + statement.withheld == statement.stake


def test_conditions_not_met_withholds_tranche_a_with_the_cell():
    """A condition answered 'No - in progress' withholds tranche A and names its cell."""
    preset = _hsj()
    answer = preset.conditions.answers[3]
    statement = _pay_example_1("threshold", answers={answer: "No - in progress"})
    gate = next(line for line in statement.lines if line.part == "A")
    assert (gate.paid, gate.status) == (0, WITHHELD)
    assert "'National conditions'!C8" in gate.reason


def test_an_nc_error_in_the_plan_fails_the_conditions_gate():
    """Every condition answered Yes but an nc.* error in the return: tranche A is withheld."""
    statement = _pay_example_1("threshold", error_codes=frozenset({"nc.not_met_without_plan"}))
    assert _tranche(statement, "A")[0] == 0


def test_halves_gate_withholds_the_whole_first_half():
    """Under dec2013-halves a board failing the conditions gets nothing from the April half,
    whatever its performance, and the October half as performance earns it."""
    preset = known_presets()["dec2013-halves"]
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE,
                        answers={preset.conditions.answers[0]: "No"})
    statement = pay_tranches(preset, inputs(plan, design1_actuals(preset, FIGURES)))
    assert _tranche(statement, "A")[0] == 0
    assert _tranche(statement, "B")[0] > 0


def test_invalid_plan_is_reported_and_not_paid():
    """A board whose return that counts is invalid is paid nothing, with a finding and a place
    on the review list; its stake is held."""
    statement = _pay_example_1("threshold", status="invalid")
    assert (statement.paid, statement.withheld) == (0, EXAMPLE_1_STAKE * POUND)
    assert [f.code for f in statement.findings] == ["payment.plan_invalid"]
    assert statement.review


def test_board_with_no_actuals_is_reported_and_its_performance_money_held():
    """No actuals at all: one payment.no_actuals finding, every measure held, the
    conditions tranche still paid."""
    preset = _hsj()
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE)
    statement = pay_tranches(preset, inputs(plan, actuals({})))
    assert [f.code for f in statement.findings] == ["payment.no_actuals"]
    assert statement.paid == _tranche(statement, "A")[0] == 750_000 * POUND


def test_missing_actual_for_one_measure_is_a_finding_and_held():
    """An actual missing for one measure and period: payment.actual_missing, its money held."""
    preset = _hsj()
    figures = {(m.id, p.id): FIGURES[m.id][2] for m in preset.measures for p in preset.periods}
    del figures[("dtoc", "2014-15")]
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE)
    statement = pay_tranches(preset, inputs(plan, actuals(figures)))
    assert [f.code for f in statement.findings] == ["payment.actual_missing"]
    line = next(x for x in statement.lines if (x.part, x.measure) == ("B", "dtoc"))
    assert line.paid == 0 and line.actual is None


def test_no_improvement_planned_is_reported_without_dividing_by_zero():
    """A plan equal to its baseline: a warning on the plan cell, and the money released only
    when the actual is at least as good as the plan."""
    preset = _hsj()
    flat = {**FIGURES, "dtoc": (500, 500, 500, "Lower is better")}
    plan = design1_plan(preset, flat, stake=EXAMPLE_1_STAKE)
    statement = pay_tranches(preset, inputs(plan, design1_actuals(preset, flat)))
    codes = [f.code for f in statement.findings]
    assert codes.count("payment.no_improvement_planned") == 2  # tranche B and tranche C
    line = next(x for x in statement.lines if (x.part, x.measure) == ("B", "dtoc"))
    assert line.status == RELEASED
    worse = {**flat, "dtoc": (500, 500, 501, "Lower is better")}
    statement = pay_tranches(preset, inputs(plan, design1_actuals(preset, worse)))
    line = next(x for x in statement.lines if (x.part, x.measure) == ("B", "dtoc"))
    assert line.paid == 0


def test_missing_plan_figure_holds_the_measure_with_a_finding_on_its_pointer():
    """A blank baseline: payment.plan_value_missing naming the field, and the measure held."""
    preset = _hsj()
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE)
    pointer = preset.measure("dtoc").baseline
    plan = replace(plan, values={k: v for k, v in plan.values.items() if k != pointer})
    statement = pay_tranches(preset, inputs(plan, design1_actuals(preset, FIGURES)))
    missing = [f for f in statement.findings if f.code == "payment.plan_value_missing"]
    assert {f.field_id for f in missing} == {pointer}
    assert all(x.paid == 0 for x in statement.lines if x.measure == "dtoc")


@pytest.mark.parametrize("variant", [PER_QUARTER, CUMULATIVE])
def test_design_2_first_worked_example(variant):
    """Actuals [5,050, 4,900, 4,700, 5,150]: both variants pay £372,500 of the £1,043,000 pot,
    leaving £670,500 unearned; per quarter £223,500 + 0 + £149,000 + 0."""
    preset = known_presets()[f"jul2014-{variant}"]
    statement = pay_reduction(preset, inputs(design2_plan(preset),
                                             design2_actuals(preset, EXAMPLE_2_ACTUALS[0])))
    assert statement.stake == 1_043_000 * POUND
    assert (statement.paid, statement.withheld) == (372_500 * POUND, 670_500 * POUND)
    assert [line.paid for line in statement.lines] == [223_500 * POUND, 0, 149_000 * POUND, 0]


@pytest.mark.parametrize("variant,paid", [(PER_QUARTER, 255_535), (CUMULATIVE, 372_500)])
def test_design_2_second_worked_example(variant, paid):
    """Actuals [5,250, 4,600, 4,800, 5,100]: per quarter pays £255,535 (171.5 admissions in the
    second quarter), cumulative £372,500 (250 admissions by the second quarter)."""
    preset = known_presets()[f"jul2014-{variant}"]
    statement = pay_reduction(preset, inputs(design2_plan(preset),
                                             design2_actuals(preset, EXAMPLE_2_ACTUALS[1])))
    assert statement.paid == paid * POUND
    assert statement.paid + statement.withheld == statement.stake


def test_design_2_reports_pot_and_out_of_hospital_figures():
    """The statement shows S - POT, the out-of-hospital ring-fence (£1,957,000 with S = £3m)."""
    preset = known_presets()["jul2014-per-quarter"]
    statement = pay_reduction(preset, inputs(design2_plan(preset),
                                             design2_actuals(preset, EXAMPLE_2_ACTUALS[0])))
    facts = dict(statement.facts)
    ooh = next(f for label, f in facts.items() if label.startswith("OOH"))
    assert ooh.value == 3_000_000 - 1_043_000


def test_design_2_no_reduction_planned_pays_nothing_without_dividing():
    """A plan with no planned fall: a zero pot, a warning, nothing paid, no division."""
    preset = known_presets()["jul2014-cumulative"]
    plan = design2_plan(preset, reduction=("0", "0", "0", "0"))
    statement = pay_reduction(preset, inputs(plan, design2_actuals(preset, EXAMPLE_2_BASELINE)))
    assert (statement.stake, statement.paid) == (0, 0)
    assert "payment.no_improvement_planned" in [f.code for f in statement.findings]


def test_design_2_missing_quarter_actual_is_held():
    """A quarter without actual admissions pays nothing and is reported."""
    preset = known_presets()["jul2014-per-quarter"]
    admissions = (5050, None, 4700, 5150)
    statement = pay_reduction(preset, inputs(design2_plan(preset),
                                             design2_actuals(preset, admissions)))
    assert [f.code for f in statement.findings] == ["payment.actual_missing"]
    assert statement.paid == 372_500 * POUND


def test_every_board_gets_a_statement_and_nothing_is_skipped(reference):
    """pay_all gives one statement per board: the one with a plan is paid, the others say they
    have no plan (payment.no_plan), and a plan on an uncovered version is reported."""
    from bcf_xl.payment.run import boards_of

    preset = _hsj()
    plan = design1_plan(preset, FIGURES, stake=EXAMPLE_1_STAKE)
    other = replace(plan, hwb_code="E06000028", template_version="2099-01")
    statements = pay_all(boards_of(reference), Plans("batch", {BOARD.code: plan,
                                                               "E06000028": other}),
                         design1_actuals(preset, FIGURES), {"2014-02": preset})
    assert len(statements) == len(reference.hwbs)
    codes = {s.hwb_code: [f.code for f in s.findings] for s in statements}
    assert codes[BOARD.code] == [] and codes["E06000028"] == ["payment.version_not_covered"]
    assert codes["E06000001"] == ["payment.no_plan"]


def test_two_presets_for_one_version_are_refused():
    """Choosing dec2013-hsj and dec2013-halves together is a clear error."""
    presets = known_presets()
    with pytest.raises(ChoiceError, match="2014-02"):
        choose_presets([presets["dec2013-hsj"], presets["dec2013-halves"]], ["2014-02"])
    chosen = choose_presets([], ["2014-02"], release_rule="proportional")
    assert chosen["2014-02"].id == "dec2013-hsj" and chosen["2014-02"].release_rule == "proportional"

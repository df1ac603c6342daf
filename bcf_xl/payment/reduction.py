"""Design 2 (July 2014): a pot worth the planned fall in non-elective admissions, paid quarterly.

For each quarter q the plan gives the baseline B[q] (the same quarter a year before) and the
planned admissions P[q], so the planned reduction is R[q] = B[q] - P[q]. The pot held back is
POT = c x sum of R, c being the cost of a non-elective admission; the rest of the board's share
of the £1bn, OOH = S - POT, goes to NHS-commissioned out-of-hospital services. Each quarter pays
from the actual admissions A[q] by the preset's variant (rules.quarter_payments); what is not
earned, POT - paid, pays for the extra acute activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from bcf_xl.findings import Finding
from bcf_xl.payment.designs import CUMULATIVE, ReductionPreset
from bcf_xl.payment.inputs import BoardInputs, empty_statement
from bcf_xl.payment.money import figure, percent, pounds, to_pence
from bcf_xl.payment.rules import ZERO, quarter_payments
from bcf_xl.payment.statement import HELD, PART_RELEASED, RELEASED, WITHHELD, Figure, Line, Statement


@dataclass(frozen=True)
class _Quarter:
    baseline: Fraction
    plan: Fraction
    actual: Fraction | None

    @property
    def planned(self) -> Fraction:
        return self.baseline - self.plan

    @property
    def reduction(self) -> Fraction | None:
        return None if self.actual is None else self.baseline - self.actual


def _missing(preset: ReductionPreset, inputs: BoardInputs) -> list[Finding]:
    """A finding for each plan figure the pot needs that is blank or unusable."""
    needed = [(preset.unit_cost, "the cost of an admission"), (preset.share, "the share")]
    needed += [(p, f"the planned reduction in {q.title}") for q in preset.quarters
               for p in (q.baseline, q.plan)]
    out = []
    for pointer, what in needed:
        value = inputs.number(pointer)
        if value is None or value < 0 or (pointer == preset.unit_cost and value == 0):
            out.append(inputs.finding("payment.plan_value_missing", pointer,
                                      field=preset.title_of(pointer),
                                      what=what, amount="the whole pot"))
    return out


def _change(fall: Fraction) -> str:
    return f"a fall of {figure(fall)}" if fall >= 0 else f"a rise of {figure(-fall)}"


def _reason(preset: ReductionPreset, quarters: list[_Quarter], index: int) -> str:
    quarter = quarters[index]
    fall = quarter.reduction or ZERO
    reason = (f"admissions {figure(quarter.actual)} against a baseline of "
              f"{figure(quarter.baseline)}: {_change(fall)}, planned "
              f"{_change(quarter.planned)}")
    if preset.variant == CUMULATIVE:
        to_date = quarters[: index + 1]
        reason += (f"; to date {_change(sum((q.reduction or ZERO for q in to_date), ZERO))}, "
                   f"planned {_change(sum((q.planned for q in to_date), ZERO))}")
    return reason


def _line(preset: ReductionPreset, inputs: BoardInputs, quarters: list[_Quarter], index: int,
          unit_cost: Fraction, paid: int) -> Line:
    q, quarter = preset.quarters[index], quarters[index]
    planned = max(quarter.planned, ZERO)
    value = to_pence(unit_cost * planned)
    actual = inputs.actual(preset.measures[0].id, q.period)
    if quarter.actual is None:
        status, share, reason = HELD, None, f"no actual admissions for {q.title}"
    else:
        fall = quarter.reduction or ZERO
        share = min(max(fall / planned, ZERO), Fraction(1)) if planned else None
        status = RELEASED if value and paid >= value else PART_RELEASED if paid else WITHHELD
        reason = _reason(preset, quarters, index)
    return Line(q.id, q.title, "the following quarter", preset.measures[0].id,
                preset.measures[0].title, q.period, value, paid, None, status, reason, share,
                inputs.figure(q.baseline), inputs.figure(q.plan),
                inputs.actual_figure(actual) if actual else None)


def pay_reduction(preset: ReductionPreset, inputs: BoardInputs) -> Statement:
    """The statement of one board whose plan this design-2 preset covers."""
    board, plan, illustrative = inputs.board, inputs.plan, inputs.actuals.illustrative
    problems = _missing(preset, inputs)
    if problems:
        return empty_statement(board, preset=preset, plan=plan, status=plan.status,
                               finding=problems[0], illustrative=illustrative)
    unit_cost = inputs.number(preset.unit_cost) or ZERO
    measure = preset.measures[0].id
    quarters = [_Quarter(inputs.number(q.baseline) or ZERO, inputs.number(q.plan) or ZERO,
                         a.value if (a := inputs.actual(measure, q.period)) else None)
                for q in preset.quarters]
    planned = sum((q.planned for q in quarters), ZERO)
    pot = to_pence(unit_cost * max(planned, ZERO))
    if not plan.valid:
        finding = inputs.finding("payment.plan_invalid", file=plan.file, errors=plan.errors,
                                 stake=pounds(pot))
        return empty_statement(board, preset=preset, plan=plan, status=plan.status,
                               finding=finding, stake=pot, illustrative=illustrative)
    found = _findings(preset, inputs, quarters, planned)
    payments = quarter_payments(unit_cost=unit_cost, reductions=[q.reduction for q in quarters],
                                planned=[q.planned for q in quarters], variant=preset.variant,
                                pot=pot)
    lines = tuple(_line(preset, inputs, quarters, i, unit_cost, p)
                  for i, p in enumerate(payments))
    paid = sum(payments)
    return Statement(
        board.code, board.name, board.region, preset.id, preset.title, preset.design,
        plan.file, plan.template_version, plan.status, stake=pot, paid=paid, withheld=pot - paid,
        lines=lines, facts=_facts(preset, inputs, unit_cost, planned, pot),
        findings=tuple(found),
        review=((f"{pounds(pot - paid)} of the pot not earned: it pays for the extra acute "
                 f"activity",) if pot - paid else ()),
        illustrative=illustrative)


def _findings(preset: ReductionPreset, inputs: BoardInputs, quarters: list[_Quarter],
              planned: Fraction) -> list[Finding]:
    out = []
    if not inputs.has_actuals:
        out.append(inputs.finding("payment.no_actuals", file=inputs.actuals.file))
    if planned <= 0:
        out.append(inputs.finding(
            "payment.no_improvement_planned", preset.quarters[0].plan,
            measure=preset.measures[0].id, period="the plan's four quarters",
            baseline=figure(sum((q.baseline for q in quarters), ZERO)),
            plan=figure(sum((q.plan for q in quarters), ZERO))))
    if inputs.has_actuals:
        out += [inputs.finding("payment.actual_missing", measure=preset.measures[0].id,
                               period=q.title, amount="its share of the pot")
                for q, quarter in zip(preset.quarters, quarters) if quarter.actual is None]
    return out


def _facts(preset: ReductionPreset, inputs: BoardInputs, unit_cost: Fraction,
           planned: Fraction, pot: int) -> tuple[tuple[str, Figure], ...]:
    share = inputs.number(preset.share) or ZERO
    baseline = sum((inputs.number(q.baseline) or ZERO for q in preset.quarters), ZERO)
    return (
        ("c: cost of a non-elective admission", inputs.figure(preset.unit_cost, money=True)),
        ("S: the board's share of the £1bn", inputs.figure(preset.share, money=True)),
        ("R: planned reduction in admissions, four quarters", Figure(planned)),
        ("Planned reduction (% of baseline admissions)",
         Figure(percent(planned / baseline) if baseline else "")),
        ("POT = R x c, recalculated", Figure(Fraction(pot, 100), money=True)),
        ("POT as the plan states it", inputs.figure(preset.pot, money=True)),
        ("OOH = S - POT: for NHS out-of-hospital services",
         Figure(share - Fraction(pot, 100), money=True)),
        ("Payment variant", Figure(preset.variant)),
    )

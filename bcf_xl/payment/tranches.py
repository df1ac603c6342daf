"""Design 1 (December 2013): a board's share of the £1bn paid in tranches.

The stake is split into tranches by their shares, and each tranche equally among its measures,
in whole pence that add up exactly. A tranche gated on the national conditions pays nothing
unless every condition is answered as met and the plan has no error about them. A measure's
money is released by the preset's rule from its achievement against the planned improvement;
what is not released is withheld and held for the board's recovery plan, and the board is
listed for peer review.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from bcf_xl.findings import Finding
from bcf_xl.payment.designs import (
    HIGHER, LOWER, PROPORTIONAL, Measure, Period, Tranche, TranchePreset,
)
from bcf_xl.payment.inputs import BoardInputs, empty_statement
from bcf_xl.payment.money import figure, percent, pounds, split, to_pence
from bcf_xl.payment.rules import achievement, released
from bcf_xl.payment.statement import (
    HELD, PART_RELEASED, RELEASED, WITHHELD, Figure, Line, Statement,
)


def conditions_met(preset: TranchePreset, inputs: BoardInputs) -> tuple[bool, list[str]]:
    """Whether the plan meets the national conditions, and, if not, why (with the cells)."""
    gate = preset.conditions
    if gate is None:
        return True, []
    why = [f"condition {pointer.strip('/').split('/')[-2]} answered '{inputs.text(pointer) or 'blank'}' "
           f"({inputs.plan.cell(pointer)})"
           for pointer in gate.answers if inputs.text(pointer) != gate.met]
    errors = sorted(c for c in inputs.plan.error_codes if c.startswith(gate.error_prefix))
    if errors:
        why.append("the plan has errors about the national conditions: " + ", ".join(errors))
    return not why, why


class _Board:
    """The statement of one board under one design-1 preset, built line by line."""

    def __init__(self, preset: TranchePreset, inputs: BoardInputs, rule: str,
                 threshold: Fraction):
        self.preset, self.inputs, self.rule, self.threshold = preset, inputs, rule, threshold
        self.findings: list[Finding] = []
        self.met, self.why = conditions_met(preset, inputs)

    def lines(self, stake: int) -> list[Line]:
        out: list[Line] = []
        amounts = split(stake, [t.share for t in self.preset.tranches])
        for tranche, amount in zip(self.preset.tranches, amounts):
            if not tranche.measures:
                out.append(self.gate_line(tranche, amount))
                continue
            shares = split(amount, [Fraction(1)] * len(tranche.measures))
            out += [self.measure_line(tranche, self.preset.measure(m), money)
                    for m, money in zip(tranche.measures, shares)]
        return out

    def gate_line(self, tranche: Tranche, amount: int) -> Line:
        paid = amount if self.met else 0
        reason = ("the plan meets the national conditions" if self.met else
                  "national conditions not met: " + "; ".join(self.why))
        return Line(tranche.id, tranche.title, tranche.paid, "conditions", "National conditions",
                    "", amount, paid, amount - paid, RELEASED if self.met else WITHHELD, reason)

    def plan_figures(self, measure: Measure, period: Period,
                     amount: int) -> tuple[Fraction, Fraction, bool] | str:
        """Baseline, plan and whether lower is better; or, if one is missing, why (and a
        finding on its cell)."""
        inputs = self.inputs
        baseline, plan = inputs.number(measure.baseline), inputs.number(measure.plans[period.id])
        direction = inputs.text(measure.direction)
        for pointer, value in ((measure.baseline, baseline), (measure.plans[period.id], plan),
                               (measure.direction, direction or None)):
            if value is None or (pointer == measure.direction and value not in (LOWER, HIGHER)):
                self.findings.append(inputs.finding(
                    "payment.plan_value_missing", pointer, field=self.preset.title_of(pointer),
                    what=f"achievement in {measure.title.lower()}", amount=pounds(amount)))
                return f"the plan's figure at {pointer} is missing"
        assert baseline is not None and plan is not None
        if (baseline - plan) * (1 if direction == LOWER else -1) <= 0:
            # Reported whether or not there is an actual yet: it is a fact about the plan.
            self.findings.append(inputs.finding(
                "payment.no_improvement_planned", measure.plans[period.id], measure=measure.id,
                period=period.title, baseline=figure(baseline), plan=figure(plan)))
        return baseline, plan, direction == LOWER

    def measure_line(self, tranche: Tranche, measure: Measure, amount: int) -> Line:
        period = self.preset.period(tranche.period or "")
        base = Line(tranche.id, tranche.title, tranche.paid, measure.id, self.title(measure),
                    period.id, amount, 0, amount, HELD, "")
        figures = self.plan_figures(measure, period, amount)
        if isinstance(figures, str):
            return replace(base, reason=figures)
        baseline, plan, lower = figures
        inputs = self.inputs
        base = replace(base, baseline=inputs.figure(measure.baseline),
                       plan=inputs.figure(measure.plans[period.id]))
        actual = inputs.actual(measure.id, period.id)
        if actual is None:
            if inputs.has_actuals:
                self.findings.append(inputs.finding(
                    "payment.actual_missing", measure=measure.id, period=period.title,
                    amount=pounds(amount)))
            return replace(base, reason=f"no actual figure for {period.title}")
        achieved, planned = achievement(baseline=baseline, plan=plan, actual=actual.value,
                                        lower_is_better=lower)
        paid = released(amount, achieved, rule=self.rule, threshold=self.threshold)
        if tranche.gate and not self.met:
            paid = 0
        return replace(base, paid=paid, withheld=amount - paid, achievement=achieved,
                       actual=inputs.actual_figure(actual),
                       status=RELEASED if paid == amount else PART_RELEASED if paid else WITHHELD,
                       reason=self.reason(tranche, achieved, planned))

    def reason(self, tranche: Tranche, achieved: Fraction, planned: bool) -> str:
        what = (f"{percent(achieved)} of the planned improvement" if planned else
                "no improvement planned; actual " + ("at least as good as" if achieved else
                                                     "worse than") + " the plan")
        if tranche.gate and not self.met:
            return f"{what}, but the national conditions are not met"
        if achieved < self.threshold:
            return f"{what}, below the {percent(self.threshold)} threshold"
        if self.rule == PROPORTIONAL:
            return f"{what}: released in proportion"
        return f"{what}: at least the {percent(self.threshold)} threshold"

    def title(self, measure: Measure) -> str:
        own = self.inputs.text(measure.name)
        return f"{measure.title}: {own}" if own else measure.title


def _review(lines: list[Line], periods: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        f"{line.part} {line.measure_title}"
        + (f" ({periods[line.period]})" if line.period in periods else "")
        + f": {pounds(line.withheld or 0)} withheld, {line.reason}"
        for line in lines if line.withheld)


def pay_tranches(preset: TranchePreset, inputs: BoardInputs) -> Statement:
    """The statement of one board whose plan this design-1 preset covers."""
    board, plan = inputs.board, inputs.plan
    stake_pounds = inputs.number(preset.stake)
    illustrative = inputs.actuals.illustrative
    if stake_pounds is None or stake_pounds < 0:
        finding = inputs.finding("payment.plan_value_missing", preset.stake,
                                 field=preset.title_of(preset.stake),
                                 what="the stake", amount="unknown")
        return empty_statement(board, preset=preset, plan=plan, status=plan.status,
                               finding=finding, illustrative=illustrative)
    stake = to_pence(stake_pounds)
    if not plan.valid:
        finding = inputs.finding("payment.plan_invalid", file=plan.file, errors=plan.errors,
                                 stake=pounds(stake))
        return empty_statement(board, preset=preset, plan=plan, status=plan.status,
                               finding=finding, stake=stake, illustrative=illustrative)
    rule, threshold = preset.release_rule, preset.threshold
    work = _Board(preset, inputs, rule, threshold)
    lines = work.lines(stake)
    if not inputs.has_actuals:
        work.findings.insert(0, inputs.finding("payment.no_actuals", file=inputs.actuals.file))
    paid = sum(line.paid for line in lines)
    facts = (("Stake: the board's share of the £1bn", inputs.figure(preset.stake, money=True)),
             ("Release rule", Figure(f"{rule}, threshold {percent(threshold)}")),
             ("National conditions", Figure("met" if work.met else "not met: "
                                            + "; ".join(work.why))))
    return Statement(
        board.code, board.name, board.region, preset.id, preset.title, preset.design,
        plan.file, plan.template_version, plan.status, stake=stake, paid=paid,
        withheld=stake - paid, lines=tuple(lines), facts=facts, findings=tuple(work.findings),
        review=_review(lines, {p.id: p.title for p in preset.periods}),
        illustrative=illustrative)

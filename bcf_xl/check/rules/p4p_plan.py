"""Payment for performance (2014-09): a reduction in non-elective admissions is planned, at the
expected minimum or justified, and the reduction and pot the plan states are the ones its own
quarterly figures give; the pot is no larger than the board's share (when the version caps it).
Blank quarters are the schema layer's (p4p.quarter_missing)."""

from __future__ import annotations

from typing import Any, Iterator

from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding, Severity
from bcf_xl.spec import pointer as pointers


def _percent(value: Any, places: int = 2) -> str:
    return f"{value:,.{places}f}%".replace("." + "0" * places + "%", "%")


def _apart(value: float, other: float) -> tuple[str, str]:
    """Both percentages with as many decimals as it takes to tell them apart (3.4964% is below
    3.5%, which two decimals would show as 3.50% against 3.50%)."""
    for places in (2, 3, 4, 6):
        shown = _percent(value, places), _percent(other, places)
        if shown[0] != shown[1]:
            return shown
    return shown


def _count(value: Any) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def check(ctx: RuleContext) -> Iterator[Finding]:
    for failure in ctx.failures("no_increase_planned"):
        yield ctx.finding("p4p.increase_planned", failure.at[:1],
                          value=ctx.value("p4p.plan_total"),
                          plan=_count(ctx.value("p4p.plan_total")),
                          baseline=_count(ctx.value("p4p.baseline_total")))
    yield from _below_expected(ctx)
    for failure in ctx.failures("stated_reduction_matches"):
        stated = ctx.value("p4p.stated_reduction_percent")
        yield ctx.finding("p4p.reduction_mismatch", failure.at[:1], value=stated,
                          stated=_percent(stated),
                          computed=_percent(ctx.value("p4p.reduction_percent")))
    for failure in ctx.failures("stated_pot_matches"):
        stated = ctx.value("p4p.stated_pot")
        yield ctx.finding("p4p.pot_mismatch", failure.at[:1], value=stated,
                          stated=pounds(stated), computed=pounds(ctx.value("p4p.pot")),
                          reduction=_count(ctx.value("p4p.reduction_total")),
                          cost=pounds(ctx.value("p4p.unit_cost")),
                          tolerance=pounds(ctx.param("pot_tolerance")))
    for failure in ctx.failures("pot_within_share"):
        pot = ctx.value("p4p.pot")
        yield ctx.finding("p4p.pot_exceeds_share", failure.at, value=pot, pot=pounds(pot),
                          share=pounds(ctx.issued(pointers.of_qid("p4p.share"))))


def _below_expected(ctx: RuleContext) -> Iterator[Finding]:
    """An error while the justification is blank (the version's check); a warning once it is
    given, so that assurers still see a reduction below the expected minimum."""
    reduction = number(ctx.value("p4p.reduction_percent"))
    expected = number(ctx.issued(pointers.of_qid("p4p.expected_reduction")))
    unjustified = list(ctx.failures("reduction_justified"))
    if reduction is None or expected is None or (reduction >= expected and not unjustified):
        return
    what = ("The justification is blank: give the case for a smaller reduction." if unjustified
            else "The justification given will be read by assurers.")
    cell = unjustified[0].at[1:2] if unjustified else (pointers.of_qid("p4p.justification"),)
    yield ctx.finding("p4p.below_expected", cell, value=reduction,
                      severity=Severity.ERROR if unjustified else None,
                      **dict(zip(("reduction", "expected"), _apart(reduction, expected))),
                      what=what)


RULE = rule(__name__, check,
            checks=("no_increase_planned", "reduction_justified", "stated_reduction_matches",
                    "stated_pot_matches", "pot_within_share"),
            reads=("p4p.reduction_total", "p4p.unit_cost", "p4p.justification"),
            params=("pot_tolerance",),
            codes={"p4p.increase_planned": ("plan", "baseline"),
                   "p4p.below_expected": ("reduction", "expected", "what"),
                   "p4p.reduction_mismatch": ("stated", "computed"),
                   "p4p.pot_mismatch": ("stated", "computed", "reduction", "cost", "tolerance"),
                   "p4p.pot_exceeds_share": ("pot", "share")})

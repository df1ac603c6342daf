"""Metric denominators are above zero and, where the template issued them, the board's
population as issued; a percentage cannot have more people at home than were discharged."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext, Row
from bcf_xl.findings import Finding

TABLE = "metrics.national"
PERIODS = (("baseline", "baseline 2012/13"), ("plan_1415", "plan 2014/15"),
           ("plan_1516", "plan 2015/16"))


def _metric(row: Row) -> str:
    return str(row.get("metric") or row.info.label)


def check(ctx: RuleContext) -> Iterator[Finding]:
    for period, label in PERIODS:
        for failure in ctx.failures(f"{period}_denominators"):
            row = failure.row
            den = row.get(f"{period}_den")
            issued = ctx.issued(row.at(f"{period}_den"))
            problem = ("a rate needs a denominator above zero." if den <= 0 else
                       f"it must be the board's population as issued, {issued:,}.")
            yield ctx.finding("metrics.denominator_invalid", [row.at(f"{period}_den")],
                              value=den, metric=_metric(row), period=label,
                              found=f"{den:,g}", problem=problem)
    yield from _percentages(ctx)


def _percentages(ctx: RuleContext) -> Iterator[Finding]:
    """A metric measured in per cent (scale 100) counts people within its denominator."""
    scales = {r.id: r.values.get("scale") for r in ctx.template.row_sets["metrics"]}
    for row in ctx.rows(TABLE):
        if scales.get(row.info.key) != 100:
            continue
        for period, label in PERIODS:
            num, den = number(row.get(f"{period}_num")), number(row.get(f"{period}_den"))
            if num is not None and den is not None and num > den:
                yield ctx.finding("metrics.numerator_exceeds_denominator",
                                  [row.at(f"{period}_num")], value=num, metric=_metric(row),
                                  period=label, numerator=f"{num:,g}", denominator=f"{den:,g}")


RULE = rule(__name__, check,
            checks=tuple(f"{period}_denominators" for period, _ in PERIODS),
            reads=(f"{TABLE}.metric",) + tuple(f"{TABLE}.{p}_num" for p, _ in PERIODS),
            codes={"metrics.denominator_invalid": ("metric", "period", "found", "problem"),
                   "metrics.numerator_exceeds_denominator": ("metric", "period", "numerator",
                                                             "denominator")})

"""Metric denominators are above zero and, where the template issued them, the board's
population as issued; a percentage cannot have more people at home than were discharged."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext, Row
from bcf_xl.findings import Finding

TABLE = "metrics.national"


def _periods(ctx: RuleContext) -> list[tuple[str, str]]:
    """(column prefix, how a message names it): the baseline, as its column's title names its
    year, then a plan per year of the version."""
    title = ctx.template.table(TABLE).column("baseline_num").title
    baseline = title.removesuffix(" numerator")
    return ([("baseline", baseline[:1].lower() + baseline[1:])]
            + [(f"plan_{y.id}", f"plan {y.title}") for y in ctx.years])


def _metric(row: Row) -> str:
    return str(row.get("metric") or row.info.label)


def check(ctx: RuleContext) -> Iterator[Finding]:
    for period, label in _periods(ctx):
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
        for period, label in _periods(ctx):
            num, den = number(row.get(f"{period}_num")), number(row.get(f"{period}_den"))
            if num is not None and den is not None and num > den:
                yield ctx.finding("metrics.numerator_exceeds_denominator",
                                  [row.at(f"{period}_num")], value=num, metric=_metric(row),
                                  period=label, numerator=f"{num:,g}", denominator=f"{den:,g}")


RULE = rule(__name__, check,
            checks=("baseline_denominators", "plan_{year}_denominators"),
            reads=(f"{TABLE}.metric", f"{TABLE}.baseline_num", f"{TABLE}.plan_{{year}}_num"),
            codes={"metrics.denominator_invalid": ("metric", "period", "found", "problem"),
                   "metrics.numerator_exceeds_denominator": ("metric", "period", "numerator",
                                                             "denominator")})

"""Metric denominators are positive and, where the template issued them, the board's
population; a percentage cannot have more people at home than were discharged."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.issue.prepopulate import source_value
from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.context import RuleContext

CODES = ("metrics.denominator_invalid", "metrics.numerator_exceeds_denominator")
PERIODS = (("baseline", "baseline 2012/13"), ("plan_1415", "plan 2014/15"),
           ("plan_1516", "plan 2015/16"))


def check(ctx: RuleContext) -> Iterator[Finding]:
    spec_rows = {r.id: r for r in ctx.template.row_sets["metrics"]}
    for row in ctx.rows("metrics.national"):
        spec = spec_rows.get(row.info.key)
        metric = str(row.get("metric") or row.info.label)
        for period, label in PERIODS:
            num, den = number(row.get(f"{period}_num")), number(row.get(f"{period}_den"))
            source = spec.prepopulate.get(f"{period}_den") if spec else None
            if den is not None and den <= 0:
                yield ctx.finding("metrics.denominator_invalid", [row.at(f"{period}_den")],
                                  value=den, metric=metric, period=label, found=f"{den:g}",
                                  problem="a rate needs a denominator above zero.")
            elif den is not None and source and ctx.hwb is not None:
                expected = source_value(source, ctx.hwb)
                if den != expected:
                    yield ctx.finding(
                        "metrics.denominator_invalid", [row.at(f"{period}_den")], value=den,
                        metric=metric, period=label, found=f"{den:,g}",
                        problem=f"it must be the board's population as issued, {expected:,}.")
            if spec and spec.values.get("scale") == 100 and num is not None \
                    and den is not None and num > den:
                yield ctx.finding("metrics.numerator_exceeds_denominator",
                                  [row.at(f"{period}_num")], value=num, metric=metric,
                                  period=label, numerator=f"{num:,g}", denominator=f"{den:,g}")

"""Plans improve on the baseline in each metric's direction (a warning: a board may justify a
plan that holds the line, but assurers ask)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.context import RuleContext

CODES = ("metrics.no_improvement",)
PLANS = (("plan_1415", "2014/15"), ("plan_1516", "2015/16"))


def _better(plan: float, baseline: float, direction: str) -> bool:
    return plan < baseline if direction == "Lower is better" else plan > baseline


def _compare(ctx: RuleContext, metric: str, direction: object, baseline: object,
             plans: list[tuple[str, str, object]]) -> Iterator[Finding]:
    base = number(baseline)
    if base is None or direction not in ("Lower is better", "Higher is better"):
        return
    for pointer, year, value in plans:
        plan = number(value)
        if plan is not None and not _better(plan, base, str(direction)):
            yield ctx.finding("metrics.no_improvement", [pointer], value=plan, metric=metric,
                              period=year, planned=f"{plan:,.1f}", baseline=f"{base:,.1f}",
                              direction=str(direction).lower())


def check(ctx: RuleContext) -> Iterator[Finding]:
    for row in ctx.rows("metrics.national"):
        plans = [(row.at(f"{p}_rate"), year, row.get(f"{p}_rate")) for p, year in PLANS]
        yield from _compare(ctx, str(row.get("metric") or row.info.label), row.get("direction"),
                            row.get("baseline_rate"), plans)
    for key, name in (("experience", "experience_measure"), ("local", "local_name")):
        plans = [(f"/metrics/{key}_{p}", year, ctx.get(f"/metrics/{key}_{p}")) for p, year in PLANS]
        yield from _compare(ctx, str(ctx.get(f"/metrics/{name}") or key),
                            ctx.get(f"/metrics/{key}_direction"), ctx.get(f"/metrics/{key}_baseline"),
                            plans)

"""Plans improve on the baseline in each metric's direction (a warning: a board may justify a
plan that holds the line, but assurers ask)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers

LOWER, HIGHER = "Lower is better", "Higher is better"


def _plans(ctx: RuleContext) -> list[tuple[str, str]]:
    """(column or field suffix, year in words): a plan per year of the version."""
    return [(f"plan_{y.id}", y.title) for y in ctx.years]
NAMED = (("experience", "experience_measure"), ("local", "local_name"))


def _better(plan: float, baseline: float, direction: str) -> bool:
    return plan < baseline if direction == LOWER else plan > baseline


def _compare(ctx: RuleContext, metric: str, direction: object, baseline: object,
             plans: list[tuple[str, str, object]]) -> Iterator[Finding]:
    base = number(baseline)
    if base is None or direction not in (LOWER, HIGHER):
        return
    for pointer, year, value in plans:
        plan = number(value)
        if plan is not None and not _better(plan, base, str(direction)):
            yield ctx.finding("metrics.no_improvement", [pointer], value=plan, metric=metric,
                              period=year, planned=f"{plan:,.1f}", baseline=f"{base:,.1f}",
                              direction=str(direction).lower())


def check(ctx: RuleContext) -> Iterator[Finding]:
    for row in ctx.rows("metrics.national"):
        plans = [(row.at(f"{p}_rate"), year, row.get(f"{p}_rate")) for p, year in _plans(ctx)]
        yield from _compare(ctx, str(row.get("metric") or row.info.label), row.get("direction"),
                            row.get("baseline_rate"), plans)
    for key, name in NAMED:
        plans = [(pointers.of_qid(f"metrics.{key}_{p}"), year, ctx.value(f"metrics.{key}_{p}"))
                 for p, year in _plans(ctx)]
        yield from _compare(ctx, str(ctx.value(f"metrics.{name}") or key),
                            ctx.value(f"metrics.{key}_direction"),
                            ctx.value(f"metrics.{key}_baseline"), plans)


RULE = rule(
    __name__, check,
    reads=("metrics.national.metric", "metrics.national.direction",
           "metrics.national.baseline_rate", "metrics.national.plan_{year}_rate")
    + tuple(f"metrics.{key}_{part}" for key, _ in NAMED
            for part in ("direction", "baseline", "plan_{year}"))
    + tuple(f"metrics.{name}" for _, name in NAMED),
    values={"metrics.experience_direction": (LOWER, HIGHER),
            "metrics.local_direction": (LOWER, HIGHER)},
    codes={"metrics.no_improvement": ("metric", "period", "planned", "baseline", "direction")})

"""Every organisation contributes at least its minimum, and the pool is at least the board's
minimum, in each year; minimums as the template issued them, not as the cells read now (a
locked cell edited after unprotecting the sheet is reported by the identity layer)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers


def check(ctx: RuleContext) -> Iterator[Finding]:
    for failure in ctx.failures("contributions_at_minimum"):
        year, row = failure.year, failure.row
        planned = row.get(f"planned_{year.id}")
        minimum = ctx.issued(row.at(f"minimum_{year.id}"))
        yield ctx.finding("finance.below_minimum", failure.at, value=planned,
                          organisation=row.info.label, year=year.title,
                          planned=pounds(planned), minimum=pounds(minimum))
    for failure in ctx.failures("pool_at_minimum"):
        year = failure.year
        total = ctx.value(f"funding.total_{year.id}")
        minimum = ctx.issued(pointers.of_qid(f"cover.minimum_pool_{year.id}"))
        yield ctx.finding("finance.pool_below_minimum", failure.at, value=total,
                          year=year.title, total=pounds(total), minimum=pounds(minimum))


RULE = rule(__name__, check, checks=("contributions_at_minimum", "pool_at_minimum"),
            codes={"finance.below_minimum": ("organisation", "year", "planned", "minimum"),
                   "finance.pool_below_minimum": ("year", "total", "minimum")})

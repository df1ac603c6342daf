"""Every organisation contributes at least its minimum, and the pool is at least the board's
minimum, in each year."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.context import RuleContext

CODES = ("finance.below_minimum", "finance.pool_below_minimum")
YEARS = (("1415", "2014/15"), ("1516", "2015/16"))


def check(ctx: RuleContext) -> Iterator[Finding]:
    for row in ctx.rows("funding.contributions"):
        for year, label in YEARS:
            planned, minimum = number(row.get(f"planned_{year}")), number(row.get(f"minimum_{year}"))
            if planned is not None and minimum is not None and planned < minimum:
                yield ctx.finding("finance.below_minimum", [row.at(f"planned_{year}")],
                                  value=planned, organisation=row.info.label, year=label,
                                  planned=pounds(planned), minimum=pounds(minimum))
    for year, label in YEARS:
        total = number(ctx.get(f"/funding/total_{year}"))
        minimum = number(ctx.get(f"/cover/minimum_pool_{year}"))
        if total is not None and minimum is not None and total < minimum:
            yield ctx.finding("finance.pool_below_minimum", [f"/funding/total_{year}"],
                              value=total, year=label, total=pounds(total),
                              minimum=pounds(minimum))

"""What is pooled is spent: funding and scheme totals agree within the tolerance, each year."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.context import RuleContext

CODES = ("finance.sources_schemes_mismatch",)


def check(ctx: RuleContext) -> Iterator[Finding]:
    tolerance = ctx.params["balance_tolerance"]
    for year, label in (("1415", "2014/15"), ("1516", "2015/16")):
        funding = number(ctx.get(f"/funding/total_{year}"))
        schemes = number(ctx.get(f"/schemes/total_{year}"))
        if funding is None or schemes is None or abs(funding - schemes) <= tolerance:
            continue
        yield ctx.finding("finance.sources_schemes_mismatch",
                          [f"/funding/total_{year}", f"/schemes/total_{year}"],
                          value=funding - schemes, year=label, funding=pounds(funding),
                          schemes=pounds(schemes), difference=pounds(abs(funding - schemes)),
                          tolerance=pounds(tolerance))

"""What is pooled is spent: funding and scheme totals agree within the tolerance, each year."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    tolerance = ctx.param("balance_tolerance")
    for failure in ctx.failures("funding_matches_schemes"):
        year = failure.year
        funding = ctx.value(f"funding.total_{year.id}")
        schemes = ctx.value(f"schemes.total_{year.id}")
        yield ctx.finding("finance.sources_schemes_mismatch", failure.at,
                          value=funding - schemes, year=year.title, funding=pounds(funding),
                          schemes=pounds(schemes), difference=pounds(abs(funding - schemes)),
                          tolerance=pounds(tolerance))


RULE = rule(__name__, check, checks=("funding_matches_schemes",), params=("balance_tolerance",),
            codes={"finance.sources_schemes_mismatch": ("year", "funding", "schemes",
                                                        "difference", "tolerance")})

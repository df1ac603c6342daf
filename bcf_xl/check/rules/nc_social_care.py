"""The amount put towards protecting social care cannot exceed the whole 2015/16 pool
(condition 2); a blank account of how services are protected is the schema layer's."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.context import RuleContext

CODES = ("nc.social_care_protection_missing",)


def check(ctx: RuleContext) -> Iterator[Finding]:
    amount = number(ctx.get("/national_conditions/social_care_amount_1516"))
    pool = number(ctx.get("/funding/total_1516"))
    if amount is not None and pool is not None and amount > pool:
        yield ctx.finding("nc.social_care_protection_missing",
                          ["/national_conditions/social_care_amount_1516"], value=amount,
                          problem=f"is {pounds(amount)}, more than the whole 2015/16 pooled "
                                  f"budget of {pounds(pool)}")

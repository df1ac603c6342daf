"""The amount put towards protecting social care cannot exceed the whole 2015/16 pool
(condition 2); a blank account of how services are protected is the schema layer's."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    for failure in ctx.failures("social_care_amount_within_pool"):
        amount = ctx.value("national_conditions.social_care_amount_1516")
        pool = ctx.value("funding.total_1516")
        yield ctx.finding("nc.social_care_protection_missing", failure.at[:1], value=amount,
                          problem=f"is {pounds(amount)}, more than the whole 2015/16 pooled "
                                  f"budget of {pounds(pool)}")


RULE = rule(__name__, check, checks=("social_care_amount_within_pool",),
            codes={"nc.social_care_protection_missing": ("problem",)})

"""The NHS out-of-hospital ring-fence (2014-09): what each organisation puts towards it is part
of its contribution, and the schemes marked as such services add up to at least the board's
share of the 1bn less the performance pot."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers


def check(ctx: RuleContext) -> Iterator[Finding]:
    year = ctx.years[-1].id  # the ring-fence is of the plan's last year
    for failure in ctx.failures("split_within_contribution"):
        row = failure.row
        part, planned = row.get(f"nhs_ooh_{year}"), row.get(f"planned_{year}")
        yield ctx.finding("finance.split_exceeds_contribution", failure.at[:1], value=part,
                          organisation=row.info.label, part=pounds(part), planned=pounds(planned))
    for failure in ctx.failures("ring_fence_met"):
        spend, ring_fence = ctx.value(f"schemes.ooh_{year}"), ctx.value("p4p.ooh")
        yield ctx.finding("finance.ring_fence_shortfall", failure.at, value=spend,
                          spend=pounds(spend), ring_fence=pounds(ring_fence),
                          share=pounds(ctx.issued(pointers.of_qid("p4p.share"))),
                          pot=pounds(ctx.value("p4p.pot")))


RULE = rule(__name__, check, checks=("split_within_contribution", "ring_fence_met"),
            reads=("p4p.pot",),
            codes={"finance.split_exceeds_contribution": ("organisation", "part", "planned"),
                   "finance.ring_fence_shortfall": ("spend", "ring_fence", "share", "pot")})

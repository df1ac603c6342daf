"""The capital grants paid to councils (Disabled Facilities Grant, social care capital grant)
are included in the pool in full: at least the allocation the template was issued with."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules._util import pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers

GRANTS = (("dfg_in_full", "funding.dfg", "The Disabled Facilities Grant"),
          ("sccg_in_full", "funding.sccg", "The social care capital grant"))


def check(ctx: RuleContext) -> Iterator[Finding]:
    year = ctx.years[-1].id  # the capital grants are pooled in the plan's last year
    for check_id, prefix, grant in GRANTS:
        for failure in ctx.failures(check_id):
            included = ctx.value(f"{prefix}_included_{year}")
            allocation = ctx.issued(pointers.of_qid(f"{prefix}_allocation_{year}"))
            yield ctx.finding("finance.dfg_missing", failure.at, value=included, grant=grant,
                              included=pounds(included), allocation=pounds(allocation))


RULE = rule(__name__, check, checks=("dfg_in_full", "sccg_in_full"),
            codes={"finance.dfg_missing": ("grant", "included", "allocation")})

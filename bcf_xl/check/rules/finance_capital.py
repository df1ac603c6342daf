"""The capital grants paid to councils (Disabled Facilities Grant, social care capital grant)
are included in the pool in full."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.context import RuleContext

CODES = ("finance.dfg_missing",)
GRANTS = (("dfg", "The Disabled Facilities Grant"), ("sccg", "The social care capital grant"))


def check(ctx: RuleContext) -> Iterator[Finding]:
    for key, grant in GRANTS:
        included = number(ctx.get(f"/funding/{key}_included_1516"))
        allocation = number(ctx.get(f"/funding/{key}_allocation_1516"))
        if included is not None and allocation is not None and included < allocation:
            yield ctx.finding("finance.dfg_missing", [f"/funding/{key}_included_1516"],
                              value=included, grant=grant, included=pounds(included),
                              allocation=pounds(allocation))

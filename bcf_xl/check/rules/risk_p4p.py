"""The revised plan's register includes the risk to payment for performance (2014-09): not
achieving the planned reduction in non-elective admissions."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    for _ in ctx.failures("p4p_risk_listed"):
        yield ctx.table_finding("risk.no_p4p_risk", "risks.register")


RULE = rule(__name__, check, checks=("p4p_risk_listed",), codes={"risk.no_p4p_risk": ()})

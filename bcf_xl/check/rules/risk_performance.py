"""The register covers the risk of not reducing admissions as planned (a Performance risk)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

TABLE = "risks.register"


def check(ctx: RuleContext) -> Iterator[Finding]:
    rows = list(ctx.rows(TABLE))
    if rows and not any(r.get("category") == "Performance" for r in rows):
        yield ctx.table_finding("risk.no_performance_risk", TABLE)


RULE = rule(__name__, check, reads=(f"{TABLE}.category",),
            values={f"{TABLE}.category": ("Performance",)},
            codes={"risk.no_performance_risk": ()})

"""The register covers the risk of not reducing admissions as planned (a Performance risk)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules.context import RuleContext

CODES = ("risk.no_performance_risk",)


def check(ctx: RuleContext) -> Iterator[Finding]:
    rows = list(ctx.rows("risks.register"))
    if rows and not any(r.get("category") == "Performance" for r in rows):
        yield ctx.table_finding("risk.no_performance_risk", "risks.register")

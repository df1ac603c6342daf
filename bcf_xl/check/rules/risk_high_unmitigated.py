"""A high risk (score at or above the version's threshold) has mitigating actions, an owner
and a contingency."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import number
from bcf_xl.check.rules.context import RuleContext

CODES = ("risk.high_without_mitigation",)
NEEDED = ("mitigation", "owner", "contingency")


def check(ctx: RuleContext) -> Iterator[Finding]:
    threshold = ctx.params["high_risk_score"]
    table = ctx.template.table("risks.register")
    for row in ctx.rows("risks.register"):
        score = number(row.get("score"))
        if score is None or score < threshold:
            continue
        blank = [c for c in NEEDED if not str(row.get(c) or "").strip()]
        if blank:
            description = " ".join(str(row.get("description") or row.info.label).split())
            short = description if len(description) <= 60 else description[:57] + "..."
            yield ctx.finding("risk.high_without_mitigation", [row.at(c) for c in blank],
                              value=score, risk=short, score=f"{score:g}",
                              missing=" and ".join(table.column(c).title.lower() for c in blank))

"""A high risk (score at or above the version's threshold) has mitigating actions, an owner
and a contingency."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

TABLE = "risks.register"
NEEDED = ("mitigation", "owner", "contingency")


def check(ctx: RuleContext) -> Iterator[Finding]:
    table = ctx.template.table(TABLE)
    for failure in ctx.failures("high_risks_mitigated"):
        row = failure.row
        score = row.get("score")
        blank = [c for c in NEEDED if not str(row.get(c) or "").strip()]
        description = " ".join(str(row.get("description") or row.info.label).split())
        short = description if len(description) <= 60 else description[:57] + "..."
        yield ctx.finding("risk.high_without_mitigation", [row.at(c) for c in blank],
                          value=score, risk=short, score=f"{score:g}",
                          missing=" and ".join(table.column(c).title.lower() for c in blank))


RULE = rule(__name__, check, checks=("high_risks_mitigated",), reads=(f"{TABLE}.description",),
            codes={"risk.high_without_mitigation": ("risk", "score", "missing")})

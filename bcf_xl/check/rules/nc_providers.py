"""Providers engaged (condition 1): at least one acute provider, and a warning for providers
that do not (yet) agree the plan's impact on them (condition 6)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules.context import RuleContext

CODES = ("nc.acute_provider_not_engaged", "nc.provider_disagrees")
TABLE = "national_conditions.providers"


def check(ctx: RuleContext) -> Iterator[Finding]:
    rows = list(ctx.rows(TABLE))
    if not any(r.get("type") == "Acute" for r in rows):
        yield ctx.table_finding("nc.acute_provider_not_engaged", TABLE)
    disagree = [r for r in rows if r.get("agrees_impact") in ("No", "Not yet")]
    if disagree:
        names = ", ".join(str(r.get("name") or r.info.label) for r in disagree)
        yield ctx.finding("nc.provider_disagrees", [r.at("agrees_impact") for r in disagree],
                          providers=names)

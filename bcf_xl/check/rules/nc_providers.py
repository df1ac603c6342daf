"""Providers engaged (condition 1): at least one acute provider, and a warning for providers
that do not (yet) agree the plan's impact on them (condition 6)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import text
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

TABLE = "national_conditions.providers"
DISAGREE = ("No", "Not yet")


def check(ctx: RuleContext) -> Iterator[Finding]:
    for _ in ctx.failures("acute_provider_engaged"):
        yield ctx.table_finding("nc.acute_provider_not_engaged", TABLE)
    disagree = [r for r in ctx.rows(TABLE) if r.get("agrees_impact") in DISAGREE]
    if disagree:
        names = ", ".join(text(r.get("name") or r.info.label) for r in disagree)
        yield ctx.finding("nc.provider_disagrees", [r.at("agrees_impact") for r in disagree],
                          providers=names)


RULE = rule(__name__, check, checks=("acute_provider_engaged",),
            reads=(f"{TABLE}.name", f"{TABLE}.agrees_impact"),
            values={f"{TABLE}.agrees_impact": DISAGREE},
            codes={"nc.acute_provider_not_engaged": (), "nc.provider_disagrees": ("providers",)})

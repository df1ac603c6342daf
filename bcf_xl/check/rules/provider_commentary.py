"""The provider commentary (2014-09): at least one acute provider gives its view, and a warning
for acute providers that do not fully agree the non-elective admissions assumptions (assurers
proposed "approved subject to conditions" for those)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import text
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

TABLE = "providers.rows"
ACUTE = "Acute"
NOT_AGREED = ("No", "Partly")


def check(ctx: RuleContext) -> Iterator[Finding]:
    for _ in ctx.failures("acute_provider_commentary"):
        yield ctx.table_finding("provider.acute_missing", TABLE)
    disagree = [r for r in ctx.rows(TABLE)
                if r.get("type") == ACUTE and r.get("agrees_nel") in NOT_AGREED]
    if disagree:
        names = ", ".join(text(r.get("name") or r.info.label) for r in disagree)
        yield ctx.finding("provider.disagrees", [r.at("agrees_nel") for r in disagree],
                          providers=names)


RULE = rule(__name__, check, checks=("acute_provider_commentary",),
            reads=(f"{TABLE}.name", f"{TABLE}.agrees_nel"),
            values={f"{TABLE}.type": (ACUTE,), f"{TABLE}.agrees_nel": NOT_AGREED},
            codes={"provider.acute_missing": (), "provider.disagrees": ("providers",)})

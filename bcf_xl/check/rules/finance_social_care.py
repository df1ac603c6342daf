"""At least one scheme protects social care services (national condition 2)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules.context import RuleContext

CODES = ("finance.social_care_unprotected",)


def check(ctx: RuleContext) -> Iterator[Finding]:
    rows = list(ctx.rows("schemes.rows"))
    if rows and not any(r.get("protects_social_care") == "Yes" for r in rows):
        yield ctx.table_finding("finance.social_care_unprotected", "schemes.rows")

"""A jointly commissioned scheme says what share the NHS pays (out-of-range shares are the
schema layer's)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules.context import RuleContext

CODES = ("finance.joint_split_invalid",)


def check(ctx: RuleContext) -> Iterator[Finding]:
    cells = [row.at("nhs_share") for row in ctx.rows("schemes.rows")
             if row.get("commissioner") == "Joint" and row.get("nhs_share") in (None, "")]
    if cells:
        yield ctx.finding("finance.joint_split_invalid", cells)

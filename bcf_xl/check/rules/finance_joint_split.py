"""A jointly commissioned scheme says what share the NHS pays (out-of-range shares are the
schema layer's)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    cells = [failure.row.at("nhs_share") for failure in ctx.failures("joint_schemes_have_nhs_share")]
    if cells:
        yield ctx.finding("finance.joint_split_invalid", cells)


RULE = rule(__name__, check, checks=("joint_schemes_have_nhs_share",),
            codes={"finance.joint_split_invalid": ()})

"""At least one scheme protects social care services (national condition 2)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    for _ in ctx.failures("a_scheme_protects_social_care"):
        yield ctx.table_finding("finance.social_care_unprotected", "schemes.rows")


RULE = rule(__name__, check, checks=("a_scheme_protects_social_care",),
            codes={"finance.social_care_unprotected": ()})

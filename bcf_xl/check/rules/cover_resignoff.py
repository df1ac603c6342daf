"""The revised plan (2014-09) was signed off again by the board, after the revised template was
issued and before it was submitted; a blank date is the schema layer's (missing_code)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import shown_date
from bcf_xl.check.rules._util import as_date
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

FIELD = "cover.resignoff_date"


def check(ctx: RuleContext) -> Iterator[Finding]:
    signed = as_date(ctx.value(FIELD))
    for failure in ctx.failures("resignoff_in_round"):
        issued = shown_date(ctx.param("resignoff_from"))
        yield ctx.finding("cover.resignoff_missing", failure.at[:1], value=signed.isoformat(),
                          problem=f"is {shown_date(signed)}, before the revised template was "
                                  f"issued on {issued}")
    for failure in ctx.failures("resignoff_before_submission"):
        submitted = as_date(ctx.value("cover.submitted_date"))
        yield ctx.finding("cover.signoff_after_submission", failure.at, value=signed.isoformat(),
                          signed=shown_date(signed), submitted=shown_date(submitted))


RULE = rule(__name__, check, checks=("resignoff_in_round", "resignoff_before_submission"),
            params=("resignoff_from",),
            codes={"cover.resignoff_missing": ("problem",),
                   "cover.signoff_after_submission": ("signed", "submitted")})

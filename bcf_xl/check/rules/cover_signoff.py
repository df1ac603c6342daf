"""Sign-off: the chair, the council and every CCG said Yes, before the plan was submitted.

Blank sign-off cells are the schema layer's (through the spec's missing_code); this rule reports
sign-offs answered 'No' and a sign-off dated after submission (national condition 1), as the
version's checks find them.
"""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import shown_date
from bcf_xl.check.rules._util import as_date
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    for check_id in ("chair_signed", "council_signed"):
        for failure in ctx.failures(check_id):
            yield ctx.finding("cover.signoff_missing", failure.at, value="No",
                              problem="is 'No'")
    for failure in ctx.failures("ccgs_signed"):
        yield ctx.finding("cover.ccg_signoff_missing", failure.at, value="No",
                          row=failure.row.info.label, problem="is 'No'")
    for failure in ctx.failures("signoff_before_submission"):
        signed = as_date(ctx.value("cover.hwb_signoff_date"))
        submitted = as_date(ctx.value("cover.submitted_date"))
        yield ctx.finding("cover.signoff_after_submission", failure.at, value=signed.isoformat(),
                          signed=shown_date(signed), submitted=shown_date(submitted))


RULE = rule(__name__, check,
            checks=("chair_signed", "council_signed", "ccgs_signed", "signoff_before_submission"),
            codes={"cover.signoff_missing": ("problem",),
                   "cover.ccg_signoff_missing": ("row", "problem"),
                   "cover.signoff_after_submission": ("signed", "submitted")})

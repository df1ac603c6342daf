"""Sign-off: the chair, the council and every CCG said Yes, before the plan was submitted.

Blank sign-off cells are the schema layer's (through the spec's missing_code); this rule reports
sign-offs answered 'No' and a sign-off dated after submission (national condition 1).
"""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import as_date, shown_date
from bcf_xl.check.rules.context import RuleContext

CODES = ("cover.signoff_missing", "cover.ccg_signoff_missing", "cover.signoff_after_submission")


def check(ctx: RuleContext) -> Iterator[Finding]:
    for field in ("chair_signed", "council_signed"):
        if ctx.get(f"/cover/{field}") == "No":
            yield ctx.finding("cover.signoff_missing", [f"/cover/{field}"], value="No",
                              problem="is 'No'")
    for row in ctx.rows("cover.ccg_signoff"):
        if row.get("signed") == "No":
            yield ctx.finding("cover.ccg_signoff_missing", [row.at("signed")], value="No",
                              row=row.info.label, problem="is 'No'")
    signed = as_date(ctx.get("/cover/hwb_signoff_date"))
    submitted = as_date(ctx.get("/cover/submitted_date"))
    if signed and submitted and signed > submitted:
        yield ctx.finding("cover.signoff_after_submission",
                          ["/cover/hwb_signoff_date", "/cover/submitted_date"],
                          value=signed.isoformat(), signed=shown_date(signed),
                          submitted=shown_date(submitted))

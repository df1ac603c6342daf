"""The benefits plan (2014-09) names schemes of the expenditure plan, and the benefit it claims
from fewer non-elective admissions is the performance pot (a warning: the two describe the same
reduction, and assurers compare them)."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import text
from bcf_xl.check.rules._util import number, pounds
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding

TABLE = "benefits.rows"
NEL = "Non-elective admissions"


def check(ctx: RuleContext) -> Iterator[Finding]:
    for failure in ctx.failures("benefits_name_schemes"):
        row = failure.row
        yield ctx.finding("benefits.scheme_unknown", failure.at[:1], value=row.get("scheme_ref"),
                          row=row.info.label, reference=text(row.get("scheme_ref")))
    rows = [r for r in ctx.rows(TABLE) if r.get("benefit_type") == NEL]
    totals = [number(r.get("total_benefit")) for r in rows]
    pot = number(ctx.value("p4p.pot"))
    if rows and pot is not None and None not in totals \
            and abs(sum(totals) - pot) > ctx.param("pot_tolerance"):
        yield ctx.finding("benefits.total_inconsistent", [r.at("total_benefit") for r in rows],
                          value=sum(totals), benefits=pounds(sum(totals)), pot=pounds(pot))


RULE = rule(__name__, check, checks=("benefits_name_schemes",),
            reads=(f"{TABLE}.benefit_type", f"{TABLE}.total_benefit", "p4p.pot"),
            values={f"{TABLE}.benefit_type": (NEL,)}, params=("pot_tolerance",),
            codes={"benefits.scheme_unknown": ("row", "reference"),
                   "benefits.total_inconsistent": ("benefits", "pot")})

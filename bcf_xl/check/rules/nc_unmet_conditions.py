"""A national condition not yet met needs a date by which it will be, before the fund starts,
and an explanation of how; the same for the NHS number under condition 4."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules._util import as_date, shown_date
from bcf_xl.check.rules.context import RuleContext

CODES = ("nc.not_met_without_plan", "nc.date_out_of_range")
NOT_MET = ("No", "No - in progress")


def _plan(ctx: RuleContext, label: str, answer: str, date_pointer: str,
          explanation_pointer: str | None) -> Iterator[Finding]:
    latest = as_date(str(ctx.params["condition_deadline"]))
    for pointer in (date_pointer, explanation_pointer):
        if pointer and ctx.get(pointer) in (None, ""):
            yield ctx.finding("nc.not_met_without_plan", [pointer], row=label, answer=answer)
    date = as_date(ctx.get(date_pointer))
    if date and latest and date > latest:
        yield ctx.finding("nc.date_out_of_range", [date_pointer], value=date.isoformat(),
                          row=label, date=shown_date(date), latest=shown_date(latest))


def check(ctx: RuleContext) -> Iterator[Finding]:
    for row in ctx.rows("national_conditions.conditions"):
        answer = row.get("met")
        if answer in NOT_MET:
            yield from _plan(ctx, row.info.label, answer, row.at("met_by"), row.at("explanation"))
    answer = ctx.get("/national_conditions/nhs_number_used")
    if answer in NOT_MET:
        yield from _plan(ctx, "condition 4 (the NHS number)", answer,
                         "/national_conditions/nhs_number_by", None)

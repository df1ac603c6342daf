"""A national condition not yet met needs a date by which it will be, before the fund starts,
and an explanation of how; the same for the NHS number under condition 4."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import shown_date
from bcf_xl.check.rules._util import as_date
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import Failure, RuleContext
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers

NOT_MET = ("No", "No - in progress")
NHS_NUMBER = "condition 4 (the NHS number)"
TABLE = "national_conditions.conditions"


def _latest(ctx: RuleContext) -> str:
    return shown_date(ctx.param("condition_deadline"))


def check(ctx: RuleContext) -> Iterator[Finding]:
    for failure in ctx.failures("conditions_not_met_have_plans"):
        row = failure.row
        for column in ("met_by", "explanation"):
            if row.get(column) in (None, ""):
                yield ctx.finding("nc.not_met_without_plan", [row.at(column)],
                                  row=row.info.label, answer=row.get("met"))
    for failure in ctx.failures("nhs_number_planned"):
        yield ctx.finding("nc.not_met_without_plan",
                          [pointers.of_qid("national_conditions.nhs_number_by")], row=NHS_NUMBER,
                          answer=ctx.value("national_conditions.nhs_number_used"))
    for failure in ctx.failures("conditions_met_in_time"):
        yield _late(ctx, failure, failure.row.at("met_by"), failure.row.info.label)
    for failure in ctx.failures("nhs_number_in_time"):
        yield _late(ctx, failure, pointers.of_qid("national_conditions.nhs_number_by"),
                    NHS_NUMBER)


def _late(ctx: RuleContext, failure: Failure, pointer: str, label: str) -> Finding:
    date = as_date(failure.row.get("met_by") if failure.row else
                   ctx.value("national_conditions.nhs_number_by"))
    return ctx.finding("nc.date_out_of_range", [pointer], value=date.isoformat(), row=label,
                       date=shown_date(date), latest=_latest(ctx))


RULE = rule(__name__, check,
            checks=("conditions_not_met_have_plans", "nhs_number_planned",
                    "conditions_met_in_time", "nhs_number_in_time"),
            values={f"{TABLE}.met": NOT_MET, "national_conditions.nhs_number_used": NOT_MET},
            reads=("national_conditions.nhs_number_used",), params=("condition_deadline",),
            codes={"nc.not_met_without_plan": ("row", "answer"),
                   "nc.date_out_of_range": ("row", "date", "latest")})

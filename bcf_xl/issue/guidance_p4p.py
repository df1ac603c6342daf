"""The Guidance sheet's account of payment for performance in the July 2014 design, with its
worked example computed by the version's own formulas from its parameters, never typed: if
the cost of an admission or the expected reduction changes, so does the example."""

from __future__ import annotations

from typing import Any

from bcf_xl.spec.compute import Computation
from bcf_xl.spec.model import Template

QUARTERS = ("q1", "q2", "q3", "q4")


def _number(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def _pounds(value: float) -> str:
    return f"£{value:,.0f}"


def worked_example(template: Template) -> dict[str, Any]:
    """The example's figures, through the version's formulas (compute.py)."""
    example = template.param("p4p_worked_example")
    expected = template.param("nel_expected_reduction")
    quarters = {q: {"baseline": b, "plan": b * (1 - expected / 100)}
                for q, b in zip(QUARTERS, example["baseline"])}
    data = {"p4p": {"unit_cost": template.param("nel_unit_cost"), "share": example["share"],
                    "quarters": quarters}}
    computation = Computation(template, data, lambda table: ())
    computation.all()
    results = computation.results
    return {"baseline": example["baseline"], "share": example["share"], "expected": expected,
            "cost": template.param("nel_unit_cost"),
            "reductions": [results[f"/p4p/quarters/{q}/reduction"] for q in QUARTERS],
            "reduction": results["/p4p/reduction_total"], "pot": results["/p4p/pot"],
            "ooh": results["/p4p/ooh"]}


def p4p_paragraphs(template: Template) -> list[tuple[str, str]]:
    """(label, text) paragraphs; none for a version without the July 2014 design."""
    if "p4p" not in {s.id for s in template.sheets} or \
            "p4p_worked_example" not in template.parameters:
        return []
    x = worked_example(template)
    cumulative = template.param("p4p_variant") == "cumulative"
    how = ("the payments are worked out on the admissions avoided so far in the year, so a "
           "shortfall in one quarter can be made up later" if cumulative else
           "each quarter is paid on its own reduction, up to the reduction planned for it")
    return [
        ("Payment for performance", (
            "Payment for performance is now on one measure, total non-elective (general and "
            "acute) admissions. Each board plans a reduction for four quarters against the same "
            "quarters a year earlier; the planned reduction times the cost of one admission is "
            "its performance pot, held back from its share of the 1bn and paid as admissions "
            f"actually fall: {how}. What is not earned pays for the extra hospital activity. "
            "The rest of the share is ring-fenced for NHS commissioned out-of-hospital services. "
            f"The expected minimum reduction is {_number(x['expected'])}%; a board planning less "
            "must make the case for it.")),
        ("Worked example", (
            "For illustration: a board whose baseline admissions were "
            + ", ".join(_number(b) for b in x["baseline"])
            + f" in the four quarters ({_number(sum(x['baseline']))} a year) plans "
            f"{_number(x['expected'])}% fewer in each, that is "
            + ", ".join(_number(r) for r in x["reductions"])
            + f" fewer admissions ({_number(x['reduction'])} in the year). At "
            f"{_pounds(x['cost'])} an admission its pot is {_pounds(x['pot'])}; with a share of "
            f"{_pounds(x['share'])}, the other {_pounds(x['ooh'])} must be spent on NHS "
            "commissioned out-of-hospital services. The Payment for performance sheet makes the "
            "same calculation from your own figures.")),
    ]

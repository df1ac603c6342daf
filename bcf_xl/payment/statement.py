"""A board's payment statement: what was at stake, paid and withheld, line by line, and where
every figure came from. Money is in whole pence; figures are exact fractions.

The calculation makes statements (``calculate.py``); the outputs only render them, so what a
board reads on its statement, what the national table adds up and what the JSON holds are the
same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bcf_xl.findings import Finding
from bcf_xl.payment.money import figure, percent, plain, pounds, to_pence

RELEASED, PART_RELEASED, WITHHELD, HELD = "released", "part released", "withheld", "held"


@dataclass(frozen=True)
class Figure:
    """A figure and where it came from: a plan cell, an actuals row, or the calculation."""

    value: Fraction | str | None
    where: str = ""  # "'Metrics'!E40", "actuals.csv row 14 (E14)"
    pointer: str = ""  # the plan's JSON pointer, when it came from the plan
    money: bool = False  # pounds: shown as £1,234.56

    def text(self) -> str:
        if isinstance(self.value, Fraction):
            return pounds(to_pence(self.value)) if self.money else figure(self.value)
        return str(self.value or "")

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, Fraction):
            value = str(value) if value.denominator == 1 else f"{float(value):.9g}"
        return {"value": value, "where": self.where, "pointer": self.pointer}


@dataclass(frozen=True)
class Line:
    """One measure in one tranche (design 1), or one quarter (design 2)."""

    part: str  # tranche id or quarter id
    part_title: str
    paid_when: str
    measure: str  # measure id, or "conditions"
    measure_title: str
    period: str  # period id ("" for the conditions)
    at_stake: int  # pence: design 1 the measure's money; design 2 the quarter's planned value
    paid: int
    withheld: int | None  # design 2 leaves it to the total: a later quarter can make up a miss
    status: str
    reason: str
    achievement: Fraction | None = None
    baseline: Figure | None = None
    plan: Figure | None = None
    actual: Figure | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part, "part_title": self.part_title, "paid_when": self.paid_when,
            "measure": self.measure, "measure_title": self.measure_title, "period": self.period,
            "at_stake": plain(self.at_stake), "paid": plain(self.paid),
            "withheld": None if self.withheld is None else plain(self.withheld),
            "status": self.status, "reason": self.reason,
            "achievement": percent(self.achievement),
            **{name: getattr(self, name).to_dict() if getattr(self, name) else None
               for name in ("baseline", "plan", "actual")},
        }


@dataclass(frozen=True)
class Statement:
    hwb_code: str
    hwb_name: str
    region: str
    preset: str  # preset id ("" when no preset could apply)
    preset_title: str
    design: str
    plan_file: str
    template_version: str
    plan_status: str  # valid, invalid, unreadable, or "no plan"
    stake: int  # pence
    paid: int
    withheld: int
    lines: tuple[Line, ...] = ()
    facts: tuple[tuple[str, Figure], ...] = ()  # the figures behind the stake, and the rule
    findings: tuple[Finding, ...] = ()
    review: tuple[str, ...] = ()  # why the board is listed for peer review or recovery
    illustrative: bool = False

    @property
    def name(self) -> str:
        return f"{self.hwb_name} ({self.hwb_code})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "hwb_code": self.hwb_code, "hwb_name": self.hwb_name, "region": self.region,
            "preset": self.preset, "design": self.design, "plan_file": self.plan_file,
            "template_version": self.template_version, "plan_status": self.plan_status,
            "illustrative_actuals": self.illustrative,
            "stake": plain(self.stake), "paid": plain(self.paid), "withheld": plain(self.withheld),
            "facts": [{"label": label, **f.to_dict()} for label, f in self.facts],
            "lines": [line.to_dict() for line in self.lines],
            "review": list(self.review),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class RunInfo:
    """What a payment run was made from, shown on every output."""

    presets: tuple[tuple[str, str, str], ...]  # (template version, preset id, preset title)
    plans: str  # the batch output the plans were read from
    actuals: str  # the actual-performance file
    illustrative: bool
    method: str = ""  # how illustrative actuals were made
    notes: tuple[str, ...] = ()  # e.g. a preset not checked against a spec not installed

    def to_dict(self) -> dict[str, Any]:
        return {"presets": [{"template_version": v, "preset": i, "title": t}
                            for v, i, t in self.presets],
                "plans": self.plans, "actuals": self.actuals,
                "illustrative_actuals": self.illustrative, "actuals_method": self.method,
                "notes": list(self.notes)}


ILLUSTRATIVE = ("ILLUSTRATIVE: the actual performance used here is made up (bcf-xl's bundled "
                "illustrative figures), so these are not real payments. Give real figures with "
                "--actuals.")

"""The two payment designs as data: what a preset file says, typed and frozen.

Design 1 (December 2013, template 2014-02) pays a board's share of the £1bn in tranches, each
on the national conditions, on achievement against planned improvement in some metrics, or
both. Design 2 (July 2014, template 2014-09) holds back a pot equal to the value of the planned
fall in non-elective admissions and pays it quarter by quarter as admissions fall. Each named
reading of a design is a preset file in ``bcf_xl/templates/payment/`` (loaded and checked by
``presets.py``); nothing about a preset is written in code.

A preset names every plan figure it reads as a JSON pointer into a return
(``/metrics/national/dtoc/baseline_rate``), the same pointers the batch's long table of values
is keyed by, so each figure on a statement can be traced to its plan cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

DESIGN_1 = "dec2013"
DESIGN_2 = "jul2014"
THRESHOLD, PROPORTIONAL = "threshold", "proportional"
RELEASE_RULES = (THRESHOLD, PROPORTIONAL)
PER_QUARTER, CUMULATIVE = "per-quarter", "cumulative"
VARIANTS = (PER_QUARTER, CUMULATIVE)
LOWER, HIGHER = "Lower is better", "Higher is better"


@dataclass(frozen=True)
class Period:
    """A period actual performance is reported for, as the actuals file names it."""

    id: str
    title: str
    # A rate worked out from a part-year numerator is multiplied by this to compare with the
    # plan's annual rate (admissions in six months, against a plan for twelve). Per measure.
    annualise: Mapping[str, Fraction]


@dataclass(frozen=True)
class Measure:
    """A measure the actuals file reports, and the plan fields that go with it."""

    id: str  # as the template spec names it, and as the actuals file must
    title: str
    baseline: str | None  # pointer (None where each period has its own baseline: design 2)
    plans: Mapping[str, str]  # period id -> pointer of the planned figure for that period
    direction: str | None = None  # pointer to "Lower is better" / "Higher is better"
    name: str | None = None  # pointer to the board's own name for the measure (local metric)
    # rate = numerator / denominator * scale, from the spec's row; None: the actuals file must
    # give the figure itself (a survey score, a count)
    scale: Fraction | None = None


@dataclass(frozen=True)
class Conditions:
    """The national-conditions gate: every answer ``met``, and no error finding whose code
    starts with ``error_prefix`` in the plan."""

    answers: tuple[str, ...]  # pointers
    met: str
    error_prefix: str


@dataclass(frozen=True)
class Tranche:
    id: str
    title: str
    paid: str  # when it is paid, in words
    share: Fraction  # of the stake
    gate: bool  # paid only when the national conditions are met
    period: str | None  # performance in this period decides it
    measures: tuple[str, ...]  # equal weights; empty for a tranche on the conditions alone


@dataclass(frozen=True)
class Quarter:
    id: str  # the spec's row id (q1..q4)
    period: str  # the actuals period of the plan quarter
    title: str
    baseline: str  # pointer: admissions in the baseline quarter
    plan: str  # pointer: planned admissions in the same quarter a year later


@dataclass(frozen=True)
class Preset:
    """What every preset says: which design, for which template versions, from which file."""

    id: str
    title: str
    design: str
    about: str
    templates: tuple[str, ...]
    default_for: tuple[str, ...]
    actuals: str | None  # bundled illustrative actuals for this design (file in data/)
    path: str
    # Versions the preset applies to but whose spec is not installed, with the reason its
    # plan fields were not checked against that spec.
    unchecked: tuple[tuple[str, str], ...]
    periods: tuple[Period, ...]
    measures: tuple[Measure, ...]
    # pointer -> the field's title in the spec, for messages ("Baseline 2012/13 rate")
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_of(self, pointer: str) -> str:
        return self.titles.get(pointer, pointer)

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def period(self, period_id: str) -> Period:
        return next(p for p in self.periods if p.id == period_id)


@dataclass(frozen=True)
class TranchePreset(Preset):
    """Design 1: tranches of the board's share of the £1bn."""

    stake: str = ""  # pointer
    release_rule: str = THRESHOLD
    threshold: Fraction = Fraction(7, 10)
    conditions: Conditions | None = None
    tranches: tuple[Tranche, ...] = ()


@dataclass(frozen=True)
class ReductionPreset(Preset):
    """Design 2: a pot worth the planned fall in non-elective admissions, paid quarterly."""

    variant: str = PER_QUARTER
    unit_cost: str = ""  # pointer: c, the cost of a non-elective admission
    share: str = ""  # pointer: S, the board's share of the £1bn
    pot: str = ""  # pointer: the plan's own figure for the pot, shown beside the recomputed one
    quarters: tuple[Quarter, ...] = ()

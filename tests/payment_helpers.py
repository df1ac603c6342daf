"""Plans and actual performance for payment tests, built from figures the way a batch and an
actuals file would give them (values by pointer; figures by board, measure and period); and
the command line and its outputs, for the end-to-end tests.

The worked examples of the requirement (docs/payment.md) are here as inputs only; the tests
compute every expected payment from the rules or take it from the requirement's text.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import openpyxl

from bcf_xl.payment.actuals import Actual, Actuals
from bcf_xl.payment.designs import ReductionPreset, TranchePreset
from bcf_xl.payment.inputs import Board, BoardInputs
from bcf_xl.payment.plans import Plan

ROOT = Path(__file__).resolve().parent.parent
BOARD = Board("E08000035", "Leeds", "Yorkshire and The Humber")
LOWER, HIGHER = "Lower is better", "Higher is better"

# Design 1, tranche B of the requirement: (baseline, plan, actual, direction) per measure.
EXAMPLE_1 = {
    "dtoc": (500, 450, 460, LOWER),
    "emergency_admissions": (2000, 1900, 1960, LOWER),
    "experience": (60, 64, 63, HIGHER),
    "local": (50, 55, 56, HIGHER),
}
# The two measures tranche B leaves out, on plan exactly (100% achieved), for tranche C.
ON_PLAN = {"residential_admissions": (700, 650, 650, LOWER), "reablement": (80, 82, 82, HIGHER)}
EXAMPLE_1_STAKE = 3_000_000
# Design 2: baseline quarters, planned reductions, unit cost, and the two sets of actuals.
EXAMPLE_2_BASELINE = (5200, 4900, 4800, 5100)
EXAMPLE_2_REDUCTION = ("182", "171.5", "168", "178.5")
EXAMPLE_2_UNIT_COST = 1490
EXAMPLE_2_ACTUALS = ((5050, 4900, 4700, 5150), (5250, 4600, 4800, 5100))


def design1_plan(preset: TranchePreset, figures: Mapping[str, tuple], *, stake: Any = 3_000_000,
                 answers: Mapping[str, str] | None = None, status: str = "valid",
                 error_codes: frozenset[str] = frozenset(), version: str = "2014-02") -> Plan:
    """A plan giving every measure of the preset the same baseline and plan in every period."""
    values: dict[str, Any] = {preset.stake: stake}
    cells = {preset.stake: ("Metrics", "C28")}
    for i, pointer in enumerate(preset.conditions.answers):
        values[pointer] = (answers or {}).get(pointer, "Yes")
        cells[pointer] = ("National conditions", f"C{5 + i}")
    for measure in preset.measures:
        baseline, plan, _, direction = figures[measure.id]
        values[measure.baseline] = baseline
        values[measure.direction] = direction
        for pointer in measure.plans.values():
            values[pointer] = plan
    return Plan(BOARD.code, "leeds.xlsx", version, status, len(error_codes),
                frozenset(error_codes), values, cells)


def design2_plan(preset: ReductionPreset, *, baseline=EXAMPLE_2_BASELINE,
                 reduction=EXAMPLE_2_REDUCTION, unit_cost: Any = EXAMPLE_2_UNIT_COST,
                 share: Any = 3_000_000, status: str = "valid") -> Plan:
    values: dict[str, Any] = {preset.unit_cost: unit_cost, preset.share: share}
    for quarter, b, r in zip(preset.quarters, baseline, reduction):
        values[quarter.baseline] = b
        values[quarter.plan] = float(Fraction(b) - Fraction(r))
    values[preset.pot] = EXAMPLE_2_UNIT_COST * 700
    return Plan(BOARD.code, "leeds.xlsx", "2014-09", status, 0, frozenset(), values, {})


def actuals(figures: Mapping[tuple[str, str], Any], *, file: str = "actuals.csv",
            board: str = BOARD.code) -> Actuals:
    """Actual figures by (measure, period) for one board."""
    rows = {(board, m, p): Actual(board, m, p, Fraction(str(v)), i + 2, f"F{i + 2}", "test")
            for i, ((m, p), v) in enumerate(figures.items())}
    return Actuals(file, rows, (), boards=frozenset({board}) if rows else frozenset())


def design1_actuals(preset: TranchePreset, figures: Mapping[str, tuple]) -> Actuals:
    """Every measure's actual from the figures, in every period."""
    return actuals({(m.id, p.id): figures[m.id][2] for m in preset.measures
                    for p in preset.periods})


def design2_actuals(preset: ReductionPreset, admissions) -> Actuals:
    measure = preset.measures[0].id
    return actuals({(measure, q.period): a for q, a in zip(preset.quarters, admissions)
                    if a is not None})


def inputs(plan: Plan, figures: Actuals) -> BoardInputs:
    return BoardInputs(BOARD, plan, figures)


def bcf(*args: str) -> subprocess.CompletedProcess:
    """The command line as a user runs it, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "bcf_xl", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def statement_sheet(path: Path) -> tuple[list[int], list[dict]]:
    """The money row (at stake, paid, withheld) and the lines of a statement workbook, money
    in pence."""
    ws = openpyxl.load_workbook(path).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r[0] == "At stake")
    money = [round(v * 100) for v in rows[at + 1][:3]]
    head = next(i for i, r in enumerate(rows) if r[0] == "Part")
    names = rows[head]
    lines = []
    for r in rows[head + 1:]:
        if not r[0]:
            break
        lines.append(dict(zip(names, r)))
    return money, lines

"""What the calculation knows about one board, and the small helpers both designs share:
reading a plan figure with the cell it came from, an actual with its row, and making the
board's findings."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bcf_xl import findings
from bcf_xl.findings import Finding
from bcf_xl.payment.actuals import Actual, Actuals
from bcf_xl.payment.designs import Preset
from bcf_xl.payment.money import exact
from bcf_xl.payment.plans import Plan
from bcf_xl.payment.statement import Figure, Statement


@dataclass(frozen=True)
class Board:
    code: str
    name: str
    region: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class BoardInputs:
    board: Board
    plan: Plan
    actuals: Actuals

    @property
    def has_actuals(self) -> bool:
        return self.board.code in self.actuals.boards

    def number(self, pointer: str) -> Fraction | None:
        return exact(self.plan.value(pointer))

    def text(self, pointer: str | None) -> str:
        value = self.plan.value(pointer) if pointer else None
        return "" if value is None else str(value)

    def figure(self, pointer: str, *, money: bool = False) -> Figure:
        return Figure(self.number(pointer), self.plan.cell(pointer), pointer, money)

    def actual(self, measure: str, period: str) -> Actual | None:
        return self.actuals.get(self.board.code, measure, period)

    def actual_figure(self, actual: Actual) -> Figure:
        return Figure(actual.value, f"{self.actuals.file} row {actual.row} ({actual.cell})")

    def finding(self, code: str, pointer: str | None = None, **params: Any) -> Finding:
        """A finding about this board, located on its plan cell when there is one."""
        sheet = self.plan.sheet(pointer) if pointer else None
        cell = self.plan.cells.get(pointer)[1] if pointer and pointer in self.plan.cells else None
        return findings.make(code, sheet=sheet, cells=(cell,) if cell else (),
                             field_id=pointer, board=self.board.label, **params)


def empty_statement(board: Board, *, preset: Preset | None, plan: Plan | None, status: str,
                    finding: Finding, stake: int = 0, illustrative: bool = False,
                    review: bool = True) -> Statement:
    """A statement that pays nothing: no plan, a plan no preset covers, an invalid plan.
    ``review``: whether the board is listed for follow-up (a board that sent no plan is not:
    the assurance reports list it as missing)."""
    return Statement(
        board.code, board.name, board.region, preset.id if preset else "",
        preset.title if preset else "", preset.design if preset else "",
        plan.file if plan else "", plan.template_version if plan else "", status,
        stake=stake, paid=0, withheld=stake, findings=(finding,),
        review=(finding.message,) if review else (), illustrative=illustrative)

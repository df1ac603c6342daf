"""The payment workbooks: a statement sheet per board, and the national workbook (England and
regions with totals and a chart, every board, the review list, the findings).

Text goes through ``write_string``, which never makes a formula, so a name typed into a return
as ``=HYPERLINK(...)`` stays text; the only formulas are the totals this module writes itself.
Control and bidi characters in text are shown as visible markers (report/safe.py).
Money is written as pounds with a £ format to the penny (the exact pence are in the CSV and
JSON outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from bcf_xl.findings import Finding
from bcf_xl.payment.national import ENGLAND, action, for_review, totals
from bcf_xl.payment.statement import ILLUSTRATIVE, RunInfo, Statement
from bcf_xl.report.safe import shown

MONEY = "£#,##0.00"
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "in_memory": True}


class _Sheet:
    """Writes typed cells row by row: text as text, money as pounds, fractions as per cent."""

    def __init__(self, wb: Any, title: str):
        self.ws = wb.add_worksheet(title)
        self.formats = {
            "money": wb.add_format({"num_format": MONEY}),
            "percent": wb.add_format({"num_format": "0.0%"}),
            "head": wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                   "text_wrap": True, "valign": "top"}),
            "title": wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79"}),
            "note": wb.add_format({"bold": True, "bg_color": "#FFF4CE", "font_color": "#7F4A00",
                                   "text_wrap": True}),
            "bold": wb.add_format({"bold": True}),
            "total": wb.add_format({"bold": True, "num_format": MONEY, "top": 1}),
        }
        self.row = 0

    def text(self, row: int, col: int, value: Any, fmt: str | None = None) -> None:
        self.ws.write_string(row, col, shown(value), self.formats.get(fmt or ""))

    def line(self, values: Sequence[Any], kinds: Sequence[str] = (), fmt: str | None = None) -> int:
        """Write one row; kinds per column: text, money (pence), percent (Fraction), number."""
        for col, value in enumerate(values):
            kind = kinds[col] if col < len(kinds) else "text"
            if value is None or value == "":
                self.text(self.row, col, "", fmt)
            elif kind == "money":
                self.ws.write_number(self.row, col, value / 100, self.formats["money"])
            elif kind == "percent":
                self.ws.write_number(self.row, col, float(value), self.formats["percent"])
            elif kind == "number":
                self.ws.write_number(self.row, col, float(value))
            else:
                self.text(self.row, col, value, fmt)
        self.row += 1
        return self.row - 1

    def title(self, text: str, run: RunInfo) -> None:
        self.text(0, 0, text, "title")
        self.row = 1
        if run.illustrative:
            self.ws.merge_range(1, 0, 1, 7, "", self.formats["note"])
            self.ws.set_row(1, 45)
            self.text(1, 0, ILLUSTRATIVE, "note")
            self.row = 2
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1
        self.text(self.row, 0, text, "bold")
        self.row += 1


def _findings(sheet: _Sheet, found: Sequence[Finding]) -> None:
    sheet.line(("Code", "Severity", "Where", "Cell", "What to do"), fmt="head")
    for f in found:
        sheet.line((f.code, f.severity.value, f.sheet or "", " ".join(f.cells), f.message))


def _statement_lines(sheet: _Sheet, s: Statement) -> None:
    sheet.line(("Part", "Paid", "Measure", "Period", "Baseline", "Baseline cell", "Plan",
                "Plan cell", "Actual", "Actuals row", "Achieved", "At stake", "Paid",
                "Withheld", "Status", "Why"), fmt="head")
    kinds = ("text",) * 4 + ("number", "text") * 3 + ("percent", "money", "money", "money")
    for line in s.lines:
        figures = []
        for f in (line.baseline, line.plan, line.actual):
            figures += [f.value if f else None, f.where if f else ""]
        sheet.line((line.part, line.paid_when, line.measure_title, line.period, *figures,
                    line.achievement, line.at_stake, line.paid, line.withheld, line.status,
                    line.reason), kinds)


def write_statement(path: Path, s: Statement, run: RunInfo) -> None:
    """One board's statement as a one-sheet workbook."""
    wb = xlsxwriter.Workbook(str(path), OPTIONS)
    sheet = _Sheet(wb, "Statement")
    sheet.title(f"Payment for performance: {s.name}", run)
    for label, value in (("Region", s.region), ("Plan (return that counts)", s.plan_file),
                         ("Template version", s.template_version), ("Plan status", s.plan_status),
                         ("Design", f"{s.preset_title} ({s.preset})" if s.preset else ""),
                         ("Actual performance", run.actuals)):
        sheet.line((label, value))
    sheet.heading("Money")
    sheet.line(("At stake", "Paid", "Withheld"), fmt="head")
    sheet.line((s.stake, s.paid, s.withheld), ("money",) * 3)
    sheet.heading("How the stake is worked out")
    sheet.line(("Figure", "Value", "Where it came from"), fmt="head")
    for label, f in s.facts:
        sheet.line((label, f.text(), f.where))
    sheet.heading("Measure by measure")
    _statement_lines(sheet, s)
    sheet.heading("Peer review and recovery: " + (action(s) if s.review else "not listed"))
    for reason in s.review:
        sheet.line((reason,))
    sheet.heading("Findings")
    _findings(sheet, s.findings)
    sheet.ws.set_column(0, 0, 28)
    sheet.ws.set_column(1, 15, 14)
    sheet.ws.set_column(15, 15, 60)
    wb.close()


def _summary(wb: Any, statements: Sequence[Statement], run: RunInfo) -> None:
    sheet = _Sheet(wb, "England and regions")
    sheet.title("Better Care Fund: payment for performance", run)
    for version, preset, title in run.presets:
        sheet.line((f"Template {version}", f"{title} ({preset})"))
    sheet.line(("Plans", run.plans))
    sheet.line(("Actual performance", run.actuals))
    for note in run.notes:
        sheet.line(("Note", note))
    sheet.row += 1
    header = sheet.line(("Scope", "Boards", "Paid in full", "For review", "At stake", "Paid",
                         "Withheld"), fmt="head")
    sums = totals(statements)
    kinds = ("text", "number", "number", "number", "money", "money", "money")
    for t in sums[1:]:
        sheet.line((t.scope, t.boards, t.in_full, t.for_review, t.stake, t.paid, t.withheld),
                   kinds)
    england = sums[0]
    last = sheet.row - 1
    sheet.text(sheet.row, 0, ENGLAND, "bold")
    for col, value in enumerate((england.boards, england.in_full, england.for_review), start=1):
        sheet.ws.write_formula(sheet.row, col, _sum(header + 1, last, col), sheet.formats["bold"],
                               value)
    for col, value in enumerate((england.stake, england.paid, england.withheld), start=4):
        sheet.ws.write_formula(sheet.row, col, _sum(header + 1, last, col),
                               sheet.formats["total"], value / 100)
    _chart(wb, sheet, header + 1, last)
    sheet.ws.set_column(0, 0, 30)
    sheet.ws.set_column(1, 6, 16)


def _sum(first: int, last: int, col: int) -> str:
    if last < first:
        return "=0"
    return f"=SUM({xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)})"


def _chart(wb: Any, sheet: _Sheet, first: int, last: int) -> None:
    if last < first:
        return
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    name = sheet.ws.get_name()
    for col, colour in ((5, "#2F5597"), (6, "#C55A11")):
        chart.add_series({"name": [name, first - 1, col],
                          "categories": [name, first, 0, last, 0],
                          "values": [name, first, col, last, col], "fill": {"color": colour}})
    chart.set_title({"name": "Paid and withheld by region"})
    chart.set_x_axis({"num_format": "£#,##0,,\"m\""})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 760, "height": 420})
    sheet.ws.insert_chart(sheet.row + 2, 0, chart)


def _boards(wb: Any, columns: Sequence[str], rows: Sequence[dict[str, Any]],
            run: RunInfo) -> None:
    sheet = _Sheet(wb, "Boards")
    sheet.title("Every board", run)
    header = sheet.line(columns, fmt="head")
    for row in rows:
        values = [_typed(c, row[c]) for c in columns]
        sheet.line([v for v, _ in values], [k for _, k in values])
    money_cols = [i for i, c in enumerate(columns) if c in ("stake", "paid", "withheld")
                  or c.startswith("paid_")]
    total_row = sheet.row
    sheet.text(total_row, 0, "Total (of the rows shown)", "bold")
    for col in money_cols:
        cells = f"{xl_rowcol_to_cell(header + 1, col)}:{xl_rowcol_to_cell(total_row - 1, col)}"
        sheet.ws.write_formula(total_row, col, f"=SUBTOTAL(109,{cells})", sheet.formats["total"],
                               sum(_pence(r[columns[col]]) for r in rows) / 100)
    sheet.ws.autofilter(header, 0, max(total_row - 1, header), len(columns) - 1)
    sheet.ws.freeze_panes(header + 1, 2)
    sheet.ws.set_column(0, len(columns) - 1, 14)
    sheet.ws.set_column(1, 1, 30)


def _pence(text: Any) -> int:
    if not text:
        return 0
    whole, _, part = str(text).partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(part or 0))


def _typed(column: str, value: Any) -> tuple[Any, str]:
    if column in ("stake", "paid", "withheld") or column.startswith("paid_"):
        return (_pence(value) if value != "" else ""), "money"
    if column in ("findings",) or (column == "paid_percent" and value != ""):
        return value, "number"
    if isinstance(value, bool):
        return ("yes" if value else "no"), "text"
    return value, "text"


def _review(wb: Any, statements: Sequence[Statement], run: RunInfo) -> None:
    sheet = _Sheet(wb, "Peer review and recovery")
    sheet.title("Boards for peer review or recovery", run)
    sheet.line(("HWB", "Board", "Region", "Preset", "At stake", "Paid", "Withheld", "Action",
                "Why"), fmt="head")
    for s in for_review(statements):
        sheet.line((s.hwb_code, s.hwb_name, s.region, s.preset, s.stake, s.paid, s.withheld,
                    action(s), " | ".join(s.review)),
                   ("text",) * 4 + ("money",) * 3)
    sheet.ws.set_column(0, 7, 16)
    sheet.ws.set_column(8, 8, 100)


def write_national(path: Path, statements: Sequence[Statement], columns: Sequence[str],
                   rows: Sequence[dict[str, Any]], found: Sequence[Finding],
                   run: RunInfo) -> None:
    """The national workbook: England and regions (totals, chart), boards, review, findings."""
    wb = xlsxwriter.Workbook(str(path), OPTIONS)
    _summary(wb, statements, run)
    _boards(wb, columns, rows, run)
    _review(wb, statements, run)
    sheet = _Sheet(wb, "Findings")
    sheet.title("Findings about the actual performance and the plans", run)
    _findings(sheet, found)
    wb.close()


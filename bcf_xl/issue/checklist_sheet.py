"""The live checklist: a checker formula per required input and per check of the version,
per-sheet flags and a title.

Checkers refer to cells through the defined names (INDEX into a column for table rows), so they
keep pointing at the right cells after a user inserts rows. The checks' formulas come from the
same conditions the validator evaluates (issue/checks.py, spec/conditions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl.issue.checks import check_formula, check_sheet, check_target
from bcf_xl.issue import text_fit
from bcf_xl.issue.form import absolute
from bcf_xl.issue.layout import SheetLayout
from bcf_xl.issue.styles import Styles
from bcf_xl.spec import checklist
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.checklist import Item
from bcf_xl.spec.model import Check, Sheet, Template
from bcf_xl.spec.rows import RowSeed

STATUS_NAME = "checklist.status"
SHEET_COL, DESC_COL, LINK_COL, CHECK_COL = 1, 2, 3, 4
WIDTHS = {0: 2, SHEET_COL: 22, DESC_COL: 70, LINK_COL: 12, CHECK_COL: 12}


def _excel_ref(pointer: str, item: Item | None = None) -> str:
    """The defined-name reference of a checked cell: a field name or INDEX into a column."""
    where = pointers.parse(pointer)
    if not where.in_table:
        return where.qid
    index = item.row if item is not None and item.row is not None else 0
    return f"INDEX({where.qid},{index + 1})"


def checker_formula(item: Item) -> str:
    if item.min_rows is not None:
        column = pointers.parse(item.pointer).table_qid + f".{item.field.id}"
        return f'=IF(COUNTA({column})>={item.min_rows},"Yes","No")'
    filled = f"LEN(TRIM({_excel_ref(item.pointer, item)}))>0"
    if item.unless:
        other = _excel_ref(item.unless[0], item)
        waived = '"' + item.unless[1].replace('"', '""') + '"'
        return f'=IF(OR({other}={waived},{filled}),"Yes","No")'
    return f'=IF({filled},"Yes","No")'


def _target(item: Item, layouts: dict[str, SheetLayout]) -> str:
    """The A1 address the item's hyperlink jumps to."""
    layout = layouts[item.sheet.id]
    where = pointers.parse(item.pointer)
    if not where.in_table and item.min_rows is None:
        return layout.field_cell(where.name)
    return layout.table(where.name).cell(item.row or 0, item.field.id)


@dataclass(frozen=True)
class Line:
    """One row of the checklist: a required cell, or one of the version's checks."""

    sheet: Sheet
    description: str
    target: str  # A1 on the sheet, for the link
    formula: str
    answer: str  # the cached result
    is_check: bool = False


def _lines(template: Template, answers: list[tuple[Item, str]],
           verdicts: list[tuple[Check, str]], layouts: dict[str, SheetLayout],
           seeds: Mapping[str, tuple[RowSeed, ...]], issued: Mapping[str, Any]) -> list[Line]:
    lines = [Line(item.sheet, item.description, _target(item, layouts), checker_formula(item),
                  answer) for item, answer in answers]
    for check, verdict in verdicts:
        sheet = template.sheet(check_sheet(template, check))
        qid, column = check_target(check)
        layout = layouts[sheet.id]
        where = pointers.split_qid(qid)
        a1 = (layout.table(where[1]).cell(0, column) if column else layout.field_cell(where[1]))
        lines.append(Line(sheet, check.title, a1,
                          check_formula(template, check, seeds, issued), verdict, True))
    order = {s.id: i for i, s in enumerate(template.sheets)}
    return sorted(lines, key=lambda line: (order[line.sheet.id], line.is_check))


def write_checklist(wb: Workbook, ws: Worksheet, styles: Styles, template: Template, *,
                    answers: list[tuple[Item, str]], verdicts: list[tuple[Check, str]],
                    layouts: dict[str, SheetLayout], seeds: Mapping[str, tuple[RowSeed, ...]],
                    issued: Mapping[str, Any]) -> None:
    """The Checklist sheet: per sheet, every required cell and every check of the version,
    each with a link and a live Yes/No; "Complete template" only when all read Yes."""
    lines = _lines(template, answers, verdicts, layouts, seeds, issued)
    for col, width in WIDTHS.items():
        ws.set_column(col, col, width)
    ws.write(0, SHEET_COL, "Checklist", styles.title())
    ws.write(1, SHEET_COL, "Template status:", styles.text(bold=True))
    sheets = list(dict.fromkeys(line.sheet for line in lines))
    first_item_row = 5 + len(sheets) + 2
    last_item_row = first_item_row + len(lines) + len(sheets) * 2 - 1
    status_range = (f"{xl_rowcol_to_cell(first_item_row, CHECK_COL, True, True)}:"
                    f"{xl_rowcol_to_cell(last_item_row, CHECK_COL, True, True)}")
    status = checklist.status([line.answer for line in lines])
    ws.write_formula(1, DESC_COL, f'=IF(COUNTIF({status_range},"No")=0,"{checklist.COMPLETE}",'
                     f'"{checklist.INCOMPLETE}")', styles.text(bold=True), status)
    wb.define_name(STATUS_NAME, absolute(ws.get_name(), xl_rowcol_to_cell(1, DESC_COL)))
    help_text = ("Every line must read Yes before the template is sent: each required cell "
                 "filled in, and each check of the figures and answers passed. Click a cell "
                 "reference to go to the cell.")
    ws.merge_range(2, SHEET_COL, 2, CHECK_COL, help_text, styles.help())
    text_fit.fit_row(ws, 2, [(help_text, sum(WIDTHS.values()) - WIDTHS[0])], 9)
    ws.write(4, SHEET_COL, "Sheet", styles.header())
    ws.write(4, DESC_COL, "Sheet complete", styles.header())
    row = first_item_row
    summary_row = 5
    for sheet in sheets:
        mine = [line for line in lines if line.sheet is sheet]
        ws.merge_range(row, SHEET_COL, row, CHECK_COL, sheet.title, styles.block_title())
        ws.write_row(row + 1, SHEET_COL, ["Sheet", "What to complete or check", "Cell",
                                          "Done?"], styles.header())
        start = row + 2
        for k, line in enumerate(mine):
            r = start + k
            ws.write_string(r, SHEET_COL, sheet.title, styles.text())
            description = ("Check: " if line.is_check else "") + line.description
            ws.write_string(r, DESC_COL, description, styles.text())
            text_fit.fit_row(ws, r, [(description, WIDTHS[DESC_COL]),
                                     (sheet.title, WIDTHS[SHEET_COL])])
            ws.write_url(r, LINK_COL, f"internal:'{sheet.title}'!{line.target}", styles.link(),
                         line.target)
            ws.write_formula(r, CHECK_COL, line.formula, styles.text(bold=True), line.answer)
        end = start + len(mine) - 1
        flag_range = f"{xl_rowcol_to_cell(start, CHECK_COL, True, True)}:{xl_rowcol_to_cell(end, CHECK_COL, True, True)}"
        done = "Yes" if all(line.answer == "Yes" for line in mine) else "No"
        ws.write_string(summary_row, SHEET_COL, sheet.title, styles.text())
        ws.write_formula(summary_row, DESC_COL, f'=IF(COUNTIF({flag_range},"No")=0,"Yes","No")',
                         styles.text(bold=True), done)
        summary_row += 1
        row = end + 1
    for rng in (f"C6:C{5 + len(sheets)}", f"E{first_item_row + 1}:E{last_item_row + 1}"):
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"Yes"',
                                    "format": styles.flag(True)})
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"No"',
                                    "format": styles.flag(False)})
    for text, ok in ((checklist.COMPLETE, True), (checklist.INCOMPLETE, False)):
        ws.conditional_format("C2", {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                     "format": styles.flag(ok)})
    ws.freeze_panes(first_item_row, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})

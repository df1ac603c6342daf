"""An annotated copy of a return: findings shown in the workbook the finance officer knows.

Every cell with a finding is filled red (error) or amber (warning) and carries a comment with
the message; a first sheet, "Validation", lists every finding with a link to its cell. The copy
keeps protection, defined names and identity, so it validates to the same findings: the reader
finds cells by name and ignores sheets, fills and comments. The original is never written.

Every text this module writes is a string cell, never a formula: a message or a value that
starts with the board's "=HYPERLINK(...)" is shown as the board typed it, and cannot run.
Control and bidi characters are shown as visible markers (report/safe.py); openpyxl would refuse
most of them, and a comment holding one would not be XML.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from bcf_xl.atomic import atomic_path
from bcf_xl.findings import Finding, Severity
from bcf_xl.read.intake import check_openpyxl_is_safe
from bcf_xl.report.safe import shown, visible_text
from bcf_xl.validate import Result

SHEET = "Validation"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
AUTHOR = "bcf-xl"


def _comment(found: list[Finding]) -> Comment:
    text = visible_text("\n\n".join(f"{f.severity.value.upper()} ({f.code}): {f.message}"
                                     for f in found))
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 320, min(400, 60 + 18 * (len(text) // 45 + 1))
    return comment


def _mark_cells(wb, result: Result) -> None:
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        for cell in finding.cells:
            by_cell[(finding.sheet or "", cell)].append(finding)
    for (sheet, address), found in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][address]
        error = any(f.severity is Severity.ERROR for f in found)
        cell.fill = ERROR_FILL if error else WARNING_FILL
        cell.comment = _comment(found)


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell: numbers as numbers, everything else as a string cell (openpyxl would
    make text starting with "=" a formula)."""
    cell = ws.cell(row, column)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = shown(value)
        cell.data_type = "s"
    return cell


def _line(ws: Any, row: int, values: Sequence[Any]) -> int:
    for column, value in enumerate(values, start=1):
        _put(ws, row, column, value)
    return row


def _link_target(sheet: str, cell: str) -> str:
    """A location inside the workbook; a quote in a sheet name is doubled, as Excel does."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _summary_sheet(wb, result: Result) -> None:
    ws = wb.create_sheet(SHEET, 0)
    identity = result.identity
    _put(ws, 1, 1, "Validation of this return").font = Font(bold=True, size=14)
    _line(ws, 2, ["Board", f"{identity.hwb_name} ({identity.hwb_code})" if identity else ""])
    _line(ws, 3, ["Template version", identity.version if identity else ""])
    _line(ws, 4, ["Status", result.status])
    _line(ws, 5, ["Errors", result.errors])
    _line(ws, 6, ["Warnings", result.warnings])
    header = _line(ws, 8, ["Severity", "Code", "Sheet", "Cell", "Field", "What to do"])
    for cell in ws[header]:
        cell.font = Font(bold=True)
    for row, finding in enumerate(result.findings, start=header + 1):
        _line(ws, row, [finding.severity.value, finding.code, finding.sheet or "",
                        ", ".join(finding.cells), finding.field_title or "", finding.message])
        ws.cell(row, 1).fill = ERROR_FILL if finding.severity is Severity.ERROR else WARNING_FILL
        if finding.sheet and finding.cells:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate,
                                       location=_link_target(finding.sheet, finding.cells[0]))
            link.font = Font(color="0563C1", underline="single")
    for column, width in zip("ABCDEF", (10, 30, 20, 14, 40, 100)):
        ws.column_dimensions[column].width = width
    wb.active = 0


def annotate(source: Path, result: Result, out: Path) -> Path:
    """Write the annotated copy of ``source`` to ``out`` (atomically); returns ``out``."""
    import openpyxl

    if Path(out).resolve() == Path(source).resolve():
        raise ValueError("the annotated copy must not replace the original")
    check_openpyxl_is_safe()
    wb = openpyxl.load_workbook(source)
    _mark_cells(wb, result)
    _summary_sheet(wb, result)
    with atomic_path(Path(out)) as tmp:
        wb.save(tmp)
    return Path(out)

"""An annotated copy of a return: findings shown in the workbook the finance officer knows.

Every cell with a finding is filled red (error) or amber (warning) and carries a comment with
the message; a first sheet, "Validation", lists every finding with a link to its cell. The copy
keeps protection, defined names and identity, so it validates to the same findings: the reader
finds cells by name and ignores sheets, fills and comments. The original is never written.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from bcf_xl.atomic import atomic_path
from bcf_xl.findings import Finding, Severity
from bcf_xl.read.intake import check_openpyxl_is_safe
from bcf_xl.validate import Result

SHEET = "Validation"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
AUTHOR = "bcf-xl"


def _comment(found: list[Finding]) -> Comment:
    text = "\n\n".join(f"{f.severity.value.upper()} ({f.code}): {f.message}" for f in found)
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


def _summary_sheet(wb, result: Result) -> None:
    ws = wb.create_sheet(SHEET, 0)
    identity = result.identity
    ws.append(["Validation of this return"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Board", f"{identity.hwb_name} ({identity.hwb_code})" if identity else ""])
    ws.append(["Template version", identity.version if identity else ""])
    ws.append(["Status", result.status])
    ws.append(["Errors", result.errors])
    ws.append(["Warnings", result.warnings])
    ws.append([])
    ws.append(["Severity", "Code", "Sheet", "Cell", "Field", "What to do"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for finding in result.findings:
        ws.append([finding.severity.value, finding.code, finding.sheet or "",
                   ", ".join(finding.cells), finding.field_title or "", finding.message])
        row = ws.max_row
        ws.cell(row, 1).fill = ERROR_FILL if finding.severity is Severity.ERROR else WARNING_FILL
        if finding.sheet and finding.cells:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate,
                                       location=f"'{finding.sheet}'!{finding.cells[0]}")
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

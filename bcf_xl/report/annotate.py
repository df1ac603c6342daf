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
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.hyperlink import Hyperlink

from bcf_xl.atomic import atomic_path
from bcf_xl.findings import Finding, Severity
from bcf_xl.issue import text_fit
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


# The template's look (issue/styles.py): Calibri 10 for cells, bold 10 headers on pale blue,
# a bold 14 title in the template's header colour.
FONT = "Calibri"
TITLE_COLOUR = "1F4E79"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
LABELS = ("Board", "Template version", "Status", "Errors", "Warnings")
COLUMNS = ("Severity", "Code", "Sheet", "Cell", "Field", "What to do")
# Column widths: A fits the longest label (a bold one is wider than its characters), the
# others their content; "What to do" wraps within a width that prints on landscape A4.
WIDTHS = (max(len(t) for t in LABELS + COLUMNS) * 1.2 + 2, 30, 16, 12, 36, 70)


def _font(**style: Any) -> Font:
    return Font(name=FONT, size=style.pop("size", 10), **style)


def _summary_sheet(wb, result: Result) -> None:
    ws = wb.create_sheet(SHEET, 0)
    identity = result.identity
    _put(ws, 1, 1, "Validation of this return").font = _font(bold=True, size=14,
                                                             color=TITLE_COLOUR)
    values = [f"{identity.hwb_name} ({identity.hwb_code})" if identity else "",
              identity.version if identity else "", result.status, result.errors,
              result.warnings]
    for row, (label, value) in enumerate(zip(LABELS, values), start=2):
        _line(ws, row, [label, value])
        ws.cell(row, 1).font = _font(bold=True)
        ws.cell(row, 2).font = _font()
        ws.cell(row, 2).alignment = Alignment(horizontal="left")
    header = _line(ws, 8, list(COLUMNS))
    for cell in ws[header]:
        cell.font, cell.fill, cell.border, cell.alignment = _font(bold=True), HEADER_FILL, \
            BORDER, TOP_WRAP
    for row, finding in enumerate(result.findings, start=header + 1):
        line = [finding.severity.value, finding.code, finding.sheet or "",
                ", ".join(finding.cells), finding.field_title or "", finding.message]
        _line(ws, row, line)
        for column in range(1, len(line) + 1):
            cell = ws.cell(row, column)
            cell.font, cell.border, cell.alignment = _font(), BORDER, TOP_WRAP
        ws.cell(row, 1).fill = ERROR_FILL if finding.severity is Severity.ERROR else WARNING_FILL
        if finding.sheet and finding.cells:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate,
                                       location=_link_target(finding.sheet, finding.cells[0]))
            link.font = _font(color="0563C1", underline="single")
        # Neither Excel nor LibreOffice grows a row for wrapped text a library wrote.
        ws.row_dimensions[row].height = text_fit.height(
            [(shown(v), w) for v, w in zip(line, WIDTHS)])
    for column, width in zip("ABCDEF", WIDTHS):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = ws.cell(header + 1, 1)
    _print_setup(ws, header)
    wb.active = 0


def _print_setup(ws: Any, header: int) -> None:
    """Landscape A4, as wide as one page, the column headings on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _visible_cells(wb: Any) -> None:
    """The board's own text in the copy shows its hidden characters as markers, as every other
    output does: openpyxl would write a C1 control or a bidi override into the copy as it is
    (and, without lxml, unescaped)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and cell.data_type != "f" and not value.isprintable():
                    cell.value = visible_text(value)


def annotate(source: Path, result: Result, out: Path) -> Path:
    """Write the annotated copy of ``source`` to ``out`` (atomically); returns ``out``."""
    import openpyxl

    if Path(out).resolve() == Path(source).resolve():
        raise ValueError("the annotated copy must not replace the original")
    check_openpyxl_is_safe()
    wb = openpyxl.load_workbook(source)
    _visible_cells(wb)
    _mark_cells(wb, result)
    _summary_sheet(wb, result)
    with atomic_path(Path(out)) as tmp:
        wb.save(tmp)
    return Path(out)

"""The Guidance sheet, written entirely from the spec: purpose, deadline, colour key, one
paragraph per sheet, the national conditions in full, the version and what changed."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from bcf_xl.issue.styles import Styles
from bcf_xl.spec.model import Template

COLOUR_KEY = (
    ("input", "Yellow: enter your figures or text here."),
    ("prepopulated", "Grey: pre-populated by NHS England for your board; do not change."),
    ("formula", "Blue: calculated by the template from what you enter."),
)


def write_guidance(ws: Worksheet, template: Template, styles: Styles, hwb_name: str,
                   issued: str) -> None:
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 100)
    ws.write(0, 1, f"{template.title} - {hwb_name}", styles.title())
    rows: list[tuple[str, str]] = [
        ("Purpose", template.sheet("guidance").purpose or ""),
        ("Deadline", template.deadline),
        ("Where to send it", f"Send the completed workbook, as an .xlsx file, to {template.submit_to}. "
                             "Do not rename or remove sheets, and keep the file name."),
        ("Template", f"{template.id} version {template.version}, issued {issued} under the "
                     f"{template.issued_under}."),
        ("Changes in this version", " ".join(template.changes)),
        ("Checking your return", "The Checklist sheet shows, for every required cell, whether it "
                                 "is complete, with a link to the cell. Before sending, run the "
                                 "bcf-xl validate command (or ask your NHS England contact to) "
                                 "to check totals, national conditions and metrics."),
    ]
    row = 2
    for label, text in rows:
        row = _paragraph(ws, styles, row, label, text)
    ws.write(row, 1, "Colour key", styles.text(bold=True))
    for colour, text in COLOUR_KEY:
        row += 1
        ws.write_blank(row, 1, None, styles.swatch(colour))
        ws.write_string(row, 2, text, styles.text())
    row += 1
    row += 1
    ws.write(row, 1, "The sheets", styles.block_title())
    row += 1
    for sheet in template.sheets:
        row = _paragraph(ws, styles, row, sheet.title, sheet.about)
    row += 1
    ws.write(row, 1, "The national conditions", styles.block_title())
    row += 1
    for number, condition in enumerate(template.row_sets.get("national_conditions", ()), 1):
        row = _paragraph(ws, styles, row, f"{number}. {condition.values['title']}",
                         str(condition.values.get("text", "")))
    ws.protect("", {"format_columns": True, "format_rows": True})


def _paragraph(ws: Worksheet, styles: Styles, row: int, label: str, text: str) -> int:
    ws.write_string(row, 1, label, styles.text(bold=True))
    ws.write_string(row, 2, text, styles.text())
    # Excel does not grow rows for wrapped text written by a library: size them from the text
    # (about 110 characters a line in the text column, 28 in the label column).
    lines = max(1, -(-len(text) // 110) + text.count("\n"), -(-len(label) // 28))
    ws.set_row(row, 14 * lines + 2)
    return row + 1

"""The Guidance sheet, written entirely from the spec: purpose, deadline, colour key, one
paragraph per sheet, the national conditions in full, the version and what changed."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from bcf_xl.issue import text_fit
from bcf_xl.issue.guidance_p4p import p4p_paragraphs
from bcf_xl.issue.styles import Styles
from bcf_xl.spec.migration_map import known_maps, what_changed
from bcf_xl.spec.model import Template

LABEL_WIDTH, TEXT_WIDTH = 28, 100
CHECKLIST_TITLE = "Checklist"
CHECKLIST_ABOUT = (
    "Every required cell, sheet by sheet, and every check NHS England makes of your figures and "
    "answers that a spreadsheet can make (funding and spending agree, contributions at their "
    "minimums, capital grants included in full, sign-off before submission, and the others), "
    "each with a link to its cells and a live Yes or No. Its title reads Complete template only "
    "when every line reads Yes.")
CHECKING = (
    "Before sending, make the Checklist sheet read Complete template. NHS England checks every "
    "return in the same way when it arrives, and more besides (which board's template it is, "
    "values changed in grey cells, the national conditions, the metrics); you can run those "
    "checks yourself before sending by uploading the workbook to NHS England's Better Care Fund "
    "return service with the upload key sent to your board with this template: it lists every "
    "finding with its sheet and cell, and gives back a copy of your workbook with each one "
    "marked.")

COLOUR_KEY = (
    ("input", "Yellow: enter your figures or text here."),
    ("prepopulated", "Grey: pre-populated by NHS England for your board; do not change."),
    ("formula", "Blue: calculated by the template from what you enter."),
)


def write_guidance(ws: Worksheet, template: Template, styles: Styles, hwb_name: str,
                   issued: str) -> None:
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, LABEL_WIDTH)
    ws.set_column(2, 2, TEXT_WIDTH)
    ws.write(0, 1, f"{template.title} - {hwb_name}", styles.title())
    rows: list[tuple[str, str]] = [
        ("Purpose", template.sheet("guidance").purpose or ""),
        ("Deadline", template.deadline),
        ("Where to send it", f"Send the completed workbook, as an .xlsx file, to {template.submit_to}. "
                             "Do not rename or remove sheets, and keep the file name."),
        ("Template", f"{template.id} version {template.version}, issued {issued} under the "
                     f"{template.issued_under}."),
        ("Changes in this version", " ".join(template.changes)),
        # What changed since the version before, from the same map that migrates a return.
        *(row for m in known_maps().values() if m.target.version == template.version
          for row in what_changed(m)),
        ("Checking your return", CHECKING),
    ] + p4p_paragraphs(template)
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
    row = _paragraph(ws, styles, row, CHECKLIST_TITLE, CHECKLIST_ABOUT)
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
    text_fit.fit_row(ws, row, [(label, LABEL_WIDTH), (text, TEXT_WIDTH)])
    return row + 1

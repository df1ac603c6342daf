"""Hidden parts of a template: the Lists sheet behind the drop-downs and the identity metadata.

The identity is written as custom document properties and again on a very hidden ``_meta``
sheet, with every pre-populated value as issued, so that the validator can say which locked cell
was changed, not merely that the digest differs. LibreOffice turns "very hidden" into "hidden"
when it saves, so nothing may depend on the sheet's visibility.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellArrayFormulaTuple, CellFormulaTuple, Worksheet

from bcf_xl.issue import text_fit
from bcf_xl.issue.controls import list_name
from bcf_xl.issue.form import absolute
from bcf_xl.spec.identity import Identity, PROPERTY_NAMES
from bcf_xl.spec.model import Template

LISTS_SHEET = "Lists"
PREPOPULATED_PREFIX = "prepopulated:"
FORMULAS_PREFIX = "formulas:"  # + a sheet's title: its formula cells, as [A1, label] pairs


def formula_cells(ws: Worksheet) -> list[list[str]]:
    """Every formula cell xlsxwriter holds for a sheet, with a label: the longest text to its
    left on its row (on the Checklist, the line's description rather than its sheet's title or
    its link). Recorded on _meta for the sheets that have no defined name per formula, so
    that a formula typed over there is reported like any other."""
    # Until the workbook is closed, xlsxwriter keeps a string cell as an index into its table.
    strings = {i: text for text, i in ws.str_table.string_table.items()}
    out = []
    for row in sorted(ws.table):
        cells = ws.table[row]
        texts: list[str] = []
        for col in sorted(cells):
            cell = cells[col]
            if isinstance(cell, (CellFormulaTuple, CellArrayFormulaTuple)):
                out.append([xl_rowcol_to_cell(row, col), text_fit.longest(texts)])
                continue
            text = getattr(cell, "string", None)
            text = strings.get(text, "") if isinstance(text, int) else text
            if isinstance(text, str):
                texts.append(text)
    return out


def write_lists(wb: Workbook, ws: Worksheet, template: Template) -> None:
    for col, (list_id, values) in enumerate(template.lists.items()):
        ws.write_string(0, col, list_id)
        ws.write_column(1, col, values)
        ws.set_column(col, col, max(len(v) for v in values) + 2)
        wb.define_name(list_name(list_id), absolute(
            LISTS_SHEET, xl_rowcol_to_cell(1, col), xl_rowcol_to_cell(len(values), col)))
    ws.protect("")
    ws.hide()


def write_meta(wb: Workbook, ws: Worksheet, identity: Identity,
               prepopulated: Mapping[str, Any],
               formulas: Mapping[str, list[list[str]]] | None = None) -> None:
    """Key/value rows; values are written as JSON text so types survive any spreadsheet."""
    rows = [(PROPERTY_NAMES[k], v) for k, v in identity.to_dict().items()]
    rows += [(PREPOPULATED_PREFIX + pointer, json.dumps(value))
             for pointer, value in sorted(prepopulated.items())]
    rows += [(FORMULAS_PREFIX + sheet, json.dumps(cells, ensure_ascii=False))
             for sheet, cells in (formulas or {}).items() if cells]
    ws.write_row(0, 0, ["key", "value"])
    for row, (key, value) in enumerate(rows, start=1):
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.protect("")
    ws.very_hidden()
    for name, value in identity.as_properties().items():
        wb.set_custom_property(name, value, "text")

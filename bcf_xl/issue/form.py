"""Write one form sheet (Cover, Funding, ...) from its layout: cells, formats, names, controls."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl.spec.compute import bands
from bcf_xl.issue import controls, text_fit
from bcf_xl.issue.layout import (
    FIRST_COL, HELP_COL, LABEL_COL, VALUE_COL, FieldsPlace, SheetLayout, TablePlace,
)
from bcf_xl.issue.styles import OP_FORMATS, Styles
from bcf_xl.spec import formulas
from bcf_xl.spec.formulas import Arg
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import FORMULA, INPUT, PREPOPULATED, Field, Template

LONG_ROW_HEIGHT = 48  # about three lines and a half of 10-point text
ABOUT_SPAN = 6  # the sheet's description runs across the first seven columns


def absolute(sheet_title: str, first: str, last: str | None = None) -> str:
    """='Sheet'!$B$4 or ='Sheet'!$B$4:$C$9, for defined names."""
    def dollar(a1: str) -> str:
        letters = a1.rstrip("0123456789")
        return f"${letters}${a1[len(letters):]}"
    ref = dollar(first) + (f":{dollar(last)}" if last else "")
    return f"='{sheet_title}'!{ref}"


class _ExcelRefs:
    """Turns formula arguments into Excel text for one cell (and its row, in a table)."""

    def __init__(self, template: Template, cell_of_column: Callable[[str], str] | None,
                 attrs: dict[str, Any] | None):
        self.template = template
        self.cell_of_column = cell_of_column
        self.attrs = attrs or {}

    def ref(self, arg: Arg) -> str:
        if arg.kind == formulas.NAME:
            return arg.value
        if arg.kind == formulas.COLUMN and self.cell_of_column:
            return self.cell_of_column(arg.value)
        if arg.kind == formulas.STRING:
            return '"' + arg.value.replace('"', '""') + '"'
        value = {formulas.ROW: lambda: self.attrs[arg.value],
                 formulas.PARAM: lambda: self.template.param(arg.value),
                 formulas.NUMBER: lambda: arg.value}[arg.kind]()
        return repr(value) if isinstance(value, float) else str(value)


def formula_text(template: Template, field: Field, refs: _ExcelRefs) -> str:
    if field.formula.op == "BAND":
        return formulas.band_excel(refs.ref(field.formula.args[0]), bands(template))
    if field.formula.op == "SERIAL":
        return formulas.serial_excel(field.formula.args[0].value, field.formula.args[1].value)
    if field.formula.op == "CHECKLIST":
        return "=checklist.status"
    return field.formula.excel(refs)


def cell_kind(field: Field) -> str:
    # A formula of a plain number type is shown as what it computes (a rate, a change, a
    # score); money, percentages and text keep their own formats.
    if field.role == FORMULA and field.type == "number" and field.formula.op in OP_FORMATS:
        return OP_FORMATS[field.formula.op]
    return field.type


def cached(value: Any) -> Any:
    """xlsxwriter writes this as the formula's cached result; None means a blank result."""
    return "" if value is None else value


class FormWriter:
    def __init__(self, wb: Workbook, ws: Worksheet, template: Template, styles: Styles,
                 results: dict[str, Any]):
        self.wb, self.ws, self.template, self.styles = wb, ws, template, styles
        self.results = results

    def write(self, layout: SheetLayout, hwb_name: str, data: dict[str, Any]) -> None:
        sheet = layout.sheet
        self.ws.write(0, FIRST_COL, f"{sheet.title} - {hwb_name}", self.styles.title())
        self.ws.merge_range(1, FIRST_COL, 1, FIRST_COL + ABOUT_SPAN, sheet.about,
                            self.styles.about())
        about_width = sum(layout.widths.get(c, 8.43) for c in
                          range(FIRST_COL, FIRST_COL + ABOUT_SPAN + 1))
        text_fit.fit_row(self.ws, 1, [(sheet.about, about_width)])
        for col, width in layout.widths.items():
            self.ws.set_column(col, col, width)
        for place in layout.places:
            if isinstance(place, TablePlace):
                self._table(layout, place, data.get(place.table.id))
            else:
                self._fields(layout, place, data)
        if layout.freeze_row is not None:
            self.ws.freeze_panes(layout.freeze_row, 0)
            # Printed, the long table's header row heads every page it runs over.
            self.ws.repeat_rows(layout.freeze_row - 1)
        self.ws.protect("", {"format_columns": True, "format_rows": True})

    def _fields(self, layout: SheetLayout, place: FieldsPlace, data: dict[str, Any]) -> None:
        sheet = layout.sheet
        self.ws.merge_range(place.title_row, LABEL_COL, place.title_row, VALUE_COL,
                            place.block.title, self.styles.block_title())
        for field in place.block.fields:
            row = place.rows[field.id]
            self.ws.write_string(row, LABEL_COL, field.title + (" *" if field.required else ""),
                                 self.styles.label())
            pointer = pointers.field(sheet.id, field.id)
            self._cell(row, VALUE_COL, field, data.get(field.id), pointer,
                       _ExcelRefs(self.template, None, None))
            options = controls.with_help(controls.validation(field, self.template), field) \
                if field.role == INPUT else None
            if options:
                self.ws.data_validation(row, VALUE_COL, row, VALUE_COL, options)
            if field.help:
                self.ws.write_string(row, HELP_COL, field.help, self.styles.help())
            self._fit_field(layout, field, data.get(field.id), row)
            self.wb.define_name(field.qid, absolute(sheet.title, xl_rowcol_to_cell(row, VALUE_COL)))

    def _table(self, layout: SheetLayout, place: TablePlace, rows: Any) -> None:
        table, sheet = place.table, layout.sheet
        last_col = FIRST_COL + len(table.columns) - 1
        self.ws.merge_range(place.title_row, FIRST_COL, place.title_row, max(last_col, VALUE_COL),
                            table.title, self.styles.block_title())
        for j, column in enumerate(table.columns):
            title = column.title + (" *" if column.required else "")
            self.ws.write_string(place.header_row, FIRST_COL + j, title, self.styles.header())
        text_fit.fit_row(self.ws, place.header_row,
                         [(c.title + " *", layout.widths[place.col(c.id)]) for c in table.columns])
        for i, seed in enumerate(place.seeds):
            key = seed.key if seed.key is not None else str(i)
            values = _row_values(rows, key, i)
            refs = _ExcelRefs(self.template, lambda cid, i=i: place.cell(i, cid), seed.attrs)
            for column in table.columns:
                role = PREPOPULATED if column.id in seed.prepopulated else column.role
                shown = column if role == column.role else _as_prepopulated(column)
                pointer = pointers.cell(table.qid, key, column.id)
                self._cell(place.first_row + i, place.col(column.id), shown, values.get(column.id),
                           pointer, refs)
            self._fit_table_row(layout, place, values, place.first_row + i)
        self._table_controls(place)
        self._table_names(sheet.title, place)

    def _fit_field(self, layout: SheetLayout, field: Field, value: Any, row: int) -> None:
        cells = [(field.title + " *", layout.widths[LABEL_COL])]
        if isinstance(value, str):
            cells.append((value, layout.widths[VALUE_COL]))
        also = [([(field.help, layout.widths[HELP_COL])], 9)] if field.help else []
        # A board writes paragraphs into long text: room for a few lines before it types.
        at_least = LONG_ROW_HEIGHT if field.type == "longtext" and field.is_input else 0.0
        text_fit.fit_row(self.ws, row, cells, also=also, at_least=at_least)

    def _fit_table_row(self, layout: SheetLayout, place: TablePlace, values: dict[str, Any],
                       row: int) -> None:
        """Fits the row's issued text; rows with long text to type in get room for it."""
        cells = [(v, layout.widths[place.col(k)]) for k, v in values.items()
                 if isinstance(v, str)]
        long_input = any(c.type == "longtext" and c.role == INPUT for c in place.table.columns)
        text_fit.fit_row(self.ws, row, cells, at_least=LONG_ROW_HEIGHT if long_input else 0.0)

    def _table_controls(self, place: TablePlace) -> None:
        for column in place.table.columns:
            if column.role != INPUT:
                continue
            options = controls.with_help(controls.validation(column, self.template), column)
            if not options:
                continue
            col = place.col(column.id)
            rows = [i for i, s in enumerate(place.seeds) if column.id not in s.prepopulated]
            for start, end in _runs(rows):
                self.ws.data_validation(place.first_row + start, col, place.first_row + end, col,
                                        options)

    def _table_names(self, sheet_title: str, place: TablePlace) -> None:
        table = place.table
        first = xl_rowcol_to_cell(place.first_row, FIRST_COL)
        last = xl_rowcol_to_cell(place.last_row, FIRST_COL + len(table.columns) - 1)
        self.wb.define_name(table.qid, absolute(sheet_title, first, last))
        for column in table.columns:
            col = place.col(column.id)
            self.wb.define_name(column.qid, absolute(
                sheet_title, xl_rowcol_to_cell(place.first_row, col),
                xl_rowcol_to_cell(place.last_row, col)))

    def _cell(self, row: int, col: int, field: Field, value: Any, pointer: str,
              refs: _ExcelRefs) -> None:
        fmt = self.styles.cell(field.role, cell_kind(field))
        if field.role == FORMULA:
            self.ws.write_formula(row, col, formula_text(self.template, field, refs), fmt,
                                  cached(self.results.get(pointer)))
        elif value is None:
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            self.ws.write_string(row, col, value, fmt)
        else:
            self.ws.write(row, col, value, fmt)


def _row_values(rows: Any, key: str, index: int) -> dict[str, Any]:
    """A table row's issued values: rows keyed by id, or listed in order."""
    if isinstance(rows, dict):
        return rows.get(key, {})
    return rows[index] if rows and index < len(rows) else {}


def _as_prepopulated(column: Field) -> Field:
    return replace(column, role=PREPOPULATED, required=False)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """[0,1,2,5,6] -> [(0,2),(5,6)]: one validation per run of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs

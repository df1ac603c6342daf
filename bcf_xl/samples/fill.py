"""Write a return document into a copy of a template, as an HWB filling it in would.

Only input cells are written (through the defined names, like the reader); protection, names,
validations and identity stay as issued. openpyxl saves no cached formula results, which the
validator treats as unknown rather than wrong: Excel recalculates when the file is opened.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from bcf_xl.atomic import atomic_path
from bcf_xl.spec.compute import table_rows
from bcf_xl.spec.identity import Identity
from bcf_xl.read.intake import check_openpyxl_is_safe
from bcf_xl.read.package import Area, parse_area
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.model import INPUT, Field, Table, Template


class FillError(ValueError):
    """The document does not fit the template (too many rows, an unknown template)."""


def _cell_value(field: Field, value: Any) -> Any:
    if field.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


class _Filler:
    def __init__(self, wb: Any, template: Template):
        self.wb, self.template = wb, template

    def area(self, name: str) -> Area:
        defined = self.wb.defined_names.get(name)
        area = parse_area(defined.attr_text) if defined is not None else None
        if area is None or area.sheet not in self.wb.sheetnames:
            raise FillError(f"the template has no usable name {name!r}; is it a bcf-xl template?")
        return area

    def put(self, area: Area, row: int, col: int, field: Field, value: Any) -> None:
        cell = self.wb[area.sheet].cell(row=area.first_row + row + 1, column=area.first_col + col + 1)
        new = None if value is None else _cell_value(field, value)
        if cell.protection.locked:
            # A board cannot type into a locked cell; the document may repeat what is there.
            if new != cell.value:
                raise FillError(f"'{field.title}' ({area.sheet}!{cell.coordinate}) is locked "
                                f"(pre-populated); the document gives {value!r} instead of "
                                f"{cell.value!r}")
            return
        cell.value = new
        if isinstance(new, str):
            # Text cells are formatted as Text, where Excel keeps "=..." as typed; openpyxl
            # would otherwise store it as a formula.
            cell.data_type = "s"

    def fill(self, data: Mapping[str, Any]) -> None:
        for sheet in self.template.form_sheets():
            part = data.get(sheet.id) or {}
            for field in sheet.fields():
                if field.role == INPUT and field.id in part:
                    self.put(self.area(field.qid), 0, 0, field, part[field.id])
            for table in sheet.tables():
                self._table(table, data)

    def _table(self, table: Table, data: Mapping[str, Any]) -> None:
        area = self.area(table.qid)
        rows = table_rows(data, table)
        if len(rows) > area.height:
            raise FillError(f"{table.title}: the document has {len(rows)} rows but the template "
                            f"has room for {area.height}")
        spec_rows = [r.id for r in self.template.row_sets.get(table.rows.source or "", ())]
        for index, (key, row) in enumerate(rows):
            # Rows the spec defines (a condition, a metric) go to their own row, whatever the
            # document's order; other rows in order.
            if spec_rows and key not in spec_rows:
                raise FillError(f"{table.title}: the template has no row {key!r}")
            position = spec_rows.index(key) if spec_rows else index
            for j, column in enumerate(table.columns):
                if column.role == INPUT and column.id in row:
                    self.put(area, position, j, column, row[column.id])


def _template_of(wb: Any) -> Template:
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    identity = Identity.from_properties(props)
    templates = known_templates()
    if identity is None or identity.version not in templates:
        raise FillError("this workbook is not a bcf-xl template of a known version")
    return templates[identity.version]


def fill_workbook(template_path: Path, data: Mapping[str, Any], out_path: Path,
                  template: Template | None = None) -> Path:
    """Copy ``template_path`` to ``out_path`` with the document's input values written in."""
    import openpyxl

    check_openpyxl_is_safe()
    wb = openpyxl.load_workbook(template_path)
    own = _template_of(wb)
    if template is not None and template.version != own.version:
        raise FillError(f"the workbook is a template of version {own.version}, not "
                        f"{template.version}")
    _Filler(wb, template or own).fill(data)
    with atomic_path(Path(out_path)) as tmp:
        wb.save(tmp)
    return Path(out_path)

"""What each column of the national dataset means, from the spec: title, type, unit, source cell.

The consolidated dataset names its columns by the spec's ids (``cover.total_pool_1516`` in the
table of returns, ``expenditure_1516`` in the schemes table); this module maps every column
back to the spec field it holds, so national.xlsx can describe itself and format each column
as its field is typed. The source cell is where the template puts the field, from the same
layout the generator uses; cells below a table whose rows come from the reference data (one row
per CCG) move down with each further row, and the description says so.

A batch may hold returns of several template versions: every function takes the versions
concerned, and a column is described once for each version that defines it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from bcf_xl.batch.consolidate import BASE, Dataset, table_name
from bcf_xl.issue.layout import SheetLayout, TablePlace, layout_sheet
from bcf_xl.spec.model import FORMULA, Field, Table, Template
from bcf_xl.spec.rows import RowSeed

# Columns the batch adds to every table: (title, type, source).
BATCH_COLUMNS: Mapping[str, tuple[str, str, str]] = {
    "file": ("File", "text", "the file's path in the folder of returns"),
    "hwb_code": ("Health and Wellbeing Board code", "text",
                 "the return's hidden identity, else the ONS code its file name starts with"),
    "hwb_name": ("Health and Wellbeing Board", "text", "the reference data, for the board's code"),
    "region": ("NHS England region", "text", "the reference data, for the board's code"),
    "status": ("Status of the return", "text", "bcf-xl validation: valid, invalid, unreadable, "
               "not_checked"),
    "counted": ("Is the return that counts for its board", "yesno",
                "bcf-xl: the latest valid return of the board (docs/batch.md)"),
    "template_version": ("Template version", "text", "the return's hidden identity"),
    "row_key": ("Row id", "text", "the spec's id of the row (blank for rows the board adds)"),
    "row_label": ("Row", "text", "how findings name the row"),
    "sheet": ("Sheet the row is on", "text", "the return"),
    "row_cells": ("Cells of the row", "text", "the return: first to last cell of the row"),
}

UNITS = {"money": "£ (whole pounds)", "percent": "% (0 to 100, as entered)",
         "date": "date", "number": "number", "score": "score", "yesno": "yes or no"}


@dataclass(frozen=True)
class Entry:
    """One row of the data dictionary."""

    dataset: str  # the sheet of national.xlsx (and file in national/) holding the column
    column: str
    version: str  # the template version that defines it; "all" for the batch's own columns
    title: str
    type: str
    unit: str
    role: str  # input, prepopulated, formula (recomputed by bcf-xl), or batch
    source: str  # where the value comes from: a template cell, or the batch

    def to_dict(self) -> dict[str, str]:
        return {"dataset": self.dataset, "column": self.column, "template_version": self.version,
                "title": self.title, "type": self.type, "unit": self.unit, "role": self.role,
                "source_cell": self.source}


def unit(field: Field) -> str:
    if field.type == "score" and field.min is not None and field.max is not None:
        return f"score ({field.min:g} to {field.max:g})"
    if field.type == "choice" and field.list:
        return f"one of the list {field.list}"
    return UNITS.get(field.type, "")


def spec_column(template: Template, dataset: str, column: str) -> tuple[Table | None, Field] | None:
    """The spec field (and its table) a dataset column holds in this version, if any."""
    if dataset == "returns":
        try:
            field = template.field(column)
        except KeyError:
            return None
        return (None, field) if "." in column and _is_single(template, field) else None
    for sheet in template.form_sheets():
        for table in sheet.tables():
            if table_name(table.qid) == dataset:
                try:
                    return table, table.column(column)
                except KeyError:
                    return None
    return None


def _is_single(template: Template, field: Field) -> bool:
    return any(f is field for s in template.form_sheets() for f in s.fields())


def _seeds(template: Template, reference_rows: int) -> dict[str, tuple[RowSeed, ...]]:
    """Rows as issued, with ``reference_rows`` rows for each table whose rows depend on the
    board (the layout needs only how many rows each table has)."""
    seeds = {}
    for sheet in template.form_sheets():
        for table in sheet.tables():
            if table.open_rows:
                n = table.rows.count or 0
            elif (table.rows.source or "") in template.row_sets:
                n = len(template.row_sets[table.rows.source or ""])
            else:
                n = reference_rows
            seeds[table.qid] = tuple(RowSeed(None, f"row {i + 1}", {}, {}, frozenset())
                                     for i in range(n))
    return seeds


def _by_board(table: Table, template: Template) -> bool:
    return not table.open_rows and (table.rows.source or "") not in template.row_sets


def _layouts(template: Template, reference_rows: int) -> dict[str, SheetLayout]:
    seeds = _seeds(template, reference_rows)
    return {s.id: layout_sheet(s, seeds) for s in template.form_sheets()}


def _sheet_ref(title: str) -> str:
    return f"'{title}'" if not title.isalnum() else title


def source_cells(template: Template) -> dict[str, str]:
    """Field or column qid -> where the template puts it: ``Cover!C7``, ``Schemes!C12:C71``."""
    one, two = _layouts(template, 1), _layouts(template, 2)
    out: dict[str, str] = {}
    for sheet in template.form_sheets():
        ref = _sheet_ref(sheet.title)
        movers = [t.title for t in sheet.tables() if _by_board(t, template)]
        for field in sheet.fields():
            cell = one[sheet.id].field_cell(field.id)
            out[field.qid] = f"{ref}!{cell}"
            if cell != two[sheet.id].field_cell(field.id):
                out[field.qid] += (f" with one row in {', '.join(movers)}; a row lower for "
                                   "each further row there")
        for table in sheet.tables():
            place: TablePlace = one[sheet.id].table(table.id)
            moved = place.first_row != two[sheet.id].table(table.id).first_row
            for column in table.columns:
                first = place.cell(0, column.id)
                if _by_board(table, template):
                    text = f"{ref}!{first} and below, one row per row issued to the board"
                else:
                    text = f"{ref}!{first}:{place.cell(len(place.seeds) - 1, column.id)}"
                if moved:
                    text += (f" with one row in {', '.join(movers)}; lower by each further row "
                             "there")
                out[column.qid] = text
    return out


def entries(templates: Sequence[Template], datasets: Iterable[Dataset]) -> list[Entry]:
    """The dictionary: for each dataset and column, one entry per version defining it (the
    batch's own columns once). A column no version defines is listed as text, unexplained,
    rather than left out."""
    sources = {t.version: source_cells(t) for t in templates}
    out: list[Entry] = []
    for ds in datasets:
        for column in ds.columns:
            if column in BATCH_COLUMNS and (column in BASE or ds.name != "returns"):
                title, kind, source = BATCH_COLUMNS[column]
                out.append(Entry(ds.name, column, "all", title, kind, UNITS.get(kind, ""),
                                 "batch", source))
                continue
            found = [(t, hit) for t in templates if (hit := spec_column(t, ds.name, column))]
            for template, (table, field) in found:
                role = "formula (recomputed by bcf-xl)" if field.role == FORMULA else field.role
                out.append(Entry(ds.name, column, template.version, field.title, field.type,
                                 unit(field), role, sources[template.version][field.qid]))
            if not found:
                title, kind, source = BATCH_COLUMNS.get(column, (column, "text", ""))
                out.append(Entry(ds.name, column, "all", title, kind, "", "batch", source))
    return out


def column_types(templates: Sequence[Template], dataset: Dataset) -> dict[str, str]:
    """Column -> spec type, for formatting; where versions disagree the first given wins."""
    types: dict[str, str] = {}
    for column in dataset.columns:
        if column in BATCH_COLUMNS:
            types[column] = BATCH_COLUMNS[column][1]
            continue
        for template in templates:
            hit = spec_column(template, dataset.name, column)
            if hit:
                types[column] = hit[1].type
                break
    return types

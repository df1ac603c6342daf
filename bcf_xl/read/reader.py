"""Read a returned workbook into a Document, finding every cell through the defined names.

Values come from python-calamine (fast, cached results only), names and formula positions from
the package XML (see package.py). A table is read from its body name, so rows a user inserted
inside a table are read too, and a sheet moved or renamed by LibreOffice is still found.
Reading never raises for a workbook's content: a name that no longer resolves is a
``structure.name_missing`` finding and the rest is read as usual.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from typing import Any, Mapping

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_rowcol_to_cell

from bcf_xl import findings
from bcf_xl.read.coerce import BLANK, coerce
from bcf_xl.read.document import CellRef, Document, RowInfo
from bcf_xl.findings import Finding
from bcf_xl.spec.identity import META_SHEET, Identity
from bcf_xl.read.package import Area, Package, formula_cells, parse_area, read_package
from bcf_xl.spec.rows import row_label
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import FORMULA, INPUT, Field, Sheet, Table, Template

PREPOPULATED_PREFIX = "prepopulated:"


@functools.lru_cache(maxsize=65536)
def _a1(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def _filled(raw: Any) -> bool:
    return raw is not None and raw != "" and not (isinstance(raw, str) and not raw.strip())


class _Workbook:
    """Grids of values per sheet and formula positions, loaded once each, on demand."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes]):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.parts = parts
        self.package: Package = read_package(self.part)
        self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        self._grids: dict[str, list[list[Any]]] = {}
        self._formulas: dict[str, frozenset[str]] = {}

    def part(self, name: str) -> bytes:
        """A part's bytes: as intake already inflated and checked it, or from the zip."""
        if name in self.parts:
            return self.parts[name]
        return self.zip.read(name)

    def grid(self, sheet: str) -> list[list[Any]] | None:
        if sheet not in self._grids:
            if sheet not in self.book.sheet_names:
                return None
            self._grids[sheet] = self.book.get_sheet_by_name(sheet).to_python(
                skip_empty_area=False)
        return self._grids[sheet]

    def value(self, sheet: str, row: int, col: int) -> Any:
        grid = self._grids.get(sheet)
        if grid is None:
            grid = self.grid(sheet) or []
        if row < len(grid):
            line = grid[row]
            if col < len(line):
                return line[col]
        return None

    def has_formula(self, sheet: str, a1: str) -> bool:
        if sheet not in self._formulas:
            part = self.package.sheet_parts.get(sheet, "")
            self._formulas[sheet] = formula_cells(self.part, part)
        return a1 in self._formulas[sheet]

    def area(self, name: str) -> Area | None:
        ref = self.package.names.get(name)
        area = parse_area(ref) if ref else None
        if area is None or self.grid(area.sheet) is None:
            return None
        return area


class _Reader:
    def __init__(self, template: Template, wb: _Workbook):
        self.template, self.wb = template, wb
        self.data: dict[str, Any] = {}
        self.sources: dict[str, CellRef] = {}
        self.rows: dict[str, tuple[RowInfo, ...]] = {}
        self.anchors: dict[str, CellRef] = {}
        self.cached: dict[str, Any] = {}
        self.formula_present: dict[str, bool] = {}
        self.findings: list[Finding] = []

    def missing(self, field_title: str, name: str) -> None:
        self.findings.append(findings.make("structure.name_missing", field_title=field_title,
                                           field_id=name, name=name))

    def read(self) -> None:
        for sheet in self.template.form_sheets():
            part: dict[str, Any] = {}
            for field in sheet.fields():
                self._field(sheet, field, part)
            for table in sheet.tables():
                self._table(sheet, table, part)
            self.data[sheet.id] = part

    def _cell(self, pointer: str, field: Field, sheet: str, row: int, col: int) -> Any:
        """Record where pointer lives; return the coerced value (BLANK when empty)."""
        a1 = _a1(row, col)
        self.sources[pointer] = CellRef(sheet, a1)
        raw = self.wb.value(sheet, row, col)
        if field.role == FORMULA:
            self.cached[pointer] = None if raw == "" else raw
            self.formula_present[pointer] = self.wb.has_formula(sheet, a1)
            return BLANK
        if raw is None or raw == "":
            return BLANK
        return coerce(raw, field.type, self.choices(field))

    def choices(self, field: Field) -> tuple[str, ...]:
        return self.template.lists.get(field.list, ()) if field.list else ()

    def _field(self, sheet: Sheet, field: Field, part: dict[str, Any]) -> None:
        area = self.wb.area(field.qid)
        if area is None:
            self.missing(field.title, field.qid)
            return
        value = self._cell(pointers.field(sheet.id, field.id), field, area.sheet, area.first_row,
                           area.first_col)
        if value is not BLANK:
            part[field.id] = value

    def _table(self, sheet: Sheet, table: Table, part: dict[str, Any]) -> None:
        area = self.wb.area(table.qid)
        if area is None:
            self.missing(table.title, table.qid)
            return
        self.anchors[table.qid] = CellRef(area.sheet, xl_rowcol_to_cell(area.first_row,
                                                                         area.first_col))
        source = table.rows.source
        spec_rows = self.template.row_sets.get(source or "")
        if table.open_rows:
            part[table.id] = self._open_rows(sheet, table, area)
        elif spec_rows is not None:
            part[table.id] = self._spec_rows(sheet, table, area, [r.id for r in spec_rows])
        else:
            part[table.id] = self._issued_rows(sheet, table, area)

    def _row(self, pointer: str, table: Table, area: Area, position: int) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for j, column in enumerate(table.columns):
            value = self._cell(f"{pointer}/{column.id}", column, area.sheet,
                               area.first_row + position, area.first_col + j)
            if value is not BLANK:
                row[column.id] = value
        return row

    def _open_rows(self, sheet: Sheet, table: Table, area: Area) -> list[dict[str, Any]]:
        rows, infos = [], []
        grid = self.wb.grid(area.sheet) or []
        inputs = [area.first_col + j for j, c in enumerate(table.columns) if c.role == INPUT]
        formulas = [(j, c) for j, c in enumerate(table.columns) if c.role == FORMULA]
        for position in range(area.height):
            r = area.first_row + position
            line = grid[r] if r < len(grid) else ()
            if any(c < len(line) and _filled(line[c]) for c in inputs):
                key = str(len(rows))
                rows.append(self._row(pointers.row(table.qid, key), table, area, position))
                infos.append(RowInfo(key, f"row {position + 1}", position))
                continue
            # An unused row is not data, but a constant typed over its formula is still news.
            for j, column in formulas:
                self._cell(pointers.unused_cell(table.qid, position, column.id), column, area.sheet,
                           r, area.first_col + j)
        self.rows[table.qid] = tuple(infos)
        return rows

    def _spec_rows(self, sheet: Sheet, table: Table, area: Area, ids: list[str]) -> dict[str, Any]:
        rows, infos = {}, []
        for position, row_id in enumerate(ids[: area.height]):
            row = self._row(pointers.row(table.qid, row_id), table, area, position)
            rows[row_id] = row
            infos.append(RowInfo(row_id, row_label(table, position, row), position))
        self.rows[table.qid] = tuple(infos)
        return rows

    def _issued_rows(self, sheet: Sheet, table: Table, area: Area) -> list[dict[str, Any]]:
        rows, infos = [], []
        for position in range(area.height):
            row = self._row(pointers.row(table.qid, str(position)), table, area, position)
            rows.append(row)
            infos.append(RowInfo(str(position), row_label(table, None, row), position))
        self.rows[table.qid] = tuple(infos)
        return rows


def _issued_values(wb: _Workbook) -> dict[str, Any] | None:
    """The pre-populated values recorded on the _meta sheet, or None if it is gone."""
    grid = wb.grid(META_SHEET)
    if grid is None:
        return None
    issued = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].startswith(PREPOPULATED_PREFIX):
            try:
                issued[row[0][len(PREPOPULATED_PREFIX):]] = json.loads(str(row[1]))
            except ValueError:
                continue
    return issued


def read_document(data: bytes, template: Template, identity: Identity | None = None,
                  parts: Mapping[str, bytes] | None = None) -> tuple[Document, list[Finding]]:
    """The document in a workbook's bytes, and structure findings; never raises on content.
    ``parts``: XML parts intake already inflated, reused rather than inflated again."""
    wb = _Workbook(data, parts or {})
    reader = _Reader(template, wb)
    reader.read()
    document = Document(version=template.version, data=reader.data, sources=reader.sources,
                        rows=reader.rows, anchors=reader.anchors, cached=reader.cached,
                        formula_present=reader.formula_present, issued=_issued_values(wb),
                        identity=identity)
    return document, reader.findings


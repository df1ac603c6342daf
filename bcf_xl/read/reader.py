"""Read a returned workbook into a Document, finding every cell through the defined names.

Values (cached results only) and formula positions come from each sheet part, read by
sheetxml.py; names and sheets from the package XML (package.py). Every column of a table is
found through its own defined name. A table is read from its body name, so rows a user inserted
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

from xlsxwriter.utility import xl_rowcol_to_cell

from bcf_xl import findings
from bcf_xl.read.coerce import BLANK, coerce
from bcf_xl.read.document import CellRef, Document, RowInfo, SheetFormula
from bcf_xl.findings import Finding
from bcf_xl.spec.identity import META_SHEET, Identity
from bcf_xl.read.package import Area, Package, parse_area, read_package
from bcf_xl.read.sheetscan import scan_cells
from bcf_xl.read.sheetxml import (Cells, ErrorValue, date_styles, parse_ref, read_cells,
                                   shared_strings)
from bcf_xl.spec.rows import row_label
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import FORMULA, INPUT, Field, Sheet, Table, Template

PREPOPULATED_PREFIX = "prepopulated:"
FORMULAS_PREFIX = "formulas:"  # as issue/metadata.py writes it


@functools.lru_cache(maxsize=65536)
def _a1(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def _filled(raw: Any) -> bool:
    return raw is not None and raw != "" and not (isinstance(raw, str) and not raw.strip())


class _Workbook:
    """The cells of each sheet and where its formulas are, read once each, on demand.

    Only the rows that some defined name reaches (plus a margin) keep their values: a value
    typed far below the template costs the time to pass over it, never memory for the range
    between (see sheetxml.py)."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes]):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.parts = parts
        self.package: Package = read_package(self.part)
        self._strings: tuple[str, ...] | None = None
        self._dates: frozenset[int] | None = None
        self._rows = _rows_named(self.package)
        self._cells: dict[str, Cells | None] = {}

    def part(self, name: str) -> bytes:
        """A part's bytes: as intake already inflated and checked it, or from the zip."""
        if name in self.parts:
            return self.parts[name]
        return self.zip.read(name)

    def _optional(self, name: str | None) -> bytes | None:
        if not name:
            return None
        try:
            return self.part(name)
        except KeyError:
            return None

    def cells(self, sheet: str) -> Cells | None:
        if sheet not in self._cells:
            name = self.package.sheet_parts.get(sheet)
            data = self._optional(name)
            if data is None:
                self._cells[sheet] = None
                return None
            if self._strings is None:
                self._strings = shared_strings(self._optional(self.package.shared_strings),
                                               self.package.shared_strings or "")
                self._dates = date_styles(self._optional(self.package.styles),
                                          self.package.styles or "")
            rows = self._rows.get(sheet)
            keep = (lambda row: True) if rows is None or sheet == META_SHEET else \
                rows.__contains__
            dates = self._dates or frozenset()
            # A part intake checked with expat may be scanned; scan_cells says when it cannot.
            cells = scan_cells(data, name, strings=self._strings, dates=dates,
                               keep_row=keep) if name in self.parts else None
            self._cells[sheet] = cells if cells is not None else read_cells(
                data, name, strings=self._strings, dates=dates, keep_row=keep)
        return self._cells[sheet]

    def grid(self, sheet: str) -> list[list[Any]] | None:
        """The sheet's kept values as rows of a grid (for the small _meta sheet)."""
        cells = self.cells(sheet)
        if cells is None:
            return None
        grid: dict[int, dict[int, Any]] = {}
        for (row, col), value in cells.values.items():
            grid.setdefault(row, {})[col] = value
        return [[line.get(c) for c in range(max(line) + 1)] for _, line in sorted(grid.items())]

    def value(self, sheet: str, row: int, col: int) -> Any:
        cells = self._cells.get(sheet) or self.cells(sheet)
        return cells.values.get((row, col)) if cells is not None else None

    def has_formula(self, sheet: str, row: int, col: int) -> bool:
        cells = self._cells.get(sheet) or self.cells(sheet)
        return cells is not None and (row, col) in cells.formulas

    def area(self, name: str) -> Area | None:
        ref = self.package.names.get(name)
        area = parse_area(ref) if ref else None
        if area is None or self.cells(area.sheet) is None:
            return None
        return area


ROW_MARGIN = 5  # rows kept below a named area: a total or note typed just under a table
_ALL_ROWS = 100_000  # a name reaching further than this is not the template's: keep every row


@functools.lru_cache(maxsize=8)  # read_package gives the same Package for the same parts
def _rows_named(package: Package) -> dict[str, frozenset[int] | None]:
    """Per sheet, the rows some defined name reaches; None for a sheet where a name reaches
    further than any template does (every row is then kept, bounded by the part's size)."""
    rows: dict[str, set[int] | None] = {}
    for ref in package.names.values():
        area = parse_area(ref)
        if area is None:
            continue
        kept = rows.setdefault(area.sheet, set())
        if kept is None:
            continue
        if area.last_row - area.first_row > _ALL_ROWS:
            rows[area.sheet] = None
            continue
        kept.update(range(area.first_row, area.last_row + 1 + ROW_MARGIN))
    return {sheet: None if kept is None else frozenset(kept) for sheet, kept in rows.items()}


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
        # What could not be read (a name gone, an error value where an entry should be): no
        # other finding may call it blank, since the person sees something there.
        self.unread: set[str] = set()
        self.unread_cells: set[CellRef] = set()

    def missing(self, field_title: str, name: str) -> None:
        self.unread.add(name)
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
        ref = CellRef(sheet, _a1(row, col))
        self.sources[pointer] = ref
        raw = self.wb.value(sheet, row, col)
        if field.role == FORMULA:
            self.cached[pointer] = None if raw == "" else raw
            self.formula_present[pointer] = self.wb.has_formula(sheet, row, col)
            return BLANK
        if raw is None or raw == "":
            return BLANK
        if isinstance(raw, ErrorValue):
            self.unread_cells.add(ref)
            self.findings.append(findings.make(
                "schema.error_value", sheet=sheet, cells=(ref.cell,), field_id=field.qid,
                field_title=field.title, value=str(raw), error=str(raw)))
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
        columns = self._columns(table, area)
        source = table.rows.source
        spec_rows = self.template.row_sets.get(source or "")
        if table.open_rows:
            part[table.id] = self._open_rows(table, area, columns)
        elif spec_rows is not None:
            part[table.id] = self._spec_rows(table, area, columns, [r.id for r in spec_rows])
        else:
            part[table.id] = self._issued_rows(table, area, columns)

    def _columns(self, table: Table, area: Area) -> list[tuple[Field, int]]:
        """Each column with the sheet column it is read from, found through the column's own
        defined name: a column inserted or moved inside the table (LibreOffice and Excel move
        the names with it) is then still read right. A column whose name is gone is not read;
        one structure finding says where the names and the table no longer agree."""
        found: list[tuple[Field, int]] = []
        disagree: list[str] = []
        for column in table.columns:
            named = self.wb.area(column.qid)
            if named is None:
                self.missing(column.title, column.qid)
                continue
            if (named.sheet != area.sheet or named.first_col != named.last_col
                    or not area.first_col <= named.first_col <= area.last_col
                    or named.first_row != area.first_row or named.last_row != area.last_row):
                disagree.append(column.title)
            found.append((column, named.first_col))
        if disagree or area.last_col - area.first_col + 1 != len(table.columns):
            shifted = ", ".join(f"'{t}'" for t in disagree) or "none of its columns"
            self.findings.append(findings.make(
                "structure.table_changed", sheet=area.sheet,
                cells=(xl_rowcol_to_cell(area.first_row, area.first_col),),
                field_id=table.qid, field_title=table.title, width=area.last_col -
                area.first_col + 1, columns=len(table.columns), shifted=shifted))
        return found

    def _row(self, pointer: str, area: Area, columns: list[tuple[Field, int]],
             position: int) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column, col in columns:
            value = self._cell(f"{pointer}/{column.id}", column, area.sheet,
                               area.first_row + position, col)
            if value is not BLANK:
                row[column.id] = value
        return row

    def _open_rows(self, table: Table, area: Area,
                   columns: list[tuple[Field, int]]) -> list[dict[str, Any]]:
        rows, infos = [], []
        inputs = [col for column, col in columns if column.role == INPUT]
        formulas = [(column, col) for column, col in columns if column.role == FORMULA]
        for position in range(area.height):
            r = area.first_row + position
            if any(_filled(self.wb.value(area.sheet, r, c)) for c in inputs):
                key = str(len(rows))
                rows.append(self._row(pointers.row(table.qid, key), area, columns, position))
                infos.append(RowInfo(key, f"row {position + 1}", position))
                continue
            # An unused row is not data, but a constant typed over its formula is still news.
            for column, col in formulas:
                self._cell(pointers.unused_cell(table.qid, position, column.id), column,
                           area.sheet, r, col)
        self.rows[table.qid] = tuple(infos)
        return rows

    def _spec_rows(self, table: Table, area: Area, columns: list[tuple[Field, int]],
                   ids: list[str]) -> dict[str, Any]:
        rows, infos = {}, []
        for position, row_id in enumerate(ids[: area.height]):
            row = self._row(pointers.row(table.qid, row_id), area, columns, position)
            rows[row_id] = row
            infos.append(RowInfo(row_id, row_label(table, position, row), position))
        self.rows[table.qid] = tuple(infos)
        return rows

    def _issued_rows(self, table: Table, area: Area,
                     columns: list[tuple[Field, int]]) -> list[dict[str, Any]]:
        rows, infos = [], []
        for position in range(area.height):
            row = self._row(pointers.row(table.qid, str(position)), area, columns, position)
            rows.append(row)
            infos.append(RowInfo(str(position), row_label(table, None, row), position))
        self.rows[table.qid] = tuple(infos)
        return rows


def _meta_records(wb: _Workbook) -> tuple[dict[str, Any] | None, dict[str, list]]:
    """The pre-populated values recorded on the _meta sheet (None if it is gone) and the
    formula cells recorded per sheet that has no defined names for them."""
    grid = wb.grid(META_SHEET)
    if grid is None:
        return None, {}
    issued: dict[str, Any] = {}
    formulas: dict[str, list] = {}
    for row in grid:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = row[0]
        try:
            if key.startswith(PREPOPULATED_PREFIX):
                issued[key[len(PREPOPULATED_PREFIX):]] = json.loads(str(row[1]))
            elif key.startswith(FORMULAS_PREFIX):
                cells = json.loads(str(row[1]))
                if isinstance(cells, list):
                    formulas[key[len(FORMULAS_PREFIX):]] = cells
        except ValueError:
            continue
    return issued, formulas


def _sheet_formulas(wb: _Workbook, recorded: Mapping[str, list]) -> dict[CellRef, SheetFormula]:
    """Each recorded formula cell, with its label, whether it still holds a formula and its
    cached result. A sheet that is gone is the structure finding's business, not this one's."""
    out: dict[CellRef, SheetFormula] = {}
    for sheet, cells in recorded.items():
        if wb.cells(sheet) is None:
            continue
        for item in cells:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                continue
            at = parse_ref(item[0])
            if at is None:
                continue
            cached = wb.value(sheet, *at)
            out[CellRef(sheet, item[0])] = SheetFormula(
                str(item[1]), wb.has_formula(sheet, *at), None if cached == "" else cached)
    return out


def read_document(data: bytes, template: Template, identity: Identity | None = None,
                  parts: Mapping[str, bytes] | None = None) -> tuple[Document, list[Finding]]:
    """The document in a workbook's bytes, and structure findings; never raises on content
    (a part that cannot be read raises sheetxml.PartError, which names it).
    ``parts``: XML parts intake already inflated, reused rather than inflated again."""
    wb = _Workbook(data, parts or {})
    reader = _Reader(template, wb)
    reader.read()
    issued, recorded = _meta_records(wb)
    document = Document(version=template.version, data=reader.data, sources=reader.sources,
                        rows=reader.rows, anchors=reader.anchors, cached=reader.cached,
                        formula_present=reader.formula_present, issued=issued,
                        identity=identity, unread=frozenset(reader.unread),
                        unread_cells=frozenset(reader.unread_cells),
                        sheet_formulas=_sheet_formulas(wb, recorded))
    return document, reader.findings

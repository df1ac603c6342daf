"""Where everything goes on a sheet: rows and columns for each field, table and title.

Layout is computed, never written in the spec: a spec author says what a sheet holds and in
which order, and the same rules place it on every template. Only the generator uses cell
addresses; the reader finds cells through the defined names, so a user who inserts rows does
not break it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell

from bcf_xl.spec.rows import RowSeed
from bcf_xl.spec.model import FORMULA, FieldsBlock, Sheet, Table

FIRST_COL = 1  # column A is a margin
LABEL_COL = 1
VALUE_COL = 2
HELP_COL = 3
FIRST_BLOCK_ROW = 3  # row 0 title, row 1 about, row 2 blank

DEFAULT_WIDTHS = {"money": 16, "number": 13, "percent": 12, "score": 10, "date": 13,
                  "choice": 18, "text": 24, "longtext": 40, "email": 30, "phone": 18}


@dataclass(frozen=True)
class TablePlace:
    table: Table
    title_row: int
    header_row: int
    first_row: int
    seeds: tuple[RowSeed, ...]

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.seeds) - 1

    @functools.cached_property
    def _cols(self) -> dict[str, int]:
        return {c.id: FIRST_COL + j for j, c in enumerate(self.table.columns)}

    def col(self, column_id: str) -> int:
        return self._cols[column_id]

    def cell(self, index: int, column_id: str) -> str:
        return xl_rowcol_to_cell(self.first_row + index, self.col(column_id))


@dataclass(frozen=True)
class FieldsPlace:
    block: FieldsBlock
    title_row: int
    rows: dict[str, int]  # field id -> row


@dataclass
class SheetLayout:
    sheet: Sheet
    places: list[FieldsPlace | TablePlace] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    freeze_row: int | None = None

    def field_cell(self, field_id: str) -> str:
        for place in self.places:
            if isinstance(place, FieldsPlace) and field_id in place.rows:
                return xl_rowcol_to_cell(place.rows[field_id], VALUE_COL)
        raise KeyError(field_id)

    def table(self, table_id: str) -> TablePlace:
        for place in self.places:
            if isinstance(place, TablePlace) and place.table.id == table_id:
                return place
        raise KeyError(table_id)


def _widen(widths: dict[int, float], col: int, width: float) -> None:
    widths[col] = max(widths.get(col, 8), width)


LONG_TABLE = 20  # rows: a table this long keeps its header in view and its totals above it


def _is_totals(block: object) -> bool:
    return isinstance(block, FieldsBlock) and all(f.role == FORMULA for f in block.fields)


def block_order(sheet: Sheet, seeds: dict[str, tuple[RowSeed, ...]]) -> list:
    """The sheet's blocks in the order they are laid out: as the spec lists them, except that
    calculated totals that follow a long table go above it, so that they are seen (and
    printed) with the table's first rows, not alone after a page of blank rows."""
    blocks = list(sheet.blocks)
    for i in range(len(blocks) - 1):
        table, after = blocks[i], blocks[i + 1]
        if isinstance(table, Table) and table.open_rows and _is_totals(after) \
                and len(seeds[table.qid]) > LONG_TABLE:
            blocks[i], blocks[i + 1] = after, table
    return blocks


def layout_sheet(sheet: Sheet, seeds: dict[str, tuple[RowSeed, ...]]) -> SheetLayout:
    """Stack the sheet's blocks top to bottom, a blank row between them."""
    layout = SheetLayout(sheet)
    _widen(layout.widths, 0, 2)
    row = FIRST_BLOCK_ROW
    for block in block_order(sheet, seeds):
        if isinstance(block, Table):
            place = TablePlace(block, row, row + 1, row + 2, seeds[block.qid])
            for j, column in enumerate(block.columns):
                _widen(layout.widths, FIRST_COL + j,
                       column.width or DEFAULT_WIDTHS.get(column.type, 14))
            if block.open_rows and layout.freeze_row is None and len(place.seeds) > LONG_TABLE:
                # Long tables keep their headers in view; only the first such table can.
                layout.freeze_row = place.first_row
            row = place.last_row + 2
        else:
            rows = {f.id: row + 1 + i for i, f in enumerate(block.fields)}
            place = FieldsPlace(block, row, rows)
            _widen(layout.widths, LABEL_COL, 48)
            for f in block.fields:
                _widen(layout.widths, VALUE_COL, max(DEFAULT_WIDTHS.get(f.type, 14), 18))
                if f.help:
                    _widen(layout.widths, HELP_COL, 40)
            row = row + len(block.fields) + 2
        layout.places.append(place)
    return layout

"""Where a value lives: one type for the document's JSON pointers and the spec's qualified ids.

A return's document is addressed by JSON pointers (the keys of the source map, of formula
results and of issued values), and the spec names fields by qualified ids (``cover.hwb_name``,
``schemes.rows.name``), which double as the workbook's defined names. Both shapes are built and
taken apart here and nowhere else:

    /cover/hwb_name             a field                   qid cover.hwb_name
    /schemes/rows               a table                   qid schemes.rows
    /schemes/rows/3             a row (index or spec row id)
    /schemes/rows/3/name        a cell of a row           qid schemes.rows.name
    /schemes/rows/@3/score      an unused row's formula cell (workbook row 3 of the body)

Pointers stay strings in documents (the reader makes one per cell, and a string is the cheapest
key); ``Pointer`` is the parsed form, a named tuple for the same reason.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

UNUSED_ROW = "@"  # marks a table row that holds no data, by its position in the body


class Pointer(NamedTuple):
    sheet: str
    name: str  # a field id, or a table id
    row: str | None = None  # a row key within the table
    column: str | None = None  # a column id within the row

    def __str__(self) -> str:
        parts = [self.sheet, self.name] + [p for p in (self.row, self.column) if p is not None]
        return "/" + "/".join(parts)

    @property
    def qid(self) -> str:
        """The qualified id of the field, table or column this points into."""
        base = f"{self.sheet}.{self.name}"
        return f"{base}.{self.column}" if self.column is not None else base

    @property
    def table_qid(self) -> str:
        return f"{self.sheet}.{self.name}"

    @property
    def in_table(self) -> bool:
        return self.row is not None

    @property
    def unused_row(self) -> bool:
        return self.row is not None and self.row.startswith(UNUSED_ROW)

    def of_data_row(self) -> "Pointer":
        """The same cell with an unused row's marker removed (for looking up its field)."""
        return self._replace(row=self.row[len(UNUSED_ROW):]) if self.unused_row else self

    def at(self, column: str) -> str:
        """The pointer of a column of this row."""
        return str(self._replace(column=column))


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand pointers in every return
def parse(text: str) -> Pointer | None:
    """A JSON pointer of a return's document, or None when it has another shape."""
    parts = text.strip("/").split("/")
    if len(parts) == 2:
        return Pointer(parts[0], parts[1])
    if len(parts) == 3:
        return Pointer(parts[0], parts[1], parts[2])
    if len(parts) == 4:
        return Pointer(*parts)
    return None


def field(sheet_id: str, field_id: str) -> str:
    return f"/{sheet_id}/{field_id}"


def table(table_qid: str) -> str:
    sheet_id, table_id = split_qid(table_qid)[:2]
    return f"/{sheet_id}/{table_id}"


def row(table_qid: str, key: str) -> str:
    return f"{table(table_qid)}/{key}"


def cell(table_qid: str, key: str, column_id: str) -> str:
    return f"{table(table_qid)}/{key}/{column_id}"


def unused_cell(table_qid: str, position: int, column_id: str) -> str:
    return cell(table_qid, f"{UNUSED_ROW}{position}", column_id)


def of_qid(qid: str) -> str:
    """The pointer of a single field named by its qualified id (``cover.hwb_name``)."""
    sheet_id, field_id = qid.split(".")
    return field(sheet_id, field_id)


@functools.lru_cache(maxsize=1 << 14)
def split_qid(qid: str) -> tuple[str, str, str | None]:
    """``sheet.name`` or ``sheet.table.column`` -> (sheet, name, column or None)."""
    parts = qid.split(".")
    return parts[0], parts[1], parts[2] if len(parts) > 2 else None


def column_qid(qid: str) -> bool:
    """True for a table column's qualified id (``schemes.rows.name``)."""
    return qid.count(".") == 2


def table_of_column(qid: str) -> tuple[str, str]:
    """``schemes.rows.name`` -> (``schemes.rows``, ``name``)."""
    table_qid, _, column_id = qid.rpartition(".")
    return table_qid, column_id

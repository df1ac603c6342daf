"""The typed intermediate representation of a return: its data and where each value came from.

``data`` is the JSON document the schema describes::

    {"cover": {"hwb_name": "Leeds", "contact_email": "...", "ccg_signoff": [{...}, ...]},
     "schemes": {"rows": [{"name": "...", "expenditure_1415": 120000, ...}, ...]},
     "national_conditions": {"conditions": {"c1": {"met": "Yes"}, ...}, ...}, ...}

A blank cell is an absent key. Tables an HWB fills as it needs (schemes, risks) keep only their
used rows, in order; the source map says which workbook row each came from. Tables whose rows
were issued (CCG sign-off, contributions) keep every row; tables whose rows the spec defines
(national conditions, metrics) are objects keyed by row id.

``sources`` maps a JSON pointer (``/schemes/rows/3/name``) to the cell it was read from, for
every cell read, blank or not, so a finding about a missing value still points at its cell.
Formula cells are not data; their cached results and whether a formula is still there are kept
separately so the validator can check them against its own recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from bcf_xl.spec.identity import Identity


class CellRef(NamedTuple):
    """A cell as a person names it. A named tuple, not a dataclass: the reader makes one per
    cell read, and building frozen dataclasses was a fifth of the reading time."""

    sheet: str  # the sheet's title as the workbook names it
    cell: str  # A1

    def __str__(self) -> str:
        return f"'{self.sheet}'!{self.cell}"


class SheetFormula(NamedTuple):
    """A formula cell the template recorded on a sheet without a defined name per formula."""

    label: str  # how a message names it (the text on its row)
    present: bool  # the cell still holds a formula
    cached: Any  # its cached result, None when there is none


@dataclass(frozen=True)
class RowInfo:
    key: str  # the row's key in the document (index or spec row id)
    label: str  # how a message names the row ("row 4", "NHS Leeds North CCG")
    position: int  # 0-based row within the table body as found in the workbook


@dataclass(frozen=True)
class Document:
    version: str
    data: Mapping[str, Any]
    sources: Mapping[str, CellRef]
    rows: Mapping[str, tuple[RowInfo, ...]]  # table qid -> rows present in data
    anchors: Mapping[str, CellRef] = field(default_factory=dict)  # table qid -> first body cell
    cached: Mapping[str, Any] = field(default_factory=dict)  # formula pointer -> cached result
    formula_present: Mapping[str, bool] = field(default_factory=dict)  # formula pointer -> has <f>
    issued: Mapping[str, Any] | None = None  # pre-populated values as issued (from _meta)
    identity: Identity | None = None
    # Defined names (fields, tables, columns) that no longer resolve, and cells whose content
    # could not be used (an error value): what the person sees there is not "blank".
    unread: frozenset[str] = frozenset()
    unread_cells: frozenset[CellRef] = frozenset()
    sheet_formulas: Mapping[CellRef, SheetFormula] = field(default_factory=dict)

    def source(self, pointer: str) -> CellRef | None:
        return self.sources.get(pointer)

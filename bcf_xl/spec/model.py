"""The template spec as typed, frozen data: what every other part of bcf-xl is derived from.

A ``Template`` is a list of sheets; a sheet is a list of blocks; a block is either a column of
labelled ``Field``s or a ``Table`` whose columns are ``Field``s too. Each field knows its role
(input, prepopulated, formula), type, drop-down list, whether it is required and its title, so
the generator, reader, schema and messages all read the same definition.

Qualified ids name things across the workbook and double as Excel defined names:
``cover.hwb_name`` (a field), ``schemes.rows`` (a table body), ``schemes.rows.name`` (a column).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.conditions import Node
from bcf_xl.spec.formulas import Formula

INPUT = "input"
PREPOPULATED = "prepopulated"
FORMULA = "formula"
ROLES = (INPUT, PREPOPULATED, FORMULA)

TYPES = ("text", "longtext", "email", "phone", "date", "money", "number", "percent", "score",
         "choice")
NUMERIC_TYPES = frozenset({"money", "number", "percent", "score"})
TEXT_TYPES = frozenset({"text", "longtext", "email", "phone", "choice"})


@dataclass(frozen=True)
class RequiredUnless:
    """Required unless another field (or a column of the same row) holds a value."""

    other: str  # field id on the same sheet, or column id in the same row
    equals: str
    in_row: bool


@dataclass(frozen=True)
class Field:
    id: str
    qid: str  # qualified id, also the defined name
    title: str
    type: str
    role: str = INPUT
    required: bool = False
    required_unless: RequiredUnless | None = None
    missing_code: str | None = None
    list: str | None = None
    source: str | None = None
    formula: Formula | None = None
    help: str | None = None
    min: float | None = None
    max: float | None = None
    width: float | None = None
    choices_from: str | None = None  # a column whose values are this field's drop-down

    @property
    def is_input(self) -> bool:
        return self.role == INPUT


@dataclass(frozen=True)
class FieldsBlock:
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Rows:
    """Where a table's rows come from: a fixed number of blank rows, or a named row set."""

    count: int | None = None
    source: str | None = None  # a spec row set (national_conditions) or reference (ccgs)


@dataclass(frozen=True)
class Table:
    id: str
    qid: str
    title: str
    rows: Rows
    columns: tuple[Field, ...]
    row_label: str | None = None
    min_rows: int = 0
    missing_code: str | None = None  # a partly filled row
    empty_code: str | None = None  # fewer than min_rows rows

    @property
    def open_rows(self) -> bool:
        """True for tables of blank rows that an HWB fills in as many as it needs."""
        return self.rows.count is not None

    def column(self, column_id: str) -> Field:
        for column in self.columns:
            if column.id == column_id:
                return column
        raise KeyError(f"{self.qid} has no column {column_id!r}")


Block = FieldsBlock | Table


@dataclass(frozen=True)
class Sheet:
    id: str
    title: str
    about: str
    kind: str  # "form" or "guidance"
    blocks: tuple[Block, ...] = ()
    purpose: str | None = None

    def fields(self) -> Iterator[Field]:
        for block in self.blocks:
            if isinstance(block, FieldsBlock):
                yield from block.fields

    def tables(self) -> Iterator[Table]:
        for block in self.blocks:
            if isinstance(block, Table):
                yield block


@dataclass(frozen=True)
class SpecRow:
    """A row defined by the spec itself (a national condition, a national metric)."""

    id: str
    values: Mapping[str, Any]
    prepopulate: Mapping[str, str]  # column id -> source, overriding the column's role


@dataclass(frozen=True)
class Year:
    """A financial year of the plan, as a version names it: ``1415`` in ids, ``2014/15`` in words."""

    id: str
    title: str


ROW_SHAPES = ("fails_on_row", "needs_row")
SHAPES = ("fails",) + ROW_SHAPES


@dataclass(frozen=True)
class Check:
    """One check of the version, as the workbook shows it and the validator makes it
    (conditions.py). A check written ``per: year`` in the spec is one Check per year."""

    id: str  # unique in the version (with the year appended for per-year checks)
    code: str  # the finding reported when it fails
    title: str  # what the Checklist sheet says is checked
    shape: str  # one of SHAPES
    condition: Node
    text: str  # the condition as written (years filled in)
    table: str | None = None  # the table a row shape runs over
    when_empty: bool = True  # needs_row: does a table with no rows pass?
    year: Year | None = None

    @property
    def on_rows(self) -> bool:
        return self.shape in ROW_SHAPES


_UNKNOWN = object()
_AT_SIZE = 1 << 16


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per loaded spec
class Template:
    id: str
    version: str
    title: str
    issued_under: str
    deadline: str
    submit_to: str
    changes: tuple[str, ...]
    parameters: Mapping[str, Any]
    style: Mapping[str, str]
    lists: Mapping[str, tuple[str, ...]]
    row_sets: Mapping[str, tuple[SpecRow, ...]]
    sheets: tuple[Sheet, ...]
    years: tuple[Year, ...] = ()
    rules: tuple[str, ...] = ()  # the business rules of this version, by name (check/rules/)
    checks: tuple[Check, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.id}-{self.version}"

    def form_sheets(self) -> Iterator[Sheet]:
        return (s for s in self.sheets if s.kind == "form")

    def sheet(self, sheet_id: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.id == sheet_id:
                return sheet
        raise KeyError(f"no sheet {sheet_id!r} in {self.key}")

    @functools.cached_property
    def _tables(self) -> dict[str, Table]:
        return {t.qid: t for sheet in self.form_sheets() for t in sheet.tables()}

    @functools.cached_property
    def _fields(self) -> dict[str, Field]:
        return {f.qid: f for _, _, f in self.all_fields()}

    def table(self, qid: str) -> Table:
        try:
            return self._tables[qid]
        except KeyError:
            raise KeyError(f"no table {qid!r} in {self.key}") from None

    @functools.cached_property
    def _at(self) -> dict[str, Field | None]:
        return {}

    def field_at(self, pointer: str) -> Field | None:
        """The field or column a document pointer (/sheet/field, /sheet/table/row/col) names."""
        # Asked for every cell of every return (validation, the national dataset): each
        # pointer is worked out once per spec, bounded (an open table's row keys vary).
        found = self._at.get(pointer, _UNKNOWN)
        if found is _UNKNOWN:
            if len(self._at) >= _AT_SIZE:
                self._at.clear()
            parsed = pointers.parse(pointer)
            found = self._at[pointer] = None if parsed is None or (
                parsed.in_table and parsed.column is None) else self._fields.get(parsed.qid)
        return found

    def field(self, qid: str) -> Field:
        """A field or a table column by its qualified id."""
        try:
            return self._fields[qid]
        except KeyError:
            raise KeyError(f"no field {qid!r} in {self.key}") from None

    def all_fields(self) -> Iterator[tuple[Sheet, Table | None, Field]]:
        """Every field and every table column, in workbook order."""
        for sheet in self.form_sheets():
            for block in sheet.blocks:
                if isinstance(block, Table):
                    for column in block.columns:
                        yield sheet, block, column
                else:
                    for field in block.fields:
                        yield sheet, None, field

    def check(self, check_id: str) -> Check:
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"no check {check_id!r} in {self.key}")

    def param(self, path: str) -> Any:
        """A parameter by dotted path; list items are found by their ``id``."""
        value: Any = self.parameters
        for part in path.split("."):
            if isinstance(value, Mapping):
                value = value[part]
            else:
                value = next(item for item in value if item.get("id") == part)
        return value

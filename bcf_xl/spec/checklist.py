"""The checklist, derived from the spec's required flags.

One item per required input cell (per row for tables whose rows are issued, once per table for
tables an HWB fills as it needs). The generator writes each item as an Excel checker formula;
``status`` computes the same answers in Python so the validator and the blank template's cached
values agree with what Excel shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from bcf_xl.spec.rows import RowSeed
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import Field, Sheet, Table, Template

COMPLETE = "Complete template"
INCOMPLETE = "Incomplete template"


@dataclass(frozen=True)
class Item:
    sheet: Sheet
    description: str
    pointer: str  # the cell checked (for min_rows: the table)
    field: Field
    row: int | None  # row index within the table, or None
    unless: tuple[str, str] | None  # (pointer of the other value, value that waives the need)
    min_rows: int | None = None  # for open tables: at least this many rows used


def items(template: Template, rows: Callable[[Table], tuple[RowSeed, ...]]) -> Iterator[Item]:
    """Every checklist item in workbook order; ``rows`` gives a table's issued rows."""
    for sheet in template.form_sheets():
        for field in sheet.fields():
            if field.required or field.required_unless:
                unless = None
                if field.required_unless:
                    unless = (pointers.field(sheet.id, field.required_unless.other),
                              field.required_unless.equals)
                yield Item(sheet, field.title, pointers.field(sheet.id, field.id), field, None,
                           unless)
        for table in sheet.tables():
            yield from _table_items(sheet, table, rows(table))


def _table_items(sheet: Sheet, table: Table, seeds: tuple[RowSeed, ...]) -> Iterator[Item]:
    required = [c for c in table.columns if c.required or c.required_unless]
    if table.open_rows:
        if table.min_rows and required:
            yield Item(sheet, f"{table.title}: at least {table.min_rows} row(s)",
                       pointers.table(table.qid), required[0], None, None, table.min_rows)
        return
    for i, seed in enumerate(seeds):
        key = seed.key if seed.key is not None else str(i)
        for column in required:
            unless = None
            if column.required_unless:
                unless = (pointers.cell(table.qid, key, column.required_unless.other),
                          column.required_unless.equals)
            yield Item(sheet, f"{seed.label}: {column.title}",
                       pointers.cell(table.qid, key, column.id), column, i, unless)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def answer(item: Item, get: Callable[[str], Any]) -> str:
    """'Yes' when the item is satisfied, as the Excel checker formula decides it."""
    if item.min_rows is not None:
        rows = get(item.pointer) or []
        used = sum(1 for r in rows if not is_blank(r.get(item.field.id)))
        return "Yes" if used >= item.min_rows else "No"
    if item.unless and get(item.unless[0]) == item.unless[1]:
        return "Yes"
    return "No" if is_blank(get(item.pointer)) else "Yes"


def status(answers: list[str]) -> str:
    return COMPLETE if all(a == "Yes" for a in answers) else INCOMPLETE

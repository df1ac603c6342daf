"""The consolidated national dataset: every return's values, in tables derived from the spec.

One table of single values with a row per return, one table per repeating part (schemes,
risks, ...) and a long table of every value with its file, sheet and cell, so any figure can be
traced back to the cell it came from. Formula fields carry bcf-xl's recomputed value, not what
the workbook cached. Every readable return is included, with its status and whether it is the
one that counts for its board, so analysts can filter rather than lose data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from bcf_xl.batch.assess import FileRow
from bcf_xl.batch.store import Detail
from bcf_xl.spec.compute import get
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import Template

BASE = ("file", "hwb_code", "hwb_name", "region", "status", "counted")


@dataclass(frozen=True)
class Dataset:
    """A table of the national dataset. Rows are made when written, one at a time: the long
    table of every value has some 600 rows per return, and holding them all would make the
    run's memory grow with the number of returns."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]


def _base(row: FileRow) -> dict[str, Any]:
    return {"file": row.file, "hwb_code": row.hwb_code, "hwb_name": row.hwb_name,
            "region": row.region, "status": row.status, "counted": row.counted}


def _value(detail: Detail, pointer: str) -> Any:
    computed = detail.computed
    return computed[pointer] if pointer in computed else get(detail.data, pointer)


def _loaded(rows: Sequence[FileRow]) -> Iterator[tuple[FileRow, Detail]]:
    """Each row with its document, read from the store one at a time. A row whose store has no
    document for it (a return the tool failed on, in the web intake's database) is left out."""
    for row in rows:
        assert row.detail is not None
        detail = row.detail.load()
        if detail is not None:
            yield row, detail


def table_name(qid: str) -> str:
    sheet_id, table_id, _ = pointers.split_qid(qid)
    return sheet_id if table_id == "rows" else f"{sheet_id}_{table_id}"


def consolidate(template: Template, rows: Sequence[FileRow]) -> list[Dataset]:
    readable = [r for r in rows if r.detail is not None]
    singles = [(pointers.field(s.id, f.id), f.qid) for s in template.form_sheets() for f in s.fields()]
    datasets = [Dataset("returns", "One row per return: its single values",
                        BASE + tuple(q for _, q in singles),
                        lambda: ({**_base(r), **{q: _value(d, p) for p, q in singles}}
                                 for r, d in _loaded(readable)))]
    for sheet in template.form_sheets():
        for table in sheet.tables():
            datasets.append(_table(sheet.id, table, readable))
    datasets.append(_values(template, readable))
    return datasets


def _table(sheet_id: str, table: Any, readable: Sequence[FileRow]) -> Dataset:
    columns = BASE + ("row_key", "row_label", "sheet", "row_cells") + tuple(c.id for c in table.columns)

    def rows() -> Iterator[dict[str, Any]]:
        for r, detail in _loaded(readable):
            for key, label in detail.rows.get(table.qid, ()):
                pointer = pointers.row(table.qid, key)
                first = detail.sources.get(f"{pointer}/{table.columns[0].id}")
                last = detail.sources.get(f"{pointer}/{table.columns[-1].id}")
                yield {**_base(r), "row_key": key, "row_label": label,
                       "sheet": first[0] if first else "",
                       "row_cells": f"{first[1]}:{last[1]}" if first and last else "",
                       **{c.id: _value(detail, f"{pointer}/{c.id}") for c in table.columns}}
    return Dataset(table_name(table.qid), table.title, columns, rows)


def _values(template: Template, readable: Sequence[FileRow]) -> Dataset:
    columns = BASE + ("pointer", "field_id", "field_title", "sheet", "cell", "value")

    def rows() -> Iterator[dict[str, Any]]:
        for r, detail in _loaded(readable):
            for pointer, (sheet, cell) in detail.sources.items():
                value = _value(detail, pointer)
                if value is None:
                    continue
                field = template.field_at(pointer)
                yield {**_base(r), "pointer": pointer, "field_id": field.qid if field else "",
                       "field_title": field.title if field else "", "sheet": sheet,
                       "cell": cell, "value": value}
    return Dataset("values", "Every value with the file, sheet and cell it came from",
                   columns, rows)

"""The peer the benches compare with: what other tools do with a returned workbook, openpyxl
loading it (cached values) and jsonschema checking the values found through the template's
defined names against the version's JSON Schema. No rules, no formula checks, no hardening:
the cost of the ordinary way of reading and checking a return, for scale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl

from bcf_xl.spec.model import Template
from bcf_xl.spec.to_schema import to_schema


def _cells(wb: Any, name: str) -> list[list[Any]]:
    defined = wb.defined_names.get(name)
    if defined is None:
        return []
    out: list[list[Any]] = []
    for sheet, ref in defined.destinations:
        block = wb[sheet][ref]
        if not isinstance(block, tuple):
            return [[block.value]]
        rows = block if isinstance(block[0], tuple) else (block,)
        out += [[cell.value for cell in row] for row in rows]
    return out


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text."""
    return value.date().isoformat() if isinstance(value, dt.datetime) else value


class Peer:
    """openpyxl + jsonschema for one template version (the validator compiled once)."""

    def __init__(self, template: Template):
        self.template = template
        self.validator = jsonschema.Draft202012Validator(to_schema(template))

    def check(self, path: Path) -> int:
        """The number of schema errors in the return at path."""
        wb = openpyxl.load_workbook(path, data_only=True)
        document: dict[str, Any] = {}
        for sheet in self.template.form_sheets():
            part: dict[str, Any] = {}
            for field in sheet.fields():
                found = _cells(wb, field.qid)
                if found and found[0] and found[0][0] is not None:
                    part[field.id] = _plain(found[0][0])
            for table in sheet.tables():
                columns = {c.id: [row[0] for row in _cells(wb, c.qid)] for c in table.columns}
                height = max((len(v) for v in columns.values()), default=0)
                rows = [{k: _plain(v[i]) for k, v in columns.items()
                         if i < len(v) and v[i] is not None} for i in range(height)]
                spec_rows = self.template.row_sets.get(table.rows.source or "")
                if table.open_rows:
                    part[table.id] = [r for r in rows if r]
                elif spec_rows is not None:
                    part[table.id] = {r.id: row for r, row in zip(spec_rows, rows)}
                else:
                    part[table.id] = rows
            document[sheet.id] = part
        wb.close()
        return sum(1 for _ in self.validator.iter_errors(document))

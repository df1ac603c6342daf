"""What every rule receives: one frozen object, so a rule's signature never changes.

``rule(ctx) -> Iterator[Finding]``. A rule reads values through ``ctx.get`` (formula fields
come back recomputed, never as cached in the file), iterates tables with ``ctx.rows`` and makes
findings with ``ctx.finding``, which fills in sheet, cells and field title from the pointers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from bcf_xl import findings
from bcf_xl.spec.compute import get
from bcf_xl.read.document import Document, RowInfo
from bcf_xl.findings import Finding
from bcf_xl.reference import Hwb
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import Template


@dataclass(frozen=True)
class Row:
    info: RowInfo
    pointer: str  # /sheet/table/key
    values: Mapping[str, Any]  # input and pre-populated values, plus recomputed formula columns

    def get(self, column_id: str) -> Any:
        return self.values.get(column_id)

    def at(self, column_id: str) -> str:
        return f"{self.pointer}/{column_id}"


@dataclass(frozen=True)
class RuleContext:
    template: Template
    document: Document
    computed: Mapping[str, Any]  # formula pointer -> value recomputed from the inputs
    hwb: Hwb | None  # the board's reference row, when the reference data knows it

    @property
    def params(self) -> Mapping[str, Any]:
        return self.template.parameters

    def get(self, pointer: str) -> Any:
        if pointer in self.computed:
            return self.computed[pointer]
        return get(self.document.data, pointer)

    def rows(self, table_qid: str) -> Iterator[Row]:
        for info in self.document.rows.get(table_qid, ()):
            pointer = pointers.row(table_qid, info.key)
            values = dict(get(self.document.data, pointer) or {})
            for column in self.template.table(table_qid).columns:
                if f"{pointer}/{column.id}" in self.computed:
                    values[column.id] = self.computed[f"{pointer}/{column.id}"]
            yield Row(info, pointer, values)

    def title(self, pointer: str) -> str:
        field = self.template.field_at(pointer)
        return field.title if field else pointer

    def finding(self, code: str, pointers: Iterable[str] = (), *, value: Any = None,
                **params: Any) -> Finding:
        """A finding located at the cells of ``pointers`` (the first one names the field)."""
        pointers = list(pointers)
        cells = [self.document.sources[p] for p in pointers if p in self.document.sources]
        field = self.template.field_at(pointers[0]) if pointers else None
        sheet = cells[0].sheet if cells else None
        return findings.make(
            code, sheet=sheet, cells=[c.cell for c in cells if c.sheet == sheet],
            field_id=field.qid if field else None, field_title=field.title if field else None,
            value=value, **params)

    def table_finding(self, code: str, table_qid: str, **params: Any) -> Finding:
        """A finding about a whole table, located at its first body cell."""
        anchor = self.document.anchors.get(table_qid)
        table = self.template.table(table_qid)
        return findings.make(code, sheet=anchor.sheet if anchor else None,
                             cells=(anchor.cell,) if anchor else (), field_id=table.qid,
                             field_title=table.title, **params)

"""Recompute every formula of a template from a return's values, as Excel would.

Used twice: by the generator, to write correct cached results into a blank template (so a file
that is never recalculated still shows true totals), and by the validator, which never trusts
what a spreadsheet cached (``formula.value_mismatch``, ``formula.overwritten``).

Data is the return's document: ``{sheet: {field: value, table: [row, ...] or {row_id: row}}}``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from bcf_xl.spec.rows import RowSeed
from bcf_xl.spec import checklist, checks, formulas
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.formulas import Arg
from bcf_xl.spec.model import FORMULA, Check, Table, Template


def get(data: Mapping[str, Any], pointer: str) -> Any:
    """The value at a JSON pointer, or None where any step is missing."""
    value: Any = data
    for part in pointer.strip("/").split("/"):
        if isinstance(value, dict):  # a plain dict check: typing.Mapping's is 20x slower
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def table_rows(data: Mapping[str, Any], table: Table) -> list[tuple[str, Mapping[str, Any]]]:
    """(key, row) pairs of a table in the document, in order."""
    sheet_id, table_id, _ = pointers.split_qid(table.qid)
    rows = (data.get(sheet_id) or {}).get(table_id)
    if isinstance(rows, dict):
        return [(k, v or {}) for k, v in rows.items()]
    return [(str(i), row or {}) for i, row in enumerate(rows or [])]


def bands(template: Template) -> list[tuple[str, float]]:
    return [(b["rating"], b["from"]) for b in template.parameters["risk_bands"]]


class Computation:
    """Formula results for one document, keyed by JSON pointer, computed on demand."""

    def __init__(self, template: Template, data: Mapping[str, Any],
                 seeds: Callable[[Table], tuple[RowSeed, ...]],
                 issued: Mapping[str, Any] | None = None):
        """``issued``: the values the template was issued with, by pointer (the checks'
        ISSUED); None when ``data`` is itself what was issued (a blank template)."""
        self.template = template
        self.data = data
        self.seeds = seeds
        self.issued = issued
        self.results: dict[str, Any] = {}
        self._rows: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        # The document does not change while it is computed: asked for again (the Checklist's
        # status formula asks for both), the answers and verdicts are not worked out again.
        self._answers_found: list[tuple[checklist.Item, str]] | None = None
        self._verdicts_found: list[tuple[Check, str]] | None = None

    def all(self) -> dict[str, Any]:
        """Every formula cell's value."""
        for sheet, table, field in self.template.all_fields():
            if field.role != FORMULA:
                continue
            if table is None:
                self.field(field.qid)
            else:
                self.rows(table)
        return dict(self.results)

    def field(self, qid: str) -> Any:
        pointer = pointers.of_qid(qid)
        if pointer not in self.results:
            field = self.template.field(qid)
            if field.role != FORMULA:
                return get(self.data, pointer)
            self.results[pointer] = self._evaluate(field.formula, _Scope(self, None, None))
        return self.results[pointer]

    def rows(self, table: Table) -> list[tuple[str, dict[str, Any]]]:
        """The table's rows with formula columns filled in."""
        if table.qid not in self._rows:
            computed = []
            attrs = [seed.attrs for seed in self.seeds(table)]
            for index, (key, row) in enumerate(table_rows(self.data, table)):
                full = dict(row)
                scope = _Scope(self, full, attrs[index] if index < len(attrs) else {})
                for column in table.columns:
                    if column.role == FORMULA:
                        full[column.id] = self._evaluate(column.formula, scope)
                        self.results[pointers.cell(table.qid, key, column.id)] = full[column.id]
                computed.append((key, full))
            self._rows[table.qid] = computed
        return self._rows[table.qid]

    def name(self, qid: str) -> Any:
        """A field's value, or a column's values as a list."""
        if pointers.column_qid(qid):
            table_qid, column_id = pointers.table_of_column(qid)
            table = self.template.table(table_qid)
            return [row.get(column_id) for _, row in self.rows(table)]
        return self.field(qid)

    def checklist_answers(self) -> list[tuple[checklist.Item, str]]:
        """Each checklist item with its answer (worked out once, like the verdicts)."""
        if self._answers_found is None:
            def lookup(pointer: str) -> Any:
                return get(self.data, pointer)
            self._answers_found = [(item, checklist.answer(item, lookup))
                                   for item in checklist.items(self.template, self.seeds)]
        return list(self._answers_found)

    def issued_value(self, pointer: str) -> Any:
        return get(self.data, pointer) if self.issued is None else self.issued.get(pointer)

    def check_verdicts(self) -> list[tuple[Check, str]]:
        """Each of the version's checks with the verdict its Checklist cell shows."""
        if self._verdicts_found is None:
            self._verdicts_found = [(check, checks.verdict(self.template, self, check))
                                    for check in self.template.checks]
        return list(self._verdicts_found)

    def _evaluate(self, formula: formulas.Formula, scope: "_Scope") -> Any:
        if formula.op == "BAND":
            return formulas.band_value(scope.value(formula.args[0]), bands(self.template))
        if formula.op == "SERIAL":
            return formulas.serial_value(formula.args[0].value, scope.attrs.get("position"))
        if formula.op == "CHECKLIST":
            return checklist.status([a for _, a in self.checklist_answers()]
                                    + [v for _, v in self.check_verdicts()])
        return formula.evaluate(scope)


class _Scope:
    def __init__(self, comp: Computation, row: dict[str, Any] | None, attrs: Mapping[str, Any] | None):
        self.comp = comp
        self.row = row
        self.attrs = attrs or {}

    def value(self, arg: Arg) -> Any:
        if arg.kind == formulas.NAME:
            return self.comp.name(arg.value)
        if arg.kind == formulas.COLUMN:
            return (self.row or {}).get(arg.value)
        if arg.kind == formulas.ROW:
            return self.attrs.get(arg.value)
        if arg.kind == formulas.PARAM:
            return self.comp.template.param(arg.value)
        return arg.value

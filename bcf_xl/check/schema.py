"""JSON Schema validation of a return's document, each error turned into a finding on its cell.

jsonschema reports paths in the document; the source map turns them into cells, the spec into
field titles and the field's own finding code where it has one (a blank sign-off is
``cover.signoff_missing``, not a generic ``schema.required``).
"""

from __future__ import annotations

import functools
from typing import Any, Iterator

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from bcf_xl import findings
from bcf_xl.check import schema_gate
from bcf_xl.check.people import shown_date
from bcf_xl.read.document import CellRef, Document
from bcf_xl.findings import Finding
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import Field, Template
from bcf_xl.spec.to_schema import date_in_range, to_schema

EXPECTED = {
    "money": "a whole number of pounds", "number": "a number", "score": "a whole number",
    "percent": "a percentage, as a number from 0 to 100", "date": "a date (for example 31/03/2015)",
    "email": "an e-mail address", "phone": "a telephone number", "text": "text",
    "longtext": "text", "choice": "a value from the drop-down list",
}


def _date_range(validator: Any, bounds: dict[str, str], instance: Any, schema: Any) -> Iterator:
    if not date_in_range(bounds, instance):
        yield ValidationError(f"{instance} is outside {bounds}", validator="dateRange")


@functools.cache
def validator_for(template: Template) -> Draft202012Validator:
    """Compiled once per template per process; compiling costs more than validating."""
    cls = validators.extend(Draft202012Validator, {"dateRange": _date_range})
    return cls(to_schema(template), format_checker=FormatChecker())


def _shown(value: Any) -> str:
    date = shown_date(value)  # a date reads dd/mm/yyyy in a message, never as stored (ISO)
    if date is not None:
        return date
    if isinstance(value, str):
        return f"'{value}'"
    return "TRUE/FALSE" if isinstance(value, bool) else f"{value:,}" if isinstance(value, int) else str(value)


def _bounds(field: Field, template: Template, error: ValidationError) -> str:
    if error.validator == "dateRange":
        lo, hi = (shown_date(error.validator_value[k]) for k in ("minimum", "maximum"))
        return f"a date from {lo} to {hi}"
    schema = error.schema
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        return f"from {lo:,} to {hi:,}"
    return f"at least {lo:,}" if lo is not None else f"at most {hi:,}"


class _Mapper:
    def __init__(self, template: Template, document: Document):
        self.template, self.document = template, document

    def locate(self, pointer: str) -> CellRef | None:
        return self.document.sources.get(pointer)

    def row_label(self, pointer: str) -> str:
        where = pointers.parse(pointer)
        if where is None or not where.in_table:
            return ""
        for info in self.document.rows.get(where.table_qid, ()):
            if info.key == where.row:
                return info.label
        return ""

    def make(self, code: str, pointer: str, field: Field | None, value: Any = None,
             **params: Any) -> Finding:
        cell = self.locate(pointer)
        title = field.title if field else pointer
        params.setdefault("row", self.row_label(pointer))
        params.setdefault("problem", "is blank")
        return findings.make(code, sheet=cell.sheet if cell else None,
                             cells=(cell.cell,) if cell else (), field_id=field.qid if field else None,
                             field_title=title, value=value, **params)

    def map(self, error: ValidationError) -> Iterator[Finding]:
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            yield from self._required(error, pointer)
            return
        if error.validator == "minItems":
            yield from self._too_few_rows(pointer)
            return
        field = self.template.field_at(pointer)
        if field is None:
            return  # structure problems are reported by the reader
        value = error.instance
        kind = error.validator
        if kind == "type":
            yield self.make("schema.type", pointer, field, value, expected=EXPECTED[field.type],
                            found=_shown(value))
        elif kind == "enum":
            allowed = ", ".join(self.template.lists.get(field.list or "", ()))
            yield self.make("schema.enum", pointer, field, value, allowed=allowed, found=_shown(value))
        elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "dateRange"):
            yield self.make("schema.range", pointer, field, value,
                            bounds=_bounds(field, self.template, error), found=_shown(value))
        else:  # format, pattern, minLength and anything else about the form of a value
            yield self.make("schema.format", pointer, field, value, expected=EXPECTED[field.type],
                            found=_shown(value))

    def _required(self, error: ValidationError, parent: str) -> Iterator[Finding]:
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in error.validator_value:
            if key in instance:
                continue
            pointer = f"{parent.rstrip('/')}/{key}"
            field = self.template.field_at(pointer)
            if field is None:
                yield from self._missing_row(pointer)
                continue
            code = field.missing_code or self._row_code(pointer) or "schema.required"
            yield self.make(code, pointer, field)

    def _missing_row(self, pointer: str) -> Iterator[Finding]:
        """A row the spec defines (a national condition, a metric) is gone: rows were deleted.
        A missing sheet or table is not reported here: the reader reported its name."""
        where = pointers.parse(pointer)
        if where is None or not where.in_table or where.column is not None:
            return
        try:
            table = self.template.table(where.table_qid)
        except KeyError:
            return
        anchor = self.document.anchors.get(table.qid)
        yield findings.make("structure.name_missing", sheet=anchor.sheet if anchor else None,
                            cells=(anchor.cell,) if anchor else (), field_id=table.qid,
                            field_title=f"{table.title}: {where.row}", name=table.qid)

    def _row_code(self, pointer: str) -> str | None:
        where = pointers.parse(pointer)
        if where is not None and where.column is not None:
            return self.template.table(where.table_qid).missing_code
        return None

    def _too_few_rows(self, pointer: str) -> Iterator[Finding]:
        table = self.template.table(pointers.parse(pointer).table_qid)
        anchor = self.document.anchors.get(table.qid)
        yield findings.make(table.empty_code or "schema.required",
                            sheet=anchor.sheet if anchor else None,
                            cells=(anchor.cell,) if anchor else (), field_id=table.qid,
                            field_title=table.title, row="", problem="is blank")


def schema_findings(template: Template, document: Document) -> list[Finding]:
    # Most returns are valid against the schema; a compiled check says so in a hundredth of the
    # time, and only a document it cannot pass is walked by jsonschema for its errors.
    if schema_gate.passes(template, document.data):
        return []
    mapper = _Mapper(template, document)
    errors = validator_for(template).iter_errors(document.data)
    return [f for error in errors for f in mapper.map(error)]

"""The JSON Schema (draft 2020-12) of a return's document, generated from the spec.

``bcf_xl/schema/<id>-<version>.schema.json`` is this function's output, checked in for people and
systems that consume returns; a test fails when the two differ. Formula cells are not part of a
return's data (they are recomputed), so they are not in the schema. A blank cell is an absent
property, so ``required`` is what reports a blank required cell.

Dates have a range in the template; JSON Schema cannot compare dates, so the schema carries the
range in the ``dateRange`` keyword, which bcf-xl's validator enforces and others may ignore.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bcf_xl.spec.model import FORMULA, PREPOPULATED, Field, Sheet, Table, Template

DRAFT = "https://json-schema.org/draft/2020-12/schema"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{5,}$"


def date_in_range(bounds: dict[str, str], instance: Any) -> bool:
    """What the dateRange keyword means, to every validator bcf-xl runs: a date from
    bounds["minimum"] to bounds["maximum"]. Anything that is not an ISO date passes here,
    because the format keyword reports it."""
    if not isinstance(instance, str):
        return True
    try:
        value = dt.date.fromisoformat(instance)
    except ValueError:
        return True
    lowest, highest = (dt.date.fromisoformat(bounds[k]) for k in ("minimum", "maximum"))
    return lowest <= value <= highest


def schema_file_name(template: Template) -> str:
    return f"{template.key}.schema.json"


def to_schema(template: Template) -> dict[str, Any]:
    sheets = [s for s in template.form_sheets()]
    return {
        "$schema": DRAFT,
        "$id": f"urn:bcf-xl:{template.id}:{template.version}",
        "title": f"{template.title} (version {template.version})",
        "description": "The data of one Health and Wellbeing Board's return, as read by bcf-xl "
                       "from the workbook. Generated from the template spec; do not edit.",
        "type": "object",
        "properties": {s.id: _sheet(template, s) for s in sheets},
        "required": [s.id for s in sheets],
        "additionalProperties": False,
    }


def _sheet(template: Template, sheet: Sheet) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in sheet.fields():
        if field.role == FORMULA:
            continue
        properties[field.id] = field_schema(template, field)
        if field.required:
            required.append(field.id)
    for table in sheet.tables():
        properties[table.id] = _table(template, table)
        required.append(table.id)
    return {"title": sheet.title, "type": "object", "properties": properties,
            "required": required, "additionalProperties": False}


def _row(template: Template, table: Table) -> dict[str, Any]:
    columns = [c for c in table.columns if c.role != FORMULA]
    return {"type": "object",
            "properties": {c.id: field_schema(template, c) for c in columns},
            "required": [c.id for c in columns if c.required],
            "additionalProperties": False}


def _table(template: Template, table: Table) -> dict[str, Any]:
    row = _row(template, table)
    source = table.rows.source
    if source in template.row_sets:
        ids = [r.id for r in template.row_sets[source]]
        return {"title": table.title, "type": "object",
                "properties": {i: row for i in ids}, "required": ids,
                "additionalProperties": False}
    schema: dict[str, Any] = {"title": table.title, "type": "array", "items": row}
    if table.min_rows:
        schema["minItems"] = table.min_rows
    return schema


def field_schema(template: Template, field: Field) -> dict[str, Any]:
    p = template.parameters
    schema: dict[str, Any] = {"title": field.title}
    if field.help:
        schema["description"] = field.help
    schema.update({
        "text": lambda: {"type": "string", "minLength": 1},
        "longtext": lambda: {"type": "string", "minLength": 1},
        "email": lambda: {"type": "string", "format": "email"},
        "phone": lambda: {"type": "string", "pattern": PHONE_PATTERN},
        "date": lambda: {"type": "string", "format": "date",
                         "dateRange": {"minimum": str(p["date_min"]), "maximum": str(p["date_max"])}},
        "money": lambda: {"type": "integer", "minimum": 0, "maximum": p["money_max"]},
        "number": lambda: {"type": "number", "minimum": 0, "maximum": p["money_max"]},
        "percent": lambda: {"type": "number", "minimum": 0, "maximum": 100},
        "score": lambda: {"type": "integer", "minimum": field.min, "maximum": field.max},
        "choice": lambda: {"type": "string", "enum": list(template.lists[field.list])},
    }[field.type]())
    if field.role == PREPOPULATED:
        schema["readOnly"] = True
        # Pre-populated values come from reference data (text may be a code list).
        schema.pop("dateRange", None)
        if schema.get("type") == "integer":
            schema.pop("maximum", None)
    return schema

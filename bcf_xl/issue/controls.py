"""Data validation for input cells, derived from the field's type and the version's parameters.

Drop-downs always point at a named range on the hidden Lists sheet: Excel corrupts a file whose
inline list is longer than 255 characters, and a named range lets a later version change a list
without touching every validation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bcf_xl.spec.model import Field, Template


def list_name(list_id: str) -> str:
    return f"lists.{list_id}"


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def validation(field: Field, template: Template) -> dict[str, Any] | None:
    """xlsxwriter data_validation options for an input field, or None for free text."""
    p = template.parameters
    money_max = p["money_max"]
    if field.choices_from:
        # The values in use in another table (scheme references): the list grows with it.
        return {"validate": "list", "source": f"={field.choices_from}",
                "error_title": "Pick from the list",
                "error_message": "Choose one of the values in the drop-down list."}
    if field.type == "choice":
        return {"validate": "list", "source": f"={list_name(field.list)}",
                "error_title": "Pick from the list",
                "error_message": "Choose one of the values in the drop-down list."}
    if field.type == "money":
        return {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": money_max,
                "error_title": "Whole pounds",
                "error_message": f"Enter a whole number of pounds from 0 to {money_max:,}."}
    if field.type == "number":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": money_max,
                "error_title": "A number",
                "error_message": f"Enter a number from 0 to {money_max:,}."}
    if field.type == "percent":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_title": "A percentage",
                "error_message": "Enter a percentage from 0 to 100 (for 45%, enter 45)."}
    if field.type == "score":
        lo, hi = int(field.min), int(field.max)
        return {"validate": "integer", "criteria": "between", "minimum": lo, "maximum": hi,
                "error_title": "A score", "error_message": f"Enter a whole number from {lo} to {hi}."}
    if field.type == "date":
        lo, hi = _date(p["date_min"]), _date(p["date_max"])
        return {"validate": "date", "criteria": "between", "minimum": lo, "maximum": hi,
                "error_title": "A date",
                "error_message": f"Enter a date from {lo:%d/%m/%Y} to {hi:%d/%m/%Y}."}
    return None


def with_help(options: dict[str, Any] | None, field: Field) -> dict[str, Any] | None:
    """Add the field's help as the prompt Excel shows when the cell is selected."""
    if not field.help:
        return options
    options = dict(options or {"validate": "any"})
    options["input_title"] = field.title[:32]
    options["input_message"] = field.help[:255]
    return options

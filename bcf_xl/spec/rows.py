"""A table row as issued: its key, the label messages use, and its pre-populated values.

The issue side makes these from the reference data; the validator and the checklist ask the
same definitions what a table's rows mean, so both sides agree on row order and labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bcf_xl.spec.model import Table


@dataclass(frozen=True)
class RowSeed:
    key: str | None  # the spec row id, for tables whose rows the spec defines
    label: str  # how messages name the row
    values: Mapping[str, Any]  # pre-populated column values
    attrs: Mapping[str, Any]  # row.* values that formulas use (row.scale)
    prepopulated: frozenset[str]  # columns pre-populated in this row


def row_label(table: Table, number: int | None, values: Mapping[str, Any]) -> str:
    """How messages name a row: "condition 2 ('Protection for social care services')" for
    rows the spec defines (number given), the organisation's name for issued rows."""
    named = values.get(table.row_label) if table.row_label else None
    if number is None:
        return str(named) if named else "a row"
    prefix = table.row_label or "row"
    return f"{prefix} {number + 1}" + (f" ('{named}')" if named else "")

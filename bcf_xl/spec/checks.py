"""Evaluate a version's checks on a return's values, as the workbook's Checklist does.

Used twice, like the formulas: by the generator, for the cached verdicts of a blank template,
and by the validator, whose rules report each failure with its cells and message. The values
come from a ``Values`` view (the recomputation in compute.py is one), so formula fields are
taken as bcf-xl recomputes them, never as a workbook cached them.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from bcf_xl.spec import conditions
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.conditions import COLUMN, FIELD, Node, Scope
from bcf_xl.spec.model import Check, Template

YES, NO = "Yes", "No"


class Values(Protocol):
    def name(self, qid: str) -> Any: ...

    def rows(self, table: Any) -> Sequence[tuple[str, Mapping[str, Any]]]: ...

    def issued_value(self, pointer: str) -> Any: ...


def _kind(template: Template, table_qid: str | None):
    def kind(node: Node) -> str:
        if node.kind == FIELD:
            return template.field(node.value).type
        if node.kind == COLUMN and table_qid:
            return template.field(f"{table_qid}.{node.value}").type
        return "text"
    return kind


def _scope(template: Template, values: Values, check: Check, key: str | None,
           row: Mapping[str, Any]) -> Scope:
    def issued(node: Node) -> Any:
        if node.kind == FIELD:
            return values.issued_value(pointers.of_qid(node.value))
        return values.issued_value(pointers.cell(check.table, key, node.value)) if key else None

    return Scope(value=values.name, column=row.get, issued=issued, param=template.param,
                 kind=_kind(template, check.table))


def failures(template: Template, values: Values, check: Check) -> list[str | None]:
    """Where the check fails: the keys of the offending rows (``fails_on_row``), or ``[None]``
    when a single-cell or ``needs_row`` check fails; ``[]`` when it passes."""
    if not check.on_rows:
        scope = _scope(template, values, check, None, {})
        return [None] if conditions.holds(check.condition, scope) else []
    rows = values.rows(template.table(check.table))
    meets = [key for key, row in rows
             if conditions.holds(check.condition, _scope(template, values, check, key, row))]
    if check.shape == "fails_on_row":
        return meets
    if meets or (not rows and check.when_empty):
        return []
    return [None]


def verdict(template: Template, values: Values, check: Check) -> str:
    """'Yes' when the check passes, as its cell on the Checklist sheet reads."""
    return NO if failures(template, values, check) else YES

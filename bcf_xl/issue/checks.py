"""A version's checks as Checklist formulas: the same conditions the validator evaluates.

Names become the workbook's defined names, so a check follows its cells when a board inserts
rows; what the template was issued with (ISSUED) is written as constants, one per row of a
table's body, so a locked cell edited after unprotecting does not change the check; parameters
are constants of the version.
"""

from __future__ import annotations

from typing import Any, Mapping

from bcf_xl.spec import conditions
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.conditions import COLUMN, FIELD, ExcelRefs, Node
from bcf_xl.spec.model import INPUT, Check, Template
from bcf_xl.spec.rows import RowSeed


def _refs(template: Template, check: Check, seeds: Mapping[str, tuple[RowSeed, ...]],
          issued: Mapping[str, Any]) -> ExcelRefs:
    table = check.table

    def issued_constant(node: Node) -> str:
        if node.kind == FIELD:
            return conditions.excel_literal(issued.get(pointers.of_qid(node.value), ""))
        rows = seeds[table]
        return conditions.array_constant([s.values.get(node.value) for s in rows])

    return ExcelRefs(field=lambda qid: qid, column=lambda column: f"{table}.{column}",
                     issued=issued_constant,
                     param=lambda path: conditions.excel_literal(template.param(path)))


def _used_rows(template: Template, table_qid: str) -> str:
    """1 for each body row with any input filled in: the rows the validator reads as data."""
    inputs = [c.id for c in template.table(table_qid).columns if c.role == INPUT]
    lengths = "+".join(f"LEN(TRIM({table_qid}.{c}))" for c in inputs)
    return f"(({lengths})>0)"


def check_formula(template: Template, check: Check, seeds: Mapping[str, tuple[RowSeed, ...]],
                  issued: Mapping[str, Any]) -> str:
    """The Checklist cell's formula: "Yes" when the check passes, "No" when it fails (or when
    a cell it reads holds an error value, which needs fixing too)."""
    refs = _refs(template, check, seeds, issued)
    if check.shape == "fails":
        test = f'IF({conditions.excel_scalar(check.condition, refs)},"No","Yes")'
    else:
        count = f"SUMPRODUCT(--{conditions.excel_rows(check.condition, refs)})"
        if check.shape == "fails_on_row":
            test = f'IF({count}=0,"Yes","No")'
        elif check.when_empty:
            empty = f"SUMPRODUCT(--{_used_rows(template, check.table)})=0"
            test = f'IF(OR({empty},{count}>0),"Yes","No")'
        else:
            test = f'IF({count}>0,"Yes","No")'
    return f'=IFERROR({test},"No")'


def check_sheet(template: Template, check: Check) -> str:
    """The sheet a check is listed under: its table's, or that of the first field it reads."""
    if check.table:
        return pointers.split_qid(check.table)[0]
    first = next((n.value for n in check.condition.blamed() if n.kind == FIELD), None)
    first = first or check.condition.names()[0]
    return pointers.split_qid(first)[0]


def check_target(check: Check) -> tuple[str, str | None]:
    """(qid, column) of the cell a check's link jumps to: a field, or a column of its table."""
    blamed = check.condition.blamed() or check.condition.walk()
    if check.table:
        column = next((n.value for n in blamed if n.kind == COLUMN), None)
        return check.table, column
    return next(n.value for n in blamed if n.kind == FIELD), None

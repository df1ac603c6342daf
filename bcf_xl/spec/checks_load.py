"""Read a version's ``checks`` from its spec, checking every name a condition uses.

A check names fields, columns and parameters of its own version; a renamed field, a column of
another table or a condition the workbook cannot test the way the validator does is a problem
in the spec, reported with where it is, when the version loads, never a check that silently
stops working.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Sequence

from bcf_xl.findings import CATALOGUE
from bcf_xl.spec import conditions
from bcf_xl.spec.conditions import CALL, COLUMN, FIELD, STRING, ConditionError, Node
from bcf_xl.spec.model import (
    PREPOPULATED, ROW_SHAPES, SHAPES, Check, Field, Table, Template, Year,
)

_KEYS = {"id", "code", "title", "per", "table", "when_empty", "when", *SHAPES}
_PARAM_IN_TITLE = re.compile(r"\{param\.([a-z0-9_.]+)\}")


class Problems(Protocol):
    problems: list[str]

    def fail(self, where: str, what: str) -> None: ...


def load_checks(template: Template, raw: Sequence[Any], problems: Problems) -> tuple[Check, ...]:
    checks: list[Check] = []
    for i, item in enumerate(raw):
        where = f"checks[{i}]"
        if not isinstance(item, dict):
            problems.fail(where, "must be a mapping")
            continue
        for key in sorted(set(item) - _KEYS):
            problems.fail(f"{where}.{key}", "is not a check setting")
        if not _applies(template, item.get("when"), where, problems):
            continue
        years: Sequence[Year | None] = template.years if item.get("per") == "year" else (None,)
        if item.get("per") not in (None, "year"):
            problems.fail(f"{where}.per", "can only be 'year'")
        for year in years:
            check = _one(template, item, year, where, problems)
            if check is not None:
                checks.append(check)
    seen: set[str] = set()
    for check in checks:
        if check.id in seen:
            problems.fail(f"checks.{check.id}", "is defined twice")
        seen.add(check.id)
    return tuple(checks)


def _applies(template: Template, when: Any, where: str, problems: Problems) -> bool:
    """``when: param.name``: the check exists only while that parameter of the version is on
    (the cap of the performance pot at the board's share, say)."""
    if when is None:
        return True
    name = str(when).removeprefix("param.")
    try:
        value = template.param(name)
    except (KeyError, StopIteration, TypeError):
        problems.fail(f"{where}.when", f"the parameter {name!r} is not defined")
        return False
    if not isinstance(value, bool):
        problems.fail(f"{where}.when", f"the parameter {name!r} must be true or false")
        return False
    return value


def _fill(text: str, year: Year | None, title: bool) -> str:
    if year is None:
        return text
    return text.replace("{year}", year.title if title else year.id)


def _one(template: Template, item: dict, year: Year | None, where: str,
         problems: Problems) -> Check | None:
    shapes = [s for s in SHAPES if s in item]
    if len(shapes) != 1:
        problems.fail(where, f"needs exactly one of {', '.join(SHAPES)}")
        return None
    shape = shapes[0]
    check_id, code = str(item.get("id", "")), str(item.get("code", ""))
    if code not in CATALOGUE:
        problems.fail(f"{where}.code", f"{code!r} is not in the finding catalogue")
    text = _fill(str(item[shape]), year, title=False)
    try:
        node = conditions.parse(text)
    except ConditionError as exc:
        problems.fail(f"{where}.{shape}", str(exc))
        return None
    table = _table(template, item.get("table"), shape, where, problems)
    before = len(problems.problems)
    _names(template, node, table, f"{where}.{shape}", problems)
    if shape in ROW_SHAPES and not conditions.anchored(node):
        problems.fail(f"{where}.{shape}", "a row condition must need something filled in "
                      "(the workbook tests empty rows, the validator does not)")
    if len(problems.problems) != before:
        return None
    return Check(
        id=f"{check_id}_{year.id}" if year else check_id, code=code,
        title=_title(template, _fill(str(item.get("title", check_id)), year, title=True)),
        shape=shape, condition=node, text=text, table=table.qid if table else None,
        when_empty=bool(item.get("when_empty", True)), year=year)


def _title(template: Template, text: str) -> str:
    def param(match: re.Match) -> str:
        value = template.param(match.group(1))
        return f"{value:,}" if isinstance(value, (int, float)) else str(value)
    return _PARAM_IN_TITLE.sub(param, text)


def _table(template: Template, qid: Any, shape: str, where: str,
           problems: Problems) -> Table | None:
    if shape not in ROW_SHAPES:
        if qid is not None:
            problems.fail(f"{where}.table", f"only {' and '.join(ROW_SHAPES)} run over a table")
        return None
    try:
        return template.table(str(qid))
    except KeyError:
        problems.fail(f"{where}.table", f"{qid!r} is not a table of this version")
        return None


def _names(template: Template, node: Node, table: Table | None, where: str,
           problems: Problems) -> None:
    """Every field, column and parameter exists; values are only compared where both sides
    can be; ISSUED names something the template was issued with."""
    listed = {a.value for n in node.walk() if n.kind == CALL and n.value == "NOTLISTED"
              for a in n.args[1:]}
    for name in node.names():
        if not _exists(template, name):
            problems.fail(where, f"{name!r} is not a field of this version")
        elif name.count(".") == 2 and name not in listed:
            problems.fail(where, f"{name!r} is a table column: use a row check over its table")
    for call in (n for n in node.walk() if n.kind == CALL and n.value == "NOTLISTED"):
        if any(a.kind != FIELD or a.value.count(".") != 2 for a in call.args[1:]):
            problems.fail(where, "NOTLISTED compares with two columns (sheet.table.column)")
    columns = {c.id for c in table.columns} if table else set()
    for column in node.columns():
        if column not in columns:
            problems.fail(where, f"{column!r} is not a column of "
                          f"{table.qid if table else 'a table (this check has none)'}")
    for param in node.params():
        try:
            template.param(param)
        except (KeyError, StopIteration, TypeError):
            problems.fail(where, f"the parameter {param!r} is not defined")
    for call in (n for n in node.walk() if n.kind == CALL):
        _call(template, call, table, where, problems)


def _call(template: Template, call: Node, table: Table | None, where: str,
          problems: Problems) -> None:
    if call.value in ("DIFF", "ABS") and table is not None:
        problems.fail(where, f"{call.value} works on single cells only, not in a row check")
    if call.value in ("EQ", "NE", "IN"):
        literals = [a for a in call.args if a.kind not in (FIELD, COLUMN)]
        if any(a.kind != STRING for a in literals):
            problems.fail(where, f"{call.value} compares text: quote its values")
    if call.value == "ISSUED":
        target = call.args[0]
        if target.kind not in (FIELD, COLUMN) or not _issued(template, table, target):
            problems.fail(where, "ISSUED names a value the template is issued with "
                          "(a pre-populated field or column)")


def _issued(template: Template, table: Table | None, node: Node) -> bool:
    """Is this field, or this column in at least one of its table's rows, pre-populated?"""
    if node.kind == FIELD:
        return _prepopulated(template.field(node.value)) if _exists(template, node.value) else False
    if table is None:
        return False
    column = next((c for c in table.columns if c.id == node.value), None)
    if column is None:
        return False
    spec_rows = template.row_sets.get(table.rows.source or "", ())
    return _prepopulated(column) or any(node.value in r.prepopulate for r in spec_rows)


def _exists(template: Template, qid: str) -> bool:
    try:
        template.field(qid)
        return True
    except KeyError:
        return False


def _prepopulated(field: Field) -> bool:
    return field.role == PREPOPULATED

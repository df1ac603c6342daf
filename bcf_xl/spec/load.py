"""Load a template spec from YAML into the typed model, checking it as it goes.

A broken spec is a mistake by whoever edited it, so every problem is reported with where it is
(``sheets[3].blocks[0].table.columns[2].list``) and what is wrong, all at once, never as a
KeyError from deep inside the generator.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from bcf_xl.findings import CATALOGUE, placeholders
from bcf_xl.spec import formulas
from bcf_xl.spec.checks_load import load_checks
from bcf_xl.spec.model import (
    FORMULA, INPUT, PREPOPULATED, ROLES, TYPES, Field, FieldsBlock, RequiredUnless, Rows, Sheet,
    SpecRow, Table, Template, Year,
)
from bcf_xl.yamltext import load_yaml

# Specs and their published schemas ship inside the package, so an installed bcf-xl has them.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
REFERENCE_ROW_SOURCES = ("ccgs", "contributors")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"id", "version", "title", "issued_under", "deadline", "submit_to", "changes",
             "parameters", "style", "lists", "row_sets", "sheets", "years", "rules", "checks"}
# What the schema layer can put into the message of a field's missing_code (check/schema.py).
SCHEMA_PLACEHOLDERS = frozenset({"field", "row", "problem"})
_FIELD_KEYS = {"id", "title", "type", "role", "required", "required_unless", "missing_code",
               "list", "source", "formula", "help", "min", "max", "width", "choices_from"}


class SpecError(ValueError):
    """A spec that cannot be used; ``problems`` lists every one found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the template spec:\n  - "
                         + "\n  - ".join(problems))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def text(self, data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str:
        value = data.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", f"must be text, found {value!r}"
                      + (" (quote Yes/No in YAML)" if isinstance(value, bool) else ""))
            return ""
        return value.strip()

    def ident(self, data: Mapping[str, Any], where: str) -> str:
        value = self.text(data, "id", where)
        if value and not _ID.match(value):
            self.fail(f"{where}.id", f"{value!r} must be lower case letters, digits and _")
        return value


def load_template(path: Path) -> Template:
    """Read and check one spec file; raises SpecError listing every problem."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(str(path), [f"cannot be read as YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SpecError(str(path), ["the file must hold a mapping of template settings"])
    check = _Checker()
    template = _template(data, check)
    if not check.problems:
        _cross_check(template, check)
    if not check.problems:
        template = replace(template, checks=load_checks(template, data.get("checks") or [], check))
    if check.problems:
        raise SpecError(str(path), check.problems)
    return template


@functools.cache
def known_templates() -> dict[str, Template]:
    """Every bundled template version, by version string."""
    templates = (load_template(p) for p in sorted(TEMPLATES_DIR.glob("*.yaml")))
    return {t.version: t for t in templates}


def default_template() -> Template:
    """The newest bundled version."""
    versions = known_templates()
    return versions[max(versions)]


def _template(data: Mapping[str, Any], check: _Checker) -> Template:
    for key in sorted(set(data) - _TOP_KEYS):
        check.fail(key, "is not a template setting")
    lists = _lists(data.get("lists") or {}, check)
    row_sets = {name: tuple(_spec_row(r, f"row_sets.{name}[{i}]", check) for i, r in enumerate(rows))
                for name, rows in (data.get("row_sets") or {}).items()}
    sheets = tuple(_sheet(s, f"sheets[{i}]", check) for i, s in enumerate(data.get("sheets") or []))
    if not sheets:
        check.fail("sheets", "the template has no sheets")
    return Template(
        id=check.text(data, "id", "template"), version=str(data.get("version", "")),
        title=check.text(data, "title", "template"),
        issued_under=check.text(data, "issued_under", "template"),
        deadline=check.text(data, "deadline", "template"),
        submit_to=check.text(data, "submit_to", "template"),
        changes=tuple(str(c) for c in data.get("changes") or ()),
        parameters=dict(data.get("parameters") or {}), style=dict(data.get("style") or {}),
        lists=lists, row_sets=row_sets, sheets=sheets, years=_years(data.get("years"), check),
        rules=_rule_names(data.get("rules"), check),
    )


def _years(data: Any, check: _Checker) -> tuple[Year, ...]:
    if not isinstance(data, list) or not data:
        check.fail("years", "must list the plan's years as {id: '1415', title: 2014/15}")
        return ()
    years = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not re.fullmatch(r"\d{4}", str(item.get("id", ""))):
            check.fail(f"years[{i}]", "needs an id of four digits (1415) and a title")
            continue
        years.append(Year(str(item["id"]), check.text(item, "title", f"years[{i}]")))
    return tuple(years)


def _rule_names(data: Any, check: _Checker) -> tuple[str, ...]:
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(r, str) and _ID.match(r) for r in data):
        check.fail("rules", "must list rule names (the modules of bcf_xl/check/rules)")
        return ()
    if len(set(data)) != len(data):
        check.fail("rules", "names a rule twice")
    return tuple(data)


def _lists(data: Mapping[str, Any], check: _Checker) -> dict[str, tuple[str, ...]]:
    lists: dict[str, tuple[str, ...]] = {}
    for name, values in data.items():
        if not isinstance(values, list) or not values:
            check.fail(f"lists.{name}", "must be a non-empty list")
            continue
        for value in values:
            if not isinstance(value, str):
                check.fail(f"lists.{name}", f"{value!r} must be text (quote Yes/No in YAML)")
        lists[name] = tuple(str(v) for v in values)
    return lists


def _spec_row(data: Mapping[str, Any], where: str, check: _Checker) -> SpecRow:
    row_id = check.ident(data, where)
    prepopulate = dict(data.get("prepopulate") or {})
    values = {k: v for k, v in data.items() if k not in ("id", "prepopulate")}
    return SpecRow(row_id, values, prepopulate)


def _sheet(data: Mapping[str, Any], where: str, check: _Checker) -> Sheet:
    sheet_id = check.ident(data, where)
    title = check.text(data, "title", where)
    if len(title) > 31 or re.search(r"[\[\]:*?/\\]", title):
        check.fail(f"{where}.title", f"{title!r} is not a valid Excel sheet name")
    blocks = []
    for i, block in enumerate(data.get("blocks") or []):
        here = f"{where}.blocks[{i}]"
        if "fields" in block:
            blocks.append(_fields_block(block["fields"], sheet_id, here + ".fields", check))
        elif "table" in block:
            blocks.append(_table(block["table"], sheet_id, here + ".table", check))
        else:
            check.fail(here, "must be a 'fields' or a 'table' block")
    return Sheet(id=sheet_id, title=title, about=check.text(data, "about", where),
                 kind=data.get("kind", "form"), blocks=tuple(blocks), purpose=data.get("purpose"))


def _fields_block(data: Mapping[str, Any], sheet_id: str, where: str, check: _Checker) -> FieldsBlock:
    items = data.get("items") or []
    fields = tuple(_field(f, f"{sheet_id}.{f.get('id')}", f"{where}.items[{i}]", check, False)
                   for i, f in enumerate(items))
    return FieldsBlock(check.text(data, "title", where), fields)


def _table(data: Mapping[str, Any], sheet_id: str, where: str, check: _Checker) -> Table:
    table_id = check.ident(data, where)
    qid = f"{sheet_id}.{table_id}"
    rows = data.get("rows") or {}
    if "count" in rows and isinstance(rows["count"], int) and rows["count"] > 0:
        row_spec = Rows(count=rows["count"])
    elif isinstance(rows.get("from"), str):
        row_spec = Rows(source=rows["from"])
    else:
        check.fail(f"{where}.rows", "must be {count: N} or {from: ROW_SET}")
        row_spec = Rows(count=1)
    columns = tuple(_field(c, f"{qid}.{c.get('id')}", f"{where}.columns[{i}]", check, True)
                    for i, c in enumerate(data.get("columns") or []))
    if not columns:
        check.fail(f"{where}.columns", "a table needs columns")
    return Table(id=table_id, qid=qid, title=check.text(data, "title", where), rows=row_spec,
                 columns=columns, row_label=data.get("row_label"),
                 min_rows=int(data.get("min_rows", 0)), missing_code=data.get("missing_code"),
                 empty_code=data.get("empty_code"))


def _field(data: Mapping[str, Any], qid: str, where: str, check: _Checker, in_table: bool) -> Field:
    for key in sorted(set(data) - _FIELD_KEYS):
        check.fail(f"{where}.{key}", "is not a field setting")
    field_id = check.ident(data, where)
    ftype = data.get("type")
    if ftype not in TYPES:
        check.fail(f"{where}.type", f"{ftype!r} is not one of {', '.join(TYPES)}")
    role = data.get("role", INPUT)
    if role not in ROLES:
        check.fail(f"{where}.role", f"{role!r} is not one of {', '.join(ROLES)}")
    formula = None
    if role == FORMULA:
        try:
            formula = formulas.parse(str(data.get("formula", "")))
        except formulas.FormulaError as exc:
            check.fail(f"{where}.formula", str(exc))
    elif "formula" in data:
        check.fail(f"{where}.formula", "only formula fields have a formula")
    if role == PREPOPULATED and not isinstance(data.get("source"), str):
        check.fail(f"{where}.source", "a prepopulated field needs a source")
    if data.get("required") and role != INPUT:
        check.fail(f"{where}.required", "only input fields can be required")
    unless = data.get("required_unless")
    return Field(
        id=field_id, qid=qid, title=check.text(data, "title", where), type=str(ftype), role=role,
        required=bool(data.get("required", False)),
        required_unless=_unless(unless, where, check, in_table) if unless else None,
        missing_code=data.get("missing_code"), list=data.get("list"), source=data.get("source"),
        formula=formula, help=data.get("help"), min=data.get("min"), max=data.get("max"),
        width=data.get("width"), choices_from=data.get("choices_from"),
    )


def _unless(data: Any, where: str, check: _Checker, in_table: bool) -> RequiredUnless | None:
    key = "column" if in_table else "field"
    if not isinstance(data, dict) or key not in data or not isinstance(data.get("equals"), str):
        check.fail(f"{where}.required_unless", f"must be {{{key}: ID, equals: VALUE}}")
        return None
    return RequiredUnless(other=data[key], equals=data["equals"], in_row=in_table)


def _cross_check(template: Template, check: _Checker) -> None:
    """References between parts of the spec: lists, codes, row sets, names, formulas."""
    qids: set[str] = set()
    for sheet, table, field in template.all_fields():
        if field.qid in qids:
            check.fail(field.qid, "is defined twice")
        qids.add(field.qid)
        if field.type == "choice" and field.list not in template.lists:
            check.fail(field.qid, f"uses the list {field.list!r}, which is not defined")
        if field.missing_code:
            _check_code(field.qid, "missing_code", field.missing_code, check)
        if field.type == "score" and (field.min is None or field.max is None):
            check.fail(field.qid, "a score needs min and max")
        if field.choices_from and (field.choices_from.count(".") != 2
                                   or field.type not in ("text", "longtext")):
            check.fail(field.qid, "choices_from names a table column (sheet.table.column) "
                       "and goes on a text field")
    for _, _, field in template.all_fields():
        if field.choices_from and field.choices_from not in qids:
            check.fail(field.qid, f"choices_from {field.choices_from!r} is not defined")
    for sheet in template.form_sheets():
        for table in sheet.tables():
            qids.add(table.qid)
            source = table.rows.source
            if source and source not in template.row_sets and source not in REFERENCE_ROW_SOURCES:
                check.fail(table.qid, f"rows come from {source!r}, which is neither a row set "
                           f"nor one of {', '.join(REFERENCE_ROW_SOURCES)}")
            for key, code in (("missing_code", table.missing_code),
                              ("empty_code", table.empty_code)):
                if code:
                    _check_code(table.qid, key, code, check)
    for _, table, field in template.all_fields():
        if field.formula:
            _check_formula(template, table, field, qids, check)


def _check_code(where: str, key: str, code: str, check: _Checker) -> None:
    """A code the schema layer reports for a blank must exist, and its message may only need
    what that layer knows (the field, the row, the problem); otherwise every blank would turn
    into a failure of the whole layer."""
    if code not in CATALOGUE:
        check.fail(where, f"{key} {code!r} is not in the catalogue")
        return
    unfilled = placeholders(code) - SCHEMA_PLACEHOLDERS
    if unfilled:
        check.fail(where, f"{key} {code!r} needs {', '.join(sorted(unfilled))} in its message, "
                   "which a blank cell cannot give")


def _check_formula(template: Template, table: Table | None, field: Field, qids: set[str],
                   check: _Checker) -> None:
    for name in field.formula.names():
        if name not in qids:
            check.fail(field.qid, f"formula refers to {name!r}, which is not defined")
    for arg in field.formula.args:
        if arg.kind == formulas.COLUMN and (table is None or arg.value not in
                                            {c.id for c in table.columns}):
            check.fail(field.qid, f"formula refers to the column {arg.value!r} outside its table")
        if arg.kind == formulas.PARAM:
            try:
                template.param(arg.value)
            except (KeyError, StopIteration, TypeError):
                check.fail(field.qid, f"formula refers to the parameter {arg.value!r}, not defined")

"""What changed between two returns: a draft and its final version, or a return on two versions.

Both workbooks are read by the validator (``validate_file``; the command does that), so the
comparison is of what the reader found, each value with the cell it came from, and of the
findings each return has. The result is plain frozen data; diff_render.py writes it as text,
HTML or JSON.

- Single fields (``cover.contact_email``) are compared by qualified id. A formula field (a
  total) is compared on the validator's own recalculation, never on the workbook's cached
  result, and is marked as calculated: it changed because an input did.
- Table rows are matched, not compared by position, because a board inserts, deletes and
  reorders schemes: rows the spec defines (national conditions, metrics) by their id; rows
  issued pre-populated (CCG sign-off, contributions) by position, which the template fixed;
  rows a board adds (schemes, risks) by their first text column (a scheme's name), then a
  leftover row is paired with a leftover row that holds mostly the same values (a renamed
  scheme), and the rest are added or removed.
- Findings are matched by code, sheet and cells: those only in the old return were fixed,
  those only in the new one are new.
- Two versions (2014-02 and 2014-09) are compared on the fields both have under the same
  qualified id; the others are listed as only in one version, because a field the other
  version does not ask is not a change the board made.

A file that cannot be read (intake refused it, or the tool failed on it) is not compared: the
``Diff`` says which and carries its findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from bcf_xl.findings import Finding
from bcf_xl.read.document import CellRef, Document, RowInfo
# The model, re-exported: callers import it from here.
from bcf_xl.report.diff_model import (  # noqa: F401
    ADDED, BY_ID, BY_KEY, BY_POSITION, CHANGED, FIXED, NEW, REMOVED, Diff, FieldChange,
    FindingChange, RowChange, Side, TableDiff, VersionOnly)
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.model import FORMULA, TEXT_TYPES, Field, Table, Template
from bcf_xl.validate import Result


# -- reading --------------------------------------------------------------------------------


def _side(result: Result) -> Side:
    identity = result.identity
    return Side(result.path, result.status, identity.version if identity else None,
                identity.hwb_code if identity else None, identity.hwb_name if identity else None,
                result.errors, result.warnings, result.findings, result.document is not None)


def diff_results(old: Result, new: Result) -> Diff:
    """Compare two validation results (each with its document)."""
    old_side, new_side = _side(old), _side(new)
    if old.document is None or new.document is None:
        return Diff(old_side, new_side)
    templates = known_templates()
    a = _Return(templates[old.document.version], old.document, old.computed)
    b = _Return(templates[new.document.version], new.document, new.computed)
    return Diff(old_side, new_side, tuple(_field_changes(a, b)), tuple(_table_diffs(a, b)),
                tuple(_finding_changes(old.findings, new.findings)),
                tuple(_version_only(a, b)) + tuple(_version_only(b, a)))


@dataclass(frozen=True)
class _Return:
    template: Template
    document: Document
    computed: Mapping[str, Any]

    def value(self, field: Field) -> Any:
        pointer = pointers.of_qid(field.qid)
        if field.role == FORMULA:
            return self.computed.get(pointer)
        sheet_id, field_id, _ = pointers.split_qid(field.qid)
        sheet = self.document.data.get(sheet_id)
        return sheet.get(field_id) if isinstance(sheet, Mapping) else None

    def has_value(self, field: Field) -> bool:
        """False for a formula the validator could not recalculate (nothing to compare)."""
        return field.role != FORMULA or pointers.of_qid(field.qid) in self.computed

    def cell(self, pointer: str) -> CellRef | None:
        return self.document.sources.get(pointer)

    def rows(self, table: Table) -> tuple[RowInfo, ...]:
        return tuple(self.document.rows.get(table.qid, ()))

    def row_values(self, table: Table, key: str) -> Mapping[str, Any]:
        sheet_id, table_id, _ = pointers.split_qid(table.qid)
        body = (self.document.data.get(sheet_id) or {}).get(table_id)
        if isinstance(body, Mapping):
            row = body.get(key)
        elif isinstance(body, list) and key.isdigit() and int(key) < len(body):
            row = body[int(key)]
        else:
            row = None
        return row if isinstance(row, Mapping) else {}

    def row_cell(self, table: Table, key: str) -> CellRef | None:
        for column in table.columns:
            ref = self.cell(pointers.cell(table.qid, key, column.id))
            if ref is not None:
                return ref
        return None


def _single_fields(template: Template) -> dict[str, Field]:
    return {f.qid: f for _, table, f in template.all_fields() if table is None}


def _tables(template: Template) -> dict[str, Table]:
    return {t.qid: t for sheet in template.form_sheets() for t in sheet.tables()}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _kind(old: Any, new: Any) -> str | None:
    """The change from old to new, None when they are the same (a number is the same number
    whether the workbook stored it as 5 or 5.0)."""
    if _blank(old) and _blank(new):
        return None
    if _blank(old):
        return ADDED
    if _blank(new):
        return REMOVED
    if isinstance(old, bool) or isinstance(new, bool):
        return None if old is new else CHANGED
    return None if old == new else CHANGED


# -- fields ---------------------------------------------------------------------------------


def _field_changes(a: _Return, b: _Return) -> Iterator[FieldChange]:
    old_fields = _single_fields(a.template)
    for qid, field in _single_fields(b.template).items():
        old_field = old_fields.get(qid)
        if old_field is None or not (a.has_value(old_field) and b.has_value(field)):
            continue
        old, new = a.value(old_field), b.value(field)
        kind = _kind(old, new)
        if kind:
            pointer = pointers.of_qid(qid)
            yield FieldChange(kind, qid, field.title, field.type, old, new, a.cell(pointer),
                              b.cell(pointer), calculated=field.role == FORMULA)


# -- tables ---------------------------------------------------------------------------------


def _key_column(table: Table) -> Field | None:
    """The column that names a row a board adds: the first text column it fills (a scheme's
    name, a risk's description)."""
    return next((c for c in table.columns
                 if c.role != FORMULA and c.type in TEXT_TYPES and c.type != "choice"), None)


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _matching(template: Template, table: Table) -> str:
    if table.rows.source in template.row_sets:
        return BY_ID
    if table.rows.source is not None:
        return BY_POSITION
    return BY_KEY


def _pairs(a: _Return, b: _Return, old_table: Table, table: Table,
           how: str) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(matched (old key, new key) in the new workbook's order, old keys removed, new keys
    added)."""
    old_keys = [r.key for r in a.rows(old_table)]
    new_keys = [r.key for r in b.rows(table)]
    if how in (BY_ID, BY_POSITION):
        # Spec rows have the same id in both; issued rows were issued in one order.
        shared = [k for k in new_keys if k in old_keys]
        return ([(k, k) for k in shared], [k for k in old_keys if k not in shared],
                [k for k in new_keys if k not in shared])
    key_column = _key_column(table)
    matched: dict[str, str] = {}  # new key -> old key
    if key_column is not None and any(c.id == key_column.id for c in old_table.columns):
        waiting: dict[str, list[str]] = {}
        for k in old_keys:
            name = a.row_values(old_table, k).get(key_column.id)
            if not _blank(name):
                waiting.setdefault(_norm(name), []).append(k)
        for k in new_keys:
            name = b.row_values(table, k).get(key_column.id)
            same = waiting.get(_norm(name)) if not _blank(name) else None
            if same:
                matched[k] = same.pop(0)  # equal names pair in order
    _pair_similar(a, b, old_table, table, old_keys, new_keys, matched)
    taken = set(matched.values())
    return ([(matched[k], k) for k in new_keys if k in matched],
            [k for k in old_keys if k not in taken], [k for k in new_keys if k not in matched])


def _pair_similar(a: _Return, b: _Return, old_table: Table, table: Table, old_keys: list[str],
                  new_keys: list[str], matched: dict[str, str]) -> None:
    """Pair a leftover old row with the leftover new row holding most of its values (a scheme
    renamed, or a typo in its name fixed). More than half of the filled columns must be equal,
    and at least one of them must not be a drop-down: two schemes that are both "Existing",
    "CCG", "Social care" are not one scheme."""
    shared = [c for c in table.columns if c.role != FORMULA
              and any(o.id == c.id for o in old_table.columns)]
    taken = set(matched.values())
    for old_key in old_keys:
        if old_key in taken:
            continue
        old_row = a.row_values(old_table, old_key)
        best, best_score = None, 0
        for new_key in new_keys:
            if new_key in matched:
                continue
            new_row = b.row_values(table, new_key)
            filled = sum(1 for c in shared
                         if not (_blank(old_row.get(c.id)) and _blank(new_row.get(c.id))))
            equal = [c for c in shared if not _blank(old_row.get(c.id))
                     and _kind(old_row.get(c.id), new_row.get(c.id)) is None]
            if (2 * len(equal) > filled and any(c.type != "choice" for c in equal)
                    and len(equal) > best_score):
                best, best_score = new_key, len(equal)
        if best is not None:
            matched[best] = old_key
            taken.add(old_key)


def _label(table: Table, how: str, ret: _Return, info_table: Table, key: str) -> str:
    info = next((r for r in ret.rows(info_table) if r.key == key), None)
    if how != BY_KEY:
        return info.label if info else key
    position = f"row {info.position + 1}" if info else "a row"
    column = _key_column(table)
    name = ret.row_values(info_table, key).get(column.id) if column else None
    return f"'{name}' ({position})" if not _blank(name) else position


def _row_cells(ret: _Return, table: Table, key: str, kind: str) -> tuple[FieldChange, ...]:
    """Every filled column of a row added or removed."""
    values = ret.row_values(table, key)
    out = []
    for column in table.columns:
        value = values.get(column.id)
        if column.role == FORMULA or _blank(value):
            continue
        ref = ret.cell(pointers.cell(table.qid, key, column.id))
        out.append(FieldChange(kind, column.qid, column.title, column.type,
                               value if kind == REMOVED else None,
                               value if kind == ADDED else None,
                               ref if kind == REMOVED else None, ref if kind == ADDED else None))
    return tuple(out)


def _table_diffs(a: _Return, b: _Return) -> Iterator[TableDiff]:
    old_tables = _tables(a.template)
    for qid, table in _tables(b.template).items():
        old_table = old_tables.get(qid)
        if old_table is None:
            continue
        how = _matching(b.template, table)
        matched, removed, added = _pairs(a, b, old_table, table, how)
        old_columns = {c.id: c for c in old_table.columns}
        rows: list[RowChange] = []
        for old_key, new_key in matched:
            old_values, new_values = a.row_values(old_table, old_key), b.row_values(table, new_key)
            cells = []
            for column in table.columns:
                if column.role == FORMULA or column.id not in old_columns:
                    continue
                old, new = old_values.get(column.id), new_values.get(column.id)
                kind = _kind(old, new)
                if kind:
                    cells.append(FieldChange(
                        kind, column.qid, column.title, column.type, old, new,
                        a.cell(pointers.cell(qid, old_key, column.id)),
                        b.cell(pointers.cell(qid, new_key, column.id))))
            if cells:
                rows.append(RowChange(CHANGED, _label(table, how, b, table, new_key),
                                      a.row_cell(old_table, old_key), b.row_cell(table, new_key),
                                      tuple(cells)))
        rows += [RowChange(REMOVED, _label(table, how, a, old_table, k), a.row_cell(old_table, k),
                           None, _row_cells(a, old_table, k, REMOVED)) for k in removed]
        rows += [RowChange(ADDED, _label(table, how, b, table, k), None, b.row_cell(table, k),
                           _row_cells(b, table, k, ADDED)) for k in added]
        key_column = _key_column(table)
        matched_by = (f"{BY_KEY}: {key_column.title}" if how == BY_KEY and key_column else how)
        yield TableDiff(qid, table.title, matched_by, tuple(rows))


# -- findings and versions ------------------------------------------------------------------


def _finding_key(f: Finding) -> tuple:
    return (f.code, f.sheet, f.cells)


def _finding_changes(old: Sequence[Finding], new: Sequence[Finding]) -> Iterator[FindingChange]:
    new_keys = {_finding_key(f) for f in new}
    old_keys = {_finding_key(f) for f in old}
    yield from (FindingChange(FIXED, f) for f in old if _finding_key(f) not in new_keys)
    yield from (FindingChange(NEW, f) for f in new if _finding_key(f) not in old_keys)


def _version_only(here: _Return, there: _Return) -> Iterator[VersionOnly]:
    """What ``here``'s version has and ``there``'s does not, with what ``here`` holds in it."""
    if here.template.version == there.template.version:
        return
    version = here.template.version
    other_fields = _single_fields(there.template)
    other_tables = _tables(there.template)
    for sheet in here.template.form_sheets():
        for block in sheet.blocks:
            if isinstance(block, Table):
                yield from _table_only(here, block, other_tables.get(block.qid), version)
                continue
            for field in block.fields:
                if field.qid not in other_fields:
                    value = here.value(field)
                    yield VersionOnly(version, "field", field.qid, field.title, value,
                                      here.cell(pointers.of_qid(field.qid)), field.type)


def _table_only(here: _Return, table: Table, other: Table | None,
                version: str) -> Iterator[VersionOnly]:
    rows = here.rows(table)
    if other is None:
        yield VersionOnly(version, "table", table.qid, table.title, len(rows),
                          here.document.anchors.get(table.qid), "number")
        return
    other_columns = {c.id for c in other.columns}
    for column in table.columns:
        if column.id in other_columns:
            continue
        if column.role == FORMULA:
            filled = sum(1 for r in rows
                         if not _blank(here.computed.get(pointers.cell(table.qid, r.key,
                                                                       column.id))))
        else:
            filled = sum(1 for r in rows
                         if not _blank(here.row_values(table, r.key).get(column.id)))
        first = here.cell(pointers.cell(table.qid, rows[0].key, column.id)) if rows else None
        yield VersionOnly(version, "column", column.qid, column.title, filled, first, "number")

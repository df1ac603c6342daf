"""A migration map checked against both specs when it loads: every field it names exists, is
an input and keeps its type, every answer it carries is offered by the target, and every input
of the source version is accounted for (carried, in a table, transformed or dropped). A field
renamed or added in either spec makes the map fail with the list of every problem.
"""

from __future__ import annotations

from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.migration_map import Drop, MigrationMap, TableCarry, TableTransform
from bcf_xl.spec.model import INPUT, Field, Table, Template


def _find(template: Template, qid: str) -> Field | None:
    try:
        return template.field(qid)
    except KeyError:
        return None


def _find_table(template: Template, qid: str) -> Table | None:
    try:
        return template.table(qid)
    except KeyError:
        return None


class _Check:
    def __init__(self, mapping: MigrationMap):
        self.m, self.problems = mapping, []
        self.s, self.t = mapping.source, mapping.target

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def field(self, template: Template, qid: str, where: str, *,
              input_: bool = True) -> Field | None:
        found = _find(template, qid)
        if found is None:
            self.fail(where, f"{template.key} has no field {qid!r}")
        elif input_ and found.role != INPUT:
            self.fail(where, f"{qid} is {found.role} in {template.key}, not an input")
            return None
        return found

    def compatible(self, source: Field, target: Field, where: str) -> None:
        if source.type != target.type:
            self.fail(where, f"{source.qid} is {source.type} in {self.s.key} but {target.qid} "
                      f"is {target.type} in {self.t.key}")
        if source.list or target.list:
            lost = sorted(set(self.s.lists.get(source.list or "", ()))
                          - set(self.t.lists.get(target.list or "", ())))
            if lost:
                self.fail(where, f"answers of {source.qid} that {target.qid} does not offer: "
                          f"{', '.join(lost)}")

    def pair(self, source_qid: str, target_qid: str, where: str) -> None:
        source = self.field(self.s, source_qid, where)
        target = self.field(self.t, target_qid, where)
        if source and target:
            self.compatible(source, target, where)


def check_map(m: MigrationMap) -> list[str]:
    """Every problem of a map against its two specs (empty when it can be used)."""
    c = _Check(m)
    for i, carry in enumerate(m.carry):
        if pointers.split_qid(carry.field)[2] is not None:
            c.fail(f"carry[{i}]", f"{carry.field} is a table column; carry its table in tables")
        c.pair(carry.field, carry.field, f"carry[{i}]")
    for i, table in enumerate(m.tables):
        _check_table(c, i, table)
    for i, transform in enumerate(m.transforms):
        _check_transform(c, i, transform)
    for i, drop in enumerate(m.drops):
        _check_drop(c, i, drop)
    for i, note in enumerate(m.refill):
        c.pair(note.field, note.field, f"refill[{i}]")
    mapped = m.mapped_targets()
    for i, note in enumerate(m.new):
        if c.field(m.target, note.field, f"new[{i}]") and note.field in mapped:
            c.fail(f"new[{i}]", f"{note.field} is not new: the map already fills it")
    _check_complete(c)
    return c.problems


def _check_table(c: _Check, i: int, table: TableCarry) -> None:
    where = f"tables[{i}]"
    source, target = _find_table(c.s, table.table), _find_table(c.t, table.table)
    for template, found in ((c.s, source), (c.t, target)):
        if found is None:
            c.fail(where, f"{template.key} has no table {table.table!r}")
    if source is None or target is None:
        return
    for j, column in enumerate(table.columns):
        c.pair(f"{table.table}.{column}", f"{table.table}.{column}", f"{where}.columns[{j}]")
    if source.open_rows != target.open_rows or source.rows.source != target.rows.source:
        c.fail(where, f"{table.table} has rows of another kind in {c.t.key}")
        return
    spec_rows = source.rows.source in c.s.row_sets
    if source.open_rows:
        return
    if not spec_rows:  # rows issued from the reference data: matched by a column
        if table.match is None:
            c.fail(where, "issued rows need 'match', the column that names the same row in both")
        else:
            for template in (c.s, c.t):
                found = c.field(template, f"{table.table}.{table.match}", f"{where}.match",
                                input_=False)
                if found is not None and found.role == INPUT:
                    c.fail(f"{where}.match", f"{found.qid} is an input in {template.key}; match "
                           "on a pre-populated column")
        return
    source_rows = [r.id for r in c.s.row_sets[source.rows.source or ""]]
    target_rows = {r.id for r in c.t.row_sets.get(target.rows.source or "", ())}
    carried = table.rows if table.rows is not None else tuple(source_rows)
    for row_id in carried:
        if row_id not in source_rows or row_id not in target_rows:
            c.fail(f"{where}.rows", f"row {row_id!r} is not a row of {table.table} in both "
                   "versions")
    dropped = {d.table_and_row[1] for d in c.m.drops
               if d.row and d.table_and_row[0] == table.table}
    for row_id in source_rows:
        if row_id not in carried and row_id not in dropped:
            c.fail(where, f"row {row_id!r} of {table.table} is neither carried nor dropped")


def _check_transform(c: _Check, i: int, transform: TableTransform) -> None:
    where = f"transform[{i}]"
    source, target = _find_table(c.s, transform.table), _find_table(c.t, transform.to)
    if source is None:
        c.fail(where, f"{c.s.key} has no table {transform.table!r}")
    if target is None:
        c.fail(where, f"{c.t.key} has no table {transform.to!r}")
    if source is None or target is None:
        return
    if not target.open_rows:
        c.fail(where, f"{transform.to} must be a table of blank rows to take rows of another")
    for j, column in enumerate(transform.columns):
        cw = f"{where}.columns[{j}]"
        to = c.field(c.t, f"{transform.to}.{column.to}", cw)
        if column.source is None:
            if column.value is None or column.hint is not None:
                c.fail(cw, "give 'from' (a column to copy or hint from) or a constant 'value'")
            elif to is not None and to.list and column.value not in c.t.lists.get(to.list, ()):
                c.fail(cw, f"{column.value!r} is not an answer {to.qid} offers")
            continue
        if column.value is not None:
            c.fail(cw, "give 'from' or 'value', not both")
        source_column = c.field(c.s, f"{transform.table}.{column.source}", cw)
        if source_column is None or to is None:
            continue
        if column.hint is None:
            c.compatible(source_column, to, cw)
            continue
        answers = set(c.s.lists.get(source_column.list or "", ()))
        offered = set(c.t.lists.get(to.list or "", ()))
        for answer, hinted in column.hint.items():
            if answer not in answers:
                c.fail(f"{cw}.hint", f"{answer!r} is not an answer of {source_column.qid}")
            if hinted is not None and hinted not in offered:
                c.fail(f"{cw}.hint", f"{hinted!r} is not an answer {to.qid} offers")
        for answer in sorted(answers - set(column.hint)):
            c.fail(f"{cw}.hint", f"no hint for the answer {answer!r} (null if none)")


def _check_drop(c: _Check, i: int, drop: Drop) -> None:
    where = f"drop[{i}]"
    if drop.row:
        table_qid, row_id = drop.table_and_row
        table = _find_table(c.s, table_qid)
        if table is None or row_id not in {r.id for r in c.s.row_sets.get(table.rows.source or "",
                                                                            ())}:
            c.fail(where, f"{c.s.key} has no row {row_id!r} in a table {table_qid!r}")
        return
    if c.field(c.s, drop.field, where, input_=False) and _find(c.t, drop.field) is not None:
        c.fail(where, f"{drop.field} is also in {c.t.key}: carry it, or refill it")


def _sources_covered(m: MigrationMap) -> set[str]:
    covered = {x.field for x in m.carry} | {x.field for x in m.refill}
    covered |= {d.field for d in m.drops if not d.row}
    covered |= {f"{t.table}.{col}" for t in m.tables for col in t.columns}
    covered |= {f"{t.table}.{col.source}" for t in m.transforms for col in t.columns if col.source}
    return covered


def _check_complete(c: _Check) -> None:
    """Every input of the source is accounted for, and so is every field the target lacks."""
    covered = _sources_covered(c.m)
    for _, _, field in c.s.all_fields():
        if field.qid in covered:
            continue
        if field.role == INPUT:
            c.fail("map", f"{c.s.key} input {field.qid} ('{field.title}') is neither carried, "
                   "transformed, dropped nor refilled")
        elif _find(c.t, field.qid) is None:
            c.fail("map", f"{c.s.key} field {field.qid} ('{field.title}') is not in "
                   f"{c.t.key}: drop it")

"""A return's document on the source version -> the document of the target version, and the
report's lines. Pure data: no workbook is opened here.

Only input values are produced: what the new template pre-populates (the board's allocations,
its CCGs, the populations) comes from the new template itself, and a formula is calculated
there. Nothing is invented: a field the map does not fill stays empty and is reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping

from bcf_xl.issue.prepopulate import table_rows as issued_rows
from bcf_xl.spec.migration_map import MigrationMap, TableCarry, TableTransform
from bcf_xl.migrate.report import CARRIED, DROPPED, NEW, TRANSFORMED, Line, ordered
from bcf_xl.read.coerce import clean_text
from bcf_xl.reference import Hwb
from bcf_xl.report.safe import shown
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.compute import get, table_rows
from bcf_xl.spec.model import INPUT, Field, Table, Template


@dataclass
class _Column:
    """What happened to one target field while the document was built."""

    cells: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Migrated:
    data: dict[str, Any]
    lines: tuple[Line, ...]


def _key(value: Any) -> str:
    return clean_text(str(value)).casefold() if value is not None else ""


def _allowed(template: Template, column: Field, value: Any) -> bool:
    """A drop-down answer the target offers (anything else is carried only where no list)."""
    return not column.list or value in template.lists.get(column.list, ())


class _Builder:
    def __init__(self, m: MigrationMap, source: Mapping[str, Any], hwb: Hwb):
        self.m, self.source, self.hwb = m, source, hwb
        self.data: dict[str, Any] = {s.id: {} for s in m.target.form_sheets()}
        self.columns: dict[str, _Column] = defaultdict(_Column)

    def put_field(self, qid: str) -> None:
        sheet_id, field_id, _ = pointers.split_qid(qid)
        value = get(self.source, pointers.field(sheet_id, field_id))
        target = self.m.target.field(qid)
        if value is None:
            return
        if not _allowed(self.m.target, target, value):
            self.columns[qid].notes.append(f"'{shown(value)}' is not an answer of "
                                           f"{self.m.target.version} and was not carried.")
            return
        self.data[sheet_id][field_id] = value
        self.columns[qid].cells += 1

    def _copy(self, table: Table, source_row: Mapping[str, Any], columns: tuple[str, ...],
              skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        row = {}
        for column_id in columns:
            value = source_row.get(column_id)
            column = table.column(column_id)
            qid = column.qid
            if value is None or column_id in skip:
                continue
            if not _allowed(self.m.target, column, value):
                self.columns[qid].notes.append(f"'{shown(value)}' is not an answer of the new "
                                               "template and was not carried.")
                continue
            row[column_id] = value
            self.columns[qid].cells += 1
        return row

    def put_table(self, carry: TableCarry) -> None:
        source_table = self.m.source.table(carry.table)
        target_table = self.m.target.table(carry.table)
        sheet_id, table_id, _ = pointers.split_qid(target_table.qid)
        rows = table_rows(self.source, source_table)
        seeds = issued_rows(self.m.target, target_table, self.hwb)
        if target_table.open_rows:
            copied = [r for r in (self._copy(target_table, row, carry.columns) for _, row in rows)
                      if r]
            room = target_table.rows.count or 0
            if len(copied) > room:
                self._note_all(target_table, carry.columns, f"Only the first {room} rows fit "
                               f"the new template; {len(copied) - room} were not carried.")
                copied = copied[:room]
            self.data[sheet_id][table_id] = copied
        elif target_table.rows.source in self.m.target.row_sets:
            wanted = carry.rows if carry.rows is not None else tuple(k for k, _ in rows)
            by_key = dict(rows)
            out = {}
            for seed in seeds:
                if seed.key in wanted and seed.key in by_key:
                    # What the new template pre-populates in this row comes from it.
                    out[seed.key] = self._copy(target_table, by_key[seed.key], carry.columns,
                                               seed.prepopulated)
            self.data[sheet_id][table_id] = out
        else:
            self._issued(carry, target_table, rows, seeds, sheet_id, table_id)

    def _issued(self, carry: TableCarry, table: Table, rows, seeds, sheet_id: str,
                table_id: str) -> None:
        """Rows issued from the reference data (a CCG, a contributor): matched by a column."""
        by_match = {_key(row.get(carry.match)): row for _, row in rows}
        out, used = [], set()
        for seed in seeds:
            key = _key(seed.values.get(carry.match))
            row = by_match.get(key)
            out.append(self._copy(table, row, carry.columns) if row is not None else {})
            used.add(key)
        for key, row in by_match.items():
            if key not in used and any(row.get(c) is not None for c in carry.columns):
                self._note_all(table, carry.columns, f"The row for '{shown(row.get(carry.match))}'"
                               " is not in the new template, so its answers were not carried.")
        self.data[sheet_id][table_id] = out

    def _note_all(self, table: Table, columns: tuple[str, ...], note: str) -> None:
        for column_id in columns:
            self.columns[table.column(column_id).qid].notes.append(note)

    def put_transform(self, transform: TableTransform) -> None:
        source_table = self.m.source.table(transform.table)
        target_table = self.m.target.table(transform.to)
        sheet_id, table_id, _ = pointers.split_qid(target_table.qid)
        copied_sources = [c.source for c in transform.columns if c.source and c.hint is None]
        out = []
        hints: dict[str, list[str]] = defaultdict(list)
        for number, (_, source_row) in enumerate(table_rows(self.source, source_table), 1):
            if not any(source_row.get(c) is not None for c in copied_sources):
                continue
            row: dict[str, Any] = {}
            # A row is named by its first copied column (the provider's name).
            label = source_row.get(copied_sources[0]) or f"row {number}"
            for column in transform.columns:
                qid = target_table.column(column.to).qid
                if column.hint is not None:
                    answer = source_row.get(column.source or "")
                    if answer is None:
                        continue
                    hinted = column.hint.get(str(answer))
                    hints[qid].append(f"{shown(label, one_line=True)}: '{shown(answer)}'"
                                      + (f", so probably '{hinted}'" if hinted else
                                         ", which has no equivalent"))
                    continue
                value = column.value if column.source is None else source_row.get(column.source)
                if value is None:
                    continue
                row[column.to] = value
                self.columns[qid].cells += 1
            out.append(row)
        room = target_table.rows.count or 0
        if len(out) > room:
            for column in transform.columns:
                self.columns[target_table.column(column.to).qid].notes.append(
                    f"Only the first {room} rows fit the new template.")
            out = out[:room]
        for qid, found in hints.items():
            source_title = source_table.column(next(
                c.source for c in transform.columns if f"{transform.to}.{c.to}" == qid)).title
            self.columns[qid].notes.append(f"In {self.m.source.version}, '{source_title}': "
                                           + "; ".join(found) + ".")
        self.data[sheet_id][table_id] = out


def migrate_document(m: MigrationMap, source: Mapping[str, Any], hwb: Hwb) -> Migrated:
    """The target document (input values only) and one report line per field."""
    builder = _Builder(m, source, hwb)
    for carry in m.carry:
        builder.put_field(carry.field)
    for table in m.tables:
        builder.put_table(table)
    for transform in m.transforms:
        builder.put_transform(transform)
    return Migrated(builder.data, ordered(_target_lines(m, builder) + _dropped_lines(m, source)))


def _target_lines(m: MigrationMap, builder: _Builder) -> list[Line]:
    carried = {c.field: c.note for c in m.carry}
    carried.update({f"{t.table}.{c}": t.note for t in m.tables for c in t.columns})
    transformed = {f"{t.to}.{c.to}": (c, f"{t.table}.{c.source}" if c.source else None)
                   for t in m.transforms for c in t.columns}
    refill = {n.field: n.note for n in m.refill}
    lines = []
    for sheet, _, target in m.target.all_fields():
        if target.role != INPUT:
            continue
        done = builder.columns.get(target.qid, _Column())
        common = dict(sheet=sheet.title, field=target.qid, title=target.title,
                      cells=done.cells, required=target.required)
        if target.qid in carried:
            notes = [carried[target.qid]] + done.notes
            if not done.cells and target.required:
                notes.append(f"Blank in the {m.source.version} return: fill it in.")
            lines.append(Line(CARRIED, source_field=target.qid, note=_join(notes), **common))
        elif target.qid in transformed:
            column, source_field = transformed[target.qid]
            lines.append(Line(TRANSFORMED, source_field=source_field, review=True,
                              note=_join([column.note] + done.notes), **common))
        else:
            note = refill.get(target.qid) or m.new_note(target.qid)
            lines.append(Line(NEW, note=note, **common))
    return lines


def _dropped_lines(m: MigrationMap, source: Mapping[str, Any]) -> list[Line]:
    dropped_fields = {d.field: d.note for d in m.drops if not d.row}
    dropped_rows = [d for d in m.drops if d.row]
    lines = []
    for sheet, table, field_ in m.source.all_fields():
        if field_.qid not in dropped_fields:
            continue
        if table is None:
            cells = int(get(source, pointers.field(sheet.id, field_.id)) is not None)
        else:
            cells = sum(1 for _, row in table_rows(source, table) if row.get(field_.id) is not None)
        lines.append(Line(DROPPED, sheet=sheet.title, field=field_.qid, title=field_.title,
                          source_field=field_.qid, cells=cells, note=dropped_fields[field_.qid]))
    for drop in dropped_rows:
        table_qid, row_id = drop.table_and_row
        table = m.source.table(table_qid)
        sheet = m.source.sheet(pointers.split_qid(table_qid)[0])
        spec_row = next(r for r in m.source.row_sets[table.rows.source or ""] if r.id == row_id)
        row = dict(table_rows(source, table)).get(row_id, {})
        cells = sum(1 for c in table.columns if c.role == INPUT and row.get(c.id) is not None)
        lines.append(Line(DROPPED, sheet=sheet.title, field=drop.field,
                          title=str(spec_row.values.get("title", row_id)), source_field=drop.field,
                          cells=cells, note=drop.note))
    return lines


def _join(notes: list[str]) -> str:
    return " ".join(n for n in notes if n)

"""What ``bcf-xl diff`` finds, as plain frozen data (diff.py makes it, diff_render.py writes it):
each changed field with the cell on either side, each table's rows matched and changed, the
findings fixed and new, and what only one version asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bcf_xl.findings import Finding
from bcf_xl.read.document import CellRef


CHANGED, ADDED, REMOVED = "changed", "added", "removed"
FIXED, NEW = "fixed", "new"
BY_ID, BY_POSITION, BY_KEY = "id", "position", "key"


@dataclass(frozen=True)
class Side:
    """One of the two workbooks, as read."""

    path: str
    status: str
    version: str | None
    hwb_code: str | None
    hwb_name: str | None
    errors: int
    warnings: int
    findings: tuple[Finding, ...]
    readable: bool

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "status": self.status, "template_version": self.version,
                "hwb_code": self.hwb_code, "hwb_name": self.hwb_name,
                "stats": {"errors": self.errors, "warnings": self.warnings},
                "readable": self.readable,
                "findings": [f.to_dict() for f in self.findings] if not self.readable else []}


def _cell(ref: CellRef | None) -> str | None:
    return str(ref) if ref is not None else None


@dataclass(frozen=True)
class FieldChange:
    """A single field (or a column of a row) whose value differs."""

    kind: str  # CHANGED, ADDED (blank before), REMOVED (blank now)
    qid: str
    title: str
    type: str
    old: Any
    new: Any
    old_cell: CellRef | None
    new_cell: CellRef | None
    calculated: bool = False  # a formula: recalculated by the validator from the inputs

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.kind, "field": self.qid, "title": self.title, "type": self.type,
                "old": self.old, "new": self.new, "old_cell": _cell(self.old_cell),
                "new_cell": _cell(self.new_cell), "calculated": self.calculated}


@dataclass(frozen=True)
class RowChange:
    kind: str  # CHANGED, ADDED, REMOVED
    label: str  # how a person names the row ("'Falls prevention service'", "NHS Leeds North CCG")
    old_cell: CellRef | None  # the row's first cell in each workbook
    new_cell: CellRef | None
    cells: tuple[FieldChange, ...]  # changed columns; every filled column of an added/removed row

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.kind, "row": self.label, "old_cell": _cell(self.old_cell),
                "new_cell": _cell(self.new_cell), "cells": [c.to_dict() for c in self.cells]}


@dataclass(frozen=True)
class TableDiff:
    qid: str
    title: str
    matched_by: str  # BY_ID, BY_POSITION or BY_KEY (with the key column's title)
    rows: tuple[RowChange, ...]

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.qid, "title": self.title, "matched_by": self.matched_by,
                "added": self.count(ADDED), "removed": self.count(REMOVED),
                "changed": self.count(CHANGED), "rows": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True)
class FindingChange:
    kind: str  # FIXED (only in the old return) or NEW (only in the new one)
    finding: Finding

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.kind, **self.finding.to_dict()}


@dataclass(frozen=True)
class VersionOnly:
    """A field, column or table that only one of two template versions has."""

    version: str
    kind: str  # "field", "column" or "table"
    qid: str
    title: str
    value: Any  # a field's value; for a column or table, how many rows hold a value
    cell: CellRef | None
    type: str = "text"  # a field's type (how its value reads)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "kind": self.kind, "field": self.qid,
                "title": self.title, "type": self.type, "value": self.value,
                "cell": _cell(self.cell)}


@dataclass(frozen=True)
class Diff:
    old: Side
    new: Side
    fields: tuple[FieldChange, ...] = ()
    tables: tuple[TableDiff, ...] = ()
    findings: tuple[FindingChange, ...] = ()
    version_only: tuple[VersionOnly, ...] = ()

    @property
    def comparable(self) -> bool:
        return self.old.readable and self.new.readable

    @property
    def same_version(self) -> bool:
        return self.old.version == self.new.version

    @property
    def same_board(self) -> bool:
        return self.old.hwb_code == self.new.hwb_code

    @property
    def changed(self) -> bool:
        return bool(self.fields or any(t.rows for t in self.tables) or self.findings
                    or self.version_only or not self.same_version)

    @property
    def unreadable(self) -> tuple[Side, ...]:
        return tuple(s for s in (self.old, self.new) if not s.readable)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old.to_dict(), "new": self.new.to_dict(),
                "comparable": self.comparable, "changed": self.changed,
                "same_version": self.same_version, "same_board": self.same_board,
                "fields": [f.to_dict() for f in self.fields],
                "tables": [t.to_dict() for t in self.tables if t.rows],
                "findings": [f.to_dict() for f in self.findings],
                "version_only": [v.to_dict() for v in self.version_only]}

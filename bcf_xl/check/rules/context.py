"""What every rule receives: one frozen object, so a rule's signature never changes.

``rule(ctx) -> Iterator[Finding]``. A rule reads values by the spec's names through
``ctx.value`` (formula fields come back recomputed, never as cached in the file), iterates
tables with ``ctx.rows``, takes the failures of its version's checks from ``ctx.failures`` and
makes findings with ``ctx.finding``, which fills in sheet, cells and field title. Reading a
name the rule did not declare raises UndeclaredRead.

All three see the return as issued: ``computation`` is check/identity.py ``as_issued`` of the
return's recomputation, made once per return by validate.py, so a pre-populated value reads as
the template was issued with it, whatever its locked cell holds now (that cell is the identity
layer's ``identity.prepopulated_changed``), and formulas are recomputed from it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from bcf_xl import findings
from bcf_xl.check.rules.base import Rule, UndeclaredRead
from bcf_xl.findings import Finding
from bcf_xl.read.document import Document, RowInfo
from bcf_xl.reference import Hwb
from bcf_xl.spec import checks as spec_checks
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.compute import Computation
from bcf_xl.spec.conditions import COLUMN, FIELD
from bcf_xl.spec.model import Check, Template, Year


@dataclass(frozen=True)
class Row:
    info: RowInfo
    pointer: str  # /sheet/table/key
    values: Mapping[str, Any]  # input and pre-populated values, plus recomputed formula columns
    allowed: frozenset[str]  # the columns the rule may read

    def get(self, column_id: str) -> Any:
        if column_id not in self.allowed:
            raise UndeclaredRead(f"column {column_id!r} of {self.pointer} was not declared")
        return self.values.get(column_id)

    def at(self, column_id: str) -> str:
        return f"{self.pointer}/{column_id}"


@dataclass(frozen=True)
class Failure:
    """One place where one of the version's checks fails: a row, or the check as a whole."""

    check: Check
    row: Row | None

    @property
    def year(self) -> Year | None:
        return self.check.year

    @property
    def at(self) -> tuple[str, ...]:
        """The pointers of the cells the failure is about (conditions.Node.blamed)."""
        nodes = self.check.condition.blamed()
        if self.row is not None:
            return tuple(self.row.at(n.value) for n in nodes if n.kind == COLUMN)
        return tuple(pointers.of_qid(n.value) for n in nodes if n.kind == FIELD)


@dataclass(frozen=True)
class RuleContext:
    template: Template
    document: Document
    computation: Computation  # the return as issued, recomputed: formulas, check verdicts
    hwb: Hwb | None  # the board's reference row, when the reference data knows it
    rule: Rule
    declared: frozenset[str]  # qualified ids the rule may read (years expanded)

    @property
    def values(self) -> Computation:
        """The recomputation the rules read: the return as issued (see the module's doc)."""
        return self.computation

    @property
    def years(self) -> tuple[Year, ...]:
        return self.template.years

    def param(self, name: str) -> Any:
        if name not in self.rule.params:
            raise UndeclaredRead(f"parameter {name!r} was not declared")
        return self.template.param(name)

    def _allow(self, qid: str) -> None:
        if qid not in self.declared:
            raise UndeclaredRead(f"{qid!r} was not declared by the rule {self.rule.name}")

    def value(self, qid: str) -> Any:
        """A field's value by its qualified id (a formula field's recomputed value)."""
        self._allow(qid)
        return self.values.name(qid)

    def issued(self, pointer: str) -> Any:
        """What the template was issued with at this pointer (the identity's record)."""
        return self.computation.issued_value(pointer)

    def rows(self, table_qid: str) -> Iterator[Row]:
        self._allow(table_qid)
        allowed = frozenset(c.id for c in self.template.table(table_qid).columns
                            if f"{table_qid}.{c.id}" in self.declared)
        computed = dict(self._rows(table_qid))
        for info in self.document.rows.get(table_qid, ()):
            yield Row(info, pointers.row(table_qid, info.key), computed.get(info.key, {}),
                      allowed)

    def _rows(self, table_qid: str) -> list[tuple[str, Mapping[str, Any]]]:
        return self.values.rows(self.template.table(table_qid))

    def failures(self, check_id: str) -> Iterator[Failure]:
        """Every failure of the version's check ``check_id`` (each year's, for a per-year
        check), in the order of the version's checks and the table's rows."""
        if check_id not in self.rule.checks and check_id not in _checks_of(self.template,
                                                                         self.rule.checks):
            raise UndeclaredRead(f"check {check_id!r} was not declared by {self.rule.name}")
        for check in _instances(self.template, check_id):
            keys = spec_checks.failures(self.template, self.values, check)
            rows = {r.info.key: r for r in self.rows(check.table)} if check.on_rows else {}
            for key in keys:
                yield Failure(check, rows.get(key) if key is not None else None)

    def title(self, pointer: str) -> str:
        field = self.template.field_at(pointer)
        return field.title if field else pointer

    def finding(self, code: str, pointers_: Iterable[str] = (), *, value: Any = None,
                **params: Any) -> Finding:
        """A finding located at the cells of ``pointers_`` (the first one names the field)."""
        at = list(pointers_)
        cells = [self.document.sources[p] for p in at if p in self.document.sources]
        field = self.template.field_at(at[0]) if at else None
        sheet = cells[0].sheet if cells else None
        return findings.make(
            code, sheet=sheet, cells=[c.cell for c in cells if c.sheet == sheet],
            field_id=field.qid if field else None, field_title=field.title if field else None,
            value=value, **params)

    def table_finding(self, code: str, table_qid: str, **params: Any) -> Finding:
        """A finding about a whole table, located at its first body cell."""
        anchor = self.document.anchors.get(table_qid)
        table = self.template.table(table_qid)
        return findings.make(code, sheet=anchor.sheet if anchor else None,
                             cells=(anchor.cell,) if anchor else (), field_id=table.qid,
                             field_title=table.title, **params)


@functools.lru_cache(maxsize=256)
def _checks_of(template: Template, checks: tuple[str, ...]) -> frozenset[str]:
    """A rule's declared checks with ``{year}`` expanded for the version."""
    from bcf_xl.check.rules import expand

    return frozenset(expand(template, checks))


@functools.lru_cache(maxsize=256)
def _instances(template: Template, check_id: str) -> tuple[Check, ...]:
    """The check as written, or one per year: ``pool_at_minimum`` -> ``pool_at_minimum_1415``..."""
    years = {f"{check_id}_{y.id}" for y in template.years}
    return tuple(c for c in template.checks if c.id == check_id or c.id in years)

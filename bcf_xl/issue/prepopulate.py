"""What a template is issued with: the rows of each table and the pre-populated values.

The generator lays these out and records them in the identity metadata; the validator asks the
same functions what a table's rows mean (which CCG, which condition) so that both sides agree on
row order and labels.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any, Mapping

from bcf_xl.reference import Hwb
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import PREPOPULATED, Field, Table, Template
from bcf_xl.spec.rows import RowSeed, row_label


@functools.lru_cache(maxsize=256)
def hwb_values(hwb: Hwb) -> Mapping[str, Any]:
    """The ``hwb.*`` sources a spec may name: every reference attribute plus a few joined forms.
    Cached: a template asks for them some forty times (boards are frozen, so hashable)."""
    values = {f.name: getattr(hwb, f.name) for f in fields(hwb)
              if isinstance(getattr(hwb, f.name), (str, int, float))}
    values["council_codes"] = "; ".join(c.ons_code for c in hwb.councils)
    values["ccg_names"] = "\n".join(c.name for c in hwb.ccgs)
    for quarter in range(4):  # nel_baseline_1 .. nel_baseline_4, None where not known
        values[f"nel_baseline_{quarter + 1}"] = (hwb.nel_baseline[quarter]
                                                 if hwb.nel_baseline else None)
    return values


def source_value(source: str, hwb: Hwb, row: Mapping[str, Any] | None = None,
                 template: Template | None = None) -> Any:
    """A pre-populated value: of the board (``hwb.*``), of the row (``row.*``) or a parameter
    of the version (``param.*``, such as the cost of an admission a return is issued with).
    None where the reference data does not have it (the cell is then left for the board)."""
    scope, _, name = source.partition(".")
    if scope == "hwb":
        return hwb_values(hwb)[name]
    if scope == "row" and row is not None:
        return row[name]
    if scope == "param" and template is not None:
        return template.param(name)
    raise KeyError(f"cannot resolve the source {source!r}")


def _reference_rows(source: str, hwb: Hwb) -> list[dict[str, Any]]:
    ccgs = [{"name": c.name, "type": "CCG", "code": c.ods_code, "ods_code": c.ods_code,
             "minimum_1415": c.minimum_1415, "minimum_1516": c.minimum_1516} for c in hwb.ccgs]
    if source == "ccgs":
        return ccgs
    council = {
        "name": " and ".join(c.name for c in hwb.councils),
        "type": "Local authority",
        "code": "; ".join(c.ons_code for c in hwb.councils),
        "minimum_1415": hwb.council_minimum_1415,
        "minimum_1516": hwb.council_minimum_1516,
    }
    return [council] + ccgs


def table_rows(template: Template, table: Table, hwb: Hwb) -> tuple[RowSeed, ...]:
    """The rows a table is issued with, in order."""
    if table.open_rows:
        return tuple(RowSeed(None, f"row {i + 1}", {}, {"position": i}, frozenset())
                     for i in range(table.rows.count or 0))
    source = table.rows.source or ""
    if source in template.row_sets:
        return tuple(_spec_row_seed(template, table, hwb, i, r)
                     for i, r in enumerate(template.row_sets[source]))
    return tuple(_reference_row_seed(table, hwb, raw) for raw in _reference_rows(source, hwb))


def _prepopulated_columns(table: Table) -> list[Field]:
    return [c for c in table.columns if c.role == PREPOPULATED]


def _spec_row_seed(template: Template, table: Table, hwb: Hwb, index: int, row: Any) -> RowSeed:
    attrs = {**row.values, "position": index}
    values = {c.id: source_value(c.source, hwb, attrs, template)
              for c in _prepopulated_columns(table)}
    for column_id, source in row.prepopulate.items():
        value = source_value(source, hwb, attrs, template)
        if value is not None:  # what the reference data lacks, the board fills in
            values[column_id] = value
    label = row_label(table, index, values)
    prepopulated = frozenset(c.id for c in _prepopulated_columns(table)) | set(values)
    return RowSeed(row.id, label, values, attrs, frozenset(prepopulated))


def _reference_row_seed(table: Table, hwb: Hwb, raw: Mapping[str, Any]) -> RowSeed:
    values = {c.id: source_value(c.source, hwb, raw) for c in _prepopulated_columns(table)}
    label = row_label(table, None, values)
    return RowSeed(None, label, values, dict(raw),
                   frozenset(c.id for c in _prepopulated_columns(table)))


def prepopulated_values(template: Template, hwb: Hwb) -> dict[str, Any]:
    """Every pre-populated value keyed by its JSON pointer: what the identity digest covers."""
    values: dict[str, Any] = {}
    for sheet in template.form_sheets():
        for field in sheet.fields():
            if field.role == PREPOPULATED:
                values[pointers.field(sheet.id, field.id)] = source_value(
                    field.source, hwb, template=template)
        for table in sheet.tables():
            for i, seed in enumerate(table_rows(template, table, hwb)):
                key = seed.key if seed.key is not None else str(i)
                for column_id, value in seed.values.items():
                    values[pointers.cell(table.qid, key, column_id)] = value
    return values


def issued_document(template: Template, hwb: Hwb) -> dict[str, Any]:
    """The document a blank template holds: pre-populated values and empty input rows."""
    data: dict[str, Any] = {}
    for sheet in template.form_sheets():
        part: dict[str, Any] = {f.id: source_value(f.source, hwb, template=template)
                                for f in sheet.fields() if f.role == PREPOPULATED}
        for table in sheet.tables():
            seeds = table_rows(template, table, hwb)
            if seeds and seeds[0].key is not None:
                part[table.id] = {s.key: dict(s.values) for s in seeds}
            else:
                part[table.id] = [dict(s.values) for s in seeds]
        data[sheet.id] = part
    return data

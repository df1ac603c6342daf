"""The consolidated national dataset: every return's values, in tables derived from the spec.

One table of single values with a row per return, one table per repeating part (schemes,
risks, ...) and a long table of every value with its file, sheet and cell, so any figure can be
traced back to the cell it came from. Formula fields carry bcf-xl's recomputed value, not what
the workbook cached. Every readable return is included, with its status and whether it is the
one that counts for its board, so analysts can filter rather than lose data.

Versions side by side: each return is read with its own version's spec (the version in its
identity), never with the newest. A table holds the union of the columns of the versions in the
batch, oldest version's columns first, and a template_version column says which spec each row
was read with; a column its version does not have is empty for that row. The columns table
says which versions hold each column, so an empty cell can be told from a blank answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from bcf_xl.batch.assess import FileRow
from bcf_xl.batch.store import Detail
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.model import Template

BASE = ("file", "hwb_code", "hwb_name", "region", "template_version", "status", "counted")


@dataclass(frozen=True)
class Dataset:
    """A table of the national dataset. Rows are made when written, one return at a time: the
    long table of every value has some 600 rows per return, and holding them all would make the
    run's memory grow with the number of returns. ``each`` makes a return's rows from its
    document; ``fixed`` are rows that belong to no return."""

    name: str
    title: str
    columns: tuple[str, ...]
    each: Callable[[FileRow, Detail], Iterable[dict[str, Any]]] | None = None
    returns: tuple[FileRow, ...] = ()
    fixed: tuple[dict[str, Any], ...] = ()

    def rows(self) -> Iterator[dict[str, Any]]:
        yield from self.fixed
        if self.each is not None:
            for row, detail in _loaded(self.returns):
                yield from self.each(row, detail)


def rows_together(datasets: Sequence[Dataset]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every row of every dataset as (index of its dataset, row), each return's document read
    from the store once for all of them (one pass per dataset read each some twenty times).
    The rows of each dataset come in the order ``Dataset.rows`` gives."""
    for i, ds in enumerate(datasets):
        for row in ds.fixed:
            yield i, row
    makers = [(i, ds.each) for i, ds in enumerate(datasets) if ds.each is not None]
    returns = next((ds.returns for ds in datasets if ds.each is not None), ())
    assert all(ds.returns == returns for ds in datasets if ds.each is not None)
    for row, detail in _loaded(returns):
        for i, each in makers:
            for made in each(row, detail):
                yield i, made


def _base(row: FileRow) -> dict[str, Any]:
    return {"file": row.file, "hwb_code": row.hwb_code, "hwb_name": row.hwb_name,
            "region": row.region, "template_version": row.template_version,
            "status": row.status, "counted": row.counted}


def _loaded(rows: Sequence[FileRow]) -> Iterator[tuple[FileRow, Detail]]:
    """Each row with its document, read from the store one at a time. A row whose store has no
    document for it (a return the tool failed on, in the web intake's database) is left out."""
    for row in rows:
        assert row.detail is not None
        detail = row.detail.load()
        if detail is not None:
            yield row, detail


def table_name(qid: str) -> str:
    sheet_id, table_id, _ = pointers.split_qid(qid)
    return sheet_id if table_id == "rows" else f"{sheet_id}_{table_id}"


def versions_of(rows: Sequence[FileRow], fallback: Template) -> dict[str, Template]:
    """The spec of each version the readable rows were made on, oldest first; the fallback alone
    when there is none (the tables still get their headings)."""
    known = known_templates()
    present = sorted({r.template_version for r in rows
                      if r.detail is not None and r.template_version in known})
    return {v: known[v] for v in present} or {fallback.version: fallback}


def spec_of(row: FileRow, templates: Mapping[str, Template], fallback: Template) -> Template:
    """The spec a row was read with: its own version's."""
    return templates.get(row.template_version, fallback)


def _union(lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for names in lists:
        seen.update((n, None) for n in names)
    return tuple(seen)


def consolidate(template: Template, rows: Sequence[FileRow]) -> list[Dataset]:
    """template: the spec for rows of a version bcf-xl does not know (none are readable), and
    the headings when no row is readable."""
    readable = [r for r in rows if r.detail is not None]
    specs = versions_of(readable, template)

    def singles(t: Template) -> list[tuple[str, str]]:
        return [(pointers.field(s.id, f.id), f.qid) for s in t.form_sheets() for f in s.fields()]

    per_version = {v: singles(t) for v, t in specs.items()}
    columns = _union([[q for _, q in pairs] for pairs in per_version.values()])

    def returns(r: FileRow, d: Detail) -> Iterator[dict[str, Any]]:
        pairs = per_version.get(r.template_version) or singles(spec_of(r, specs, template))
        yield {**_base(r), **{q: d.values.get(p) for p, q in pairs}}
    readable = tuple(readable)
    datasets = [Dataset("returns", "One row per return: its single values", BASE + columns,
                        returns, readable)]
    tables: dict[str, dict[str, Any]] = {}  # table name -> version -> table
    for version, t in specs.items():
        for sheet in t.form_sheets():
            for table in sheet.tables():
                tables.setdefault(table_name(table.qid), {})[version] = table
    for name, by_version in tables.items():
        datasets.append(_table(name, by_version, readable))
    datasets.append(_values(specs, template, readable))
    datasets.append(_columns(specs, per_version, tables))
    return datasets


def _table(name: str, by_version: Mapping[str, Any], readable: Sequence[FileRow]) -> Dataset:
    ids = _union([[c.id for c in t.columns] for t in by_version.values()])
    columns = BASE + ("row_key", "row_label", "sheet", "row_cells") + ids

    def rows(r: FileRow, detail: Detail) -> Iterator[dict[str, Any]]:
        table = by_version.get(r.template_version)
        if table is not None:  # else this version has no such table
            values = detail.values
            for key, label in detail.rows.get(table.qid, ()):
                pointer = pointers.row(table.qid, key)
                first = detail.sources.get(f"{pointer}/{table.columns[0].id}")
                last = detail.sources.get(f"{pointer}/{table.columns[-1].id}")
                yield {**_base(r), "row_key": key, "row_label": label,
                       "sheet": first[0] if first else "",
                       "row_cells": f"{first[1]}:{last[1]}" if first and last else "",
                       **{c.id: values.get(f"{pointer}/{c.id}") for c in table.columns}}
    title = next(iter(by_version.values())).title
    return Dataset(name, title, columns, rows, tuple(readable))


def _values(specs: Mapping[str, Template], fallback: Template,
            readable: Sequence[FileRow]) -> Dataset:
    columns = BASE + ("pointer", "field_id", "field_title", "sheet", "cell", "value")

    def rows(r: FileRow, detail: Detail) -> Iterator[dict[str, Any]]:
        template = spec_of(r, specs, fallback)
        base, values = _base(r), detail.values
        for pointer, (sheet, cell) in detail.sources.items():
            value = values.get(pointer)
            if value is None:
                continue
            field = template.field_at(pointer)
            yield {**base, "pointer": pointer, "field_id": field.qid if field else "",
                   "field_title": field.title if field else "", "sheet": sheet,
                   "cell": cell, "value": value}
    return Dataset("values", "Every value with the file, sheet and cell it came from",
                   columns, rows, tuple(readable))


def _columns(specs: Mapping[str, Template], singles: Mapping[str, Sequence[tuple[str, str]]],
             tables: Mapping[str, Mapping[str, Any]]) -> Dataset:
    """Which versions hold each column of each table, with its title: what an empty cell of a
    mixed-version table means."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}

    def add(table: str, column: str, title: str, version: str) -> None:
        entry = entries.setdefault((table, column), {"table": table, "column": column,
                                                     "title": title, "versions": []})
        entry["versions"].append(version)
    for version, pairs in singles.items():
        for _, qid in pairs:
            add("returns", qid, specs[version].field(qid).title, version)
    for name, by_version in tables.items():
        for version, table in by_version.items():
            for c in table.columns:
                add(name, c.id, c.title, version)
    every = list(specs)
    rows = [{**e, "in_every_version": e["versions"] == every} for e in entries.values()]
    return Dataset("columns", "Which template versions hold each column of each table",
                   ("table", "column", "title", "versions", "in_every_version"),
                   fixed=tuple(rows))

"""The version-to-version map: what of a return on one template version goes where in the next.

A map is data (templates/migrations/<source>_to_<target>.yaml, described at the top of each
file), loaded into frozen dataclasses and checked against both specs as it loads: every field it
names must exist with a compatible type and drop-down list, and every input of the source
version must be accounted for. A field renamed or added in either spec therefore fails here,
listing every problem at once, and never migrates to nothing in silence.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.load import TEMPLATES_DIR, known_templates
from bcf_xl.spec.model import INPUT, Template
from bcf_xl.yamltext import load_yaml

MAPS_DIR = TEMPLATES_DIR / "migrations"
_TOP_KEYS = {"source", "target", "carry", "tables", "transform", "drop", "refill", "new"}


class MapError(ValueError):
    """A migration map that cannot be used; ``problems`` lists every one found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the migration map:\n  - "
                         + "\n  - ".join(problems))


@dataclass(frozen=True)
class Carry:
    """A field copied as it is (the same qualified id in both versions)."""

    field: str
    note: str = ""


@dataclass(frozen=True)
class TableCarry:
    """A table whose rows are copied, column by column."""

    table: str
    columns: tuple[str, ...]
    match: str | None = None  # issued rows: the pre-populated column naming the same row
    rows: tuple[str, ...] | None = None  # spec rows: the ones carried
    note: str = ""


@dataclass(frozen=True)
class ColumnTransform:
    """One column of a transformed table: copied (``source``), a constant (``value``) or a hint
    offered in the report only (``source`` and ``hint``: source answer -> target answer)."""

    to: str
    source: str | None = None
    value: Any = None
    hint: Mapping[str, str | None] | None = None
    note: str = ""


@dataclass(frozen=True)
class TableTransform:
    table: str
    to: str
    columns: tuple[ColumnTransform, ...]


@dataclass(frozen=True)
class Drop:
    """A source field or column, or a spec row (``row``: table qid and row id), not carried."""

    field: str  # the qualified id; for a row, "<table qid>.<row id>"
    row: bool
    note: str = ""

    @property
    def table_and_row(self) -> tuple[str, str]:
        table, _, row_id = self.field.rpartition(".")
        return table, row_id


@dataclass(frozen=True)
class Note:
    field: str
    note: str = ""


@dataclass(frozen=True, eq=False)
class MigrationMap:
    source: Template
    target: Template
    carry: tuple[Carry, ...]
    tables: tuple[TableCarry, ...]
    transforms: tuple[TableTransform, ...]
    drops: tuple[Drop, ...]
    refill: tuple[Note, ...]
    new: tuple[Note, ...]

    @property
    def key(self) -> tuple[str, str]:
        return self.source.version, self.target.version

    def new_note(self, qid: str) -> str:
        return next((n.note for n in self.new if n.field == qid), "")

    def mapped_targets(self) -> set[str]:
        """Target fields and columns something of the source goes into (or is refilled)."""
        out = {c.field for c in self.carry} | {n.field for n in self.refill}
        out |= {f"{t.table}.{c}" for t in self.tables for c in t.columns}
        out |= {f"{t.to}.{c.to}" for t in self.transforms for c in t.columns}
        return out


def load_map(path: Path, templates: Mapping[str, Template] | None = None) -> MigrationMap:
    """Read and check one map file against the specs it names; raises MapError listing every
    problem. ``templates``: the versions to check against (default: the bundled ones)."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MapError(str(path), [f"cannot be read as YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise MapError(str(path), ["the file must hold a mapping of migration settings"])
    problems: list[str] = [f"{key}: is not a migration setting"
                           for key in sorted(set(data) - _TOP_KEYS)]
    templates = known_templates() if templates is None else templates
    versions = {}
    for side in ("source", "target"):
        version = str(data.get(side, ""))
        if version not in templates:
            problems.append(f"{side}: {version!r} is not a known template version "
                            f"(known: {', '.join(sorted(templates))})")
        versions[side] = version
    if problems:
        raise MapError(str(path), problems)
    try:
        mapping = MigrationMap(
            source=templates[versions["source"]], target=templates[versions["target"]],
            carry=tuple(_carry(i, e) for i, e in enumerate(_list(data, "carry"))),
            tables=tuple(_table_carry(i, e) for i, e in enumerate(_list(data, "tables"))),
            transforms=tuple(_transform(i, e) for i, e in enumerate(_list(data, "transform"))),
            drops=tuple(_drop(i, e) for i, e in enumerate(_list(data, "drop"))),
            refill=tuple(_note("refill", i, e) for i, e in enumerate(_list(data, "refill"))),
            new=tuple(_note("new", i, e) for i, e in enumerate(_list(data, "new"))))
    except _Shape as exc:
        raise MapError(str(path), [str(exc)]) from None
    from bcf_xl.spec.migration_check import check_map  # it needs this module's model

    problems = check_map(mapping)
    if problems:
        raise MapError(str(path), problems)
    return mapping


@functools.cache
def known_maps() -> dict[tuple[str, str], MigrationMap]:
    """Every bundled map, by (source version, target version)."""
    maps = (load_map(p) for p in sorted(MAPS_DIR.glob("*.yaml")))
    return {m.key: m for m in maps}


# -- reading the YAML into the model ----------------------------------------------------------

class _Shape(ValueError):
    """An entry of the wrong shape (a number where a field id belongs)."""


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise _Shape(f"{key}: must be a list")
    return value


def _text(entry: Mapping[str, Any], key: str, where: str, optional: bool = False) -> str:
    value = entry.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _Shape(f"{where}.{key}: must be text, found {value!r}")
    return value.strip()


def _entry(entry: Any, where: str, keys: set[str]) -> Mapping[str, Any]:
    if isinstance(entry, str):
        entry = {"field": entry}
    if not isinstance(entry, dict):
        raise _Shape(f"{where}: must be a field id or a mapping")
    extra = sorted(set(entry) - keys)
    if extra:
        raise _Shape(f"{where}: {', '.join(extra)} not allowed here")
    return entry


def _carry(i: int, entry: Any) -> Carry:
    e = _entry(entry, f"carry[{i}]", {"field", "note"})
    return Carry(_text(e, "field", f"carry[{i}]"), _text(e, "note", f"carry[{i}]", True))


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Shape(f"{where}: must be a list of ids")
    return tuple(value)


def _table_carry(i: int, entry: Any) -> TableCarry:
    where = f"tables[{i}]"
    e = _entry(entry, where, {"table", "columns", "match", "rows", "note"})
    rows = e.get("rows")
    return TableCarry(_text(e, "table", where), _ids(e.get("columns"), f"{where}.columns"),
                      _text(e, "match", where, True) or None,
                      None if rows is None else _ids(rows, f"{where}.rows"),
                      _text(e, "note", where, True))


def _transform(i: int, entry: Any) -> TableTransform:
    where = f"transform[{i}]"
    e = _entry(entry, where, {"table", "to", "columns"})
    columns = []
    for j, column in enumerate(e.get("columns") or []):
        cw = f"{where}.columns[{j}]"
        c = _entry(column, cw, {"from", "to", "value", "hint", "note"})
        hint = c.get("hint")
        if hint is not None and not isinstance(hint, dict):
            raise _Shape(f"{cw}.hint: must map source answers to target answers")
        columns.append(ColumnTransform(
            _text(c, "to", cw), _text(c, "from", cw, True) or None, c.get("value"),
            None if hint is None else {str(k): (None if v is None else str(v))
                                       for k, v in hint.items()},
            _text(c, "note", cw, True)))
    return TableTransform(_text(e, "table", where), _text(e, "to", where), tuple(columns))


def _drop(i: int, entry: Any) -> Drop:
    where = f"drop[{i}]"
    e = _entry(entry, where, {"field", "row", "note"})
    if ("field" in e) == ("row" in e):
        raise _Shape(f"{where}: give either field or row")
    key = "row" if "row" in e else "field"
    return Drop(_text(e, key, where), key == "row", _text(e, "note", where, True))


def _note(section: str, i: int, entry: Any) -> Note:
    where = f"{section}[{i}]"
    e = _entry(entry, where, {"field", "note"})
    return Note(_text(e, "field", where), _text(e, "note", where, True))


def what_changed(m: MigrationMap) -> list[tuple[str, str]]:
    """(label, paragraph) pairs for the target's Guidance sheet: what changed since the source
    version, generated from the map (new sheets, new questions, moved and dropped ones)."""
    source_sheets = {s.id for s in m.source.form_sheets()}
    mapped = m.mapped_targets()
    new_sheets = [s.title for s in m.target.form_sheets() if s.id not in source_sheets]
    new_fields: dict[str, list[str]] = {}
    for sheet, _, target in m.target.all_fields():
        if target.role == INPUT and target.qid not in mapped and sheet.id in source_sheets:
            new_fields.setdefault(sheet.title, []).append(target.title)
    paragraphs = []
    if new_sheets:
        paragraphs.append(("New sheets", "; ".join(new_sheets) + "."))
    if new_fields:
        paragraphs.append((f"New questions since {m.source.version}", " ".join(
            f"{sheet}: {'; '.join(titles)}." for sheet, titles in new_fields.items())))
    for transform in m.transforms:
        source, target = m.source.table(transform.table), m.target.table(transform.to)
        paragraphs.append(("Moved", f"'{source.title}' is now '{target.title}' on the "
                           f"{m.target.sheet(pointers.split_qid(target.qid)[0]).title} sheet."))
    dropped = [_dropped_title(m, d) for d in m.drops]
    if dropped:
        paragraphs.append((f"No longer asked since {m.source.version}", "; ".join(dropped) + "."))
    return paragraphs


def _dropped_title(m: MigrationMap, drop: Drop) -> str:
    if not drop.row:
        return m.source.field(drop.field).title
    table_qid, row_id = drop.table_and_row
    rows = m.source.row_sets[m.source.table(table_qid).rows.source or ""]
    return str(next(r.values.get("title", row_id) for r in rows if r.id == row_id))

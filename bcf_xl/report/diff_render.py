"""The comparison of two returns (diff.py) as text for the terminal, a self-contained HTML page
and JSON.

Text from a return (a scheme's name, a contact, a file name) is untrusted: in the terminal it
is passed to rich as ``Text`` (never markup) after ``shown``, so an escape sequence or
"[bold]" typed in a cell is shown as typed; on the page every piece of text goes through
``e``; JSON keeps the values exact through ``json_text``.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bcf_xl.report.diff import (
    ADDED, CHANGED, FIXED, NEW, REMOVED, Diff, FieldChange, Side, TableDiff, VersionOnly,
)
from bcf_xl.report.safe import json_text, shown, status_label
from bcf_xl.report.to_html import e, page, table as html_table

BLANK = "(blank)"
KIND_WORDS = {CHANGED: "Changed", ADDED: "Added", REMOVED: "Removed"}
ROW_WORDS = {CHANGED: "Row changed", ADDED: "Row added", REMOVED: "Row removed"}
MATCHED_WORDS = {"id": "rows matched by the row the template defines",
                 "position": "rows matched by position, as issued"}


def value_text(value: Any, kind: str = "text") -> str:
    """A value as a finance officer reads it: money with £ and thousands, blank as "(blank)"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)):
        whole = float(value).is_integer()
        if kind == "money":
            return f"£{value:,.0f}" if whole else f"£{value:,.2f}"
        if whole:
            return f"{int(value):,}"
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"
    return str(value)


def _where(old: Any, new: Any) -> str:
    """One cell when both sides hold the value in the same place, else both."""
    old, new = (str(c) if c is not None else None for c in (old, new))
    if old == new or new is None:
        return old or ""
    if old is None:
        return new
    return f"{old} -> {new}"


def _side_words(side: Side) -> str:
    who = f"{side.hwb_name} ({side.hwb_code})" if side.hwb_code else "no board identified"
    version = f"template {side.version}" if side.version else "template unknown"
    return f"{side.path}: {who}, {version}, {status_label(side.status)}"


def headline(diff: Diff) -> list[str]:
    """What the reader needs first: what was compared, anything that limits the comparison,
    and the count of changes."""
    lines = []
    if not diff.comparable:
        for side in diff.unreadable:
            lines.append(f"Cannot compare: {side.path} could not be read "
                         f"({status_label(side.status)}). What to do is below.")
        return lines
    if not diff.same_version:
        only = len(diff.version_only)
        lines.append(f"Different template versions: {diff.old.version} and {diff.new.version}. "
                     f"Only the fields both versions have are compared; {only} field(s), "
                     f"column(s) and table(s) are only in one version and are listed at the end.")
    if not diff.same_board:
        lines.append(f"Different boards: {diff.old.hwb_code} and {diff.new.hwb_code}. These "
                     "are not two versions of one board's return.")
    if not diff.changed:
        lines.append("No changes: the two returns hold the same values and the same findings.")
        return lines
    rows = sum(len(t.rows) for t in diff.tables)
    fixed = sum(1 for f in diff.findings if f.kind == FIXED)
    new = sum(1 for f in diff.findings if f.kind == NEW)
    lines.append(f"{len(diff.fields)} field(s) changed, {rows} table row(s) added, removed or "
                 f"changed; {fixed} finding(s) fixed, {new} new.")
    return lines


# -- text -----------------------------------------------------------------------------------


def _t(value: Any) -> Text:
    return Text(shown(value))


def _field_title(change: FieldChange) -> str:
    return change.title + (" (calculated)" if change.calculated else "")


def render_text(diff: Diff, console: Console) -> None:
    console.print(Text.assemble(("Old: ", "bold"), shown(_side_words(diff.old), one_line=True)))
    console.print(Text.assemble(("New: ", "bold"), shown(_side_words(diff.new), one_line=True)))
    for line in headline(diff):
        console.print(Text(line, style="bold"))
    console.print()
    if not diff.comparable:
        _text_unreadable(diff, console)
        return
    if diff.fields:
        grid = _text_table("Fields", ("Change", "Field", "Was", "Now", "Cell"))
        for c in diff.fields:
            grid.add_row(_t(KIND_WORDS[c.kind]), _t(_field_title(c)),
                         _t(value_text(c.old, c.type)), _t(value_text(c.new, c.type)),
                         _t(_where(c.old_cell, c.new_cell)))
        console.print(grid)
    for tdiff in diff.tables:
        if tdiff.rows:
            console.print(_text_rows(tdiff))
    for kind, title in ((FIXED, "Findings fixed"), (NEW, "New findings")):
        found = [f.finding for f in diff.findings if f.kind == kind]
        if found:
            grid = _text_table(title, ("Code", "Cell", "What it says"))
            for f in found:
                grid.add_row(_t(f.code), _t(f.where), _t(f.message))
            console.print(grid)
    if diff.version_only:
        grid = _text_table("Only in one version", ("Version", "Field", "Cell", "Holds"))
        for v in diff.version_only:
            grid.add_row(_t(v.version), _t(f"{v.title} ({v.kind})"), _t(v.cell or ""),
                         _t(_only_value(v)))
        console.print(grid)


def _only_value(v: VersionOnly) -> str:
    if v.kind == "field":
        return value_text(v.value, v.type)
    return f"{v.value} row(s) filled"


def _text_table(title: str, headers: Sequence[str]) -> Table:
    grid = Table(title=Text(title), title_justify="left", expand=False)
    for header in headers:
        grid.add_column(header, no_wrap=header in ("Change", "Cell", "Code", "Version"))
    return grid


def _matched(tdiff: TableDiff) -> str:
    if tdiff.matched_by.startswith("key: "):
        return f"rows matched by '{tdiff.matched_by[5:]}'"
    return MATCHED_WORDS.get(tdiff.matched_by, tdiff.matched_by)


def _table_heading(tdiff: TableDiff) -> str:
    return (f"{tdiff.title}: {tdiff.count(ADDED)} added, {tdiff.count(REMOVED)} removed, "
            f"{tdiff.count(CHANGED)} changed ({_matched(tdiff)})")


def _text_rows(tdiff: TableDiff) -> Table:
    grid = _text_table(_table_heading(tdiff), ("Change", "Row", "Column", "Was", "Now", "Cell"))
    for row in tdiff.rows:
        for i, c in enumerate(row.cells):
            grid.add_row(_t(ROW_WORDS[row.kind] if i == 0 else ""),
                         _t(row.label if i == 0 else ""), _t(c.title),
                         _t(value_text(c.old, c.type)), _t(value_text(c.new, c.type)),
                         _t(_where(c.old_cell, c.new_cell)))
        if not row.cells:
            grid.add_row(_t(ROW_WORDS[row.kind]), _t(row.label), _t(""), _t(""), _t(""),
                         _t(_where(row.old_cell, row.new_cell)))
    return grid


def _text_unreadable(diff: Diff, console: Console) -> None:
    for side in diff.unreadable:
        grid = _text_table(side.path, ("Code", "Cell", "What to do"))
        for f in side.findings:
            grid.add_row(_t(f.code), _t(f.where), _t(f.message))
        console.print(grid)


# -- HTML -----------------------------------------------------------------------------------


def render_html(diff: Diff) -> str:
    """One self-contained page (no external files: it opens from an e-mail, offline)."""
    parts = ["<h1>Better Care Fund return: what changed</h1>",
             f"<p><b>Old:</b> {e(_side_words(diff.old))}<br><b>New:</b> "
             f"{e(_side_words(diff.new))}</p>"]
    parts += [f"<p class=\"headline\"><b>{e(line)}</b></p>" for line in headline(diff)]
    if not diff.comparable:
        for side in diff.unreadable:
            parts.append(f"<h2>{e(side.path)}</h2>" + html_table(
                ("Code", "Cell", "What to do"),
                [(f.code, f.where, f.message) for f in side.findings]))
        return page("BCF return comparison", "".join(parts))
    if diff.fields:
        parts.append("<h2>Fields</h2>" + html_table(
            ("Change", "Field", "Was", "Now", "Cell"),
            [(KIND_WORDS[c.kind], _field_title(c), value_text(c.old, c.type),
              value_text(c.new, c.type), _where(c.old_cell, c.new_cell)) for c in diff.fields]))
    for tdiff in diff.tables:
        if not tdiff.rows:
            continue
        rows = []
        for row in tdiff.rows:
            for i, c in enumerate(row.cells):
                rows.append((ROW_WORDS[row.kind] if i == 0 else "", row.label if i == 0 else "",
                             c.title, value_text(c.old, c.type), value_text(c.new, c.type),
                             _where(c.old_cell, c.new_cell)))
            if not row.cells:
                rows.append((ROW_WORDS[row.kind], row.label, "", "", "",
                             _where(row.old_cell, row.new_cell)))
        parts.append(f"<h2>{e(_table_heading(tdiff))}</h2>" + html_table(
            ("Change", "Row", "Column", "Was", "Now", "Cell"), rows))
    for kind, title in ((FIXED, "Findings fixed"), (NEW, "New findings")):
        found = [f.finding for f in diff.findings if f.kind == kind]
        if found:
            parts.append(f"<h2>{e(title)}</h2>" + html_table(
                ("Code", "Cell", "What it says"), [(f.code, f.where, f.message) for f in found]))
    if diff.version_only:
        parts.append("<h2>Only in one version</h2>" + html_table(
            ("Version", "Field", "Cell", "Holds"),
            [(v.version, f"{v.title} ({v.kind})", v.cell or "", _only_value(v))
             for v in diff.version_only]))
    return page("BCF return comparison", "".join(parts))


# -- JSON -----------------------------------------------------------------------------------


def render_json(diff: Diff) -> str:
    return json_text(diff.to_dict()) + "\n"

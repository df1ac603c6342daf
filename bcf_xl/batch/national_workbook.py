"""national.xlsx: the batch as an analyst would lay it out in Excel.

Sheets: ``overview`` (headline counts and three charts: status by region, pooled budget against
the minimum by region, national conditions met), ``summary`` (one row per file), ``findings``,
``figures``, one sheet per table of the consolidated dataset, and ``dictionary`` (every dataset
column: title, type, unit and source cell, from the spec). Each table is an Excel table with
filters, its header frozen and printed on every page, columns as wide as their header and
content, money in pounds, percentages as entered (the spec holds 12 for 12%) and dates as dates.

Memory: Excel tables cannot be written in xlsxwriter's constant_memory mode, so the workbook
is built in memory. Its dataset sheets hold the return that counts for each board (every
readable return is in the national/*.csv files), so it is bounded by the boards (151) times the
template's rows, not by the number of files; the long table of every value, which alone would
be larger than all the rest, stays in national/values.csv.

Text from returns is written with write_string after ``shown`` (control characters made
visible), so a board's "=HYPERLINK(...)" is text, never a formula.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl.batch.assess import Assessment
from bcf_xl.batch.consolidate import Dataset, rows_together
from bcf_xl.batch.national_dictionary import column_types, entries
from bcf_xl.report.safe import shown
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.model import Template

# Number formats by column type. Percent fields hold the percentage as typed (12 for 12%),
# so the % sign is literal: Excel's 0.0% would show 1200.0%.
NUMBER_FORMATS = {"money": '"£"#,##0', "percent": '0.0"%"', "date": "dd/mm/yyyy",
                  "count": "#,##0", "decimal": "#,##0.00", "score": "0"}
FILTER_BUTTON = 3  # widths (characters) the autofilter arrow covers at the right of a header
BOLD_WIDENS = 1.1  # a bold header is about a tenth wider than its characters
MAX_WIDTH = 60  # longer text is cut on screen rather than making a column of a page
STATUSES = ("valid", "invalid", "unreadable", "not_checked")
HEADER_COLOUR = "#1F4E79"

DICTIONARY_COLUMNS = ("dataset", "column", "template_version", "title", "type", "unit", "role",
                      "source_cell")
# Not a sheet: every value (national/values.csv) would be larger than all the rest.
LEFT_OUT = frozenset({"values"})
# Not described by the dictionary: it describes the columns itself (which versions hold each).
UNDESCRIBED = frozenset({"columns"})


@dataclass(frozen=True)
class Sheet:
    """A table to write as a sheet: its columns, their types and its rows (made as written)."""

    name: str
    columns: tuple[str, ...]
    types: Mapping[str, str]  # column -> money, percent, date, number, count, ...; else as found
    rows: Iterable[Mapping[str, Any]]


class Formats:
    def __init__(self, wb: Workbook):
        self.wb = wb
        self.number = {k: wb.add_format({"num_format": v}) for k, v in NUMBER_FORMATS.items()}
        self.header = wb.add_format({"bold": True, "font_color": "#FFFFFF",
                                     "bg_color": HEADER_COLOUR})
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER_COLOUR})
        self.bold = wb.add_format({"bold": True})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})


def _date(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _number_kind(kind: str | None, value: float) -> str | None:
    if kind in ("money", "percent", "score", "count", "decimal"):
        return kind
    if kind == "number" or kind is None:
        return "count" if float(value).is_integer() else "decimal"
    return None


def write_cell(ws: Worksheet, row: int, col: int, value: Any, kind: str | None,
               formats: Formats) -> int:
    """Write one value as its column's type says; returns the characters it shows (for the
    column's width). A value that does not fit the type (text in a money column, a date the
    board typed as words) is written as the text it is."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        ws.write_string(row, col, "yes" if value else "no")
        return 3
    if isinstance(value, (int, float)) and math.isfinite(value):
        number_kind = _number_kind(kind, value)
        fmt = formats.number.get(number_kind) if number_kind else None
        ws.write_number(row, col, value, fmt)
        if number_kind == "money":
            return len(f"£{value:,.0f}")
        if number_kind == "percent":
            return len(f"{value:.1f}%")
        return len(f"{value:,.2f}" if number_kind == "decimal" else f"{value:,.0f}")
    if kind == "date" and (when := _date(value)) is not None:
        ws.write_datetime(row, col, when, formats.number["date"])
        return 10
    text, chars = shown_width(value)
    ws.write_string(row, col, text)
    return chars


def shown_width(value: Any) -> tuple[str, int]:
    """A value as the text a cell shows, and the characters of its longest line."""
    text = shown(value)
    return text, max((len(line) for line in text.split("\n")), default=0)


def _table_name(sheet: str) -> str:
    """An Excel table name: letters, digits and underscores, not like a cell reference."""
    return "t_" + re.sub(r"\W", "_", sheet)


def header_width(header: str) -> float:
    return len(header) * BOLD_WIDENS + FILTER_BUTTON


def write_table_sheet(wb: Workbook, formats: Formats, sheet: Sheet) -> Worksheet:
    """One table as a sheet: an Excel table from A1 with filters, header frozen and repeated
    on printed pages, columns fitted to header and content."""
    table = TableSheet(wb, formats, sheet.name, sheet.columns, sheet.types)
    for row in sheet.rows:
        table.add(row)
    return table.finish()


class TableSheet:
    """A table sheet written a row at a time, so that several can be filled in one pass over
    the returns (consolidate.rows_together); ``finish`` makes it an Excel table."""

    def __init__(self, wb: Workbook, formats: Formats, name: str, columns: Sequence[str],
                 types: Mapping[str, str]):
        self.ws, self.formats, self.name = wb.add_worksheet(name[:31]), formats, name
        self.columns = list(columns) or ["(no columns)"]
        self.kinds = [types.get(c) for c in self.columns]
        self.widths = [header_width(c) for c in self.columns]
        self.last = 0
        # Most cells are texts that repeat (codes, names, labels): each is made safe and
        # measured once per sheet. A date column's text may be a date: write_cell decides.
        self._texts: dict[str, tuple[str, int]] = {}
        self._plain = [kind != "date" for kind in self.kinds]

    def add(self, row: Mapping[str, Any]) -> None:
        self.last += 1
        widths, ws, formats, at = self.widths, self.ws, self.formats, self.last
        texts, plain = self._texts, self._plain
        for c, column in enumerate(self.columns):
            value = row.get(column)
            if type(value) is str and value and plain[c]:
                hit = texts.get(value)
                if hit is None:
                    if len(texts) >= 100_000:
                        texts.clear()  # bounded: free text differs from return to return
                    hit = texts[value] = shown_width(value)
                ws.write_string(at, c, hit[0])
                shown_chars = hit[1]
            else:
                shown_chars = write_cell(ws, at, c, value, self.kinds[c], formats)
            if shown_chars >= widths[c]:
                widths[c] = min(shown_chars + 1, MAX_WIDTH)

    def finish(self) -> Worksheet:
        ws, columns = self.ws, self.columns
        ws.add_table(0, 0, max(self.last, 1), len(columns) - 1, {
            "name": _table_name(self.name), "style": "Table Style Medium 2",
            "columns": [{"header": c, "header_format": self.formats.header} for c in columns]})
        for c, width in enumerate(self.widths):
            ws.set_column(c, c, width)
        _print_setup(ws)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        return ws


def _print_setup(ws: Worksheet) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_footer("&L&A&RPage &P of &N")


def _region_status(assessment: Assessment) -> list[dict[str, Any]]:
    """Per region, how many boards' counted returns have each status, and how many are missing."""
    regions = sorted({r.region for r in assessment.counted if r.region}
                     | {m.get("region", "") for m in assessment.missing if m.get("region")})
    out = []
    for region in regions:
        rows = [r for r in assessment.counted if r.region == region]
        out.append({"region": region, **{s: sum(1 for r in rows if r.status == s) for s in STATUSES},
                    "missing": sum(1 for m in assessment.missing if m.get("region") == region)})
    return out


def _condition_titles(templates: Sequence[Template]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for template in templates:
        for condition in template.row_sets.get("national_conditions", ()):
            titles.setdefault(condition.id, str(condition.values.get("title", condition.id)))
    return titles


@dataclass(frozen=True)
class Block:
    """A small table on the overview sheet that a chart plots: header row, then rows."""

    first_row: int
    columns: tuple[str, ...]
    rows: int


def _block(ws: Worksheet, formats: Formats, row: int, heading: str, columns: Sequence[str],
           values: Sequence[Sequence[Any]], kinds: Sequence[str | None]) -> Block:
    ws.write_string(row, 0, heading, formats.bold)
    for c, column in enumerate(columns):
        ws.write_string(row + 1, c, column, formats.header)
    for r, line in enumerate(values, start=row + 2):
        for c, value in enumerate(line):
            write_cell(ws, r, c, value, kinds[c], formats)
    return Block(row + 1, tuple(columns), len(values))


def _series(sheet: str, block: Block, col: int, chart_options: dict | None = None) -> dict:
    first, last = block.first_row + 1, block.first_row + block.rows
    return {"name": [sheet, block.first_row, col], "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, col, last, col], **(chart_options or {})}


def _chart(wb: Workbook, kind: str, title: str, sheet: str, block: Block, cols: Sequence[int],
           subtype: str | None = None, money: bool = False) -> Any:
    chart = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    for col in cols:
        chart.add_series(_series(sheet, block, col))
    chart.set_title({"name": title})
    axis = {"num_format": '"£"#,##0,,"m"'} if money else {}
    (chart.set_x_axis if kind == "bar" else chart.set_y_axis)(axis)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    return chart


def write_overview(wb: Workbook, formats: Formats, assessment: Assessment,
                   figures: Sequence[Mapping[str, Any]], run: Mapping[str, Any],
                   templates: Sequence[Template], name: str = "overview") -> Worksheet:
    """Headline counts and the three charts, each beside the small table it plots."""
    ws = wb.add_worksheet(name)
    _print_setup(ws)
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, "Better Care Fund planning returns: national overview", formats.title)
    versions = ", ".join(t.version for t in templates)
    ws.write_string(1, 0, f"Template version(s): {versions}. Files found: "
                          f"{run.get('files_found', '')}; boards expected: "
                          f"{run.get('boards_expected', '')}; boards missing: "
                          f"{run.get('boards_missing', '')}.")
    if run.get("reference_illustrative"):
        ws.write_string(2, 0, "The allocations and populations in the reference data are "
                              "illustrative, not published figures.", formats.note)
    ws.write_string(3, 0, "The dataset sheets hold the return that counts for each board; "
                          "every readable return, duplicates and superseded ones included, is "
                          "in the national folder's CSV files.", formats.note)
    row = 4
    status = _region_status(assessment)
    columns = ("region",) + STATUSES + ("missing",)
    b1 = _block(ws, formats, row, "Boards by status of their counted return, by region", columns,
                [[s[c] for c in columns] for s in status], [None] + ["count"] * 6)
    ws.insert_chart(row, 8, _chart(wb, "bar", "Status by region", name, b1,
                                   range(1, len(columns)), subtype="stacked"))
    row = max(b1.first_row + b1.rows + 3, row + 20)

    regions = [f for f in figures if f.get("scope") != "England"]
    # The newest version's last year that the figures hold (years are data of the version).
    years = [y for t in reversed(templates) for y in reversed(t.years)]
    year = next((y for y in years if any(f"pooled_budget_{y.id}" in f for f in figures)),
                years[0])
    columns = ("region", f"pooled_budget_{year.id}", f"minimum_pool_{year.id}")
    b2 = _block(ws, formats, row, f"Pooled budget against the minimum, {year.title}",
                columns, [[f.get("scope"), f.get(columns[1]), f.get(columns[2])] for f in regions],
                [None, "money", "money"])
    ws.insert_chart(row, 8, _chart(wb, "column", "Pooled budget against minimum by region",
                                   name, b2, (1, 2), money=True))
    row = max(b2.first_row + b2.rows + 3, row + 20)

    england = next((f for f in figures if f.get("scope") == "England"), {})
    titles = _condition_titles(templates)
    counted = england.get("returns_counted") or 0
    met = [(k[len("condition_"):-len("_met")], v) for k, v in england.items()
           if k.startswith("condition_") and k.endswith("_met")]
    columns = ("condition", "met", "not_met")
    b3 = _block(ws, formats, row, "National conditions: counted returns that say each is met",
                columns, [[titles.get(cid, cid), v, counted - v] for cid, v in met],
                [None, "count", "count"])
    ws.insert_chart(row, 8, _chart(wb, "bar", "National conditions met", name, b3, (1, 2),
                                   subtype="stacked"))
    ws.set_column(0, 0, max([len(str(t)) for t in titles.values()] + [24]) + 2)
    ws.set_column(1, 7, max(header_width(c) for c in STATUSES + ("missing",)) + 2)
    ws.set_column(1, 2, 16)
    return ws


def templates_of(assessment: Assessment, template: Template) -> list[Template]:
    """The versions the batch's readable returns were made on, oldest first; ``template`` when
    none is known (an empty batch still gets its headings)."""
    known = known_templates()
    present = sorted({r.template_version for r in assessment.rows
                      if r.detail is not None and r.template_version in known})
    return [known[v] for v in present] or [template]


def write_national_workbook(path: Path, assessment: Assessment, datasets: Sequence[Dataset],
                            figures: Sequence[Mapping[str, Any]], run: Mapping[str, Any],
                            template: Template, summary: Sheet, findings: Sheet) -> None:
    """Write national.xlsx (see the module's docstring)."""
    templates = templates_of(assessment, template)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    formats = Formats(wb)
    write_overview(wb, formats, assessment, figures, run, templates)
    write_table_sheet(wb, formats, summary)
    write_table_sheet(wb, formats, findings)
    figure_columns = tuple(figures[0]) if figures else ("scope",)
    write_table_sheet(wb, formats, Sheet("figures", figure_columns, figure_types(figure_columns),
                                         figures))
    # The return that counts for each board, so the workbook is bounded by the boards (151),
    # not by the mailbox; every readable return is in national/*.csv.
    tables = [dataclasses.replace(ds, returns=tuple(r for r in ds.returns if r.counted))
              for ds in datasets if ds.name not in LEFT_OUT]
    sheets = [TableSheet(wb, formats, ds.name, ds.columns, column_types(templates, ds))
              for ds in tables]
    for i, row in rows_together(tables):
        sheets[i].add(row)
    for sheet in sheets:
        sheet.finish()
    write_table_sheet(wb, formats, Sheet("dictionary", DICTIONARY_COLUMNS, {},
                                         (e.to_dict() for e in entries(
                                             templates, [t for t in tables
                                                         if t.name not in UNDESCRIBED]))))
    wb.close()


def figure_types(columns: Iterable[str]) -> dict[str, str]:
    """figures.py's columns by name: sums of money, rates, counts of boards."""
    types = {}
    for column in columns:
        if column.startswith(("pooled_budget_", "minimum_pool_", "schemes_", "p4p_")):
            types[column] = "money"
        elif column.endswith("_rate"):
            types[column] = "decimal"
        elif column != "scope":
            types[column] = "count"
    return types

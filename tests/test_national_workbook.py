"""national.xlsx as an analyst would build it, and the annotated copy's Validation sheet.

A batch runs over a few generated returns (two valid, one whose totals do not balance and
whose scheme name is a formula); national.xlsx is opened with openpyxl: number formats by the
spec's types, dates as dates, Excel tables with filters and frozen headers, widths that fit,
the overview's charts and what they plot, the findings, and the data dictionary against the
spec and the cells the reader actually read. Then national.xlsx and an annotated copy are
printed by LibreOffice and read back: no header or label is cut.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from bcf_xl.batch.national_dictionary import spec_column, unit
from bcf_xl.batch.national_workbook import NUMBER_FORMATS
from bcf_xl.batch.run import run_batch
from bcf_xl.report.annotate import SHEET, annotate
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.validate import validate_file
from tests.support.libreoffice import convert_pdf, require_libreoffice

LEEDS, BOURNEMOUTH, CITY = "E08000035", "E06000028", "E09000001"
TYPED = {"money": NUMBER_FORMATS["money"], "percent": NUMBER_FORMATS["percent"],
         "date": NUMBER_FORMATS["date"]}
DATASET_SHEETS_SKIPPED = {"overview", "summary", "findings", "figures", "dictionary", "columns"}


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def batch(tmp_path_factory, template, reference, blank_template, filled_example):
    box = tmp_path_factory.mktemp("mailbox")
    for code in (LEEDS, BOURNEMOUTH):
        shutil.copy(filled_example(code), box / blank_template(code).name)
    doc = example_document(template, reference.get(CITY))
    doc["schemes"]["rows"][0]["expenditure_1516"] += 100_000
    doc["schemes"]["rows"][1]["name"] = '=HYPERLINK("http://example.invalid","Click")'
    city = fill_workbook(blank_template(CITY), doc, box / blank_template(CITY).name, template)
    out = tmp_path_factory.mktemp("reports")
    outcome = run_batch(box, out, workers=2)
    assert {r.status for r in outcome.assessment.rows} == {"valid", "invalid"}
    return out, outcome, city


@pytest.fixture(scope="module")
def book(batch):
    return openpyxl.load_workbook(batch[0] / "national.xlsx")


def _rows(ws) -> tuple[list[str], list[tuple]]:
    header = [c.value for c in ws[1]]
    return header, [r for r in ws.iter_rows(min_row=2) if any(c.value is not None for c in r)]


def _widths(ws) -> dict[int, float]:
    """Column index -> width; xlsxwriter writes a run of equal widths as one <col min max>."""
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.customWidth:
            for i in range(dim.min, dim.max + 1):
                out[i] = dim.width
    return out


def _dataset_sheets(book):
    return [ws for ws in book.worksheets if ws.title not in DATASET_SHEETS_SKIPPED]


def test_sheets_in_order(book):
    assert book.sheetnames[:4] == ["overview", "summary", "findings", "figures"]
    assert book.sheetnames[-1] == "dictionary"
    assert {"returns", "schemes", "funding_contributions"} <= set(book.sheetnames)
    assert "values" not in book.sheetnames and "columns" in book.sheetnames


def test_money_percent_and_dates_are_formatted_by_the_spec(book, template):
    """Every money, percent and date cell of the dataset sheets has its type's format; money
    and percent are numbers, dates are dates (not text); percentages are held as entered."""
    seen = Counter()
    for ws in _dataset_sheets(book):
        header, rows = _rows(ws)
        for j, column in enumerate(header):
            hit = spec_column(template, ws.title, column)
            if hit is None or hit[1].type not in TYPED:
                continue
            for row in rows:
                cell = row[j]
                if cell.value is None:
                    continue
                seen[hit[1].type] += 1
                assert cell.number_format == TYPED[hit[1].type], (ws.title, cell.coordinate)
                expected = dt.datetime if hit[1].type == "date" else (int, float)
                assert isinstance(cell.value, expected), (ws.title, cell.coordinate, cell.value)
    assert seen["money"] > 50 and seen["date"] >= 6 and seen["percent"] >= 1, seen
    returns = book["returns"]
    header, rows = _rows(returns)
    leeds = next(r for r in rows if r[header.index("hwb_code")].value == LEEDS)
    pool = leeds[header.index("cover.minimum_pool_1516")]
    assert pool.number_format == '"£"#,##0' and pool.value > 1_000_000
    schemes = book["schemes"]
    header, rows = _rows(schemes)
    shares = [r[header.index("nhs_share")].value for r in rows
              if r[header.index("nhs_share")].value is not None]
    assert shares and all(1 <= s <= 100 for s in shares)  # 40 for 40%, shown "40.0%"


def test_every_sheet_is_an_excel_table_with_filters_frozen_header_and_fitted_widths(book):
    for ws in book.worksheets[1:]:
        assert list(ws.tables) == [f"t_{ws.title}"], ws.title
        table = ws.tables[f"t_{ws.title}"]
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        header = [c.value for c in ws[1]]
        assert (min_col, min_row, max_col) == (1, 1, len(header)), ws.title
        assert max_row >= ws.max_row and table.autoFilter is not None
        assert [c.name for c in table.tableColumns] == header
        assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1", ws.title
        widths = _widths(ws)
        for j, title in enumerate(header, start=1):
            assert widths.get(j, 0) >= len(title) + 2, (ws.title, title, widths.get(j))
    # Content wider than its header widens the column: the file names of the summary.
    summary = book["summary"]
    file_col = [c.value for c in summary[1]].index("file") + 1
    longest = max(len(c.value) for c in summary[get_column_letter(file_col)][1:])
    assert _widths(summary)[file_col] >= longest


def _ref_values(book, ref: str) -> list:
    sheet, cells = ref.split("!")
    ws = book[sheet.strip("'")]
    cells = cells.replace("$", "")
    if ":" not in cells:
        return [ws[cells].value]
    return [c.value for row in ws[cells] for c in row]


def test_overview_charts_plot_status_pool_and_conditions(book, batch, template):
    """Three charts on the overview, each series reading the overview's own cells, which hold
    the batch's numbers: counted returns by status per region, pooled budget against the
    minimum per region (figures.csv), conditions met (figures.csv, England)."""
    out, outcome, _ = batch
    ws = book["overview"]
    charts = ws._charts
    assert len(charts) == 3
    status, pool, conditions = charts
    assert [s.tx.strRef.f for s in status.series] == [f"overview!${c}$6" for c in "BCDEF"]
    assert [_ref_values(book, s.tx.strRef.f)[0] for s in status.series] == \
        ["valid", "invalid", "unreadable", "not_checked", "missing"]
    regions = _ref_values(book, status.series[0].cat.strRef.f)
    counted = outcome.assessment.counted
    for series in status.series:
        name = _ref_values(book, series.tx.strRef.f)[0]
        values = _ref_values(book, series.val.numRef.f)
        expected = [sum(1 for m in outcome.assessment.missing if m["region"] == region)
                    if name == "missing" else
                    sum(1 for r in counted if r.region == region and r.status == name)
                    for region in regions]
        assert values == expected, name
    assert sum(_ref_values(book, status.series[0].val.numRef.f)) == 2  # Leeds, Bournemouth
    figures = {r["scope"]: r for r in _csv(out / "figures.csv")}
    names = [_ref_values(book, s.tx.strRef.f)[0] for s in pool.series]
    assert names == ["pooled_budget_1516", "minimum_pool_1516"]
    regions = _ref_values(book, pool.series[0].cat.strRef.f)
    assert set(regions) == set(figures) - {"England"}
    for name, series in zip(names, pool.series):
        assert _ref_values(book, series.val.numRef.f) == \
            [pytest.approx(float(figures[r][name])) for r in regions]
    titles = [c.values["title"] for c in template.row_sets["national_conditions"]]
    assert _ref_values(book, conditions.series[0].cat.strRef.f) == titles
    met = _ref_values(book, conditions.series[0].val.numRef.f)
    not_met = _ref_values(book, conditions.series[1].val.numRef.f)
    england = figures["England"]
    assert met == [int(england[f"condition_{c.id}_met"])
                   for c in template.row_sets["national_conditions"]]
    assert all(m + n == int(england["returns_counted"]) for m, n in zip(met, not_met))


def test_findings_sheet_lists_the_batchs_findings(book, batch, blank_template):
    blank_name = lambda code: blank_template(code).name  # noqa: E731
    out, _, _ = batch
    expected = [(r["file"], r["code"], r["sheet"], r["cell"]) for r in _csv(out / "findings.csv")]
    header, rows = _rows(book["findings"])
    listed = [tuple(str(row[header.index(c)].value or "") for c in ("file", "code", "sheet", "cell"))
              for row in rows]
    assert listed == expected
    assert (blank_name(CITY), "finance.sources_schemes_mismatch", "Funding") in \
        [row[:3] for row in listed]


def test_data_dictionary_describes_every_column_from_the_spec(book, batch, template):
    """One row per column of every dataset sheet; spec columns carry the spec's title, type
    and unit, and the source cell is where the reader found the value in a real return."""
    out, _, _ = batch
    header, rows = _rows(book["dictionary"])
    entries = [{h: c.value for h, c in zip(header, row)} for row in rows]
    for ws in _dataset_sheets(book):
        columns = [c.value for c in ws[1]]
        described = [e["column"] for e in entries if e["dataset"] == ws.title]
        assert described == columns, ws.title
    values = _csv(out / "national" / "values.csv")
    read_at = {v["pointer"]: f"{v['sheet']}!{v['cell']}" for v in values
               if v["hwb_code"] == LEEDS}
    checked = 0
    for e in entries:
        hit = spec_column(template, e["dataset"], e["column"])
        if hit is None:
            assert e["role"] == "batch" and e["template_version"] == "all", e
            continue
        table, field = hit
        assert e["template_version"] == template.version
        assert (e["title"], e["type"], e["unit"] or "") == (field.title, field.type, unit(field))
        if table is None:
            sheet_id = field.qid.split(".")[0]
            actual = read_at.get(f"/{sheet_id}/{field.id}")
            if actual is None:
                continue
            source = e["source_cell"].replace("'", "")
            if "a row lower" in source:  # below Leeds's CCG rows: at or below the cell given
                sheet, cell = source.split(" ")[0].split("!")
                got_sheet, got = actual.split("!")
                assert got_sheet == sheet and int(got[1:]) >= int(cell[1:]), (e, actual)
            else:
                assert source == actual, (e, actual)
            checked += 1
    assert checked > 40
    money = next(e for e in entries if e["column"] == "cover.minimum_pool_1516")
    assert money["unit"] == "£ (whole pounds)" and money["type"] == "money"
    share = next(e for e in entries if e["dataset"] == "schemes" and e["column"] == "nhs_share")
    assert share["unit"].startswith("% (0 to 100") and re.fullmatch(
        r"Schemes!E\d+:E\d+", share["source_cell"])


# -- printed -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(batch, reference, tmp_path_factory):
    """national.xlsx and the City of London's annotated copy, printed: stem -> pages' words."""
    require_libreoffice()
    out, _, city = batch
    tmp = tmp_path_factory.mktemp("printed")
    result = validate_file(city, reference=reference)
    assert result.findings
    annotated = annotate(city, result, tmp / "annotated.xlsx")
    pages = {}
    for pdf_path in convert_pdf([out / "national.xlsx", annotated], tmp / "pdf"):
        with pdfplumber.open(pdf_path) as pdf:
            pages[Path(pdf_path).stem] = [(p.width, p.height, [w["text"] for w in p.extract_words()])
                                          for p in pdf.pages]
    return pages, result


@pytest.mark.libreoffice
def test_national_workbook_prints_every_header_whole(printed, book):
    """Every column header of every table prints as the whole word (LibreOffice prints only
    what a column shows, so a column too narrow prints 'cover.mini')."""
    pages, _ = printed
    words = Counter(w for _, _, page in pages["national"] for w in page)
    for ws in book.worksheets[1:]:
        for title in (c.value for c in ws[1]):
            assert words[title] >= 1, (ws.title, title)


@pytest.mark.libreoffice
def test_annotated_validation_sheet_prints_landscape_whole_and_wrapped(printed, reference):
    pages, result = printed
    validation = [p for p in pages["annotated"] if "Validation" in p[2][:4]]
    assert validation
    for width, height, words in validation:
        assert width > height  # landscape
    text = [w for _, _, page in validation for w in page]
    joined = " ".join(text)
    assert "Template version 2014-02" in joined and "What to do" in joined
    available = Counter(text)
    for finding in result.findings:
        # Every word of every message is printed: "What to do" wraps in a row tall enough.
        needed = Counter(finding.message.split())
        assert not needed - available, (finding.code, needed - available)


def test_annotated_validation_sheet_uses_the_template_look(batch, reference, tmp_path):
    _, _, city = batch
    result = validate_file(city, reference=reference)
    ws = openpyxl.load_workbook(annotate(city, result, tmp_path / "a.xlsx"))[SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$8:$8"
    assert ws["A1"].font.name == "Calibri" and ws["A1"].font.size == 14
    assert all(ws.cell(8, c).font.b and ws.cell(8, c).fill.fgColor.rgb.endswith("D9E1F2")
               for c in range(1, 7))
    message = ws.cell(9, 6)
    assert message.alignment.wrap_text and message.font.name == "Calibri" \
        and message.font.size == 10
    assert ws.column_dimensions["A"].width >= len("Template version") + 2
    long_row = next(9 + i for i, f in enumerate(result.findings)
                    if len(f.message) > 2 * ws.column_dimensions["F"].width)
    assert ws.row_dimensions[long_row].height >= 2 * 13  # two lines of 10-point text at least


def test_dataset_sheets_hold_the_return_that_counts_and_the_csv_files_every_return(
        tmp_path, blank_template, filled_example):
    """A board that sent its return twice: national/returns.csv has both rows (one counted);
    the workbook's returns and schemes sheets have the counted one only, so the workbook is
    bounded by the number of boards, not of files."""
    box = tmp_path / "mailbox"
    box.mkdir()
    first = box / blank_template(LEEDS).name
    shutil.copy(filled_example(LEEDS), first)
    shutil.copy(filled_example(LEEDS), box / ("resent_" + first.name))
    shutil.copy(filled_example(BOURNEMOUTH), box / blank_template(BOURNEMOUTH).name)
    out = tmp_path / "reports"
    outcome = run_batch(box, out, workers=1)
    counted = {r.file for r in outcome.assessment.counted}
    assert len(counted) == 2
    in_csv = _csv(out / "national" / "returns.csv")
    assert sorted(r["hwb_code"] for r in in_csv) == sorted([LEEDS, LEEDS, BOURNEMOUTH])
    assert sorted(r["counted"] for r in in_csv) == ["no", "yes", "yes"]
    book = openpyxl.load_workbook(out / "national.xlsx")
    header, rows = _rows(book["returns"])
    files = [r[header.index("file")].value for r in rows]
    assert sorted(files) == sorted(counted)
    scheme_header, schemes = _rows(book["schemes"])
    scheme_csv = _csv(out / "national" / "schemes.csv")
    assert {r[scheme_header.index("file")].value for r in schemes} == counted
    assert len(schemes) == sum(1 for r in scheme_csv if r["counted"] == "yes") < len(scheme_csv)
    note = " ".join(str(c.value) for c in book["overview"]["A"][:5] if c.value)
    assert "return that counts for each board" in note

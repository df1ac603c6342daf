"""Findings where people work: the annotated workbook and the HTML pages, opened as a person
would (LibreOffice for the workbook, headless Chromium for the pages)."""

from __future__ import annotations

import copy
import html
import re

import openpyxl
import pytest

from bcf_xl.batch.run import run_batch
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.findings import Severity
from bcf_xl.report.annotate import ERROR_FILL, SHEET, WARNING_FILL, annotate
from bcf_xl.report.to_html import render_html
from bcf_xl.validate import validate_file

from support.browser import load, require_chromium
from support.libreoffice import recalc_convert, require_libreoffice

BOARD = "E08000035"
PAYLOAD = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, template, reference, blank_template):
    """A return with errors and a warning, and a scheme name that tries to run script."""
    doc = copy.deepcopy(example_document(template, reference.get(BOARD)))
    doc["cover"].pop("chair_signed")
    doc["schemes"]["rows"][0]["expenditure_1516"] += 50_000
    doc["schemes"]["rows"][2]["name"] = PAYLOAD  # twice: the duplicate's message quotes it
    doc["schemes"]["rows"][3]["name"] = PAYLOAD
    doc["national_conditions"]["providers"][1]["agrees_impact"] = "Not yet"
    out = tmp_path_factory.mktemp("faulty")
    path = fill_workbook(blank_template(BOARD), doc, out / "faulty.xlsx", template)
    return path, validate_file(path, reference=reference)


@pytest.fixture(scope="module")
def annotated(faulty, tmp_path_factory):
    path, result = faulty
    out = tmp_path_factory.mktemp("annotated") / "annotated.xlsx"
    return annotate(path, result, out)


def test_highlights_and_comments_are_on_exactly_the_cells_with_findings(faulty, annotated):
    """Every cell with a finding is red (error) or amber (warning) and has a comment with its
    message; no other cell has a bcf-xl comment or fill."""
    _, result = faulty
    expected = {}
    for f in result.findings:
        for cell in f.cells:
            colour = expected.get((f.sheet, cell))
            expected[(f.sheet, cell)] = ERROR_FILL if f.severity is Severity.ERROR or \
                colour is ERROR_FILL else WARNING_FILL
    assert any(v is WARNING_FILL for v in expected.values())
    wb = openpyxl.load_workbook(annotated)
    found = {}
    for ws in wb.worksheets:
        if ws.title == SHEET:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    found[(ws.title, cell.coordinate)] = cell
    assert set(found) == set(expected)
    for key, cell in found.items():
        assert cell.fill.fgColor.rgb.endswith(expected[key].fgColor.rgb[-6:]), key
        messages = [f.message for f in result.findings if key[1] in f.cells and f.sheet == key[0]]
        assert all(m in cell.comment.text for m in messages)


def test_validation_sheet_lists_findings_with_links(faulty, annotated):
    """The first sheet lists every finding, links to its cell and gives the counts."""
    _, result = faulty
    wb = openpyxl.load_workbook(annotated)
    ws = wb.worksheets[0]
    assert ws.title == SHEET
    rows = list(ws.iter_rows(values_only=True))
    assert ("Errors", result.errors) in [r[:2] for r in rows]
    assert ("Template version", "2014-02") in [r[:2] for r in rows]
    listed = [r for r in rows if r and r[0] in ("error", "warning")]
    assert [(r[1], r[2]) for r in listed] == [(f.code, f.sheet or "") for f in result.findings]
    links = [c.hyperlink.location for c in ws["D"] if c.hyperlink is not None]
    assert f"'{result.findings[0].sheet}'!{result.findings[0].cells[0]}" in links


def test_annotated_copy_validates_the_same_and_keeps_its_identity(faulty, annotated, reference):
    """The annotated copy has the same findings, identity, protection and names as the return,
    and the original file is untouched."""
    path, result = faulty
    again = validate_file(annotated, reference=reference)
    assert [(f.code, f.sheet, f.cells) for f in again.findings] == \
        [(f.code, f.sheet, f.cells) for f in result.findings]
    assert again.identity == result.identity
    wb = openpyxl.load_workbook(annotated)
    assert all(wb[s].protection.sheet for s in ("Cover", "Funding", "Schemes"))
    assert "cover.chair_signed" in wb.defined_names
    assert SHEET not in openpyxl.load_workbook(path).sheetnames


def test_annotated_copy_opens_in_libreoffice(annotated, tmp_path, reference, faulty):
    """LibreOffice opens and saves the annotated copy (no repair needed), and it still gives
    the same findings afterwards."""
    require_libreoffice()
    saved = recalc_convert([annotated], tmp_path)[0]
    _, result = faulty
    after = validate_file(saved, reference=reference)
    assert [(f.code, f.sheet, f.cells) for f in after.findings] == \
        [(f.code, f.sheet, f.cells) for f in result.findings]


def test_result_page_shows_counts_and_findings_without_running_return_text(faulty, tmp_path):
    """The validation page shows the counts and a finding's message, logs no script error, and
    a scheme name holding a script is shown as text, never run."""
    require_chromium()
    _, result = faulty
    page = tmp_path / "report.html"
    page.write_text(render_html([result]))
    assert not re.search(r"(src|href)=\"https?:", page.read_text())
    loaded = load(page)
    assert f'<b id="errors">{result.errors}</b>' in loaded.dom
    assert html.escape(result.findings[0].message, quote=False) in loaded.dom
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", loaded.dom).group(1)
    assert "&lt;script&gt;document.title" in loaded.dom
    assert loaded.errors == ()


def test_batch_page_shows_summary_matrix_and_charts(faulty, filled_example, tmp_path):
    """report.html from a batch shows the status counts, a sortable summary with the board,
    the rule matrix and both charts, with no script error."""
    require_chromium()
    box = tmp_path / "box"
    box.mkdir()
    (box / "faulty.xlsx").write_bytes(faulty[0].read_bytes())
    (box / "bournemouth.xlsx").write_bytes(filled_example("E06000028").read_bytes())
    run_batch(box, tmp_path / "out", workers=1)
    loaded = load(tmp_path / "out" / "report.html")
    assert '<b id="count-invalid">1</b>' in loaded.dom and '<b id="count-valid">1</b>' in loaded.dom
    assert "E06000028" in loaded.dom and "finance.sources_schemes_mismatch" in loaded.dom
    assert loaded.dom.count("<svg") >= 2 and 'class="sortable"' in loaded.dom
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", loaded.dom).group(1)
    assert loaded.errors == ()

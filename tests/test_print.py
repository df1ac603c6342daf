"""Templates read and print as NHS England would issue them, as LibreOffice lays them out.

A filled return of each version is printed to PDF by LibreOffice and read back word by word:
no text overprints another (rows fit their text), every column title is printed whole, every
page carries the board, the sheet and its page number, a long table's header is repeated on
its next page, and the Schemes totals print with the table, not alone after its blank rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from tests.support.libreoffice import convert_pdf, require_libreoffice

BOARD = "E06000028"  # Bournemouth and Poole: a long name, two councils
ISSUED = __import__("datetime").date(2014, 1, 6)


@pytest.fixture(scope="module")
def printed(tmp_path_factory, template, template_revised, reference) -> dict[str, list]:
    """Each version's filled return, printed: version -> list of (sheet name, words, text)."""
    require_libreoffice()
    tmp = tmp_path_factory.mktemp("print")
    sources = []
    for spec in (template, template_revised):
        blank = generate_workbook(spec, reference.get(BOARD), tmp / spec.version, ISSUED)
        doc = example_document(spec, reference.get(BOARD))
        sources.append(fill_workbook(blank, doc, tmp / f"{spec.version}.xlsx", spec))
    out = {}
    for pdf_path in convert_pdf(sources, tmp / "pdf"):
        pages = []
        with pdfplumber.open(pdf_path) as pdf:
            for page in pdf.pages:
                words = page.extract_words()
                text = " ".join(w["text"] for w in words)
                # Cell texts without their spaces: a title may wrap at a hyphen or a space.
                cells = {"".join((c or "").split()) for table in page.find_tables()
                         for row in table.extract() for c in row}
                pages.append((_sheet_of(text), words, text, cells))
        out[Path(pdf_path).stem] = pages
    return out


def _sheet_of(text: str) -> str:
    """The sheet a page prints, from its header: '<board> (<code>) <sheet> Better Care Fund'."""
    match = re.search(r"\(E\d{8}\) (.+?) Better Care Fund plan, template version", text)
    return match.group(1) if match else ""


def _overlaps(words: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > 0.5 and down > 0.5:
                found.append((a["text"], b["text"]))
    return found


VERSIONS = ("2014-02", "2014-09")


@pytest.mark.libreoffice
@pytest.mark.parametrize("version", VERSIONS)
def test_no_text_overprints_other_text(printed, version):
    """On every printed page, no word's box overlaps another's: every row is tall enough for
    the labels, headers, issued text and example answers in it."""
    bad = {(sheet, n): _overlaps(words)[:3] for n, (sheet, words, _, _) in
           enumerate(printed[version]) if _overlaps(words)}
    assert not bad


@pytest.mark.libreoffice
@pytest.mark.parametrize("version", VERSIONS)
def test_every_page_has_its_header_and_footer(printed, version, reference):
    """Every page names the board and the template version (header) and its page number
    (footer), so a printed page found on its own is still identified."""
    board = reference.get(BOARD)
    for sheet, _, text, _ in printed[version]:
        assert f"{board.code}" in text and f"template version {version}" in text, text[:120]
        assert re.search(r"Page \d+ of \d+", text), (sheet, text[-120:])


@pytest.mark.libreoffice
@pytest.mark.parametrize("version", VERSIONS)
def test_column_titles_print_whole(printed, version, template, template_revised):
    """Every table column's title is printed in full inside its header cell (a header row too
    short cuts the last words of a long title, such as the metrics' planned change)."""
    spec = {t.version: t for t in (template, template_revised)}[version]
    cells = set().union(*(cells for _, _, _, cells in printed[version]))
    for sheet in spec.form_sheets():
        for table in sheet.tables():
            for column in table.columns:
                title = column.title + (" *" if column.required else "")
                assert "".join(title.split()) in cells, (table.qid, title)


@pytest.mark.libreoffice
def test_schemes_totals_print_with_the_table_and_its_header_repeats(printed, template):
    """The Schemes sheet's first printed page has the totals and the table's first rows; its
    next page starts again with the table's column headers."""
    pages = [text for sheet, _, text, _ in printed["2014-02"] if sheet == "Schemes"]
    assert len(pages) >= 2
    assert "Total scheme expenditure 2014/15" in pages[0] and "Scheme name" in pages[0]
    assert all("Scheme name" in page and "Area of spend" in page for page in pages[1:])


@pytest.mark.libreoffice
def test_guidance_describes_the_checklist_and_the_revised_payment(printed):
    """The Guidance sheet explains the Checklist sheet, and in 2014-09 payment for
    performance with its worked example as the version's formulas compute it."""
    old = " ".join(t for s, _, t, _ in printed["2014-02"] if s == "Guidance")
    new = " ".join(t for s, _, t, _ in printed["2014-09"] if s == "Guidance")
    for text in (old, new):
        assert "Checklist" in text and "Complete template only when every line reads Yes" in \
            re.sub(r"\s+", " ", text)
    assert "£1,043,000" in new and "£1,957,000" in new and "£1,043,000" not in old

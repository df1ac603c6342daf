"""Templates and returns opened, recalculated and saved by a real spreadsheet program.

LibreOffice (headless) recalculates every formula on load with the harness's profile, so what it
saves is what a user would see: the checklist's verdicts, the totals, and whether the identity
survived a save by a program other than the one that wrote the file.
"""

from __future__ import annotations

import openpyxl
import pytest

from bcf_xl.spec.identity import META_SHEET, Identity
from bcf_xl.read.intake import inspect
from bcf_xl.read.package import parse_area
from bcf_xl.validate import validate_file

from support.libreoffice import recalc_convert, require_libreoffice, uno_edit

pytestmark = pytest.mark.libreoffice

EXCEL_ERRORS = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, blank_template, filled_example):
    """A blank template and two filled returns, each re-saved by LibreOffice."""
    require_libreoffice()
    out = tmp_path_factory.mktemp("libreoffice")
    sources = [blank_template("E08000035"), filled_example("E08000035"),
               filled_example("E06000028")]
    converted = recalc_convert(sources, out)
    return dict(zip(("blank", "leeds", "bournemouth"), converted))


def _value(wb, name):
    area = parse_area(wb.defined_names[name].attr_text)
    return wb[area.sheet].cell(area.first_row + 1, area.first_col + 1).value


def test_blank_template_checklist_says_incomplete(recalculated):
    """After LibreOffice recalculates a blank template, the checklist reads Incomplete and
    every checker says No or Yes (none is an error value)."""
    wb = openpyxl.load_workbook(recalculated["blank"], data_only=True)
    assert _value(wb, "checklist.status") == "Incomplete template"
    checkers = [c.value for row in wb["Checklist"].iter_rows(min_col=5, max_col=5) for c in row
                if c.value in ("Yes", "No")]
    assert checkers and "No" in checkers


def test_every_formula_evaluates_without_error(recalculated):
    """No cell of any sheet holds an error value after recalculation (every formula is valid in
    a real spreadsheet program, including the ones that use defined names)."""
    for key in ("blank", "leeds"):
        wb = openpyxl.load_workbook(recalculated[key], data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert not (isinstance(cell.value, str) and cell.value.startswith(EXCEL_ERRORS)), \
                        f"{key}: {ws.title}!{cell.coordinate} = {cell.value}"


def test_identity_survives_a_libreoffice_save(recalculated, blank_template):
    """The custom properties and the _meta sheet still carry the identity after the save."""
    before = inspect(blank_template("E08000035"), known_versions=["2014-02"]).identity
    after = inspect(recalculated["blank"], known_versions=["2014-02"]).identity
    assert after == before
    wb = openpyxl.load_workbook(recalculated["blank"])
    rows = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert Identity.from_properties(rows) == before


def test_filled_return_checklist_says_complete(recalculated):
    """A complete return, recalculated by LibreOffice, shows Complete template."""
    wb = openpyxl.load_workbook(recalculated["leeds"], data_only=True)
    assert _value(wb, "checklist.status") == "Complete template"
    assert _value(wb, "cover.checklist_status") == "Complete template"


@pytest.mark.parametrize("key,code", [("leeds", "E08000035"), ("bournemouth", "E06000028")])
def test_example_validates_the_same_before_and_after_libreoffice(recalculated, filled_example,
                                                                 reference, key, code):
    """The example return has no errors as written by fill and the same findings after
    LibreOffice recalculated and saved it (so Python and the spreadsheet agree on every
    formula: a disagreement would be a formula.value_mismatch)."""
    before = validate_file(filled_example(code), reference=reference)
    after = validate_file(recalculated[key], reference=reference)
    assert before.errors == 0, [f.message for f in before.findings]
    assert [(f.code, f.sheet, f.cells) for f in after.findings] == \
        [(f.code, f.sheet, f.cells) for f in before.findings]
    assert after.document.data == before.document.data


def test_inserted_scheme_row_is_read(tmp_path, filled_example, reference, template):
    """A return in which a user unprotected the Schemes sheet and inserted a row inside the
    schemes table, saved by LibreOffice, still reads every scheme, including the new one."""
    require_libreoffice()
    source = filled_example("E08000035")
    wb = openpyxl.load_workbook(source)
    body = parse_area(wb.defined_names["schemes.rows"].attr_text)
    insert_before = body.first_row + 1 + 3  # 1-based row of the 4th scheme
    name_col = body.first_col
    edited = tmp_path / "inserted.xlsx"
    new_row = insert_before  # after insertion the new blank row sits here
    ops = [{"op": "unprotect", "sheet": "Schemes"},
           {"op": "insert_rows", "sheet": "Schemes", "before_row": insert_before, "count": 1},
           {"op": "set_cell", "sheet": "Schemes", "cell": f"{_col(name_col)}{new_row}",
            "value": "Hospital at home"},
           {"op": "protect", "sheet": "Schemes"}]
    result = uno_edit(source, edited, ops)
    assert result["ok"], result["errors"]
    before = validate_file(source, reference=reference).document.data["schemes"]["rows"]
    after = validate_file(edited, reference=reference)
    rows = after.document.data["schemes"]["rows"]
    assert len(rows) == len(before) + 1
    assert [r["name"] for r in rows] == ([r["name"] for r in before[:3]] + ["Hospital at home"]
                                         + [r["name"] for r in before[3:]])
    assert rows[4] == before[3]
    partial = [f for f in after.findings if f.code == "finance.scheme_incomplete"]
    assert partial and all(f.sheet == "Schemes" for f in partial)
    assert any(f"{_col(name_col + 1)}{new_row}" in f.cells for f in partial)


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def test_overwritten_formula_and_edited_prepopulated_cell_are_reported(tmp_path, filled_example,
                                                                       reference):
    """In LibreOffice, a typed total over the Funding total formula and a minimum contribution
    changed after unprotecting the sheet are both reported, on their cells."""
    require_libreoffice()
    source = filled_example("E08000035")
    wb = openpyxl.load_workbook(source)
    total = parse_area(wb.defined_names["funding.total_1516"].attr_text)
    minimum = parse_area(wb.defined_names["funding.contributions.minimum_1516"].attr_text)
    edited = tmp_path / "tampered.xlsx"
    result = uno_edit(source, edited, [
        {"op": "unprotect", "sheet": "Funding"},
        {"op": "set", "name": "funding.total_1516", "value": 99, "as_user": False},
        {"op": "set", "name": "funding.contributions.minimum_1516", "row": 1, "col": 0,
         "value": 1, "as_user": False},
        {"op": "protect", "sheet": "Funding"}])
    assert result["ok"], result["errors"]
    found = {(f.code, f.sheet, f.cell) for f in validate_file(edited, reference=reference).findings}
    assert ("formula.overwritten", "Funding", _a1(total.first_row, total.first_col)) in found
    assert ("identity.prepopulated_changed", "Funding",
            _a1(minimum.first_row + 1, minimum.first_col)) in found


def test_moved_sheet_still_reads(tmp_path, filled_example, reference):
    """A return whose Risk register sheet was moved to the front reads the same data."""
    require_libreoffice()
    source = filled_example("E08000035")
    moved = tmp_path / "moved.xlsx"
    result = uno_edit(source, moved, [{"op": "move_sheet", "sheet": "Risk register", "to_index": 0}])
    assert result["ok"], result["errors"]
    assert openpyxl.load_workbook(moved, read_only=True).sheetnames[0] == "Risk register"
    before = validate_file(source, reference=reference)
    after = validate_file(moved, reference=reference)
    assert after.document.data == before.document.data
    assert after.errors == 0, [f.message for f in after.findings]


def _a1(row: int, col: int) -> str:
    return f"{_col(col)}{row + 1}"


def test_deleted_condition_row_is_a_structure_finding(tmp_path, filled_example, reference):
    """A return in which a national condition's row was deleted (sheet unprotected, saved by
    LibreOffice) reports the table's structure as changed, on that table."""
    require_libreoffice()
    source = filled_example("E08000035")
    wb = openpyxl.load_workbook(source)
    body = parse_area(wb.defined_names["national_conditions.conditions"].attr_text)
    edited = tmp_path / "deleted.xlsx"
    result = uno_edit(source, edited, [
        {"op": "unprotect", "sheet": "National conditions"},
        {"op": "delete_rows", "sheet": "National conditions", "row": body.last_row + 1, "count": 1},
        {"op": "protect", "sheet": "National conditions"}])
    assert result["ok"], result["errors"]
    found = [f for f in validate_file(edited, reference=reference).findings
             if f.code == "structure.name_missing"]
    assert [(f.sheet, f.field_id) for f in found] == [("National conditions",
                                                       "national_conditions.conditions")]
    assert "c6" in found[0].message

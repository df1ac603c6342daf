"""The LibreOffice harness: recalculation by conversion, and user-like edits through UNO.

To stay fast the module starts soffice four times: one conversion of several workbooks, one
conversion that must fail, one UNO session for all batch edits, and one for ``uno_edit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

try:
    from support.libreoffice import (
        LibreOfficeError,
        recalc_convert,
        require_libreoffice,
        uno_edit,
        uno_edit_many,
    )
except ImportError:  # tests/ collected as a package
    from tests.support.libreoffice import (
        LibreOfficeError,
        recalc_convert,
        require_libreoffice,
        uno_edit,
        uno_edit_many,
    )

# Workbook-level names, dotted like the templates' plus an underscore-only alias.
NAMES = {
    "cover.amount": "Cover!$C$5",
    "cover_amount": "Cover!$C$5",
    "cover.note": "Cover!$C$6",
    "cover.start_date": "Cover!$C$7",
    "cover.total": "Cover!$C$8",
    "schemes.rows": "Schemes!$C$2:$C$11",
    "schemes.total": "Schemes!$C$13",
}
SCHEME_VALUES = list(range(1, 11))  # Schemes!C2:C11, sum 55


def build_workbook(path: Path, amount: float | None = None) -> Path:
    """Write a small protected workbook with named inputs, a named table and SUM formulas."""
    wb = xlsxwriter.Workbook(path)
    unlocked = wb.add_format({"locked": False})
    cover = wb.add_worksheet("Cover")
    cover.write("B5", "Amount")
    if amount is None:
        cover.write_blank("C5", None, unlocked)
    else:
        cover.write_number("C5", amount, unlocked)
    cover.write_blank("C6", None, unlocked)
    cover.write_blank("C7", None, unlocked)
    cover.write_formula("C8", "=SUM(schemes.rows)+cover.amount", None, 0)  # locked
    cover.protect()
    schemes = wb.add_worksheet("Schemes")
    schemes.write_row("A1", ["Scheme", "Note", "Amount"])
    for offset, value in enumerate(SCHEME_VALUES):
        schemes.write(1 + offset, 0, f"S{value}")
        schemes.write_number(1 + offset, 2, value, unlocked)
    schemes.write("B13", "Total")
    schemes.write_formula("C13", "=SUM(schemes.rows)", None, 0)
    schemes.protect("", {"insert_rows": True})
    wb.add_worksheet("Risk register").write("A1", "Risk")
    for name, ref in NAMES.items():
        wb.define_name(name, f"={ref}")
    wb.set_custom_property("TemplateId", "bcf-test")
    wb.close()
    return path


def values(path: Path, sheet: str) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(path, data_only=True)[sheet]


def defined_names(path: Path) -> dict[str, str]:
    return {n: d.attr_text for n, d in openpyxl.load_workbook(path).defined_names.items()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def harness_xlsx(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("src") / "harness.xlsx")


@pytest.fixture(scope="module")
def converted(harness_xlsx, tmp_path_factory) -> dict:
    require_libreoffice()
    variant = build_workbook(harness_xlsx.with_name("variant.xlsx"), amount=5)
    before = {p.name: digest(p) for p in harness_xlsx.parent.iterdir()}
    out_dir = tmp_path_factory.mktemp("recalc")
    outputs = recalc_convert([harness_xlsx, variant], out_dir)
    after = {p.name: digest(p) for p in harness_xlsx.parent.iterdir()}
    return {"outputs": outputs, "out_dir": out_dir, "before": before, "after": after}


@pytest.fixture(scope="module")
def edited(harness_xlsx, tmp_path_factory) -> dict:
    require_libreoffice()
    out = tmp_path_factory.mktemp("uno")
    jobs = {
        "set": [{"op": "set", "name": "cover.amount", "value": 7}],
        "refuse": [
            {"op": "set", "name": "cover.total", "value": 1},
            {"op": "set_cell", "sheet": "Schemes", "cell": "C13", "value": 2, "as_user": True},
        ],
        "force": [
            {"op": "set", "name": "cover.total", "value": 1, "as_user": False},
            {"op": "set_cell", "sheet": "Schemes", "cell": "C13",
             "value": {"formula": "=SUM(C2:C5)"}, "as_user": False},
        ],
        "insert": [
            {"op": "insert_rows", "sheet": "Schemes", "before_row": 6, "count": 1},
            {"op": "set_cell", "sheet": "Schemes", "cell": "C6", "value": 100},
        ],
        "insert_refused": [{"op": "insert_rows", "sheet": "Cover", "before_row": 6, "count": 1}],
        "date": [{"op": "set", "name": "cover.start_date", "value": {"date": "2014-02-10"}}],
        "values": [
            {"op": "set", "name": "cover_amount", "value": 5},
            {"op": "set", "name": "cover.note", "value": "012"},
            {"op": "set", "name": "schemes.rows", "row": 9, "col": 0, "value": 1000},
            {"op": "set_cell", "sheet": "Schemes", "cell": "C3", "value": None},
            {"op": "set_cell", "sheet": "Risk register", "cell": "B2",
             "value": {"formula": '=IF(cover.amount>3,"big","small")'}},
            {"op": "set_cell", "sheet": "Risk register", "cell": "B3",
             "value": {"formula": "=SUM('Schemes'!C2:C4,Cover!C5)"}},
        ],
        "protect": [
            {"op": "unprotect", "sheet": "Cover"},
            {"op": "set", "name": "cover.total", "value": 99},
            {"op": "protect", "sheet": "Cover"},
        ],
        "move": [{"op": "move_sheet", "sheet": "Risk register", "to_index": 1}],
        "delete": [
            {"op": "unprotect", "sheet": "Schemes"},
            {"op": "delete_rows", "sheet": "Schemes", "row": 3, "count": 2},
            {"op": "protect", "sheet": "Schemes"},
        ],
        "bad_ops": [
            {"op": "frobnicate"},
            {"op": "set", "name": "no.such.name", "value": 1},
            {"op": "set", "name": "schemes.rows", "value": 1},
            {"op": "set", "name": "cover.amount", "value": 3},
        ],
    }
    batch = [(harness_xlsx, out / f"{key}.xlsx", ops) for key, ops in jobs.items()]
    batch.insert(1, (out / "missing.xlsx", out / "missing-out.xlsx", jobs["set"]))
    results = uno_edit_many(batch)
    by_key = dict(zip(["set", "missing", *list(jobs)[1:]], results))
    return {"results": by_key, "out": out, "source_digest": digest(harness_xlsx)}


@pytest.mark.libreoffice
class TestRecalcConvert:
    def test_formulas_get_real_results(self, harness_xlsx, converted):
        """Converting replaces xlsxwriter's cached 0 with the values LibreOffice calculates."""
        assert values(harness_xlsx, "Cover")["C8"].value == 0
        template_out, variant_out = converted["outputs"]
        assert values(template_out, "Cover")["C8"].value == 55
        assert values(template_out, "Schemes")["C13"].value == 55
        assert values(variant_out, "Cover")["C8"].value == 60

    def test_outputs_keep_names_in_order(self, converted):
        """One run converts several files to the same file names, returned in the given order."""
        assert [p.name for p in converted["outputs"]] == ["harness.xlsx", "variant.xlsx"]
        assert all(p.parent == converted["out_dir"] for p in converted["outputs"])

    def test_sources_untouched(self, converted):
        """Converting changes no byte of the sources and leaves no lock files beside them."""
        assert converted["after"] == converted["before"]

    def test_custom_property_survives(self, converted):
        """The custom document property written by xlsxwriter is still there after the trip."""
        props = openpyxl.load_workbook(converted["outputs"][0]).custom_doc_props
        assert {p.name: p.value for p in props.props}["TemplateId"] == "bcf-test"

    def test_dotted_and_underscore_names_survive(self, harness_xlsx, converted):
        """Defined names with dots or only underscores come back unchanged after conversion."""
        assert defined_names(converted["outputs"][0]) == defined_names(harness_xlsx) == NAMES

    def test_protection_survives(self, converted):
        """Sheet protection and the unlocked input cells survive the conversion."""
        wb = openpyxl.load_workbook(converted["outputs"][0])
        assert wb["Cover"].protection.sheet and wb["Schemes"].protection.sheet
        assert wb["Cover"]["C5"].protection.locked is False
        assert wb["Cover"]["C8"].protection.locked is True

    def test_missing_output_is_named(self, harness_xlsx, tmp_path):
        """A file LibreOffice cannot load raises LibreOfficeError naming it; no silent success."""
        require_libreoffice()
        broken = tmp_path / "src" / "broken.xlsx"
        broken.parent.mkdir()
        broken.write_bytes(b"PK\x03\x04 this is not a zip archive")
        with pytest.raises(LibreOfficeError, match="broken.xlsx"):
            recalc_convert([harness_xlsx, broken], tmp_path / "out")

    def test_refuses_to_overwrite_sources(self, harness_xlsx):
        """Converting into the sources' own folder is refused before soffice starts."""
        with pytest.raises(ValueError):
            recalc_convert([harness_xlsx], harness_xlsx.parent)


@pytest.mark.libreoffice
class TestUnoEdit:
    def result(self, edited, key: str) -> dict:
        return edited["results"][key]

    def saved(self, edited, key: str, sheet: str):
        return values(edited["out"] / f"{key}.xlsx", sheet)

    def test_set_by_name_recalculates(self, edited):
        """Setting a named input and calculateAll() update the cached results of the formulas."""
        assert self.result(edited, "set") == {
            "ok": True, "errors": [], "dst": str(edited["out"] / "set.xlsx")}
        assert self.saved(edited, "set", "Cover")["C5"].value == 7
        assert self.saved(edited, "set", "Cover")["C8"].value == 62

    def test_source_untouched(self, harness_xlsx, edited):
        """Editing through UNO saves to dst and leaves the source workbook as it was."""
        assert digest(harness_xlsx) == edited["source_digest"]
        assert not [p for p in harness_xlsx.parent.iterdir() if p.name.startswith(".~lock")]

    def test_as_user_refuses_locked_cell(self, edited):
        """A locked cell on a protected sheet is not written, and the refusal is reported."""
        result = self.result(edited, "refuse")
        assert result["ok"] is False and len(result["errors"]) == 2
        assert "cover.total" in result["errors"][0] and "locked" in result["errors"][0]
        assert "Schemes!C13" in result["errors"][1]
        assert self.saved(edited, "refuse", "Cover")["C8"].value == 55
        formula = openpyxl.load_workbook(edited["out"] / "refuse.xlsx")["Cover"]["C8"].value
        assert formula == "=SUM(schemes.rows)+cover.amount"

    def test_as_user_false_overwrites_locked_cell(self, edited):
        """With as_user false the locked formula cells are overwritten, as a bad return would be."""
        assert self.result(edited, "force")["ok"] is True
        assert self.saved(edited, "force", "Cover")["C8"].value == 1
        wb = openpyxl.load_workbook(edited["out"] / "force.xlsx")
        assert wb["Cover"]["C8"].value == 1
        assert wb["Schemes"]["C13"].value == "=SUM(C2:C5)"
        assert self.saved(edited, "force", "Schemes")["C13"].value == 1 + 2 + 3 + 4

    def test_insert_rows_grows_named_range(self, edited):
        """Inserting a row inside a named table grows the name and the SUM over it to 11 rows."""
        assert self.result(edited, "insert")["ok"] is True  # the new row's cell is unlocked too
        names = defined_names(edited["out"] / "insert.xlsx")
        assert names["schemes.rows"] == "Schemes!$C$2:$C$12"
        assert names["schemes.total"] == "Schemes!$C$14"
        wb = openpyxl.load_workbook(edited["out"] / "insert.xlsx")
        assert wb["Schemes"]["C14"].value == "=SUM(schemes.rows)"
        assert self.saved(edited, "insert", "Schemes")["C14"].value == 155
        assert self.saved(edited, "insert", "Cover")["C8"].value == 155

    def test_insert_rows_refused_on_protected_sheet(self, edited):
        """Rows cannot be inserted into a sheet whose protection does not allow it."""
        result = self.result(edited, "insert_refused")
        assert result["ok"] is False and "protected" in result["errors"][0]
        assert defined_names(edited["out"] / "insert_refused.xlsx")["cover.total"] == "Cover!$C$8"

    def test_date_value_is_real_date(self, edited):
        """A date op stores a date serial with a date format, which readers see as a date."""
        assert self.result(edited, "date")["ok"] is True
        assert self.saved(edited, "date", "Cover")["C7"].value == dt.datetime(2014, 2, 10)
        rows = CalamineWorkbook.from_path(str(edited["out"] / "date.xlsx")).get_sheet_by_name(
            "Cover").to_python(skip_empty_area=False)
        assert rows[6][2] in (dt.date(2014, 2, 10), dt.datetime(2014, 2, 10))

    def test_text_formula_clear_and_range_offset(self, edited):
        """Strings stay text, formulas use Excel syntax, None clears, row/col address a table."""
        assert self.result(edited, "values")["ok"] is True, self.result(edited, "values")
        cover = self.saved(edited, "values", "Cover")
        assert cover["C6"].value == "012"
        assert cover["C8"].value == 55 - 2 - 10 + 1000 + 5
        schemes = self.saved(edited, "values", "Schemes")
        assert schemes["C3"].value is None and schemes["C11"].value == 1000
        risk = self.saved(edited, "values", "Risk register")
        assert risk["B2"].value == "big"
        assert risk["B3"].value == 1 + 3 + 5

    def test_unprotect_and_protect(self, edited):
        """Unprotecting lets a user-like edit through, and protecting again is saved."""
        assert self.result(edited, "protect")["ok"] is True
        wb = openpyxl.load_workbook(edited["out"] / "protect.xlsx")
        assert wb["Cover"]["C8"].value == 99
        assert wb["Cover"].protection.sheet is True

    def test_move_sheet(self, edited):
        """move_sheet puts the sheet at the given 0-based position."""
        wb = openpyxl.load_workbook(edited["out"] / "move.xlsx")
        assert wb.sheetnames == ["Cover", "Risk register", "Schemes"]

    def test_delete_rows_shrinks_named_range(self, edited):
        """Deleting two rows of a named table shrinks the name and its SUM."""
        assert self.result(edited, "delete")["ok"] is True
        assert defined_names(edited["out"] / "delete.xlsx")["schemes.rows"] == "Schemes!$C$2:$C$9"
        assert self.saved(edited, "delete", "Schemes")["C11"].value == 55 - 2 - 3

    def test_failing_ops_are_reported_and_job_saved(self, edited):
        """Bad ops are reported one by one while the good ones still apply and the file is saved."""
        result = self.result(edited, "bad_ops")
        assert result["ok"] is False and len(result["errors"]) == 3
        assert "unknown op" in result["errors"][0]
        assert "no.such.name" in result["errors"][1]
        assert "give row and col" in result["errors"][2]
        assert self.saved(edited, "bad_ops", "Cover")["C8"].value == 58

    def test_failing_job_does_not_stop_others(self, edited):
        """A job whose source cannot be loaded fails alone; the jobs after it still run."""
        missing = self.result(edited, "missing")
        assert missing["ok"] is False and "could not load" in missing["errors"][0]
        assert self.result(edited, "move")["ok"] is True

    def test_names_survive_uno_save(self, harness_xlsx, edited):
        """Dotted and underscore-only defined names survive a UNO load and xlsx store."""
        assert defined_names(edited["out"] / "set.xlsx") == NAMES

    def test_single_job_form(self, harness_xlsx, tmp_path):
        """uno_edit runs one job in its own session and returns its result."""
        require_libreoffice()
        dst = tmp_path / "one.xlsx"
        result = uno_edit(harness_xlsx, dst, [{"op": "set", "name": "cover.amount", "value": 1.5}])
        assert result == {"ok": True, "errors": [], "dst": str(dst)}
        assert values(dst, "Cover")["C8"].value == 56.5


class TestRequireLibreOffice:
    def test_fails_in_ci(self, monkeypatch):
        """Without LibreOffice, CI fails the test instead of skipping it."""
        monkeypatch.setenv("BCF_XL_SOFFICE", "no-such-soffice-binary")
        monkeypatch.setenv("CI", "true")
        with pytest.raises(pytest.fail.Exception, match="CI must install"):
            require_libreoffice()

    def test_skips_locally(self, monkeypatch):
        """Without LibreOffice and outside CI, the test is skipped with the reason."""
        monkeypatch.setenv("BCF_XL_SOFFICE", "no-such-soffice-binary")
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match="libreoffice-calc-nogui"):
            require_libreoffice()

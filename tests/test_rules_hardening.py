"""Rules that cannot be fooled by an edited locked cell, a board named on the cover, and dates
written for people (issue: untrusted files, items 16, 17 and 20).

Every return is generated, filled and then edited the way a board that unprotected a sheet
would: a locked pre-populated cell is changed in the sheet's XML (zipfile), so nothing but
that cell changes, and the hidden record of what was issued is deleted where a case needs it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.read.package import parse_area
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.spec.identity import META_SHEET
from bcf_xl.validate import validate_file

LEEDS, WAKEFIELD, BOURNEMOUTH_POOLE = "E08000035", "E08000036", "E06000028"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


# -- editing a workbook as someone who unprotected the sheet would -------------------------------

def _cell(path: Path, name: str, row: int = 0) -> tuple[str, str]:
    """(sheet, A1) of row ``row`` of a defined name."""
    wb = openpyxl.load_workbook(path, read_only=True)
    area = parse_area(wb.defined_names[name].attr_text)
    return area.sheet, f"{get_column_letter(area.first_col + 1)}{area.first_row + row + 1}"


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(s.get(f"{_REL}id") for s in book.iter(f"{_MAIN}sheet") if s.get("name") == sheet)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _cell_xml(a1: str, attrs: str, value: Any) -> str:
    attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
    if isinstance(value, str):
        return f'<c r="{a1}"{attrs} t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{a1}"{attrs}><v>{value}</v></c>'


def _edit_cells(src: Path, dst: Path, edits: dict[tuple[str, str], Any]) -> Path:
    """Copy ``src`` with the cells (sheet, A1) -> value rewritten in their sheet's XML."""
    with zipfile.ZipFile(src) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
        targets = {(sheet, a1): _sheet_part(zin, sheet) for sheet, a1 in edits}
    for (sheet, a1), value in edits.items():
        part = targets[(sheet, a1)]
        xml = parts[part].decode("utf-8")
        pattern = re.compile(rf'<c r="{a1}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
        xml, count = pattern.subn(lambda m: _cell_xml(a1, m.group("attrs"), value), xml, count=1)
        assert count == 1, f"{sheet}!{a1} is not in {part}"
        parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return dst


def _edit_names(src: Path, dst: Path, edits: dict[tuple[str, int], Any]) -> Path:
    """``_edit_cells`` with the cells given as (defined name, row)."""
    return _edit_cells(src, dst, {_cell(src, name, row): v for (name, row), v in edits.items()})


def _without_record(src: Path, dst: Path) -> Path:
    """The return with its hidden record of issued values deleted (the sheet removed)."""
    wb = openpyxl.load_workbook(src)
    del wb[META_SHEET]
    wb.save(dst)
    return dst


def _found(path: Path, reference) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.sheet, f.cell) for f in validate_file(path, reference=reference).findings}


def _messages(path: Path, reference, code: str) -> list[str]:
    return [f.message for f in validate_file(path, reference=reference).findings if f.code == code]


@pytest.fixture(scope="module")
def revised(tmp_path_factory, template_revised, reference) -> Callable[..., Path]:
    """A Leeds return of the revised version (2014-09) with changes made to its example."""
    out = tmp_path_factory.mktemp("revised")
    blank = generate_workbook(template_revised, reference.get(LEEDS), out, dt.date(2014, 8, 18))

    def make(*changes: Callable[[dict], None], name: str = "return") -> Path:
        doc = example_document(template_revised, reference.get(LEEDS))
        for change in changes:
            change(doc)
        return fill_workbook(blank, doc, out / f"{name}.xlsx", template_revised)
    return make


# -- item 16: the rules measure the plan against what was issued --------------------------------

@pytest.mark.parametrize("record", ["kept", "deleted"])
@pytest.mark.parametrize("minimum,amount,code,says", [
    ("funding.contributions.minimum_1415", "funding.contributions.planned_1415",
     "finance.below_minimum", "contribute £2 in 2014/15, below its minimum contribution of "
                              "£2,678,572."),
    ("funding.dfg_allocation_1516", "funding.dfg_included_1516", "finance.dfg_missing",
     "included in the pool is £2, below the allocation of £1,607,143."),
])
def test_a_lowered_minimum_is_not_the_minimum(record, minimum, amount, code, says,
                                              filled_example, reference, tmp_path):
    """A locked minimum (or grant allocation) lowered to 1 after unprotecting, with the amount
    lowered to 2 beside it: the shortfall is reported on the amount against the issued
    minimum, and the edited cell as a changed pre-populated value. With the hidden record
    deleted the issued values come from the reference data for the board, with the same
    result."""
    source = filled_example(LEEDS)
    row = 1 if "contributions" in minimum else 0
    edited = _edit_names(source, tmp_path / "edited.xlsx", {(minimum, row): 1, (amount, row): 2})
    if record == "deleted":
        edited = _without_record(edited, tmp_path / "no_record.xlsx")
    found = _found(edited, reference)
    assert (code, *_cell(source, amount, row)) in found
    assert ("identity.prepopulated_changed", *_cell(source, minimum, row)) in found
    message, = _messages(edited, reference, code)
    assert says in message


def test_a_lowered_minimum_is_reported_by_the_command(filled_example, reference, tmp_path):
    """Through `bcf-xl validate`: exit status 1, the shortfall against the issued minimum."""
    source = filled_example(LEEDS)
    edited = _edit_names(source, tmp_path / "edited.xlsx",
                         {("funding.contributions.minimum_1516", 2): 0,
                          ("funding.contributions.planned_1516", 2): 5})
    run = subprocess.run([sys.executable, "-m", "bcf_xl", "validate", str(edited),
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    report, = json.loads(run.stdout)["files"]
    below = [f for f in report["findings"] if f["code"] == "finance.below_minimum"]
    assert [(f["sheet"], f["cell"]) for f in below] == [_cell(source,
                                                             "funding.contributions.planned_1516", 2)]
    assert "£8,392,108" in below[0]["message"]


def _no_ooh_schemes(doc: dict) -> None:
    for row in doc["schemes"]["rows"]:
        row["nhs_ooh"] = "No"


def _plan_increase(doc: dict) -> None:
    for row in doc["p4p"]["quarters"].values():
        row["plan"] = round(row["baseline"] * 1.02)


def _computed(path: Path, reference) -> dict[str, Any]:
    """A return's single values by qualified id: what it holds, and its formulas as the
    validator recomputes them."""
    from bcf_xl.spec import pointer as pointers

    result = validate_file(path, reference=reference)
    values = {f"{sheet}.{key}": value for sheet, part in result.document.data.items()
              for key, value in part.items() if not isinstance(value, (list, dict))}
    values.update({pointers.parse(p).qid: v for p, v in result.computed.items()
                   if not pointers.parse(p).in_table})
    return values


def test_a_lowered_share_does_not_lower_the_ring_fence(revised, reference, tmp_path):
    """2014-09: no scheme is marked as NHS out-of-hospital, and the board's share of the 1bn
    was lowered below the pot so that the ring-fence (share less pot) reads negative: the
    shortfall is still reported, against the ring-fence from the issued share."""
    source = revised(_no_ooh_schemes, name="no_ooh")
    edited = _edit_names(source, tmp_path / "share.xlsx", {("p4p.share", 0): 1000})
    found = _found(edited, reference)
    assert ("finance.ring_fence_shortfall", *_cell(source, "schemes.ooh_1516")) in found
    assert ("identity.prepopulated_changed", *_cell(source, "p4p.share")) in found
    message, = _messages(edited, reference, "finance.ring_fence_shortfall")
    issued = _computed(source, reference)  # the return as issued: its share and ring-fence
    assert f"£{issued['p4p.share']:,.0f}" in message and f"£{issued['p4p.ooh']:,.0f}" in message


def test_a_changed_cost_of_an_admission_does_not_make_the_pot_match(revised, reference,
                                                                   tmp_path):
    """2014-09: the pot stated at the planned reduction times £1,000, and the locked cost of
    an admission changed from £1,490 to £1,000 to match: the stated pot is still wrong."""
    reduction = _computed(revised(lambda doc: None, name="as_planned"),
                          reference)["p4p.reduction_total"]

    def understate(doc: dict) -> None:
        doc["p4p"]["stated_pot"] = reduction * 1000  # the planned fall at £1,000 an admission
    source = revised(understate, name="understated_pot")
    edited = _edit_names(source, tmp_path / "cost.xlsx", {("p4p.unit_cost", 0): 1000})
    found = _found(edited, reference)
    assert ("p4p.pot_mismatch", *_cell(source, "p4p.stated_pot")) in found
    assert ("identity.prepopulated_changed", *_cell(source, "p4p.unit_cost")) in found
    message, = _messages(edited, reference, "p4p.pot_mismatch")
    assert f"£{reduction * 1490:,.0f}" in message and f"{reduction:,.0f} admissions x £1,490" in message


def test_a_raised_baseline_does_not_hide_an_increase(revised, reference, tmp_path):
    """2014-09: the plan is 2% above the issued baseline; the locked baseline of quarter 1 was
    raised so that the year's baseline is above the plan: the increase is still reported."""
    source = revised(_plan_increase, name="increase")
    edited = _edit_names(source, tmp_path / "baseline.xlsx", {("p4p.quarters.baseline", 0): 12000})
    found = _found(edited, reference)
    assert ("p4p.increase_planned", *_cell(source, "p4p.plan_total")) in found
    assert ("identity.prepopulated_changed", *_cell(source, "p4p.quarters.baseline", 0)) in found
    message, = _messages(edited, reference, "p4p.increase_planned")
    assert "(38,718)" in message  # the issued baseline for the year, not 40,748


def test_an_edited_denominator_is_still_reported_as_invalid(revised, reference, tmp_path):
    """A denominator the template issued is compared with its issued value by its own check,
    so it is read as it is: the change is reported by that check and as a changed value."""
    source = revised(name="denominator")
    edited = _edit_names(source, tmp_path / "den.xlsx", {("metrics.national.plan_1516_den", 0): 5})
    found = _found(edited, reference)
    cell = _cell(source, "metrics.national.plan_1516_den", 0)
    assert ("metrics.denominator_invalid", *cell) in found
    assert ("identity.prepopulated_changed", *cell) in found


def test_the_untouched_returns_stay_valid(filled_example, revised, reference):
    """Putting the issued values back changes nothing for a return that was not edited."""
    for path in (filled_example(LEEDS), revised(name="valid")):
        result = validate_file(path, reference=reference)
        assert (result.status, result.findings) == ("valid", ())


# -- item 17: the cover's council code names another board ---------------------------------------

@pytest.mark.parametrize("record,with_reference", [("kept", True), ("deleted", True),
                                                   ("deleted", False)])
def test_another_boards_code_on_the_cover_is_a_board_mismatch(record, with_reference,
                                                              filled_example, reference,
                                                              tmp_path):
    """Leeds's cover code changed to Wakefield's: identity.hwb_mismatch on the cover cell,
    once, and not also a changed pre-populated value there (one fault, the code that says what
    to check); whether the issued codes come from the record, the reference data, or only the
    identity."""
    source = filled_example(LEEDS)
    cell = _cell(source, "cover.hwb_code")
    edited = _edit_cells(source, tmp_path / "code.xlsx", {cell: WAKEFIELD})
    if record == "deleted":
        edited = _without_record(edited, tmp_path / "no_record.xlsx")
    result = validate_file(edited, reference=reference if with_reference else None)
    at_cell = [(f.code, f.message) for f in result.findings if (f.sheet, f.cell) == cell]
    assert at_cell == [("identity.hwb_mismatch",
                        "This template was issued to Leeds (E08000035) but the cover gives the "
                        "council code E08000036, of another board. Check that you are sending "
                        "the return for the right Health and Wellbeing Board.")]
    assert result.status == "invalid"


def test_another_boards_code_fails_the_command(filled_example, tmp_path):
    """Through `bcf-xl validate --format json`: exit status 1 and the mismatch on its cell, the
    only finding."""
    source = filled_example(LEEDS)
    sheet, a1 = _cell(source, "cover.hwb_code")
    edited = _edit_cells(source, tmp_path / "code.xlsx", {(sheet, a1): WAKEFIELD})
    run = subprocess.run([sys.executable, "-m", "bcf_xl", "validate", str(edited),
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    report, = json.loads(run.stdout)["files"]
    assert [(f["code"], f["sheet"], f["cell"]) for f in report["findings"]] == [
        ("identity.hwb_mismatch", sheet, a1)]


def test_a_shared_boards_own_codes_are_not_another_board(filled_example, reference, tmp_path):
    """Bournemouth and Poole share a board (two council codes): its cover as issued is no
    mismatch, and with Poole's code deleted it is a changed pre-populated value, not another
    board."""
    source = filled_example(BOURNEMOUTH_POOLE)
    cell = _cell(source, "cover.hwb_code")
    assert validate_file(source, reference=reference).findings == ()
    edited = _edit_cells(source, tmp_path / "one_code.xlsx", {cell: BOURNEMOUTH_POOLE})
    at_cell = [f.code for f in validate_file(edited, reference=reference).findings
               if (f.sheet, f.cell) == cell]
    assert at_cell == ["identity.prepopulated_changed"]


# -- item 20: dates in messages are dd/mm/yyyy --------------------------------------------------

def _dates_2014_02(doc: dict) -> None:
    doc["cover"]["submitted_date"] = "2013-03-31"  # before the dates a return can have
    doc["cover"]["hwb_signoff_date"] = "2013-04-02"
    doc["national_conditions"]["conditions"]["c4"]["met_by"] = "2015-09-01"


def _dates_2014_09(doc: dict) -> None:
    doc["cover"]["resignoff_date"] = "2014-07-01"  # before the revised template was issued
    doc["cover"]["submitted_date"] = "2014-06-30"  # and before the re-sign-off


def _typed_dates(path: Path, out: Path, cells: dict[str, Any]) -> Path:
    """Real date cells typed where a date does not belong (a money cell, an e-mail)."""
    wb = openpyxl.load_workbook(path)
    for name, value in cells.items():
        area = parse_area(wb.defined_names[name].attr_text)
        ws = wb[area.sheet]
        ws.protection.sheet = False
        cell = ws.cell(area.first_row + 1, area.first_col + 1)
        cell.value, cell.number_format = value, "dd/mm/yyyy"
    wb.save(out)
    return out


def test_no_message_shows_an_iso_date(return_with, revised, reference, tmp_path):
    """Returns with date problems of every kind (out of range, signed after submission, a
    condition met too late, re-signed before the revised template, a date typed into a money
    cell, an e-mail and a scheme reference): no message holds an ISO date, each date reads
    dd/mm/yyyy, and the data keeps ISO dates."""
    old = _typed_dates(return_with(LEEDS, _dates_2014_02, name="dates"), tmp_path / "old.xlsx",
                       {"funding.additional.amount_1415": dt.datetime(2014, 3, 31),
                        "cover.contact_email": dt.datetime(2014, 2, 14)})
    new = _typed_dates(revised(_dates_2014_09, name="dates"), tmp_path / "new.xlsx",
                       {"benefits.rows.scheme_ref": dt.datetime(2014, 4, 1)})
    findings = [f for path in (old, new)
                for f in validate_file(path, reference=reference).findings]
    assert findings
    assert [f.message for f in findings if ISO_DATE.search(f.message)] == []
    by_code: dict[str, list] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    shown = {code: " ".join(f.message for f in fs) for code, fs in by_code.items()}
    assert "it is 31/03/2013" in shown["schema.range"]
    assert "from 01/04/2013 to 31/03/2016" in shown["schema.range"]
    assert "(02/04/2013)" in shown["cover.signoff_after_submission"]
    assert "(30/06/2014)" in shown["cover.signoff_after_submission"]
    assert "01/09/2015, after 31/03/2015" in shown["nc.date_out_of_range"]
    assert "01/07/2014" in shown["cover.resignoff_missing"]
    assert "25/07/2014" in shown["cover.resignoff_missing"]
    assert "contains 31/03/2014" in shown["schema.type"]
    assert "contains 14/02/2014" in shown["schema.format"]
    assert "the scheme reference '01/04/2014'" in shown["benefits.scheme_unknown"]
    submitted = next(f for f in by_code["schema.range"] if f.field_id == "cover.submitted_date")
    assert submitted.to_dict()["value"] == "2013-03-31"


def test_a_date_in_a_locked_cell_reads_dd_mm_yyyy(filled_example, reference, tmp_path):
    """A date typed over a pre-populated text cell: the changed-value message shows it as a
    person would read it."""
    edited = _typed_dates(filled_example(LEEDS), tmp_path / "region.xlsx",
                          {"cover.region": dt.datetime(2014, 1, 6)})
    messages = _messages(edited, reference, "identity.prepopulated_changed")
    assert messages and all(not ISO_DATE.search(m) for m in messages)
    assert any("now reads 06/01/2014" in m for m in messages)

"""Issue 10's reading and wrong-answer cases, each on a file the test builds, through the
command line: the exact code, sheet, cell and exit status, and never a traceback.

Files are a valid return (filled by the generator's own fill) changed at the XML level with
tests/support/fuzz.py's building blocks, or edited in LibreOffice where a board would.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.fuzz import (Case, FarCell, ManyFormulas, SetCells, SharedStringsCount, Value,
                          load_base, run_limited, write_zip)

BIN = Path(sys.executable).parent


def _no_constants(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def validate(path: Path, *extra: str) -> tuple[int, list[dict], str]:
    """Exit status, findings (from the JSON report, which must be strict JSON) and stderr."""
    done = subprocess.run([str(BIN / "bcf-xl"), "validate", str(path), "--format", "json",
                           *extra], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr
    report, = json.loads(done.stdout, parse_constant=_no_constants)["files"]
    return done.returncode, report["findings"], done.stderr


def where(findings: list[dict]) -> set[tuple[str, str | None, str | None]]:
    return {(f["code"], f["sheet"], f["cell"]) for f in findings}


@pytest.fixture(scope="module")
def base(filled_example, template):
    return load_base(filled_example("E08000035"), template)


@pytest.fixture(scope="module")
def shared_base(filled_example, template):
    """The same return with its text in a sharedStrings part, as Excel and LibreOffice save."""
    return load_base(filled_example("E08000035"), template, shared_strings=True)


def cell_of(base, qid: str, row: int = 0):
    return [c for c in base.inputs if c.qid == qid][row]


def title_of(base, part: str) -> str:
    return next(t for t, p in base.sheets.items() if p == part)


def build(tmp_path: Path, base, *mutations, shared: bool = False, name: str = "r.xlsx") -> Path:
    bases = {shared: base}
    path = tmp_path / name
    path.write_bytes(Case(shared, tuple(mutations)).build(bases))
    return path


def put(base, *changes: tuple[str, Value, int]) -> SetCells:
    cells = []
    for qid, value, row in changes:
        cell = cell_of(base, qid, row)
        cells.append((cell.part, cell.ref, value))
    return SetCells(tuple(cells))


# -- crashes and lost runs ------------------------------------------------------------------

def test_non_finite_numbers_are_type_findings_on_their_cells(base, tmp_path):
    """NaN, INF (as stored numbers) and the text 1E+400 in money cells are schema.type on their
    cells; the JSON report is strict JSON, and a batch over the file writes every report."""
    path = build(tmp_path, base, put(
        base, ("schemes.rows.expenditure_1415", Value("number", "NaN"), 0),
        ("schemes.rows.expenditure_1516", Value("number", "INF"), 0),
        ("schemes.rows.expenditure_1415", Value("text", "1E+400"), 1)))
    status, found, _ = validate(path)
    cells = [cell_of(base, "schemes.rows.expenditure_1415", 0),
             cell_of(base, "schemes.rows.expenditure_1516", 0),
             cell_of(base, "schemes.rows.expenditure_1415", 1)]
    schemes = title_of(base, cells[0].part)
    assert status == 1
    assert {("schema.type", schemes, c.ref) for c in cells} <= where(found)
    mailbox, out = tmp_path / "mailbox", tmp_path / "out"
    mailbox.mkdir()
    path.rename(mailbox / path.name)
    done = subprocess.run([str(BIN / "bcf-xl"), "batch", str(mailbox), "--out", str(out),
                           "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    with open(out / "summary.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["invalid"]
    assert (out / "national" / "national.xlsx").exists() or any(out.rglob("*.xlsx"))


@pytest.mark.parametrize("serial", ["-1e20", "-inf", "1e300"])
def test_an_impossible_date_serial_is_a_finding_not_a_panic(base, tmp_path, serial):
    """A date cell holding a day number no calendar has is reported on the cell as not a date
    (python-calamine panicked here)."""
    cell = cell_of(base, "cover.hwb_signoff_date")
    path = build(tmp_path, base, put(base, ("cover.hwb_signoff_date", Value("number", serial), 0)))
    status, found, _ = validate(path)
    assert status == 1
    assert ("schema.type", "Cover", cell.ref) in where(found) or (
        "schema.format", "Cover", cell.ref) in where(found)


@pytest.mark.parametrize("ref", ["XFD1048576", "Z1048576"])
def test_a_value_typed_far_away_is_passed_over_in_little_memory(base, tmp_path, ref):
    """One value in the last row of the Cover: the return stays valid, within the per-file
    limits, and costs no more memory than the return without it (python-calamine aborted the
    process or took 2 GB). The child is forked from this process, so its peak includes what
    this process holds: compared with the same return untouched."""
    cover = base.sheets["Cover"]
    untouched = run_limited(build(tmp_path, base, name="untouched.xlsx"))
    outcome = run_limited(build(tmp_path, base, FarCell(cover, ref, True)))
    assert outcome.problems() == [] and outcome.status == "valid"
    assert outcome.peak_mb < untouched.peak_mb + 50


def test_a_huge_shared_string_count_allocates_nothing(shared_base, tmp_path):
    path = build(tmp_path, shared_base, SharedStringsCount(2_000_000_000), shared=True)
    outcome = run_limited(path)
    assert outcome.problems() == [] and outcome.status == "valid"


@pytest.mark.parametrize("how", ["cells", "one_cell", "loose"])
def test_many_formula_elements_are_read_in_linear_time(base, tmp_path, how):
    """240,000 <f/> elements in one sheet part (under 1 MB): seconds, not minutes."""
    path = build(tmp_path, base, ManyFormulas(base.sheets["Funding"], 240_000, True, how))
    outcome = run_limited(path)
    assert outcome.problems() == [], outcome.problems()
    assert outcome.seconds < 5


def test_validate_gives_up_on_a_file_at_its_time_limit(filled_example):
    """--timeout: a file that takes longer is "not checked", exit 1, and says why."""
    status, found, _ = validate(filled_example("E08000035"), "--timeout", "0.001")
    assert status == 1
    assert [f["code"] for f in found] == ["batch.worker_failed"]
    assert "second limit" in found[0]["message"]


# -- wrong answers --------------------------------------------------------------------------

@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#REF!"])
def test_an_error_value_outside_every_table_changes_nothing(base, tmp_path, error):
    """An error cached in a label cell, outside every input and table, is not a finding."""
    path = build(tmp_path, base, SetCells(((base.sheets["Cover"], "B4", Value("error", error)),)))
    status, found, _ = validate(path)
    assert (status, found) == (0, [])


def test_error_values_in_input_cells_say_what_the_cell_holds(base, tmp_path):
    """#REF!, #N/A and #DIV/0! typed (or computed) in input cells are schema.error_value naming
    the error, never "blank" (schema.required) on the same cell."""
    changes = (("cover.contact_name", "#REF!"), ("cover.contact_email", "#N/A"),
               ("schemes.rows.expenditure_1415", "#DIV/0!"))
    path = build(tmp_path, base, put(base, *((q, Value("error", e), 0) for q, e in changes)))
    status, found, _ = validate(path)
    assert status == 1
    for qid, error in changes:
        cell = cell_of(base, qid)
        sheet = title_of(base, cell.part)
        on_cell = [f for f in found if (f["sheet"], f["cell"]) == (sheet, cell.ref)]
        assert [f["code"] for f in on_cell] == ["schema.error_value"], on_cell
        assert error in on_cell[0]["message"]


def test_a_bad_shared_string_index_is_corrupt_and_named(shared_base, tmp_path):
    """A shared-string index of -1 is file.corrupt naming the part, its sheet and the cell."""
    cell = cell_of(shared_base, "cover.contact_name")
    path = build(tmp_path, shared_base, put(shared_base, ("cover.contact_name",
                                                          Value("shared", "-1"), 0)), shared=True)
    status, found, _ = validate(path)
    assert status == 1
    assert where(found) == {("file.corrupt", "Cover", cell.ref)}
    assert cell.part in found[0]["message"] and cell.ref in found[0]["message"]


def test_a_sheet_part_that_is_not_well_formed_is_corrupt_and_named(base, tmp_path):
    """The Guidance sheet (read by no rule) cut in half is still a damaged workbook."""
    part = base.sheets["Guidance"]
    parts = [(n, d[: len(d) // 2] if n == part else d) for n, d in base.parts]
    path = tmp_path / "cut.xlsx"
    path.write_bytes(write_zip(parts))
    status, found, _ = validate(path)
    assert (status, [f["code"] for f in found]) == (1, ["file.corrupt"])
    assert part in found[0]["message"] and found[0]["sheet"] == "Guidance"


def test_a_dtd_hidden_by_utf16_is_unsafe(base, tmp_path):
    """A DOCTYPE in a UTF-16 sheet part is file.unsafe_xml, not merely corrupt."""
    part = base.sheets["Cover"]
    xml = base.part(part).decode("utf-8")
    body = xml[xml.index("?>") + 2:] if xml.startswith("<?xml") else xml
    evil = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>' + body)
    parts = [(n, evil.encode("utf-16") if n == part else d) for n, d in base.parts]
    path = tmp_path / "utf16.xlsx"
    path.write_bytes(write_zip(parts))
    status, found, _ = validate(path)
    assert (status, [f["code"] for f in found]) == (1, ["file.unsafe_xml"])


def test_a_doctype_in_a_part_not_named_xml_is_unsafe(base, tmp_path):
    parts = list(base.parts) + [("xl/media/notes.bin", b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>')]
    path = tmp_path / "bin.xlsx"
    path.write_bytes(write_zip(parts))
    status, found, _ = validate(path)
    assert (status, [f["code"] for f in found]) == (1, ["file.unsafe_xml"])
    assert "xl/media/notes.bin" in found[0]["message"]


def _without_name(path: Path, out: Path, name: str) -> Path:
    with zipfile.ZipFile(path) as zf:
        parts = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    pattern = re.compile(rb'<definedName name="%s">[^<]*</definedName>' % re.escape(name.encode()))
    fixed = [(n, pattern.sub(b"", d) if n == "xl/workbook.xml" else d) for n, d in parts]
    out.write_bytes(write_zip(fixed))
    return out


def test_a_missing_name_is_one_structure_finding_and_its_cell_is_not_called_blank(
        filled_example, tmp_path):
    """The e-mail's defined name deleted: structure.name_missing once; no schema.required for
    a value the person can see; the rest is read as usual."""
    path = _without_name(filled_example("E08000035"), tmp_path / "noname.xlsx",
                         "cover.contact_email")
    status, found, _ = validate(path)
    assert status == 1
    assert [f["code"] for f in found] == ["structure.name_missing"]
    assert found[0]["field_id"] == "cover.contact_email"


def test_a_missing_column_name_is_one_finding_not_a_cascade(filled_example, tmp_path):
    """A Schemes column's name deleted: one structure finding; no row is called incomplete
    for lacking a value that could not be read."""
    path = _without_name(filled_example("E08000035"), tmp_path / "nocol.xlsx",
                         "schemes.rows.provider")
    status, found, _ = validate(path)
    assert status == 1
    assert [f["code"] for f in found] == ["structure.name_missing"]


def test_an_overwritten_checklist_formula_is_reported(base, tmp_path):
    """The "Complete template" status and a "Done?" cell typed over on the Checklist are
    formula.overwritten on their cells."""
    checklist = base.sheets["Checklist"]
    done_cell = re.findall(rb'<c r="(E[0-9]+)"[^>]*><f>', base.part(checklist))[3].decode()
    path = build(tmp_path, base, SetCells((
        (checklist, "C2", Value("text", "Complete template")),
        (checklist, done_cell, Value("text", "Yes")))))
    status, found, _ = validate(path)
    assert status == 1
    assert where(found) == {("formula.overwritten", "Checklist", "C2"),
                            ("formula.overwritten", "Checklist", done_cell)}


def test_line_breaks_are_kept(return_with, tmp_path):
    """A multi-line answer keeps its lines in extract and in the national dataset; only
    spaces within a line are collapsed."""
    def two_lines(doc):
        doc["cover"]["contact_role"] = "Head of finance\nBCF lead  for   Leeds"
    path = return_with("E08000035", two_lines, name="lines")
    done = subprocess.run([str(BIN / "bcf-xl"), "extract", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert json.loads(done.stdout)["cover"]["contact_role"] == "Head of finance\nBCF lead for Leeds"


def test_a_column_inserted_inside_the_schemes_table_is_one_warning(tmp_path, filled_example,
                                                                    reference):
    """A column inserted inside the Schemes table in LibreOffice (which moves each column's
    name with it): every scheme is read as before, and the change is one
    structure.table_changed warning, not a cascade of errors."""
    from support.libreoffice import require_libreoffice, uno_edit

    from bcf_xl.read.package import parse_area
    from bcf_xl.validate import validate_file

    require_libreoffice()
    source = filled_example("E08000035")
    with zipfile.ZipFile(source) as zf:
        names = dict(re.findall(r'<definedName name="([^"]+)">([^<]+)</definedName>',
                                zf.read("xl/workbook.xml").decode()))
    body = parse_area(names["schemes.rows"])
    edited = tmp_path / "column.xlsx"
    result = uno_edit(source, edited, [
        {"op": "unprotect", "sheet": "Schemes"},
        {"op": "insert_columns", "sheet": "Schemes", "before_col": body.first_col + 4, "count": 1},
        {"op": "protect", "sheet": "Schemes"}])
    assert result["ok"], result["errors"]
    before = validate_file(source, reference=reference)
    after = validate_file(edited, reference=reference)
    assert after.document.data["schemes"] == before.document.data["schemes"]
    assert [(f.code, f.severity.value, f.sheet) for f in after.findings] == [
        ("structure.table_changed", "warning", "Schemes")]
    status, found, _ = validate(edited)
    assert status == 0 and [f["code"] for f in found] == ["structure.table_changed"]


def test_the_national_dataset_keeps_line_breaks(return_with, tmp_path):
    """A multi-line answer keeps its paragraphs in the consolidated dataset."""
    def two_lines(doc):
        doc["cover"]["contact_role"] = "Head of finance\nBCF lead"
    mailbox, out = tmp_path / "mailbox", tmp_path / "out"
    mailbox.mkdir()
    path = return_with("E08000035", two_lines, name="dataset")
    (mailbox / path.name).write_bytes(path.read_bytes())
    done = subprocess.run([str(BIN / "bcf-xl"), "batch", str(mailbox), "--out", str(out),
                           "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stdout + done.stderr
    texts = [p.read_text(encoding="utf-8-sig") for p in out.rglob("*.csv")]
    assert any("Head of finance\nBCF lead" in t for t in texts)

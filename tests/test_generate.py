"""The generated planning templates, opened with openpyxl and checked against the spec."""

from __future__ import annotations

import hashlib
import zipfile

import openpyxl
import pytest

from bcf_xl.issue.many import generate_many
from bcf_xl.parallel import PARALLEL_FROM
from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.spec.identity import META_SHEET, TEMPLATE_ID, Identity, digest
from bcf_xl.read.intake import inspect
from bcf_xl.read.package import parse_area
from bcf_xl.issue.prepopulate import prepopulated_values
from bcf_xl.spec.model import FORMULA, INPUT

from conftest import ISSUED


@pytest.fixture(scope="module")
def leeds(blank_template):
    return openpyxl.load_workbook(blank_template("E08000035"))


def _cell(wb, name):
    area = parse_area(wb.defined_names[name].attr_text)
    return wb[area.sheet].cell(area.first_row + 1, area.first_col + 1)


def test_sheets_in_order_with_lists_and_meta_hidden(leeds, template):
    """The workbook has the spec's sheets in order, then Checklist, a hidden Lists sheet and a
    very hidden metadata sheet."""
    titles = [s.title for s in template.sheets]
    assert leeds.sheetnames == titles + ["Checklist", "Lists", META_SHEET]
    assert leeds["Lists"].sheet_state == "hidden"
    assert leeds[META_SHEET].sheet_state == "veryHidden"
    assert all(leeds[t].sheet_state == "visible" for t in titles + ["Checklist"])


def test_every_sheet_is_protected(leeds):
    """Every sheet is protected, so only the unlocked input cells can be edited."""
    assert all(ws.protection.sheet for ws in leeds.worksheets)


def test_every_field_has_a_name_on_a_cell_styled_for_its_role(leeds, template):
    """Each field's defined name resolves to one cell, unlocked and yellow for inputs, locked
    otherwise, with a formula in formula cells."""
    yellow = template.style["input"].lstrip("#").upper()
    for sheet, table, field in template.all_fields():
        if table is not None:
            continue
        cell = _cell(leeds, field.qid)
        assert cell.parent.title == sheet.title
        assert cell.protection.locked is (field.role != INPUT), field.qid
        if field.role == INPUT:
            assert cell.fill.fgColor.rgb.endswith(yellow), field.qid
        if field.role == FORMULA:
            assert str(cell.value).startswith("="), field.qid


def test_table_names_cover_the_body_and_each_column(leeds, template, reference):
    """A table's name spans its body; each column's name is that column of the body; issued
    tables have one row per organisation."""
    leeds_ref = reference.get("E08000035")
    for sheet in template.form_sheets():
        for table in sheet.tables():
            body = parse_area(leeds.defined_names[table.qid].attr_text)
            assert body.sheet == sheet.title
            for j, column in enumerate(table.columns):
                col = parse_area(leeds.defined_names[column.qid].attr_text)
                assert (col.first_col, col.first_row, col.last_row) == (
                    body.first_col + j, body.first_row, body.last_row), column.qid
            if table.rows.count:
                assert body.height == table.rows.count
    assert parse_area(leeds.defined_names["cover.ccg_signoff"].attr_text).height == len(leeds_ref.ccgs)
    assert parse_area(leeds.defined_names["funding.contributions"].attr_text).height == 1 + len(leeds_ref.ccgs)


def test_prepopulated_cells_hold_the_reference_values(leeds, template, reference):
    """Every pre-populated value is in its cell, grey and locked."""
    grey = template.style["prepopulated"].lstrip("#").upper()
    values = prepopulated_values(template, reference.get("E08000035"))
    assert values["/cover/hwb_name"] == "Leeds"
    for pointer, value in values.items():
        parts = pointer.strip("/").split("/")
        if len(parts) == 2:
            cell = _cell(leeds, ".".join(parts))
        else:
            area = parse_area(leeds.defined_names[f"{parts[0]}.{parts[1]}.{parts[3]}"].attr_text)
            index = int(parts[2]) if parts[2].isdigit() else [
                r.id for r in template.row_sets[template.table(f"{parts[0]}.{parts[1]}").rows.source]
            ].index(parts[2])
            cell = leeds[area.sheet].cell(area.first_row + index + 1, area.first_col + 1)
        assert cell.value == value, pointer
        assert cell.protection.locked, pointer
        assert cell.fill.fgColor.rgb.endswith(grey), pointer


def test_drop_downs_point_at_the_hidden_lists(leeds, template):
    """Every choice input has a list validation whose source is the named range of its list,
    and that range holds the list's values."""
    for sheet, table, field in template.all_fields():
        if field.type != "choice" or field.role != INPUT:
            continue
        ws = leeds[sheet.title]
        target = _cell(leeds, field.qid) if table is None else _first_cell(leeds, field.qid)
        matching = [dv for dv in ws.data_validations.dataValidation
                    if target.coordinate in dv.sqref]
        assert matching, field.qid
        assert matching[0].type == "list" and matching[0].formula1 == f"lists.{field.list}"
        area = parse_area(leeds.defined_names[f"lists.{field.list}"].attr_text)
        values = [leeds["Lists"].cell(r + 1, area.first_col + 1).value
                  for r in range(area.first_row, area.last_row + 1)]
        assert tuple(values) == template.lists[field.list]


def _first_cell(wb, qid):
    area = parse_area(wb.defined_names[qid].attr_text)
    return wb[area.sheet].cell(area.first_row + 1, area.first_col + 1)


def test_numeric_and_date_inputs_are_range_checked(leeds, template):
    """Money inputs accept whole pounds 0-100,000,000 and dates 1 April 2013 - 31 March 2016."""
    ws = leeds["Cover"]
    date_cell = _cell(leeds, "cover.hwb_signoff_date").coordinate
    dv = next(d for d in ws.data_validations.dataValidation if date_cell in d.sqref)
    assert dv.type == "date" and dv.operator in (None, "between")  # between is the default
    funding = leeds["Funding"]
    money = _cell(leeds, "funding.dfg_included_1516").coordinate
    dv = next(d for d in funding.data_validations.dataValidation if money in d.sqref)
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "0", str(template.parameters["money_max"]))


def test_checklist_has_a_checker_for_every_required_input(leeds, template, reference):
    """The checklist holds one Yes/No checker formula per required cell and a status title."""
    ws = leeds["Checklist"]
    checkers = [c for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=IF(") and '"Yes","No"' in c.value
                and c.column == 5]
    leeds_ref = reference.get("E08000035")
    required_fields = sum(1 for _, t, f in template.all_fields()
                          if t is None and (f.required or f.required_unless))
    per_ccg = sum(1 for c in template.table("cover.ccg_signoff").columns if c.required)
    per_contribution = sum(1 for c in template.table("funding.contributions").columns if c.required)
    assert len(checkers) >= required_fields + per_ccg * len(leeds_ref.ccgs) \
        + per_contribution * (1 + len(leeds_ref.ccgs))
    assert "Complete template" in _cell(leeds, "checklist.status").value


def test_identity_metadata_is_right_for_every_board(tmp_path_factory, template, reference):
    """All 151 boards get a template whose custom properties and _meta sheet name the template,
    version, board, issue date and the digest of the values it was issued with."""
    out = tmp_path_factory.mktemp("all")
    written = generate_many(template, reference.hwbs, out, ISSUED, workers=2)
    paths = {h.code: path for h, path in zip(reference.hwbs, written)}
    assert len(paths) == 151
    for code, path in paths.items():
        assert path.name.startswith(code + "_")
        identity = inspect(path, known_versions=[template.version]).identity
        hwb = reference.get(code)
        assert identity.template_id == TEMPLATE_ID and identity.version == template.version
        assert (identity.hwb_code, identity.hwb_name, identity.issued) == (
            code, hwb.name, ISSUED.isoformat())
        assert identity.digest == digest(prepopulated_values(template, hwb))


def test_meta_sheet_repeats_the_identity(leeds):
    """The _meta sheet carries the same identity as the document properties."""
    rows = {r[0]: r[1] for r in leeds[META_SHEET].iter_rows(values_only=True)}
    props = {p.name: p.value for p in leeds.custom_doc_props.props}
    identity = Identity.from_properties(props)
    assert Identity.from_properties(rows) == identity


def test_generation_is_deterministic(tmp_path, template, reference):
    """Generating the same board twice with the same issue date gives identical bytes."""
    hwb = reference.get("E06000028")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = generate_workbook(template, hwb, tmp_path / "a", ISSUED)
    b = generate_workbook(template, hwb, tmp_path / "b", ISSUED)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_worker_processes_write_the_same_bytes(tmp_path, template, reference):
    """Generating in worker processes gives each board the file one process would write, and
    the paths come back in the order of the boards asked for."""
    boards = list(reference.hwbs[-PARALLEL_FROM - 2:])
    serial = generate_many(template, boards, tmp_path / "serial", ISSUED, workers=1)
    parallel = generate_many(template, boards, tmp_path / "parallel", ISSUED, workers=2)
    assert [p.name for p in parallel] == [p.name for p in serial]
    assert [p.name[:9] for p in parallel] == [h.code for h in boards]
    for a, b in zip(serial, parallel):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_no_inline_list_longer_than_excel_allows(blank_template):
    """No data validation carries an inline list (Excel corrupts those over 255 characters)."""
    with zipfile.ZipFile(blank_template("E08000035")) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<formula1>&quot;" not in zf.read(name), name


def test_formulas_use_only_classic_functions(blank_template):
    """Every formula in a template uses only functions every spreadsheet program knows, none of
    the dynamic-array ones xlsxwriter would rewrite (the generator skips that rewriting)."""
    import re

    allowed = {"SUM", "SUMIF", "IF", "AND", "OR", "ISNUMBER", "ROUND", "COUNTIF", "COUNTA",
               "LEN", "TRIM", "INDEX", "IFERROR", "SUMPRODUCT", "ABS", "DATE",
               "TEXT", "ROW", "COUNTIFS"}
    used = set()
    with zipfile.ZipFile(blank_template("E06000028")) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                for formula in re.findall(rb"<f>(.*?)</f>", zf.read(name)):
                    used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", formula.decode()))
    assert used and used <= allowed, used - allowed

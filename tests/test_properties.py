"""Property-based: whatever a user types into the input cells, validation returns findings and
never raises."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcf_xl.findings import CATALOGUE
from bcf_xl.read.package import parse_area
from bcf_xl.spec.model import INPUT
from bcf_xl.validate import INVALID, VALID, validate_file

# Text Excel can hold: no control characters (XML 1.0 forbids most of them).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
VALUES = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(["Yes", "no", "£1,234", "12%", " 5 ", "31/03/2015", "=1+1", "@SUM(A1)",
                     "-", "\u00a0", "1e400", "(1,000)", "Joint"]),
    st.integers(min_value=-10**15, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)


def _input_cells(wb, template):
    """(sheet, row, col) of every input cell, through the defined names."""
    cells = []
    for _, table, field in template.all_fields():
        if field.role != INPUT:
            continue
        area = parse_area(wb.defined_names[field.qid].attr_text)
        for r in range(area.first_row, area.last_row + 1):
            cells.append((area.sheet, r + 1, area.first_col + 1))
    return cells


@pytest.fixture(scope="module")
def base(filled_example, template):
    path = filled_example("E08000035")
    wb = openpyxl.load_workbook(path)
    return path.read_bytes(), _input_cells(wb, template)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_values_in_input_cells_never_raise(base, data, tmp_path, reference):
    """Random values of every type, in randomly chosen input cells of a valid return, give a
    result with catalogued findings (or none), never an exception."""
    content, cells = base
    wb = openpyxl.load_workbook(io.BytesIO(content))
    chosen = data.draw(st.lists(st.sampled_from(cells), min_size=1, max_size=40, unique=True))
    for sheet, row, col in chosen:
        wb[sheet].cell(row, col).value = data.draw(VALUES)
    path = tmp_path / "random.xlsx"
    wb.save(path)
    result = validate_file(path, reference=reference)
    assert result.status in (VALID, INVALID)
    assert all(f.code in CATALOGUE for f in result.findings)
    assert not any(f.code == "internal.check_failed" for f in result.findings), \
        [f.message for f in result.findings if f.code == "internal.check_failed"]

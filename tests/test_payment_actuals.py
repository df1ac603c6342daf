"""The actual-performance file: every bad row gets its actuals.* code on its row and column,
good rows become figures on the plan's basis, and the bundled illustrative file is exactly what
its builder makes."""

from __future__ import annotations

import json
from fractions import Fraction
from importlib import resources

import pytest

from bcf_xl.payment.actuals import read_actuals
from bcf_xl.payment.presets import known_presets
from bcf_xl.samples.actuals import FIGURES, bundled_files, render

HEADER = "hwb_code,measure,period,numerator,denominator,value,source\n"


@pytest.fixture(scope="module")
def presets():
    return [known_presets()["dec2013-hsj"]]


def _read(tmp_path, text: str, reference, presets, name: str = "actuals.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_actuals(path, reference=reference, presets=presets)


def _where(actuals) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in actuals.findings}


def test_every_bad_row_gets_its_code_row_and_column(tmp_path, reference, presets):
    """One bad row per actuals.* code; each finding names the file as sheet and the cell of the
    offending column (CSV rows counted as a spreadsheet shows them, header is row 1)."""
    text = HEADER + "\n".join([
        "E08000035,dtoc,2014-15,400,100000,,ok",                # row 2: good
        "E99999999,dtoc,2014-15,400,100000,,",                  # 3 unknown board (A)
        "E08000035,delayed_days,2014-15,400,100000,,",          # 4 unknown measure (B)
        "E08000035,dtoc,,400,100000,,",                         # 5 period missing (C)
        "E08000035,dtoc,2016-17,400,100000,,",                  # 6 unknown period (C)
        "E08000035,dtoc,2014-15,410,100000,,",                  # 7 duplicate of row 2 (A)
        "E08000035,experience,2014-15,,,-3,",                   # 8 negative (F)
        "E08000035,local,2014-15,,,12%,",                       # 9 not a number (F)
        "E08000035,reablement,2014-15,,,,",                     # 10 no figure (F)
        "E08000035,emergency_admissions,2014-15,50,0,,",        # 11 denominator zero (E)
        "E08000035,residential_admissions,2014-15,5,100,700,",  # 12 both given (F)
    ]) + "\n"
    actuals = _read(tmp_path, text, reference, presets)
    assert _where(actuals) == {
        ("actuals.unknown_board", "actuals.csv", "A3"),
        ("actuals.unknown_measure", "actuals.csv", "B4"),
        ("actuals.period_missing", "actuals.csv", "C5"),
        ("actuals.unknown_period", "actuals.csv", "C6"),
        ("actuals.duplicate", "actuals.csv", "A7"),
        ("actuals.negative", "actuals.csv", "F8"),
        ("actuals.not_a_number", "actuals.csv", "F9"),
        ("actuals.value_missing", "actuals.csv", "F10"),
        ("actuals.denominator_zero", "actuals.csv", "E11"),
        ("actuals.ambiguous", "actuals.csv", "F12"),
    }
    # Two figures for the same thing decide nothing; no bad row became a figure.
    assert actuals.figures == {}


def test_json_rows_are_located_by_pointer(tmp_path, reference, presets):
    """JSON findings name the row's pointer and column: /rows/1/value."""
    payload = {"illustrative": False, "rows": [
        {"hwb_code": "E08000035", "measure": "local", "period": "2014-15", "value": 52},
        {"hwb_code": "E08000035", "measure": "experience", "period": "2014-15", "value": "abc"}]}
    actuals = _read(tmp_path, json.dumps(payload), reference, presets, "actuals.json")
    assert _where(actuals) == {("actuals.not_a_number", "actuals.json", "/rows/1/value")}
    assert actuals.get("E08000035", "local", "2014-15").value == 52


def test_unreadable_and_headless_files_are_findings_not_tracebacks(tmp_path, reference, presets):
    """Bytes that are not UTF-8, JSON that does not parse and a CSV without the key columns are
    each one finding."""
    assert [f.code for f in _read(tmp_path, b"hwb_code\xff\xfe\n", reference,
                                  presets).findings] == ["actuals.unreadable"]
    assert [f.code for f in _read(tmp_path, "{not json", reference, presets,
                                  "a.json").findings] == ["actuals.unreadable"]
    headless = _read(tmp_path, "board,value\nE08000035,3\n", reference, presets)
    assert {(f.code, f.field_id) for f in headless.findings} == {
        ("actuals.column_missing", "hwb_code"), ("actuals.column_missing", "measure"),
        ("actuals.column_missing", "period")}


def test_rates_use_the_spec_scale_and_the_periods_annualising(tmp_path, reference, presets):
    """A numerator and denominator give a rate per 100,000 (the spec's scale for the row), and
    six months' admissions are doubled to compare with the annual plan."""
    text = HEADER + ("E08000035,emergency_admissions,2014-15,2000,100000,,\n"
                     "E08000035,emergency_admissions,2015-16-h1,1000,100000,,\n"
                     "E08000035,reablement,2014-15,82,100,,\n"
                     "E06000057,local,2014-15,,,55.5,\n")
    actuals = _read(tmp_path, "\ufeff" + text, reference, presets)  # Excel's byte-order mark
    assert actuals.findings == ()
    assert actuals.get("E08000035", "emergency_admissions", "2014-15").value == 2000
    assert actuals.get("E08000035", "emergency_admissions", "2015-16-h1").value == 2000
    assert actuals.get("E08000035", "reablement", "2014-15").value == 82
    # Northumberland's pre-2013 code is the same board.
    assert actuals.get("E06000048", "local", "2014-15").value == Fraction("55.5")


def test_bundled_actuals_equal_a_fresh_build():
    """Every bundled illustrative actuals file is exactly what its builder makes, and both
    designs have one."""
    files = bundled_files()
    assert set(files.values()) == set(FIGURES) == {"dec2013", "jul2014"}
    for name, design in files.items():
        committed = resources.files("bcf_xl").joinpath(f"data/{name}").read_text(encoding="utf-8")
        assert committed == render(design), name


@pytest.mark.parametrize("preset_id", ["dec2013-hsj", "dec2013-halves", "jul2014-per-quarter",
                                       "jul2014-cumulative"])
def test_bundled_actuals_cover_every_board_measure_and_period(reference, preset_id):
    """Each preset's bundled file reads without a finding, says it is illustrative and how it
    was made, and has a figure for every board, measure and period of the preset's design."""
    preset = known_presets()[preset_id]
    path = resources.files("bcf_xl").joinpath(f"data/{preset.actuals}")
    actuals = read_actuals(path, reference=reference, presets=[preset])
    assert actuals.findings == () and actuals.illustrative and "ILLUSTRATIVE" in actuals.method
    assert len(actuals.figures) == len(reference.hwbs) * len(preset.measures) * len(preset.periods)


def test_design_2_illustrative_admissions_follow_the_example_plan(reference, template_revised):
    """The design-2 figures are the method's: each quarter's admissions lie between the
    baseline plus half the planned fall and the baseline less one and a half times it, from
    the board's example 2014-09 plan; and they are not simply the plan."""
    from bcf_xl.samples.example import example_document

    preset = known_presets()["jul2014-per-quarter"]
    path = resources.files("bcf_xl").joinpath(f"data/{preset.actuals}")
    actuals = read_actuals(path, reference=reference, presets=[preset])
    on_plan = 0
    for hwb in reference.hwbs:
        quarters = example_document(template_revised, hwb)["p4p"]["quarters"]
        for q in preset.quarters:
            baseline, plan = quarters[q.id]["baseline"], quarters[q.id]["plan"]
            value = actuals.get(hwb.code, "nel_admissions", q.period).value
            fall = baseline - plan
            assert baseline - 1.5 * fall - 1 <= value <= baseline + 0.5 * fall + 1, (hwb.code, q)
            on_plan += value == plan
    assert on_plan < len(reference.hwbs)

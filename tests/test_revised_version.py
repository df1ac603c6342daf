"""The revised template (2014-09): generated, filled, recalculated by LibreOffice and validated.

Every code the version adds is triggered on a real workbook, at its cell; every check the
version adds shows on the Checklist the verdict the validator gives; and the requirement's
worked example of payment for performance comes out of the workbook's own formulas (as
LibreOffice calculates them) and out of the validator's recomputation alike.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.read.package import parse_area
from bcf_xl.reference import load_reference
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.validate import validate_file
from tests.support.libreoffice import recalc_convert, require_libreoffice

BOARD = "E08000035"  # Leeds: three CCGs
ISSUED = __import__("datetime").date(2014, 8, 18)
WORKED = {"baseline": [5200, 4900, 4800, 5100], "share": 3_000_000,
          "reductions": [182, 171.5, 168, 178.5], "pot": 1_043_000, "ooh": 1_957_000}


def _set(*path: str, value) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        target = doc
        for part in path[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        target[path[-1]] = value
    return change


def _pop(*path: str) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        target = doc
        for part in path[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        target.pop(path[-1], None)
    return change


def _all(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        for c in changes:
            c(doc)
    return change


def _plan_times(factor: float) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        for row in doc["p4p"]["quarters"].values():
            row["plan"] = round(row["baseline"] * factor)
    return change


def _restate(doc: dict) -> None:
    """State the reduction and the pot the quarterly figures give (after changing them)."""
    quarters = doc["p4p"]["quarters"].values()
    reduction = sum(r["baseline"] - r["plan"] for r in quarters)
    doc["p4p"]["stated_reduction_percent"] = round(
        100 * reduction / sum(r["baseline"] for r in quarters), 2)
    doc["p4p"]["stated_pot"] = reduction * 1490
    doc["benefits"]["rows"][0].update(planned_change=reduction)


def _no_ooh_schemes(doc: dict) -> None:
    for row in doc["schemes"]["rows"]:
        row["nhs_ooh"] = "No"


def _acute_disagrees(doc: dict) -> None:
    doc["providers"]["rows"][0]["agrees_nel"] = "Partly"


def _no_acute(doc: dict) -> None:
    for row in doc["providers"]["rows"]:
        row["type"] = "Community health"


# case -> (expected code, defined name of its cell, row within the name, the change, the check
# that fails in the workbook or None when the code is not a workbook check)
CASES: dict[str, tuple[str, str, int, Callable[[dict], None], str | None]] = {
    "resignoff_blank": ("cover.resignoff_missing", "cover.resignoff_date", 0,
                        _pop("cover", "resignoff_date"), None),
    "resignoff_early": ("cover.resignoff_missing", "cover.resignoff_date", 0,
                        _set("cover", "resignoff_date", value="2014-07-01"), "resignoff_in_round"),
    "resignoff_late": ("cover.signoff_after_submission", "cover.resignoff_date", 0,
                       _set("cover", "resignoff_date", value="2014-09-25"),
                       "resignoff_before_submission"),
    "split_too_big": ("finance.split_exceeds_contribution", "funding.contributions.nhs_ooh_1516",
                      1, _set("funding", "contributions", "1", "nhs_ooh_1516", value=99_000_000),
                      "split_within_contribution"),
    "ring_fence_short": ("finance.ring_fence_shortfall", "schemes.ooh_1516", 0, _no_ooh_schemes,
                         "ring_fence_met"),
    "quarter_blank": ("p4p.quarter_missing", "p4p.quarters.plan", 2,
                      _pop("p4p", "quarters", "q3", "plan"), None),
    "increase": ("p4p.increase_planned", "p4p.plan_total", 0, _all(_plan_times(1.02), _restate),
                 "no_increase_planned"),
    "below_unjustified": ("p4p.below_expected", "p4p.justification", 0,
                          _all(_plan_times(0.99), _restate), "reduction_justified"),
    "below_justified": ("p4p.below_expected", "p4p.justification", 0,
                        _all(_plan_times(0.99), _restate,
                             _set("p4p", "justification", value="Admissions already low.")), None),
    "reduction_mismatch": ("p4p.reduction_mismatch", "p4p.stated_reduction_percent", 0,
                           _set("p4p", "stated_reduction_percent", value=5.5),
                           "stated_reduction_matches"),
    "pot_mismatch": ("p4p.pot_mismatch", "p4p.stated_pot", 0,
                     _set("p4p", "stated_pot", value=9_000_000), "stated_pot_matches"),
    "pot_over_share": ("p4p.pot_exceeds_share", "p4p.pot", 0,
                       _all(_plan_times(0.2), _restate), "pot_within_share"),
    "unknown_scheme": ("benefits.scheme_unknown", "benefits.rows.scheme_ref", 1,
                       _set("benefits", "rows", "1", "scheme_ref", value="S45"),
                       "benefits_name_schemes"),
    "benefit_not_pot": ("benefits.total_inconsistent", "benefits.rows.total_benefit", 0,
                        _set("benefits", "rows", "0", "unit_value", value=2500), None),
    "benefit_partial": ("benefits.row_incomplete", "benefits.rows.beneficiary", 1,
                        _pop("benefits", "rows", "1", "beneficiary"), None),
    "no_acute": ("provider.acute_missing", "providers.rows", 0, _no_acute,
                 "acute_provider_commentary"),
    "acute_partly": ("provider.disagrees", "providers.rows.agrees_nel", 0, _acute_disagrees, None),
    "provider_partial": ("provider.row_incomplete", "providers.rows.given_by", 2,
                         _pop("providers", "rows", "2", "given_by"), None),
    "no_p4p_risk": ("risk.no_p4p_risk", "risks.register", 0,
                    _set("risks", "register", "0", "category", value="Performance"),
                    "p4p_risk_listed"),
}


def _worked_reference(tmp: Path) -> Path:
    """The bundled reference with the worked example's baseline and share for the board."""
    data = json.loads(resources.files("bcf_xl").joinpath("data/reference-2014.json").read_text())
    board = next(h for h in data["hwbs"] if h["hwb_code"] == BOARD)
    board.update(nel_baseline=WORKED["baseline"], p4p_share=WORKED["share"])
    path = tmp / "worked-reference.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory, template_revised, reference):
    """The valid example, one return per case, and the worked example, each recalculated by
    LibreOffice; returns {name: path} of the recalculated files and the worked reference."""
    require_libreoffice()
    tmp = tmp_path_factory.mktemp("revised")
    blank = generate_workbook(template_revised, reference.get(BOARD), tmp / "blank", ISSUED)
    base = example_document(template_revised, reference.get(BOARD))
    sources = [fill_workbook(blank, base, tmp / "valid.xlsx", template_revised)]
    for name, (_, _, _, change, _) in CASES.items():
        doc = copy.deepcopy(base)
        change(doc)
        sources.append(fill_workbook(blank, doc, tmp / f"{name}.xlsx", template_revised))
    worked_ref = load_reference(_worked_reference(tmp))
    worked_blank = generate_workbook(template_revised, worked_ref.get(BOARD), tmp / "worked",
                                     ISSUED)
    worked = example_document(template_revised, worked_ref.get(BOARD))
    for row, baseline, reduction in zip(worked["p4p"]["quarters"].values(), WORKED["baseline"],
                                        WORKED["reductions"]):
        row["plan"] = baseline - reduction
    sources.append(fill_workbook(worked_blank, worked, tmp / "worked.xlsx", template_revised))
    outputs = recalc_convert(sources, tmp / "recalculated")
    return {p.stem: p for p in outputs}, worked_ref


def _cell(path: Path, name: str, row: int = 0) -> tuple[str, str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    area = parse_area(wb.defined_names[name].attr_text)
    cell = wb[area.sheet].cell(area.first_row + row + 1, area.first_col + 1)
    return area.sheet, cell.coordinate, cell.value


def _checklist(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path, data_only=True)["Checklist"]
    return {d[len("Check: "):]: v for d, _, v in ws.iter_rows(min_col=3, max_col=5,
                                                             values_only=True)
            if isinstance(d, str) and d.startswith("Check: ")}


@pytest.mark.libreoffice
def test_the_valid_example_passes_everything(made, reference, template_revised):
    """The example 2014-09 return, recalculated by LibreOffice, has no finding, every check
    reads Yes in the workbook and the template reads complete."""
    files, _ = made
    result = validate_file(files["valid"], reference=reference)
    assert result.findings == () and result.identity.version == "2014-09"
    assert set(_checklist(files["valid"]).values()) == {"Yes"}
    assert _cell(files["valid"], "checklist.status")[2] == "Complete template"


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", list(CASES))
def test_each_new_code_on_its_cell_and_in_the_workbook(case, made, reference, template_revised):
    """The case reports its code on the cell of the field at fault; where the code is a check
    of the version, the workbook's own Checklist says No for it, and every check's verdict in
    the workbook equals the validator's."""
    code, name, row, _, check_id = CASES[case]
    files, _ = made
    result = validate_file(files[case], reference=reference)
    sheet, cell, _ = _cell(files[case], name, row)
    hits = [f for f in result.findings if f.code == code]
    assert any(f.sheet == sheet and cell in f.cells for f in hits), \
        (code, sheet, cell, [(f.code, f.sheet, f.cells) for f in result.findings])
    shown = _checklist(files[case])
    titles = {c.id: c.title for c in template_revised.checks}
    assert {titles[k]: v for k, v in result.checks.items()} == shown
    if check_id:
        assert result.checks[check_id] == "No"


@pytest.mark.libreoffice
def test_below_expected_is_a_warning_once_justified(made, reference):
    """A reduction below the expected minimum is an error without a justification and a
    warning with one."""
    files, _ = made
    severities = {case: {f.severity.value for f in validate_file(files[case], reference=reference)
                         .findings if f.code == "p4p.below_expected"}
                  for case in ("below_unjustified", "below_justified")}
    assert severities == {"below_unjustified": {"error"}, "below_justified": {"warning"}}


@pytest.mark.libreoffice
def test_worked_example_in_the_workbook_and_the_validator(made):
    """Baseline 5,200 / 4,900 / 4,800 / 5,100 with 3.5% planned off each quarter, c = 1,490 and
    S = 3,000,000: the workbook's formulas give reductions 182, 171.5, 168, 178.5 (700), a pot
    of 1,043,000 and a ring-fence of 1,957,000, and so does the validator's recomputation."""
    files, worked_ref = made
    path = files["worked"]
    reductions = [_cell(path, "p4p.quarters.reduction", i)[2] for i in range(4)]
    assert reductions == pytest.approx(WORKED["reductions"])
    assert _cell(path, "p4p.reduction_total")[2] == pytest.approx(700)
    assert _cell(path, "p4p.pot")[2] == pytest.approx(WORKED["pot"])
    assert _cell(path, "p4p.ooh")[2] == pytest.approx(WORKED["ooh"])
    result = validate_file(path, reference=worked_ref)
    assert result.computed["/p4p/pot"] == pytest.approx(WORKED["pot"])
    assert result.computed["/p4p/ooh"] == pytest.approx(WORKED["ooh"])
    assert [result.computed[f"/p4p/quarters/q{i}/reduction"] for i in range(1, 5)] == \
        pytest.approx(WORKED["reductions"])
    assert not [f for f in result.findings if f.code.startswith("formula.")]

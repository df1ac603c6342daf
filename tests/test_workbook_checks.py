"""The checks a board sees on its own Checklist sheet agree with the validator, check by check.

Returns are filled (a valid one, and one per check that breaks it), recalculated and saved by
LibreOffice, and read back: the verdict of each "Check:" line as LibreOffice computed it must
equal the validator's verdict for that check, and each failed check must be reported with its
code. The generator writes these formulas from the same conditions the validator evaluates
(spec/conditions.py), so a disagreement means one side of a condition is wrong.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from bcf_xl.read.package import parse_area
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.validate import validate_file
from tests.support.libreoffice import recalc_convert, require_libreoffice

BOARD = "E08000035"


def _provider_types(doc: dict) -> None:
    for row in doc["national_conditions"]["providers"]:
        row["type"] = "Community health"


def _joint_without_share(doc: dict) -> None:
    row = next(r for r in doc["schemes"]["rows"] if r["commissioner"] == "Joint")
    row.pop("nhs_share", None)


def _no_social_care(doc: dict) -> None:
    for row in doc["schemes"]["rows"]:
        row["protects_social_care"] = "No"


def _unmitigated(doc: dict) -> None:
    risk = doc["risks"]["register"][0]
    risk.update(likelihood=5, impact=4)
    risk.pop("mitigation", None)


def _below_minimum(doc: dict) -> None:
    row = doc["funding"]["contributions"][1]
    row["planned_1415"] = row["minimum_1415"] - 5_000


def _unbalanced(doc: dict) -> None:
    doc["schemes"]["rows"][0]["expenditure_1516"] += 250_000


def _condition(cid: str, **values) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        row = doc["national_conditions"]["conditions"][cid]
        for key in ("met_by", "explanation"):
            row.pop(key, None)
        row.update(values)
    return change


def _cover(**values) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc["cover"].update(values)
    return change


def _set(sheet: str, key: str, value) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc[sheet][key] = value
    return change


def _ccg_no(doc: dict) -> None:
    doc["cover"]["ccg_signoff"][0]["signed"] = "No"


def _nhs_number(answer: str, by: str | None) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        nc = doc["national_conditions"]
        nc["nhs_number_used"] = answer
        nc.pop("nhs_number_by", None)
        if by:
            nc["nhs_number_by"] = by
    return change


def _reablement_zero(doc: dict) -> None:
    doc["metrics"]["national"]["reablement"]["baseline_den"] = 0


# case name -> (the check id that must fail, change to the example document)
CASES: dict[str, tuple[str, Callable[[dict], None]]] = {
    "chair_no": ("chair_signed", _cover(chair_signed="No")),
    "ccg_no": ("ccgs_signed", _ccg_no),
    "signed_late": ("signoff_before_submission", _cover(hwb_signoff_date="2014-02-20")),
    "unmet_no_plan": ("conditions_not_met_have_plans", _condition("c3", met="No - in progress")),
    "unmet_late": ("conditions_met_in_time", _condition(
        "c5", met="No", met_by="2015-06-30", explanation="Joint assessment from June 2015")),
    "nhs_number_no_date": ("nhs_number_planned", _nhs_number("No - in progress", None)),
    "nhs_number_late": ("nhs_number_in_time", _nhs_number("No", "2015-09-30")),
    "social_care_amount": ("social_care_amount_within_pool",
                           _set("national_conditions", "social_care_amount_1516", 99_000_000)),
    "no_acute": ("acute_provider_engaged", _provider_types),
    "below_minimum": ("contributions_at_minimum_1415", _below_minimum),
    "unbalanced": ("funding_matches_schemes_1516", _unbalanced),
    "dfg_short": ("dfg_in_full", _set("funding", "dfg_included_1516", 1000)),
    "joint_no_share": ("joint_schemes_have_nhs_share", _joint_without_share),
    "no_social_care": ("a_scheme_protects_social_care", _no_social_care),
    "zero_denominator": ("baseline_denominators", _reablement_zero),
    "high_risk": ("high_risks_mitigated", _unmitigated),
}


def _verdicts(path: Path) -> dict[str, str]:
    """Each "Check:" line of the Checklist sheet, by title, with the value LibreOffice cached."""
    ws = openpyxl.load_workbook(path, data_only=True)["Checklist"]
    out = {}
    for description, _, verdict in ws.iter_rows(min_col=3, max_col=5, values_only=True):
        if isinstance(description, str) and description.startswith("Check: "):
            out[description[len("Check: "):]] = verdict
    return out


def _tamper_denominator(path: Path) -> Path:
    """A locked, issued denominator changed after unprotecting the sheet."""
    wb = openpyxl.load_workbook(path)
    area = parse_area(wb.defined_names["metrics.national.plan_1516_den"].attr_text)
    cell = wb[area.sheet].cell(area.first_row + 1, area.first_col + 1)
    cell.value = cell.value + 500
    out = path.with_name("tampered_denominator.xlsx")
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, template, reference, blank_template):
    """Every case filled into the board's template, then recalculated by LibreOffice."""
    require_libreoffice()
    folder = tmp_path_factory.mktemp("checks")
    base = example_document(template, reference.get(BOARD))
    sources = [fill_workbook(blank_template(BOARD), base, folder / "valid.xlsx", template)]
    for name, (_, change) in CASES.items():
        doc = copy.deepcopy(base)
        change(doc)
        sources.append(fill_workbook(blank_template(BOARD), doc, folder / f"{name}.xlsx",
                                     template))
    sources.append(_tamper_denominator(sources[0]))
    outputs = recalc_convert(sources, folder / "recalculated")
    return {p.stem: p for p in outputs}


def _check_titles(template) -> dict[str, str]:
    return {c.id: c.title for c in template.checks}


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", ["valid", *CASES, "tampered_denominator"])
def test_workbook_verdicts_equal_the_validator(case, recalculated, template, reference):
    """After LibreOffice recalculates the return, every check's Yes/No on the Checklist sheet
    is the validator's verdict for that check, and every failed check is reported."""
    path = recalculated[case]
    shown = _verdicts(path)
    result = validate_file(path, reference=reference)
    titles = _check_titles(template)
    assert set(shown) == set(titles.values())
    for check_id, verdict in result.checks.items():
        assert shown[titles[check_id]] == verdict, (case, check_id)
    codes = {f.code for f in result.findings}
    for check in template.checks:
        if result.checks[check.id] == "No":
            assert check.code in codes, (case, check.id)
    if case in CASES:
        assert result.checks[CASES[case][0]] == "No", case
    elif case == "tampered_denominator":
        assert result.checks["plan_1516_denominators"] == "No"
    else:
        assert set(result.checks.values()) == {"Yes"}
        assert _status(path) == "Complete template"


def _status(path: Path) -> str:
    wb = openpyxl.load_workbook(path, data_only=True)
    area = parse_area(wb.defined_names["checklist.status"].attr_text)
    return wb[area.sheet].cell(area.first_row + 1, area.first_col + 1).value


@pytest.mark.libreoffice
def test_a_failed_check_keeps_the_template_incomplete(recalculated):
    """A return with every required cell filled but a check failing reads "Incomplete
    template": the title follows the checks, not only the blanks."""
    assert _status(recalculated["unbalanced"]) == "Incomplete template"

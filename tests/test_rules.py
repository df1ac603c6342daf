"""Every rule code, triggered on a real workbook (generated, filled, validated), asserting the
code, the sheet and the cell; and the valid example triggers none of them."""

from __future__ import annotations

import copy
import importlib
import pkgutil
from typing import Callable

import openpyxl
import pytest

import bcf_xl.check.rules as rules_pkg
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.findings import CATALOGUE
from bcf_xl.read.package import parse_area
from bcf_xl.check.rules import REGISTRY
from bcf_xl.validate import validate_file

BOARD = "E08000035"  # Leeds: three CCGs


def _pop(path: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        *parents, key = path.split("/")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target.pop(key, None)
    return mutate


def _set(path: str, value) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        *parents, key = path.split("/")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(key) if key.isdigit() else key] = value
    return mutate


def _both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        for m in mutations:
            m(doc)
    return mutate


def _add_scheme(doc: dict) -> None:
    doc["schemes"]["rows"].append(dict(doc["schemes"]["rows"][0], expenditure_1415=0,
                                       expenditure_1516=0))


# (case id, mutation, expected code, defined name of the cell, row index within the name)
CASES = [
    ("chair said no", _set("cover/chair_signed", "No"), "cover.signoff_missing", "cover.chair_signed", 0),
    ("chair sign-off blank", _pop("cover/chair_signed"), "cover.signoff_missing", "cover.chair_signed", 0),
    ("ccg said no", _set("cover/ccg_signoff/1/signed", "No"), "cover.ccg_signoff_missing", "cover.ccg_signoff.signed", 1),
    ("ccg officer blank", _pop("cover/ccg_signoff/2/officer_name"), "cover.ccg_signoff_missing", "cover.ccg_signoff.officer_name", 2),
    ("signed after submission", _set("cover/hwb_signoff_date", "2014-02-20"), "cover.signoff_after_submission", "cover.hwb_signoff_date", 0),
    ("condition unanswered", _pop("national_conditions/conditions/c2/met"), "nc.answer_missing", "national_conditions.conditions.met", 1),
    ("condition not met without date", _both(_set("national_conditions/conditions/c3/met", "No")),
     "nc.not_met_without_plan", "national_conditions.conditions.met_by", 2),
    ("condition date too late", _set("national_conditions/conditions/c4/met_by", "2015-09-01"), "nc.date_out_of_range", "national_conditions.conditions.met_by", 3),
    ("no account of social care", _pop("national_conditions/social_care_protection"), "nc.social_care_protection_missing", "national_conditions.social_care_protection", 0),
    ("protection above the pool", _set("national_conditions/social_care_amount_1516", 99_000_000), "nc.social_care_protection_missing", "national_conditions.social_care_amount_1516", 0),
    ("no acute provider", _set("national_conditions/providers/0/type", "Community health"), "nc.acute_provider_not_engaged", "national_conditions.providers", 0),
    ("provider disagrees", _set("national_conditions/providers/1/agrees_impact", "Not yet"), "nc.provider_disagrees", "national_conditions.providers.agrees_impact", 1),
    ("ccg below minimum", _set("funding/contributions/1/planned_1516", 1000), "finance.below_minimum", "funding.contributions.planned_1516", 1),
    ("pool below minimum", _both(*[_set(f"funding/contributions/{i}/planned_1415", 0) for i in range(4)], _set("funding/additional", [])), "finance.pool_below_minimum", "funding.total_1415", 0),
    ("unbalanced", _set("schemes/rows/0/expenditure_1516", 1), "finance.sources_schemes_mismatch", "funding.total_1516", 0),
    ("dfg short", _set("funding/dfg_included_1516", 10), "finance.dfg_missing", "funding.dfg_included_1516", 0),
    ("joint without share", _pop("schemes/rows/1/nhs_share"), "finance.joint_split_invalid", "schemes.rows.nhs_share", 1),
    ("partial scheme", _pop("schemes/rows/2/provider"), "finance.scheme_incomplete", "schemes.rows.provider", 2),
    ("duplicate scheme", _add_scheme, "finance.duplicate_scheme", "schemes.rows.name", 0),
    ("no schemes", _set("schemes/rows", []), "finance.no_schemes", "schemes.rows", 0),
    ("no scheme protects social care", lambda d: [r.update(protects_social_care="No") for r in d["schemes"]["rows"]], "finance.social_care_unprotected", "schemes.rows", 0),
    ("zero denominator", _set("metrics/national/reablement/plan_1415_den", 0), "metrics.denominator_invalid", "metrics.national.plan_1415_den", 3),
    ("more at home than discharged", _set("metrics/national/reablement/baseline_num", 10**6), "metrics.numerator_exceeds_denominator", "metrics.national.baseline_num", 3),
    ("plan worse than baseline", _set("metrics/national/dtoc/plan_1516_num", 10**6), "metrics.no_improvement", "metrics.national.plan_1516_rate", 0),
    ("local metric unnamed", _pop("metrics/local_source"), "metrics.local_metric_undefined", "metrics.local_source", 0),
    ("no risk sharing", _pop("risks/sharing_approach"), "risk.sharing_approach_missing", "risks.sharing_approach", 0),
    ("no risks", _set("risks/register", []), "risk.none", "risks.register", 0),
    ("partial risk", _pop("risks/register/3/category"), "risk.row_incomplete", "risks.register.category", 3),
    ("high risk unmitigated", _pop("risks/register/0/mitigation"), "risk.high_without_mitigation", "risks.register.mitigation", 0),
    ("no performance risk", lambda d: [r.update(category="Operational") for r in d["risks"]["register"] if r["category"] == "Performance"], "risk.no_performance_risk", "risks.register", 0),
]
RULE_CODES = sorted({c for r in REGISTRY.values() for c in r.codes} | {case[2] for case in CASES})


@pytest.fixture(scope="module")
def example(template, reference):
    return example_document(template, reference.get(BOARD))


@pytest.fixture(scope="module")
def names(blank_template):
    wb = openpyxl.load_workbook(blank_template(BOARD))
    return {n: parse_area(wb.defined_names[n].attr_text) for n in wb.defined_names}


@pytest.fixture(scope="module")
def valid_findings(filled_example, reference):
    return validate_file(filled_example(BOARD), reference=reference).findings


@pytest.mark.parametrize("case,mutation,code,name,row", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_its_cell(case, mutation, code, name, row, example, names, template,
                                blank_template, reference, tmp_path):
    """The mutated return reports the code on the sheet and cell of the field at fault."""
    doc = copy.deepcopy(example)
    mutation(doc)
    path = fill_workbook(blank_template(BOARD), doc, tmp_path / "return.xlsx", template)
    result = validate_file(path, reference=reference)
    area = names[name]
    from openpyxl.utils import get_column_letter
    cell = f"{get_column_letter(area.first_col + 1)}{area.first_row + row + 1}"
    hits = [f for f in result.findings if f.code == code]
    assert hits, f"{code} not reported; got {[f.code for f in result.findings]}"
    assert any(f.sheet == area.sheet and cell in f.cells for f in hits), \
        [(f.sheet, f.cells) for f in hits]


@pytest.mark.parametrize("code", RULE_CODES)
def test_valid_example_does_not_trigger(code, valid_findings):
    """The complete example return triggers none of the rule codes."""
    assert code not in {f.code for f in valid_findings}


def test_every_rule_module_is_registered_and_catalogued():
    """Every module in bcf_xl/check/rules/ that defines a RULE is in the registry under its
    module's name, and every code a rule may emit is in the catalogue."""
    found = {}
    for info in pkgutil.iter_modules(rules_pkg.__path__):
        module = importlib.import_module(f"bcf_xl.check.rules.{info.name}")
        if hasattr(module, "RULE"):
            found[info.name] = module.RULE
    assert found == REGISTRY
    for rule in REGISTRY.values():
        assert rule.codes and set(rule.codes) <= set(CATALOGUE), rule.name


def test_every_rule_code_of_the_version_has_a_case(template):
    """Each rule code the 2014-02 version can report (its rules' codes and its fields' missing
    codes) is exercised by a case above."""
    from bcf_xl.check.rules import bind

    codes = {c for b in bind(template) for c in b.rule.codes}
    codes |= {f.missing_code for _, _, f in template.all_fields() if f.missing_code}
    assert codes <= {case[2] for case in CASES}


@pytest.mark.parametrize("minimum_name,planned_name", [
    ("funding.contributions.minimum_1415", "funding.contributions.planned_1415"),
    ("funding.dfg_allocation_1516", "funding.dfg_included_1516"),
])
def test_a_minimum_edited_after_unprotecting_is_not_used(minimum_name, planned_name, names,
                                                         filled_example, reference, tmp_path):
    """A locked minimum lowered after unprotecting the sheet (and the amount lowered with it)
    is compared with the value the template was issued with: the shortfall is reported on
    the amount, and the edited cell as a changed pre-populated value."""
    wb = openpyxl.load_workbook(filled_example(BOARD))
    minimum, planned = names[minimum_name], names[planned_name]
    row = 1 if minimum.height > 1 else 0
    wb[minimum.sheet].cell(minimum.first_row + row + 1, minimum.first_col + 1).value = 1
    wb[planned.sheet].cell(planned.first_row + row + 1, planned.first_col + 1).value = 2
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    found = {(f.code, f.sheet, f.cell) for f in validate_file(path, reference=reference).findings}
    from openpyxl.utils import get_column_letter

    def a1(area) -> str:
        return f"{get_column_letter(area.first_col + 1)}{area.first_row + row + 1}"
    shortfall = "finance.below_minimum" if "contributions" in minimum_name else "finance.dfg_missing"
    assert (shortfall, planned.sheet, a1(planned)) in found
    assert ("identity.prepopulated_changed", minimum.sheet, a1(minimum)) in found
